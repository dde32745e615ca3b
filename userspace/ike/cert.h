/* SPDX-License-Identifier: MIT */
/*
 * cert: X.509 and RSA for IKEv1 signature authentication (OpenSSL).
 *
 * A cert_store holds our private key, our certificate (and any chain
 * certificates after it in the same PEM file) and the trusted CA(s).
 * IKEv1 RSA signatures (RFC 2409 §5.1) are PKCS#1 v1.5 type 1 signatures
 * over the raw HASH_I/HASH_R bytes — no DigestInfo — which is what Cisco,
 * strongSwan and libreswan send; cert_sign_hash()/cert_verify_hash() do
 * exactly that.
 */
#ifndef EVSD_CERT_H
#define EVSD_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/isakmp.h"
#include "lib/err.h"

struct cert_store;
struct cert_peer;

/* Load PEM files: ca_file (one or more CA certificates, required),
 * cert_file (our certificate, optionally followed by intermediates),
 * key_file (our RSA private key, PKCS#8 or traditional).  cert/key may be
 * NULL for a store that only verifies.  Checks that the key matches the
 * certificate.  On error: NULL and a reason in err ("file: why"). */
struct cert_store *cert_store_load(const char *ca_file, const char *cert_file,
				   const char *key_file, struct evs_err *err);
void cert_store_free(struct cert_store *cs);

/*
 * How peer certificates are checked beyond the chain's signatures, times
 * and CA constraints (the pki block of evsd.conf):
 *  - crl_file: PEM CRLs; then every certificate of the chain (crl_leaf_only:
 *    only the peer's) needs a valid CRL from its issuer and must not be on
 *    it ("unable to get certificate CRL" otherwise: no CRL, no entry);
 *  - max_depth: intermediate CAs allowed between the peer and a trusted CA;
 *  - eku: CERT_EKU_ANY (no check), CERT_EKU_IKE (an extendedKeyUsage, when
 *    present, must allow ipsecIKE, serverAuth, clientAuth or any), or a
 *    mask of CERT_EKU_* of which the certificate must carry one.
 */
enum {
	CERT_EKU_ANY = 0,
	CERT_EKU_IKE = 1u << 31,
	CERT_EKU_IPSEC_IKE = 1u << 0,
	CERT_EKU_SERVER_AUTH = 1u << 1,
	CERT_EKU_CLIENT_AUTH = 1u << 2,
	CERT_EKU_IPSEC_END_SYSTEM = 1u << 3,
	CERT_EKU_IPSEC_TUNNEL = 1u << 4,
	CERT_EKU_IPSEC_USER = 1u << 5,
	CERT_EKU_ANY_EKU = 1u << 6,
};
#define CERT_DEFAULT_DEPTH 4

struct cert_policy {
	const char *crl_file;		/* NULL: no CRL checks */
	bool crl_leaf_only;
	int max_depth;
	uint32_t eku;
};
/* "ipsec-ike" ... -> CERT_EKU_* bit; 0 if unknown. */
uint32_t cert_eku_parse(const char *name);
/* Apply a policy to a loaded store (loads the CRLs). */
int cert_store_set_policy(struct cert_store *cs, const struct cert_policy *pol,
			  struct evs_err *err);

/* Our certificate in DER (for the CERT payload); NULL if none. */
const uint8_t *cert_own_der(const struct cert_store *cs, size_t *len);
/* Our subject DN in DER (ID_DER_ASN1_DN body). */
const uint8_t *cert_own_subject_der(const struct cert_store *cs, size_t *len);
/* Subject DN (DER) of the idx'th trusted CA, for CR payloads; NULL past
 * the end. */
const uint8_t *cert_ca_subject_der(const struct cert_store *cs, unsigned idx,
				   size_t *len);
/* Would our own certificate satisfy a CR naming this CA DN (empty = any)? */
bool cert_own_matches_cr(const struct cert_store *cs, const uint8_t *dn,
			 size_t len);

/* RSA PKCS#1 v1.5 signature of hash[0..hlen) with our key.  *siglen in:
 * capacity, out: length (the modulus size). */
int cert_sign_hash(const struct cert_store *cs, const uint8_t *hash,
		   size_t hlen, uint8_t *sig, size_t *siglen);
/* Maximum signature size (modulus bytes) for buffer sizing. */
size_t cert_sig_len(const struct cert_store *cs);

/* The peer's end-entity certificate from a CERT payload body (DER).
 * Further CERT payloads are intermediates: cert_peer_add_chain(). */
struct cert_peer *cert_peer_parse(const uint8_t *der, size_t len);
int cert_peer_add_chain(struct cert_peer *p, const uint8_t *der, size_t len);
void cert_peer_free(struct cert_peer *p);

/* Verify the chain against the store's CAs (validity times, signatures,
 * CA basic constraints).  On failure -1 and a reason ("certificate has
 * expired", "unable to get local issuer certificate", ...). */
int cert_peer_verify(const struct cert_store *cs, struct cert_peer *p,
		     struct evs_err *why);
/* Does the peer's Phase 1 ID name this certificate?  DER_ASN1_DN: equal
 * subject; FQDN: a dNSName SAN (or CN when there is no SAN); USER_FQDN: an
 * rfc822Name SAN or emailAddress; IPV4/IPV6_ADDR: an iPAddress SAN.
 * Case-insensitive for names.  why explains a mismatch. */
bool cert_peer_matches_id(const struct cert_peer *p, const struct isakmp_id *id,
			  struct evs_err *why);
/* Verify SIG payload body against hash with the peer certificate's key. */
int cert_verify_hash(const struct cert_peer *p, const uint8_t *hash,
		     size_t hlen, const uint8_t *sig, size_t siglen);
/* Subject as one line ("CN=client1, O=evs") for logs. */
void cert_peer_subject(const struct cert_peer *p, char *out, size_t outlen);

#endif
