// SPDX-License-Identifier: MIT
/*
 * A new configuration for the running module (easyvpn.h): everything
 * that can fail is made first (ezv_reload_prepare), so a configuration
 * the module cannot use changes nothing; the switch itself
 * (ezv_reload_commit) cannot fail.  Live sessions keep what they were
 * given (their settings are counted copies, sess_eff.c); only those whose group, user or
 * pool address the new configuration removed end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ezv/ezv_int.h"
#include "lib/daemon_log.h"
#include "lib/prefix.h"
#include "lib/userdb.h"

struct ezv_next {
	const struct ike_config *ike;
	struct easyvpn_config *cfg;
	struct aaa *aaa;
	const struct userdb *db;	/* owned by aaa */
	const struct ezv_kernel_ops *kops;
	void *karg;
	struct ezv_dae_slot *dae_cache;	/* the new clients' replay cache */
};

struct ezv_next *ezv_reload_prepare(struct ezv *z, const struct ike_config *ike,
				    struct easyvpn_config *cfg,
				    const struct ezv_kernel_ops *kops, void *karg,
				    struct evs_err *err)
{
	struct ezv_next *n;
	struct userdb *db;

	if (!z->ready || !cfg) {
		evs_errf(err, "Easy VPN sections cannot come or go on reload "
			 "(restart evsd)");
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		evs_errf(err, "out of memory");
		return NULL;
	}
	db = ezv_load_users(cfg->user_file, err);
	if (!db)
		goto fail;
	/* A new worker: the RADIUS servers may have changed. */
	n->aaa = aaa_new(cfg, db, ike->timers.unauth_max, err);
	if (!n->aaa) {
		userdb_free(db);
		free(db);
		goto fail;
	}
	n->dae_cache = ezv_dae_cache_new(cfg, z->cfg, z->dae_cache);
	if (cfg->aaa.dae.port && !n->dae_cache) {
		evs_errf(err, "out of memory");
		aaa_free(n->aaa);
		goto fail;
	}
	n->db = db;
	n->ike = ike;
	n->cfg = cfg;
	n->kops = cfg->n_groups ? kops : NULL;
	n->karg = cfg->n_groups ? karg : NULL;
	return n;
fail:
	free(n);
	return NULL;
}

void ezv_reload_abort(struct ezv_next *n)
{
	if (!n)
		return;
	aaa_free(n->aaa);
	free(n->dae_cache);
	free(n);
}

/* Why x cannot go on under the new configuration; NULL when it can. */
static const char *doomed(const struct ezv_sess *x, const struct ezv_next *n,
			  char *why, size_t len)
{
	struct pool_info pi;

	if (x->p1_group[0] &&
	    !ezv_find_group(n->cfg, x->p1_group, strlen(x->p1_group))) {
		snprintf(why, len, "group \"%s\" removed", x->p1_group);
		return why;
	}
	if (x->group[0] && !ezv_find_group(n->cfg, x->group, strlen(x->group))) {
		snprintf(why, len, "group \"%s\" removed", x->group);
		return why;
	}
	/* Local logins only: a RADIUS user is RADIUS's to remove. */
	if (x->authenticated && x->login.source == AAA_SRC_LOCAL &&
	    !userdb_find(n->db, x->user)) {
		snprintf(why, len, "user \"%s\" removed", x->user);
		return why;
	}
	if (x->addr && x->pool[0]) {
		char a[16];

		evs_ip4_ntop(x->addr, a, sizeof(a));
		if (pool_get_info(n->cfg->pools, x->pool, &pi) < 0) {
			snprintf(why, len, "pool \"%s\" removed", x->pool);
			return why;
		}
		if (x->addr < pi.first || x->addr > pi.last) {
			snprintf(why, len, "address %s no longer in pool \"%s\"", a, x->pool);
			return why;
		}
	}
	return NULL;
}

/* End the sessions the new configuration removed; how many. */
static unsigned end_doomed(struct ezv *z, const struct ezv_next *n)
{
	unsigned count = 0, ended = 0;
	uint32_t *ids;
	char why[200];

	for (struct ezv_sess *x = z->sessions; x; x = x->next)
		count++;
	if (!count)
		return 0;
	ids = calloc(count, sizeof(*ids));
	if (!ids)
		return 0;
	count = 0;
	for (struct ezv_sess *x = z->sessions; x; x = x->next)
		if (x->server && doomed(x, n, why, sizeof(why)))
			ids[count++] = x->id;
	/* One at a time: ending one frees its entry of the list. */
	for (unsigned i = 0; i < count; i++) {
		struct ezv_sess *x = ezv_sess_find(z, ids[i]);
		char a[16] = "none";

		if (!x || !doomed(x, n, why, sizeof(why)))
			continue;
		if (x->addr)
			evs_ip4_ntop(x->addr, a, sizeof(a));
		log_notice("%s: reload: disconnecting user \"%s\" (group \"%s\", address %s): %s",
			   evs_session_name(x->s), x->user, x->group, a, why);
		evs_session_terminate(x->s, EVS_END_RELOAD, why);
		ended++;
	}
	free(ids);
	return ended;
}

/* The addresses of the sessions that stay, held in the new pools by the
 * same owners: a kept pool keeps its leases, a resized one those that
 * still fit (the others' sessions ended above), fixed addresses stay
 * fixed.  The new pools are fresh, so nothing can be taken. */
static void carry_leases(struct ezv *z, struct easyvpn_config *to)
{
	char a[16];

	for (struct ezv_sess *x = z->sessions; x; x = x->next) {
		uint32_t owner;
		int r;

		if (x->server && x->have_addr6) {
			char a6[EVS_PREFIX_STRLEN];

			owner = pool6_owner(z->cfg->pools6, &x->addr6);
			r = owner ? pool6_take(to->pools6, &x->addr6, owner) : POOL_OK;
			if (r != POOL_OK)
				log_err("%s: reload: IPv6 address %s not carried over: %s",
					evs_session_name(x->s),
					evs_prefix_str(&x->addr6, a6, sizeof(a6)),
					pool_result_str(r));
		}
		if (!x->server || !x->addr)
			continue;
		owner = pool_owner(z->cfg->pools, x->addr);
		if (!owner)
			continue;
		r = pool_lease_fixed(to->pools, x->addr, owner);
		if (r != POOL_OK) {
			evs_ip4_ntop(x->addr, a, sizeof(a));
			log_err("%s: reload: address %s not carried over: %s",
				evs_session_name(x->s), a, pool_result_str(r));
		}
	}
}

unsigned ezv_reload_commit(struct ezv *z, struct ezv_next *n)
{
	unsigned ended;

	/* Logins the old worker was checking are decided under the old
	 * configuration, then judged with the others below. */
	aaa_drain(z->aaa);
	ezv_process(z);
	ended = end_doomed(z, n);
	carry_leases(z, n->cfg);
	/* The accounting Stops of the sessions just ended go out first. */
	aaa_drain(z->aaa);
	aaa_free(z->aaa);
	z->aaa = n->aaa;
	z->ike = n->ike;
	z->cfg = n->cfg;
	/* new sessions share the new groups' settings; live ones keep theirs */
	ezv_group_eff_drop(z);
	z->kops = n->kops;
	z->karg = n->karg;
	/* No Accounting-On: the NAS did not restart, its sessions go on. */
	free(z->dae_cache);
	z->dae_cache = n->dae_cache;
	/* Lockouts in progress stay; the limits are the new ones. */
	z->rl.burst = n->cfg->xauth.lockout_failures;
	z->rl.window = n->cfg->xauth.lockout_seconds;
	ezv_log_config(n->ike, n->cfg, n->db);
	free(n);
	return ended;
}
