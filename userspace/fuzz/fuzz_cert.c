// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for what a peer's CERT, CR, ID and SIG payloads reach
 * in rsa-sig Phase 1 (phase1.c's check of the peer's authentication):
 * the CERT payload parser, the certificate and its chain, chain checking
 * against the configured CA (fuzz/certs: a root CA, a sub CA, a client
 * certificate below it, the gateway's own certificate), the identity
 * match, the signature check and the CR match against the own
 * certificate.
 *
 * Input: records [kind][len u16 BE][body]; kind % 5: 0 CERT payload body
 * (encoding byte + DER; the first one is the peer's certificate, the rest
 * its chain), 1 ID payload body, 2 the hash, 3 the signature, 4 CR body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/cert.h"
#include "ike/isakmp.h"
#include "lib/daemon_log.h"

static struct cert_store *store;

static void setup(void)
{
	struct evs_err err;

	evsd_log_set_quiet(true);
	store = cert_store_load(EVS_FUZZ_DIR "/certs/ca.pem", EVS_FUZZ_DIR "/certs/gw.pem",
				EVS_FUZZ_DIR "/certs/gw.key", &err);
	if (!store) {
		fprintf(stderr, "fuzz_cert: %s\n", err.msg);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *hash = NULL, *sig = NULL;
	size_t hlen = 0, slen = 0;
	struct cert_peer *cp = NULL;
	struct isakmp_id id;
	bool have_id = false;
	struct evs_err why;
	char subj[256];

	if (!store)
		setup();
	while (size >= 3) {
		unsigned kind = data[0] % 5;
		size_t len = (size_t)data[1] << 8 | data[2];
		const uint8_t *body = data + 3;
		struct isakmp_perr err;
		struct isakmp_cert c;

		if (len > size - 3)
			len = size - 3;
		data += 3 + len;
		size -= 3 + len;
		switch (kind) {
		case 0:
			if (isakmp_parse_cert(body, len, &c, &err) < 0 ||
			    c.encoding != ISAKMP_CERT_X509_SIG)
				break;
			if (!cp)
				cp = cert_peer_parse(c.data, c.len);
			else
				cert_peer_add_chain(cp, c.data, c.len);
			break;
		case 1:
			have_id = isakmp_parse_id(body, len, &id, &err) == 0;
			break;
		case 2:
			hash = body;
			hlen = len;
			break;
		case 3:
			sig = body;
			slen = len;
			break;
		case 4:
			if (isakmp_parse_cr(body, len, &c, &err) == 0)
				(void)cert_own_matches_cr(store, c.data, c.len);
			break;
		}
	}
	if (!cp)
		return 0;
	cert_peer_subject(cp, subj, sizeof(subj));
	(void)cert_peer_verify(store, cp, &why);
	if (have_id)
		(void)cert_peer_matches_id(cp, &id, &why);
	if (hash && sig)
		(void)cert_verify_hash(cp, hash, hlen, sig, slen);
	cert_peer_free(cp);
	return 0;
}
