// SPDX-License-Identifier: MIT
/*
 * evsd.conf as a whole: the file parsed, the IKE and the Easy VPN
 * sections interpreted, the result checked for the role evsd runs in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evsd/config.h"

void evsd_config_free(struct evsd_config *cfg)
{
	easyvpn_config_destroy(cfg->easyvpn);
	metrics_config_free(&cfg->metrics);
	ike_config_free(&cfg->ike);
	cfg_free(cfg->tree);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

int evsd_config_load(const char *path, struct evsd_config *cfg,
		     struct evs_err *err)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->path = strdup(path);
	cfg->tree = cfg_parse_file(path, err);
	if (!cfg->path || !cfg->tree)
		goto fail;
	if (ike_config_load(cfg->tree, &cfg->ike, err) < 0)
		goto fail;
	if (easyvpn_config_load(cfg->tree, &cfg->easyvpn, err) < 0)
		goto fail;
	ezv_config_defaults(&cfg->ike, cfg->easyvpn);
	if (metrics_config_load(cfg->tree, &cfg->metrics, err) < 0)
		goto fail;
	if (ha_config_load(cfg->tree, &cfg->ha, err) < 0)
		goto fail;
	if (cfg_check_unused(cfg->tree, err) < 0)
		goto fail;
	return 0;
fail:
	if (!cfg->path)
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
	evsd_config_free(cfg);
	return -1;
}

int evsd_config_check_role(const struct evsd_config *cfg, bool client,
			   struct evs_err *err)
{
	if (client && !cfg->ike.n_peers) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s: --client needs at least one peer block", cfg->path);
		return -1;
	}
	if (!client && !cfg->ike.n_policies) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s: no 'crypto isakmp policy' block: a gateway would "
			 "refuse every client", cfg->path);
		return -1;
	}
	return 0;
}

int evsd_check_config(const char *path, bool client, FILE *out, FILE *errout)
{
	char sum[512] = "";
	struct evsd_config cfg;
	struct evs_err err;

	if (evsd_config_load(path, &cfg, &err) < 0) {
		fprintf(errout, "%s\n", err.msg);
		return 1;
	}
	if (evsd_config_check_role(&cfg, client, &err) < 0)
		goto fail;
	if (easyvpn_config_check(cfg.easyvpn, sum, sizeof(sum), &err) < 0)
		goto fail;
	fprintf(out, "%s: ok: %zu isakmp policies, %zu transform sets, %zu keys, %zu peers%s",
		path, cfg.ike.n_policies, cfg.ike.n_sets, cfg.ike.n_psks,
		cfg.ike.n_peers, sum);
	fputs("; sections: easyvpn\n", out);
	evsd_config_free(&cfg);
	return 0;
fail:
	fprintf(errout, "%s\n", err.msg);
	evsd_config_free(&cfg);
	return 1;
}
