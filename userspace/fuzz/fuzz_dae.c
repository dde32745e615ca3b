// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for RADIUS dynamic authorization (RFC 5176): what a
 * host on the network sends to the Disconnect/CoA port.  The input goes
 * through ezv_dae_input (client lookup, dae_check, dae_parse, the
 * decision, dae_answer) of a gateway configured with one client, and
 * through the codec on its own.
 *
 * First byte: bit 0 = sign the rest with the client's secret (length
 * field, Message-Authenticator when the packet has one, Request
 * Authenticator), so it gets past the signature to the attributes and
 * the decision; bit 1 = from a host that is no client; bit 2 = an
 * Event-Timestamp window of the input's own (the wall clock matches the
 * next four bytes).  The rest: the packet.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ezv/config_easyvpn.h"
#include "ezv/dae.h"
#include "ezv/easyvpn.h"
#include "lib/conftree.h"
#include "lib/daemon_log.h"
#include "lib/secret.h"

#define SECRET "fuzz-dae-secret"

static struct ezv *z;
static struct ike_config ike;
static struct secret *key;
/* kept for the whole run (reachable: no leak report) */
static struct easyvpn_config *cfg;
static struct cfg_node *tree;

static void init(void)
{
	static const char conf[] =
		"user-database /nonexistent/evs-fuzz-users\n"
		"aaa {\n  authentication radius\n  nas-identifier gw1\n"
		"  radius-server 127.0.0.1 {\n    key \"x7Hq2Lp9Vz4Rk8Wm\"\n  }\n"
		"  dynamic-authorization {\n    require-message-authenticator no\n"
		"    client 192.0.2.9 {\n      key \"" SECRET "\"\n    }\n  }\n}\n"
		"pool p 10.77.1.10 10.77.1.20\n"
		"group g {\n  key \"Vb7mQ2xR9tLc4WzKp8Jd\"\n  pool p\n}\n";
	struct evs_err e;

	evsd_log_set_quiet(true);
	tree = cfg_parse_string(conf, "fuzz.conf", &e);
	if (!tree || easyvpn_config_load(tree, &cfg, &e)) {
		fprintf(stderr, "fuzz_dae: %s\n", e.msg);
		abort();
	}
	z = ezv_init(&ike, cfg, NULL, NULL, &e);
	if (!z) {
		fprintf(stderr, "fuzz_dae: %s\n", e.msg);
		abort();
	}
	secret_init();
	key = secret_from(SECRET, strlen(SECRET));
}

/* As a RADIUS server signs a request (RFC 5176 3.3, 3.5). */
static void sign(uint8_t *b, size_t len)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned ml = 0;
	EVP_MD_CTX *c;

	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	memset(b + 4, 0, 16);
	for (size_t at = 20; at + 2 <= len && b[at + 1] >= 2 && b[at + 1] <= len - at;
	     at += b[at + 1])
		if (b[at] == 80 && b[at + 1] == 18) {
			memset(b + at + 2, 0, 16);
			HMAC(EVP_md5(), SECRET, (int)strlen(SECRET), b, len, md, &ml);
			memcpy(b + at + 2, md, 16);
			break;
		}
	c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, EVP_md5(), NULL);
	EVP_DigestUpdate(c, b, len);
	EVP_DigestUpdate(c, SECRET, strlen(SECRET));
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	memcpy(b + 4, md, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t pkt[4096], out[256], ans[DAE_ANSWER_MAX];
	struct sockaddr_storage from = { 0 };
	struct sockaddr_in *a = (struct sockaddr_in *)&from;
	uint64_t wall = 1800000000u;
	struct dae_req rq;
	const char *why;
	size_t len;

	if (!z)
		init();
	if (size < 1 || size - 1 > sizeof(pkt))
		return 0;
	len = size - 1;
	memcpy(pkt, data + 1, len);
	if ((data[0] & 1) && len >= 20 && len <= 4096)
		sign(pkt, len);
	if ((data[0] & 4) && len >= 4)
		wall = (uint64_t)pkt[len - 4] << 24 | pkt[len - 3] << 16 | pkt[len - 2] << 8 |
		       pkt[len - 1];
	a->sin_family = AF_INET;
	a->sin_port = htons(1700);
	inet_pton(AF_INET, data[0] & 2 ? "192.0.2.10" : "192.0.2.9", &a->sin_addr);
	ezv_dae_input(z, &from, pkt, len, 1000000, wall, out, sizeof(out));
	/* the codec alone, whatever the signature says */
	dae_check(pkt, len, key, data[0] & 8, &why);
	if (len >= 20 && dae_parse(pkt, len, &rq) == 0)
		dae_answer(ans, sizeof(ans), &rq, data[0] & 16, data[0], key);
	return 0;
}
