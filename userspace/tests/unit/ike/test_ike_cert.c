// SPDX-License-Identifier: MIT
/*
 * X.509/RSA helpers.  The certificates are made at run time by the OpenSSL
 * command line in a temporary directory, and the expected RSA signature is
 * computed by `openssl pkeyutl -sign` (PKCS#1 v1.5 over the raw hash, which
 * is deterministic), independently of evsd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ike/cert.h"
#include "tests/unit/unit.h"

static char dir[64];

/* Run a shell command inside the temporary directory. */
static void sh(const char *what)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "cd %s && %s", dir, what);
	if (system(cmd) != 0)
		UNIT_FAIL("command failed: %s", cmd);
}

static size_t slurp(const char *name, uint8_t *buf, size_t max)
{
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	UNIT_ASSERT(f);
	n = fread(buf, 1, max, f);
	fclose(f);
	return n;
}

static char *p(const char *name)
{
	static char bufs[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(bufs[i], sizeof(bufs[i]), "%s/%s", dir, name);
	return bufs[i];
}

/* A new test directory (from the mkdtemp template @tmpl) with two CAs:
 * ca ("evs test CA", which signs CRLs) and other ("other CA", which signs
 * CRLs too when @other_signs_crls). */
static void new_dir_with_cas(const char *tmpl, bool other_signs_crls)
{
	char cmd[512];

	snprintf(dir, sizeof(dir), "%s", tmpl);
	UNIT_ASSERT(mkdtemp(dir));
	for (int i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd),
			 "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s.key -out %s.pem"
			 " -days 2 -subj '/CN=%s' -addext basicConstraints=critical,CA:TRUE%s"
			 " 2>/dev/null", i ? "other" : "ca", i ? "other" : "ca",
			 i ? "other CA" : "evs test CA",
			 !i || other_signs_crls ? " -addext keyUsage=keyCertSign,cRLSign" : "");
		sh(cmd);
	}
}

UNIT_TEST(make_certificates_with_openssl_cli)
{
	new_dir_with_cas("/tmp/evs-cert-XXXXXX", false);
	sh("printf 'subjectAltName=DNS:gw.example.net,IP:198.51.100.1,"
	   "email:admin@example.net\\n' > ext.cnf && openssl req -newkey rsa:2048 -nodes"
	   " -keyout gw.key -out gw.csr -subj '/O=evs/CN=gw.example.net' 2>/dev/null &&"
	   " openssl x509 -req -in gw.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
	   " -out gw.pem -days 2 -extfile ext.cnf 2>/dev/null &&"
	   " openssl x509 -in gw.pem -outform DER -out gw.der &&"
	   " printf '0123456789abcdefghij' > hash.bin &&"
	   " openssl pkeyutl -sign -inkey gw.key -pkeyopt rsa_padding_mode:pkcs1"
	   " -in hash.bin -out hash.sig");
}

UNIT_TEST(store_sign_verify_and_identity)
{
	static const uint8_t ip[4] = { 198, 51, 100, 1 }, ip2[4] = { 198, 51, 100, 2 };
	uint8_t der[4096], want_sig[512], sig[512];
	size_t der_len, want_len, sig_len = sizeof(sig), n;
	const uint8_t *own, *dn;
	struct cert_store *cs, *other;
	struct cert_peer *peer;
	struct isakmp_id id;
	struct evs_err why;
	char subj[256];

	UNIT_ASSERT(dir[0]);
	cs = cert_store_load(p("ca.pem"), p("gw.pem"), p("gw.key"), &why);
	if (!cs)
		UNIT_FAIL("%s", why.msg);
	/* the key of another certificate is refused */
	UNIT_ASSERT(!cert_store_load(p("ca.pem"), p("gw.pem"), p("other.key"), &why));
	UNIT_ASSERT(strstr(why.msg, "does not belong to the certificate"));
	UNIT_ASSERT(!cert_store_load(p("nope.pem"), NULL, NULL, &why));
	UNIT_ASSERT(strstr(why.msg, "nope.pem"));

	der_len = slurp("gw.der", der, sizeof(der));
	own = cert_own_der(cs, &n);
	UNIT_ASSERT(own && n == der_len && !memcmp(own, der, n));

	/* our signature equals the OpenSSL CLI's */
	want_len = slurp("hash.sig", want_sig, sizeof(want_sig));
	UNIT_ASSERT_EQ_INT(want_len, 256);
	UNIT_ASSERT_EQ_INT(cert_sig_len(cs), 256);
	UNIT_ASSERT_EQ_INT(cert_sign_hash(cs, (const uint8_t *)"0123456789abcdefghij",
					  20, sig, &sig_len), 0);
	UNIT_ASSERT_EQ_INT(sig_len, 256);
	UNIT_ASSERT_MEM_EQ(sig, want_sig, 256);

	/* the peer side: chain, identity, signature */
	peer = cert_peer_parse(der, der_len);
	UNIT_ASSERT(peer);
	UNIT_ASSERT(!cert_peer_parse(der, der_len - 1));
	UNIT_ASSERT_EQ_INT(cert_peer_verify(cs, peer, &why), 0);
	other = cert_store_load(p("other.pem"), NULL, NULL, &why);
	UNIT_ASSERT(other);
	UNIT_ASSERT_EQ_INT(cert_peer_verify(other, peer, &why), -1);
	UNIT_ASSERT(strstr(why.msg, "unable to get local issuer certificate"));

	UNIT_ASSERT_EQ_INT(cert_verify_hash(peer, (const uint8_t *)"0123456789abcdefghij",
					    20, want_sig, 256), 0);
	want_sig[100] ^= 1;
	UNIT_ASSERT_EQ_INT(cert_verify_hash(peer, (const uint8_t *)"0123456789abcdefghij",
					    20, want_sig, 256), -1);

	id = (struct isakmp_id){ .type = ISAKMP_ID_FQDN,
		.data = (const uint8_t *)"GW.Example.NET", .len = 14 };
	UNIT_ASSERT(cert_peer_matches_id(peer, &id, &why));
	id.data = (const uint8_t *)"vpn.example.net";
	id.len = 15;
	UNIT_ASSERT(!cert_peer_matches_id(peer, &id, &why));
	UNIT_ASSERT(strstr(why.msg, "fqdn:vpn.example.net is not in the certificate"));
	id = (struct isakmp_id){ .type = ISAKMP_ID_USER_FQDN,
		.data = (const uint8_t *)"admin@example.net", .len = 17 };
	UNIT_ASSERT(cert_peer_matches_id(peer, &id, &why));
	id = (struct isakmp_id){ .type = ISAKMP_ID_IPV4_ADDR, .data = ip, .len = 4 };
	UNIT_ASSERT(cert_peer_matches_id(peer, &id, &why));
	id.data = ip2;
	UNIT_ASSERT(!cert_peer_matches_id(peer, &id, &why));
	dn = cert_own_subject_der(cs, &n);
	id = (struct isakmp_id){ .type = ISAKMP_ID_DER_ASN1_DN, .data = dn, .len = n };
	UNIT_ASSERT(cert_peer_matches_id(peer, &id, &why));
	dn = cert_ca_subject_der(cs, 0, &n);		/* the CA's DN is not ours */
	id.data = dn;
	id.len = n;
	UNIT_ASSERT(!cert_peer_matches_id(peer, &id, &why));
	id = (struct isakmp_id){ .type = ISAKMP_ID_KEY_ID,
		.data = (const uint8_t *)"sales", .len = 5 };
	UNIT_ASSERT(!cert_peer_matches_id(peer, &id, &why));

	/* CR payloads: our certificate answers a CR for its CA, or an empty one */
	UNIT_ASSERT(cert_own_matches_cr(cs, dn, n));
	UNIT_ASSERT(cert_own_matches_cr(cs, NULL, 0));
	dn = cert_ca_subject_der(other, 0, &n);
	UNIT_ASSERT(!cert_own_matches_cr(cs, dn, n));
	UNIT_ASSERT(!cert_ca_subject_der(cs, 1, &n));

	cert_peer_subject(peer, subj, sizeof(subj));
	UNIT_ASSERT(strstr(subj, "CN=gw.example.net"));

	cert_peer_free(peer);
	cert_store_free(other);
	cert_store_free(cs);
	sh("rm -f ca.* other.* gw.* ext.cnf hash.* && cd / && rmdir \"$OLDPWD\"");
}

/* ---- revocation, extended key usage, chain depth (issue 10, item 11) ---- */

static struct cert_peer *peer_from(const char *pem, const char *chain_pems)
{
	uint8_t der[8192];
	size_t n;
	struct cert_peer *cp;
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "openssl x509 -in %s -outform DER -out peer.der", pem);
	sh(cmd);
	n = slurp("peer.der", der, sizeof(der));
	cp = cert_peer_parse(der, n);
	UNIT_ASSERT(cp);
	for (const char *c = chain_pems; c && *c;) {
		char name[64];
		size_t l = strcspn(c, " ");

		snprintf(name, sizeof(name), "%.*s", (int)l, c);
		snprintf(cmd, sizeof(cmd), "openssl x509 -in %s -outform DER -out chain.der", name);
		sh(cmd);
		n = slurp("chain.der", der, sizeof(der));
		UNIT_ASSERT_EQ_INT(cert_peer_add_chain(cp, der, n), 0);
		c += l;
		while (*c == ' ')
			c++;
	}
	return cp;
}

static int verify(struct cert_store *cs, const char *pem, const char *chain, struct evs_err *why)
{
	struct cert_peer *cp = peer_from(pem, chain);
	int rc;

	why->msg[0] = 0;
	rc = cert_peer_verify(cs, cp, why);
	cert_peer_free(cp);
	return rc;
}

/* leaf NAME ISSUER EXTRA-EXT: a certificate NAME.pem signed by ISSUER. */
static void leaf(const char *name, const char *issuer, const char *ext)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "printf 'subjectAltName=DNS:%s.example.net\n%s' > %s.cnf &&"
		 " openssl req -newkey rsa:2048 -nodes -keyout %s.key -out %s.csr"
		 " -subj '/CN=%s.example.net' 2>/dev/null &&"
		 " openssl x509 -req -in %s.csr -CA %s.pem -CAkey %s.key -CAcreateserial"
		 " -out %s.pem -days 2 -extfile %s.cnf 2>/dev/null",
		 name, ext, name, name, name, name, name, issuer, issuer, name, name);
	sh(cmd);
}

UNIT_TEST(make_crls_eku_and_chain_certificates)
{
	new_dir_with_cas("/tmp/evs-cert2-XXXXXX", true);
	leaf("good", "ca", "");
	leaf("bad", "ca", "");
	leaf("mail", "ca", "extendedKeyUsage=emailProtection\n");
	leaf("ike", "ca", "extendedKeyUsage=1.3.6.1.5.5.7.3.17\n");
	leaf("srv", "ca", "extendedKeyUsage=serverAuth\n");
	/* CRLs: ca's empty one, ca's with "bad" revoked, other's */
	sh("printf '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\ncrlnumber=crlnumber\n"
	   "default_md=sha256\ndefault_crl_days=2\n' > ca.cnf && : > index.txt &&"
	   " echo 01 > crlnumber &&"
	   " openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -gencrl -out empty.crl"
	   " 2>/dev/null &&"
	   " openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -revoke bad.pem"
	   " 2>/dev/null &&"
	   " openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -gencrl -out revoked.crl"
	   " 2>/dev/null &&"
	   " : > index.txt && openssl ca -config ca.cnf -keyfile other.key -cert other.pem"
	   " -gencrl -out other.crl 2>/dev/null");
	/* a chain of six intermediates: ca -> i1 -> ... -> i6 -> deep */
	sh("prev=ca; for i in 1 2 3 4 5 6; do"
	   " printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n' > i.cnf &&"
	   " openssl req -newkey rsa:2048 -nodes -keyout i$i.key -out i$i.csr"
	   " -subj \"/CN=intermediate $i\" 2>/dev/null &&"
	   " openssl x509 -req -in i$i.csr -CA $prev.pem -CAkey $prev.key -CAcreateserial"
	   " -out i$i.pem -days 2 -extfile i.cnf 2>/dev/null || exit 1; prev=i$i; done");
	leaf("deep", "i6", "");
	leaf("mid", "i3", "");
}

/* With nothing configured (what evsd.conf's pki block gives by default):
 * an extendedKeyUsage that does not allow IKE is refused, and so is a
 * chain longer than CERT_DEFAULT_DEPTH intermediates. */
UNIT_TEST(defaults_refuse_non_ike_eku_and_long_chains)
{
	struct cert_store *cs;
	struct evs_err why;

	cs = cert_store_load(p("ca.pem"), NULL, NULL, &why);
	UNIT_ASSERT(cs);
	UNIT_ASSERT_EQ_INT(verify(cs, p("good.pem"), NULL, &why), 0);
	UNIT_ASSERT_EQ_INT(verify(cs, p("ike.pem"), NULL, &why), 0);
	UNIT_ASSERT_EQ_INT(verify(cs, p("srv.pem"), NULL, &why), 0);
	UNIT_ASSERT_EQ_INT(verify(cs, p("mail.pem"), NULL, &why), -1);
	UNIT_ASSERT(strstr(why.msg, "extendedKeyUsage does not allow IKE"));
	UNIT_ASSERT_EQ_INT(verify(cs, p("mid.pem"), "i3.pem i2.pem i1.pem", &why), 0);
	UNIT_ASSERT_EQ_INT(verify(cs, p("deep.pem"),
				  "i6.pem i5.pem i4.pem i3.pem i2.pem i1.pem", &why), -1);
	UNIT_ASSERT(strstr(why.msg, "certificate chain too long"));
	cert_store_free(cs);
}

/* The test CA's store with @crl as its CRL file; setting that policy
 * returns @want. */
static struct cert_store *store_with_crl(struct cert_policy *pol, const char *crl, int want,
					 struct evs_err *why)
{
	struct cert_store *cs = cert_store_load(p("ca.pem"), NULL, NULL, why);

	pol->crl_file = p(crl);
	UNIT_ASSERT_EQ_INT(cert_store_set_policy(cs, pol, why), want);
	return cs;
}

UNIT_TEST(policy_crl_eku_and_depth)
{
	struct cert_policy pol = { .max_depth = CERT_DEFAULT_DEPTH, .eku = CERT_EKU_IKE };
	struct cert_store *cs;
	struct evs_err why;

	/* a CRL that lists nobody */
	cs = store_with_crl(&pol, "empty.crl", 0, &why);
	UNIT_ASSERT_EQ_INT(verify(cs, p("good.pem"), NULL, &why), 0);
	UNIT_ASSERT_EQ_INT(verify(cs, p("bad.pem"), NULL, &why), 0);
	/* without a CRL for an intermediate, chain checking refuses; leaf
	 * checking does not look at it */
	UNIT_ASSERT_EQ_INT(verify(cs, p("mid.pem"), "i3.pem i2.pem i1.pem", &why), -1);
	UNIT_ASSERT(strstr(why.msg, "unable to get certificate CRL"));
	cert_store_free(cs);
	/* bad is revoked */
	cs = store_with_crl(&pol, "revoked.crl", 0, &why);
	UNIT_ASSERT_EQ_INT(verify(cs, p("bad.pem"), NULL, &why), -1);
	UNIT_ASSERT(strstr(why.msg, "certificate revoked"));
	UNIT_ASSERT_EQ_INT(verify(cs, p("good.pem"), NULL, &why), 0);
	cert_store_free(cs);
	/* only another CA's CRL: no CRL for ours, refused */
	cs = store_with_crl(&pol, "other.crl", 0, &why);
	UNIT_ASSERT_EQ_INT(verify(cs, p("good.pem"), NULL, &why), -1);
	UNIT_ASSERT(strstr(why.msg, "unable to get certificate CRL"));
	cert_store_free(cs);
	/* not a CRL file */
	cs = store_with_crl(&pol, "ca.pem", -1, &why);
	UNIT_ASSERT(strstr(why.msg, "no PEM CRL"));
	/* EKU: none, then an explicit list */
	pol.crl_file = NULL;
	pol.eku = CERT_EKU_ANY;
	UNIT_ASSERT_EQ_INT(cert_store_set_policy(cs, &pol, &why), 0);
	UNIT_ASSERT_EQ_INT(verify(cs, p("mail.pem"), NULL, &why), 0);
	pol.eku = cert_eku_parse("ipsec-ike");
	UNIT_ASSERT(pol.eku);
	UNIT_ASSERT(!cert_eku_parse("bogus"));
	UNIT_ASSERT_EQ_INT(cert_store_set_policy(cs, &pol, &why), 0);
	UNIT_ASSERT_EQ_INT(verify(cs, p("ike.pem"), NULL, &why), 0);
	UNIT_ASSERT_EQ_INT(verify(cs, p("srv.pem"), NULL, &why), -1);
	UNIT_ASSERT_EQ_INT(verify(cs, p("good.pem"), NULL, &why), -1);
	UNIT_ASSERT(strstr(why.msg, "no extendedKeyUsage"));
	/* depth: 2 refuses three intermediates; 6 allows six */
	pol.eku = CERT_EKU_IKE;
	pol.max_depth = 2;
	UNIT_ASSERT_EQ_INT(cert_store_set_policy(cs, &pol, &why), 0);
	UNIT_ASSERT_EQ_INT(verify(cs, p("mid.pem"), "i3.pem i2.pem i1.pem", &why), -1);
	pol.max_depth = 6;
	UNIT_ASSERT_EQ_INT(cert_store_set_policy(cs, &pol, &why), 0);
	UNIT_ASSERT_EQ_INT(verify(cs, p("deep.pem"),
				  "i6.pem i5.pem i4.pem i3.pem i2.pem i1.pem", &why), 0);
	cert_store_free(cs);
	sh("rm -f *.pem *.key *.csr *.cnf *.crl *.srl *.der index.txt* crlnumber* &&"
	   " cd / && rmdir \"$OLDPWD\"");
}

UNIT_MAIN()
