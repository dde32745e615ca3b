/* SPDX-License-Identifier: MIT */
/*
 * crypto: the IKEv1 crypto suite (RFC 2409 §5, App. B) on OpenSSL EVP.
 *
 *  - PRF = HMAC with the negotiated hash (MD5, SHA1, SHA2-256/384/512).
 *  - SKEYID for pre-shared keys and for signatures, SKEYID_d/_a/_e, the
 *    Phase 1 cipher key expanded from SKEYID_e (App. B) when SKEYID_e is
 *    shorter than the key.
 *  - HASH_I / HASH_R, quick mode HASH(1)/(2)/(3), the informational /
 *    transaction HASH, KEYMAT with and without PFS, NAT-D hashes.
 *  - Phase 1 message encryption (DES, 3DES, AES-CBC-128/192/256) with the
 *    IV chaining of App. B: the first Phase 1 IV is hash(g^xi | g^xr); each
 *    message's IV is the last ciphertext block of the previous message in
 *    that exchange; a Phase 2 / informational / transaction exchange starts
 *    from hash(last Phase 1 CBC block | M-ID).
 *
 * IV ownership (the flows hold the state, this module computes it):
 *  - struct ike_sa keeps `p1_iv`: during Phase 1 it is the running IV; after
 *    Phase 1 it stays "the last Phase 1 CBC output block" for
 *    ike_iv_phase2().  (If aggressive mode's third message is sent in the
 *    clear, p1_iv stays the initial IV, which is what RFC 2409 means.)
 *  - each quick mode / informational / transaction exchange keeps its own
 *    struct ike_iv initialised by ike_iv_phase2() for its message id.
 *  - ike_decrypt_msg() never updates the IV in place: it writes the
 *    candidate into *iv_next and the caller commits it only once the
 *    message is accepted (HASH verified), so a forged or retransmitted
 *    packet cannot desynchronise the exchange.
 *
 * All sizes are bytes.  Every function returns 0 on success or -1 (and
 * logs at debug) on failure; outputs are untouched on failure.
 */
#ifndef EVSD_CRYPTO_H
#define EVSD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/isakmp.h"
#include "lib/secret.h"

#define IKE_MAX_HASH	64	/* SHA-512 */
#define IKE_MAX_BLOCK	16	/* AES */
#define IKE_MAX_KEY	32	/* AES-256 */

/* ---- algorithm descriptions ------------------------------------------ */

/* Hash lengths by IKE hash value (enum ike_hash_alg); 0 if unsupported. */
size_t ike_hash_len(uint16_t hash);
bool ike_hash_supported(uint16_t hash);
/* "md5", "sha1", "sha256", "sha384", "sha512" (or "hash-N"). */
const char *ike_hash_name(uint16_t hash);
bool ike_hash_weak(uint16_t hash);			/* MD5 */

/* Phase 1 ciphers by IKE value (enum ike_encr) and key length in bits
 * (0 = the cipher's fixed/default length: DES 64, 3DES 192, AES 128). */
bool ike_cipher_supported(uint16_t encr, unsigned key_bits);
size_t ike_cipher_key_len(uint16_t encr, unsigned key_bits);	/* bytes */
size_t ike_cipher_block_len(uint16_t encr);
/* "des", "3des", "aes-128", "aes-192", "aes-256". */
const char *ike_cipher_name(uint16_t encr, unsigned key_bits);
bool ike_cipher_weak(uint16_t encr);			/* DES */

/* ---- PRF ----------------------------------------------------------------- */

/* A segment list for prf(key, seg0 | seg1 | ...). */
struct ike_seg {
	const void *p;
	size_t n;
};
/* HMAC-<hash>(key, concat(segs)) -> out (ike_hash_len(hash) bytes). */
int ike_prf(uint16_t hash, const void *key, size_t klen,
	    const struct ike_seg *segs, unsigned nseg, uint8_t *out);
/* Plain hash of concat(segs) (IV derivation, NAT-D, VIDs). */
int ike_hash(uint16_t hash, const struct ike_seg *segs, unsigned nseg,
	     uint8_t *out);

/* ---- Phase 1 keys ------------------------------------------------------ */

/* Negotiated Phase 1 algorithms (from proposal.c's match). */
struct ike_p1_algs {
	uint16_t encr;		/* enum ike_encr */
	unsigned key_bits;	/* 0 = default */
	uint16_t hash;		/* enum ike_hash_alg; also the PRF */
	uint16_t auth;		/* base method: IKE_AUTH_PSK or _RSA_SIG */
	uint16_t group;		/* DH group */
};

/* Everything derived from g^xy for one ISAKMP SA.  Owned by the IKE SA;
 * ike_keys_clear() wipes and frees. */
struct ike_keys {
	struct ike_p1_algs algs;
	size_t hash_len;
	size_t key_len;
	size_t block_len;
	struct secret *skeyid;
	struct secret *skeyid_d;
	struct secret *skeyid_a;
	struct secret *skeyid_e;
	struct secret *enc_key;	/* ike_cipher_key_len() bytes */
};

struct ike_skeyid_in {
	const struct secret *psk;	/* PSK auth only */
	const uint8_t *ni_b;		/* initiator nonce (payload body) */
	size_t ni_len;
	const uint8_t *nr_b;
	size_t nr_len;
	const struct secret *gxy;	/* DH shared secret, dh.h */
	uint8_t cky_i[ISAKMP_COOKIE_LEN];
	uint8_t cky_r[ISAKMP_COOKIE_LEN];
};

/* SKEYID per auth method:
 *   PSK:        prf(pre-shared-key, Ni_b | Nr_b)
 *   signatures: prf(Ni_b | Nr_b, g^xy)
 * then SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0),
 *      SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1),
 *      SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2),
 * and the cipher key = first key_len bytes of SKEYID_e, or, if SKEYID_e is
 * shorter, of K1 | K2 | ... with K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e,
 * Kn-1) (App. B).  Fails on unsupported algorithms or auth method.
 * Logs (info) "weak" when the suite uses DES, MD5 or group 2. */
int ike_keys_derive(struct ike_keys *k, const struct ike_p1_algs *algs,
		    const struct ike_skeyid_in *in);
void ike_keys_clear(struct ike_keys *k);

/* ---- Phase 1 authentication hashes ------------------------------------- */

/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 * `initiator` chooses which; gxi/gxr are the KE payload bodies as sent,
 * sai_b the initiator's SA payload body, id_b the ID body of the side
 * whose hash it is.  out gets k->hash_len bytes. */
struct ike_auth_in {
	const uint8_t *gxi;
	size_t gxi_len;
	const uint8_t *gxr;
	size_t gxr_len;
	const uint8_t *sai_b;
	size_t sai_len;
	const uint8_t *id_b;
	size_t id_len;
};
int ike_hash_auth(const struct ike_keys *k, bool initiator,
		  const struct ike_skeyid_in *kin, const struct ike_auth_in *a,
		  uint8_t *out);

/* ---- Phase 2 / informational hashes ------------------------------------- */

/* prf(SKEYID_a, M-ID | data): quick mode HASH(1) and the HASH of
 * informational and transaction (mode config / XAUTH) exchanges, where data
 * is every payload after HASH, with generic headers
 * (isakmp_bld_after() when sending; from the end of the HASH payload to
 * the last payload's end — without padding — when receiving). */
int ike_hash_msgid(const struct ike_keys *k, uint32_t msgid,
		   const uint8_t *data, size_t len, uint8_t *out);
/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | data-after-HASH). */
int ike_hash_qm2(const struct ike_keys *k, uint32_t msgid,
		 const uint8_t *ni_b, size_t ni_len,
		 const uint8_t *data, size_t len, uint8_t *out);
/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b). */
int ike_hash_qm3(const struct ike_keys *k, uint32_t msgid,
		 const uint8_t *ni_b, size_t ni_len,
		 const uint8_t *nr_b, size_t nr_len, uint8_t *out);

/* KEYMAT for one direction of one SA (RFC 2409 §5.5):
 *   K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 *   Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 * gqm_xy NULL = no PFS.  spi is the SPI of that SA in host order (the
 * receiver chose it: for our inbound SA, our SPI).  need = enc key + auth
 * key bytes; the encryption key comes first.  *out is a new sealed
 * secret. */
int ike_keymat(const struct ike_keys *k, const struct secret *gqm_xy,
	       uint8_t proto, uint32_t spi,
	       const uint8_t *ni_b, size_t ni_len,
	       const uint8_t *nr_b, size_t nr_len,
	       size_t need, struct secret **out);

/* NAT-D = HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash;
 * addr is 4 or 16 network-order bytes, port host order. */
int ike_natd_hash(uint16_t hash, const uint8_t cky_i[ISAKMP_COOKIE_LEN],
		  const uint8_t cky_r[ISAKMP_COOKIE_LEN],
		  const uint8_t *addr, size_t addr_len, uint16_t port,
		  uint8_t *out);

/* ---- IVs and message encryption ----------------------------------------- */

struct ike_iv {
	uint8_t b[IKE_MAX_BLOCK];
	size_t len;
};

/* First Phase 1 IV = hash(g^xi | g^xr) truncated to the block size. */
int ike_iv_phase1(const struct ike_keys *k, const uint8_t *gxi, size_t gxi_len,
		  const uint8_t *gxr, size_t gxr_len, struct ike_iv *iv);
/* IV of a new Phase 2 / informational / transaction exchange:
 * hash(p1_last_block | M-ID) truncated to the block size. */
int ike_iv_phase2(const struct ike_keys *k, const struct ike_iv *p1_last,
		  uint32_t msgid, struct ike_iv *iv);

/* Encrypt a built message in place: pads the body (everything after the
 * 28-byte header) to the block size as RFC 2409 App. B describes (always
 * at least one pad byte; zero bytes, the last one holding the number of
 * pad bytes before it), CBC-encrypts it with *iv, sets ISAKMP_FLAG_ENC and
 * the header length, and sets *iv to the last ciphertext block. */
int ike_encrypt_msg(const struct ike_keys *k, struct ike_iv *iv,
		    struct isakmp_buf *msg);
/* Decrypt a received message (msg[0..len), header included, len = header
 * length): body must be a non-zero multiple of the block size (else -1:
 * the flow drops it; RFC 2408 §5.1 notify PAYLOAD-MALFORMED is optional).
 * *out (initialised with isakmp_buf_init; its old contents are freed)
 * receives header + plaintext body (flag bit kept); *iv_next the last
 * ciphertext block.  Padding is left for isakmp_parse_body(PADDED). */
int ike_decrypt_msg(const struct ike_keys *k, const struct ike_iv *iv,
		    const uint8_t *msg, size_t len, struct isakmp_buf *out,
		    struct ike_iv *iv_next);

/* ---- randomness -------------------------------------------------------- */
/* libsodium randombytes_buf; cookies, nonces, SPIs, message ids. */
void ike_random(void *p, size_t n);
/* A random non-zero message id / SPI (>= 256 for SPIs, RFC 4303). */
/* The largest of the one-byte message ids vpnc draws for its deletes. */
#define IKE_MSGID_PEER_BYTE_MAX 0xffu
/* A random message id above IKE_MSGID_PEER_BYTE_MAX. */
uint32_t ike_random_msgid(void);
uint32_t ike_random_spi(void);

#endif
