// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for evsd.conf: the grammar, the IKE sections, the pki
 * block and the Easy VPN sections (user-database, aaa, xauth, pool,
 * group, user: config_easyvpn.c) and the metrics directives (metrics.c),
 * as evsd_config_load runs them.  Not
 * network input, but an operator's typo must give a file:line error,
 * never a crash.
 *
 * The pki block opens files: only the names of the test PKI in
 * fuzz/certs (ca.pem, sub.pem, gw.pem, gw.key, client.pem, missing.pem)
 * are allowed, and they are made absolute; inputs naming anything else
 * in a pki block are skipped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evsd/config.h"
#include "ezv/config_easyvpn.h"
#include "lib/daemon_log.h"

static const char *const allowed[] = {
	"ca.pem", "sub.pem", "gw.pem", "gw.key", "client.pem", "missing.pem", NULL
};

/* Point the pki block's file names at fuzz/certs; false = not allowed. */
static bool pki_files(struct cfg_node *root)
{
	for (struct cfg_node *n = root->child; n; n = n->next) {
		if (!n->argc || strcmp(n->argv[0], "pki"))
			continue;
		for (struct cfg_node *c = n->child; c; c = c->next) {
			unsigned i;
			char *p;

			if (c->argc < 2)
				continue;
			for (i = 0; allowed[i] && strcmp(c->argv[1], allowed[i]); i++)
				;
			if (!allowed[i])
				return false;
			if (asprintf(&p, "%s/certs/%s", EVS_FUZZ_DIR, allowed[i]) < 0)
				abort();
			free(c->argv[1]);
			c->argv[1] = p;
		}
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evsd_config cfg;
	struct evs_err err;
	char *text;

	evsd_log_set_quiet(true);
	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&cfg, 0, sizeof(cfg));
	cfg.tree = cfg_parse_string(text, "fuzz.conf", &err);
	free(text);
	if (!cfg.tree)
		return 0;
	if (pki_files(cfg.tree) && ike_config_load(cfg.tree, &cfg.ike, &err) == 0 &&
	    easyvpn_config_load(cfg.tree, &cfg.easyvpn, &err) == 0 &&
	    metrics_config_load(cfg.tree, &cfg.metrics, &err) == 0)
		(void)cfg_check_unused(cfg.tree, &err);
	metrics_config_free(&cfg.metrics);
	easyvpn_config_destroy(cfg.easyvpn);
	ike_config_free(&cfg.ike);
	cfg_free(cfg.tree);
	return 0;
}
