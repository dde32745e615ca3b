// SPDX-License-Identifier: MIT
/*
 * X.509 and RSA signatures for IKEv1 (OpenSSL).  See cert.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike/cert.h"
#include "lib/daemon_log.h"

#define CERT_MAX_CAS 16

struct cert_store {
	X509_STORE *store;
	X509 *ca[CERT_MAX_CAS];
	uint8_t *ca_dn[CERT_MAX_CAS];
	int ca_dn_len[CERT_MAX_CAS];
	unsigned n_ca;
	X509 *own;
	STACK_OF(X509) *own_chain;
	EVP_PKEY *key;
	uint8_t *own_der, *own_dn;
	int own_der_len, own_dn_len;
	uint32_t eku;
};

struct cert_peer {
	X509 *cert;
	STACK_OF(X509) *chain;
};

static const char *ossl_reason(void)
{
	static __thread char buf[160];
	unsigned long e = ERR_get_error();

	if (!e)
		return "unknown error";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

void cert_store_free(struct cert_store *cs)
{
	if (!cs)
		return;
	X509_STORE_free(cs->store);
	for (unsigned i = 0; i < cs->n_ca; i++) {
		X509_free(cs->ca[i]);
		OPENSSL_free(cs->ca_dn[i]);
	}
	X509_free(cs->own);
	sk_X509_pop_free(cs->own_chain, X509_free);
	EVP_PKEY_free(cs->key);
	OPENSSL_free(cs->own_der);
	OPENSSL_free(cs->own_dn);
	free(cs);
}

static int load_cas(struct cert_store *cs, const char *file, struct evs_err *err)
{
	FILE *f = fopen(file, "re");
	X509 *x;

	if (!f) {
		evs_errf(err, "%s: %s", file, "cannot open");
		return -1;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL))) {
		if (cs->n_ca >= CERT_MAX_CAS || !X509_STORE_add_cert(cs->store, x)) {
			X509_free(x);
			fclose(f);
			evs_errf(err, "%s: %s", file,
				"too many CA certificates or duplicate");
			return -1;
		}
		cs->ca_dn_len[cs->n_ca] = i2d_X509_NAME(X509_get_subject_name(x),
							&cs->ca_dn[cs->n_ca]);
		cs->ca[cs->n_ca++] = x;
	}
	fclose(f);
	ERR_clear_error();	/* the loop ends with "no start line" */
	if (!cs->n_ca) {
		evs_errf(err, "%s: %s", file, "no PEM certificate in it");
		return -1;
	}
	return 0;
}

static int load_own(struct cert_store *cs, const char *cert_file,
		    const char *key_file, struct evs_err *err)
{
	FILE *f = fopen(cert_file, "re");
	X509 *x;

	if (!f) {
		evs_errf(err, "%s: %s", cert_file, "cannot open");
		return -1;
	}
	cs->own = PEM_read_X509(f, NULL, NULL, NULL);
	cs->own_chain = sk_X509_new_null();
	while (cs->own && cs->own_chain && (x = PEM_read_X509(f, NULL, NULL, NULL)))
		sk_X509_push(cs->own_chain, x);
	fclose(f);
	ERR_clear_error();
	if (!cs->own) {
		evs_errf(err, "%s: %s", cert_file, "no PEM certificate in it");
		return -1;
	}
	f = fopen(key_file, "re");
	if (!f) {
		evs_errf(err, "%s: %s", key_file, "cannot open");
		return -1;
	}
	cs->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!cs->key) {
		evs_errf(err, "%s: %s", key_file, ossl_reason());
		return -1;
	}
	if (!EVP_PKEY_is_a(cs->key, "RSA")) {
		evs_errf(err, "%s: %s", key_file, "not an RSA key");
		return -1;
	}
	if (X509_check_private_key(cs->own, cs->key) != 1) {
		ERR_clear_error();
		evs_errf(err, "%s: %s", key_file,
			"does not belong to the certificate");
		return -1;
	}
	cs->own_der_len = i2d_X509(cs->own, &cs->own_der);
	cs->own_dn_len = i2d_X509_NAME(X509_get_subject_name(cs->own), &cs->own_dn);
	if (cs->own_der_len <= 0 || cs->own_dn_len <= 0) {
		evs_errf(err, "%s: %s", cert_file, "cannot encode");
		return -1;
	}
	return 0;
}

struct cert_store *cert_store_load(const char *ca_file, const char *cert_file,
				   const char *key_file, struct evs_err *err)
{
	struct cert_store *cs = calloc(1, sizeof(*cs));

	if (!cs || !(cs->store = X509_STORE_new())) {
		evs_errf(err, "out of memory");
		cert_store_free(cs);
		return NULL;
	}
	if (load_cas(cs, ca_file, err) < 0 ||
	    (cert_file && load_own(cs, cert_file, key_file, err) < 0)) {
		cert_store_free(cs);
		return NULL;
	}
	/* Bounded chains and EKU checked unless a policy says otherwise. */
	cs->eku = CERT_EKU_IKE;
	X509_VERIFY_PARAM_set_depth(X509_STORE_get0_param(cs->store), CERT_DEFAULT_DEPTH);
	return cs;
}

const uint8_t *cert_own_der(const struct cert_store *cs, size_t *len)
{
	if (!cs || !cs->own)
		return NULL;
	*len = (size_t)cs->own_der_len;
	return cs->own_der;
}

const uint8_t *cert_own_subject_der(const struct cert_store *cs, size_t *len)
{
	if (!cs || !cs->own)
		return NULL;
	*len = (size_t)cs->own_dn_len;
	return cs->own_dn;
}

const uint8_t *cert_ca_subject_der(const struct cert_store *cs, unsigned idx,
				   size_t *len)
{
	if (!cs || idx >= cs->n_ca || cs->ca_dn_len[idx] <= 0)
		return NULL;
	*len = (size_t)cs->ca_dn_len[idx];
	return cs->ca_dn[idx];
}

bool cert_own_matches_cr(const struct cert_store *cs, const uint8_t *dn,
			 size_t len)
{
	const unsigned char *p = dn;
	X509_NAME *want;
	bool ok;

	if (!cs || !cs->own)
		return false;
	if (!len)
		return true;
	want = d2i_X509_NAME(NULL, &p, (long)len);
	if (!want) {
		ERR_clear_error();
		return false;
	}
	ok = !X509_NAME_cmp(want, X509_get_issuer_name(cs->own));
	for (int i = 0; !ok && i < sk_X509_num(cs->own_chain); i++) {
		X509 *c = sk_X509_value(cs->own_chain, i);

		ok = !X509_NAME_cmp(want, X509_get_issuer_name(c)) ||
		     !X509_NAME_cmp(want, X509_get_subject_name(c));
	}
	X509_NAME_free(want);
	return ok;
}

size_t cert_sig_len(const struct cert_store *cs)
{
	return cs && cs->key ? (size_t)EVP_PKEY_get_size(cs->key) : 0;
}

int cert_sign_hash(const struct cert_store *cs, const uint8_t *hash,
		   size_t hlen, uint8_t *sig, size_t *siglen)
{
	EVP_PKEY_CTX *ctx;
	int ok;

	if (!cs || !cs->key || *siglen < cert_sig_len(cs))
		return -1;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, cs->key, NULL);
	/* No signature digest set: PKCS#1 v1.5 type 1 over the raw bytes. */
	ok = ctx && EVP_PKEY_sign_init(ctx) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	     EVP_PKEY_sign(ctx, sig, siglen, hash, hlen) > 0;
	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		log_debug("cert: signing failed: %s", ossl_reason());
	return ok ? 0 : -1;
}

struct cert_peer *cert_peer_parse(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	struct cert_peer *cp;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	if (!x || p != der + len) {
		X509_free(x);
		ERR_clear_error();
		return NULL;
	}
	cp = calloc(1, sizeof(*cp));
	if (!cp || !(cp->chain = sk_X509_new_null())) {
		free(cp);
		X509_free(x);
		return NULL;
	}
	cp->cert = x;
	return cp;
}

int cert_peer_add_chain(struct cert_peer *cp, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	if (!x || p != der + len || sk_X509_num(cp->chain) >= 8 ||
	    !sk_X509_push(cp->chain, x)) {
		X509_free(x);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

void cert_peer_free(struct cert_peer *cp)
{
	if (!cp)
		return;
	X509_free(cp->cert);
	sk_X509_pop_free(cp->chain, X509_free);
	free(cp);
}

static const struct {
	const char *name;
	int nid;
	uint32_t bit;
} eku_names[] = {
	{ "ipsec-ike", NID_ipsec_IKE, CERT_EKU_IPSEC_IKE },
	{ "server-auth", NID_server_auth, CERT_EKU_SERVER_AUTH },
	{ "client-auth", NID_client_auth, CERT_EKU_CLIENT_AUTH },
	{ "ipsec-end-system", NID_ipsecEndSystem, CERT_EKU_IPSEC_END_SYSTEM },
	{ "ipsec-tunnel", NID_ipsecTunnel, CERT_EKU_IPSEC_TUNNEL },
	{ "ipsec-user", NID_ipsecUser, CERT_EKU_IPSEC_USER },
	{ "any", NID_anyExtendedKeyUsage, CERT_EKU_ANY_EKU },
};

uint32_t cert_eku_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(eku_names) / sizeof(eku_names[0]); i++)
		if (!strcmp(name, eku_names[i].name))
			return eku_names[i].bit;
	return 0;
}

int cert_store_set_policy(struct cert_store *cs, const struct cert_policy *pol,
			  struct evs_err *err)
{
	X509_VERIFY_PARAM *param = X509_STORE_get0_param(cs->store);
	unsigned long flags = 0;

	cs->eku = pol->eku;
	X509_VERIFY_PARAM_set_depth(param, pol->max_depth);
	if (pol->crl_file) {
		BIO *b = BIO_new_file(pol->crl_file, "r");
		X509_CRL *crl;
		int n = 0;

		if (!b) {
			evs_errf(err, "%s: %s", pol->crl_file, ossl_reason());
			return -1;
		}
		while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL))) {
			if (!X509_STORE_add_crl(cs->store, crl)) {
				X509_CRL_free(crl);
				BIO_free(b);
				evs_errf(err, "%s: %s", pol->crl_file, ossl_reason());
				return -1;
			}
			X509_CRL_free(crl);
			n++;
		}
		BIO_free(b);
		ERR_clear_error();
		if (!n) {
			evs_errf(err, "%s: no PEM CRL in it", pol->crl_file);
			return -1;
		}
		flags = X509_V_FLAG_CRL_CHECK |
			(pol->crl_leaf_only ? 0 : X509_V_FLAG_CRL_CHECK_ALL);
	}
	X509_VERIFY_PARAM_set_flags(param, flags);
	return 0;
}

/* The peer certificate's extendedKeyUsage against the policy. */
static int check_eku(const struct cert_store *cs, X509 *x, struct evs_err *why)
{
	EXTENDED_KEY_USAGE *eku;
	uint32_t have = 0, want;
	int crit;

	if (cs->eku == CERT_EKU_ANY)
		return 0;
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	if (!eku) {
		ERR_clear_error();
		if (crit == -1 && cs->eku == CERT_EKU_IKE)
			return 0;	/* no extension: no restriction (RFC 4945) */
		evs_errf(why, crit == -1 ? "certificate has no extendedKeyUsage" :
			"certificate has an unreadable extendedKeyUsage");
		return -1;
	}
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));

		for (size_t k = 0; k < sizeof(eku_names) / sizeof(eku_names[0]); k++)
			if (eku_names[k].nid == nid)
				have |= eku_names[k].bit;
	}
	EXTENDED_KEY_USAGE_free(eku);
	want = cs->eku == CERT_EKU_IKE ? CERT_EKU_IPSEC_IKE | CERT_EKU_SERVER_AUTH |
	       CERT_EKU_CLIENT_AUTH | CERT_EKU_ANY_EKU : cs->eku;
	if (have & want)
		return 0;
	evs_errf(why, "certificate's extendedKeyUsage does not allow IKE "
		"(extended-key-usage in pki)");
	return -1;
}

int cert_peer_verify(const struct cert_store *cs, struct cert_peer *cp,
		     struct evs_err *why)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok;

	if (!ctx || !X509_STORE_CTX_init(ctx, cs->store, cp->cert, cp->chain)) {
		X509_STORE_CTX_free(ctx);
		evs_errf(why, "out of memory");
		return -1;
	}
	ok = X509_verify_cert(ctx) == 1;
	if (!ok)
		evs_errf(why, "%s", X509_verify_cert_error_string(
				X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	if (ok && check_eku(cs, cp->cert, why) < 0)
		ok = 0;
	return ok ? 0 : -1;
}

bool cert_peer_matches_id(const struct cert_peer *cp, const struct isakmp_id *id,
			  struct evs_err *why)
{
	const unsigned char *p = id->data;
	X509_NAME *dn;
	bool ok = false;

	switch (id->type) {
	case ISAKMP_ID_DER_ASN1_DN:
		dn = d2i_X509_NAME(NULL, &p, (long)id->len);
		ok = dn && p == id->data + id->len &&
		     !X509_NAME_cmp(dn, X509_get_subject_name(cp->cert));
		X509_NAME_free(dn);
		break;
	case ISAKMP_ID_FQDN:
		ok = !memchr(id->data, 0, id->len) &&
		     X509_check_host(cp->cert, (const char *)id->data, id->len,
				     0, NULL) == 1;
		break;
	case ISAKMP_ID_USER_FQDN:
		ok = !memchr(id->data, 0, id->len) &&
		     X509_check_email(cp->cert, (const char *)id->data, id->len,
				      0) == 1;
		break;
	case ISAKMP_ID_IPV4_ADDR:
	case ISAKMP_ID_IPV6_ADDR:
		ok = X509_check_ip(cp->cert, id->data, id->len, 0) == 1;
		break;
	default:
		evs_errf(why, "identity type %s cannot name a certificate",
			isakmp_id_type_name(id->type));
		ERR_clear_error();
		return false;
	}
	ERR_clear_error();
	if (!ok) {
		char idbuf[128];

		isakmp_id_format(id, idbuf, sizeof(idbuf));
		evs_errf(why, "identity %s is not in the certificate", idbuf);
	}
	return ok;
}

int cert_verify_hash(const struct cert_peer *cp, const uint8_t *hash,
		     size_t hlen, const uint8_t *sig, size_t siglen)
{
	EVP_PKEY *pub = X509_get0_pubkey(cp->cert);
	EVP_PKEY_CTX *ctx;
	int ok;

	if (!pub || !EVP_PKEY_is_a(pub, "RSA"))
		return -1;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	ok = ctx && EVP_PKEY_verify_init(ctx) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	     EVP_PKEY_verify(ctx, sig, siglen, hash, hlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -1;
}

void cert_peer_subject(const struct cert_peer *cp, char *out, size_t outlen)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (!outlen)
		return;
	out[0] = '\0';
	if (!b)
		return;
	X509_NAME_print_ex(b, X509_get_subject_name(cp->cert), 0,
			   XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(b, &p);
	/* RFC 2253 escapes control bytes; bytes >= 0x80 and quotes too. */
	if (n > 0)
		evs_log_escape(out, outlen, p, (size_t)n, true);
	BIO_free(b);
}
