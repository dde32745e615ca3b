/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every algorithm the xfrm interop tests cover (esp_interop over IPv4,
 * esp_interop6 over IPv6), one list so that the two cannot drift apart.
 * EVS_T_EVERY_ALG(X) calls X(name, weak, esn, tcp, alg...) per
 * algorithm: @alg an initializer of struct evs_t_alg (last: it has
 * commas), @weak the SA needs
 * EVS_SA_F_ALLOW_WEAK, @esn extended sequence numbers, @tcp the variant
 * esp_interop also moves EVS_T_TCP_BYTES over TCP with (a representative
 * subset, because under TCG every megabyte takes seconds).
 */
#ifndef EVS_INTEROP_ALGS_H
#define EVS_INTEROP_ALGS_H

#define EVS_T_AEAD(al, kb, icvb) \
	{ .aead = al, .key_bytes = kb, .icv = icvb }
#define EVS_T_GCM(kb, icvb) EVS_T_AEAD("rfc4106(gcm(aes))", kb, icvb)
#define EVS_T_PAIR_(e, eb, a, ab, tr) \
	{ .enc = e, .key_bytes = eb, .auth = a, .auth_key_bytes = ab, \
	  .trunc = tr }
/* A cipher and an HMAC: EVS_T_PAIR("cbc(des)", 8, EVS_T_SHA1). */
#define EVS_T_PAIR(e, eb, ...) EVS_T_PAIR_(e, eb, __VA_ARGS__)
#define EVS_T_CBC_AES(eb, ...) EVS_T_PAIR("cbc(aes)", eb, __VA_ARGS__)
#define EVS_T_NULL EVS_T_PAIR("ecb(cipher_null)", 0, "digest_null", 0, 0)
/* HMACs: name, key bytes, truncated ICV bits. */
#define EVS_T_SHA1 "hmac(sha1)", 20, 96
#define EVS_T_MD5 "hmac(md5)", 16, 96
#define EVS_T_SHA256 "hmac(sha256)", 32, 128
#define EVS_T_SHA384 "hmac(sha384)", 48, 192
#define EVS_T_SHA512 "hmac(sha512)", 64, 256

#define EVS_T_EVERY_ALG(X)						\
	X(gcm128_icv64, false, false, false, EVS_T_GCM(20, 64))		\
	X(gcm128_icv96, false, false, false, EVS_T_GCM(20, 96))		\
	X(gcm128_icv128, false, false, true, EVS_T_GCM(20, 128))	\
	X(gcm192_icv64, false, false, false, EVS_T_GCM(28, 64))		\
	X(gcm192_icv96, false, false, false, EVS_T_GCM(28, 96))		\
	X(gcm192_icv128, false, false, false, EVS_T_GCM(28, 128))	\
	X(gcm256_icv64, false, false, false, EVS_T_GCM(36, 64))		\
	X(gcm256_icv96, false, false, false, EVS_T_GCM(36, 96))		\
	X(gcm256_icv128, false, false, false, EVS_T_GCM(36, 128))	\
	X(chacha20poly1305, false, false, false,			\
	  EVS_T_AEAD("rfc7539esp(chacha20,poly1305)", 36, 128))		\
	X(aes128_sha1, false, false, false, EVS_T_CBC_AES(16, EVS_T_SHA1)) \
	X(aes128_md5, true, false, false, EVS_T_CBC_AES(16, EVS_T_MD5))	\
	X(aes128_sha256, false, false, true, EVS_T_CBC_AES(16, EVS_T_SHA256)) \
	X(aes128_sha384, false, false, false, EVS_T_CBC_AES(16, EVS_T_SHA384)) \
	X(aes128_sha512, false, false, false, EVS_T_CBC_AES(16, EVS_T_SHA512)) \
	X(aes192_sha1, false, false, false, EVS_T_CBC_AES(24, EVS_T_SHA1)) \
	X(aes192_md5, true, false, false, EVS_T_CBC_AES(24, EVS_T_MD5))	\
	X(aes192_sha256, false, false, false, EVS_T_CBC_AES(24, EVS_T_SHA256)) \
	X(aes192_sha384, false, false, false, EVS_T_CBC_AES(24, EVS_T_SHA384)) \
	X(aes192_sha512, false, false, false, EVS_T_CBC_AES(24, EVS_T_SHA512)) \
	X(aes256_sha1, false, false, false, EVS_T_CBC_AES(32, EVS_T_SHA1)) \
	X(aes256_md5, true, false, false, EVS_T_CBC_AES(32, EVS_T_MD5))	\
	X(aes256_sha256, false, false, false, EVS_T_CBC_AES(32, EVS_T_SHA256)) \
	X(aes256_sha384, false, false, false, EVS_T_CBC_AES(32, EVS_T_SHA384)) \
	X(aes256_sha512, false, false, false, EVS_T_CBC_AES(32, EVS_T_SHA512)) \
	X(3des_sha1, true, false, false, EVS_T_PAIR("cbc(des3_ede)", 24, EVS_T_SHA1)) \
	X(3des_md5, true, false, false, EVS_T_PAIR("cbc(des3_ede)", 24, EVS_T_MD5)) \
	X(3des_sha256, true, false, false, EVS_T_PAIR("cbc(des3_ede)", 24, EVS_T_SHA256)) \
	X(3des_sha384, true, false, false, EVS_T_PAIR("cbc(des3_ede)", 24, EVS_T_SHA384)) \
	X(3des_sha512, true, false, false, EVS_T_PAIR("cbc(des3_ede)", 24, EVS_T_SHA512)) \
	X(des_sha1, true, false, false, EVS_T_PAIR("cbc(des)", 8, EVS_T_SHA1)) \
	X(des_md5, true, false, false, EVS_T_PAIR("cbc(des)", 8, EVS_T_MD5)) \
	X(des_sha256, true, false, false, EVS_T_PAIR("cbc(des)", 8, EVS_T_SHA256)) \
	X(des_sha384, true, false, false, EVS_T_PAIR("cbc(des)", 8, EVS_T_SHA384)) \
	X(des_sha512, true, false, false, EVS_T_PAIR("cbc(des)", 8, EVS_T_SHA512)) \
	X(null_null, false, false, true, EVS_T_NULL)			\
	X(esn_gcm128, false, true, true, EVS_T_GCM(20, 128))		\
	X(esn_aes128_sha256, false, true, false, EVS_T_CBC_AES(16, EVS_T_SHA256)) \
	/* Null SAs skip the crypto API; with ESN the SPI still moves. */ \
	X(esn_null_null, false, true, false, EVS_T_NULL)

#endif
