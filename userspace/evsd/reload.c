// SPDX-License-Identifier: MIT
/*
 * The whole configuration re-read while sessions run (evsd.h).  First
 * everything that can fail is made aside: the file parsed and checked,
 * the Easy VPN part prepared (user file, AAA worker), RRI opened, the new
 * listen sockets bound.  Only then is anything switched, and the switch
 * cannot fail.  Live SAs keep pointers into the configuration they began
 * under (key entries, peer blocks, policies), so the old configuration
 * is kept until the engine says none of them is left.
 */
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "evsd/dae.h"
#include "evsd/ha.h"
#include "evsd/evsd.h"
#include "evsd/kernel.h"
#include "evsd/loop.h"
#include "evsd/metrics.h"
#include "evsd/rri.h"
#include "ezv/easyvpn.h"
#include "ike/engine/ikesa.h"
#include "lib/daemon_log.h"
#include "lib/secret.h"

static const char *cfg_device(const struct evsd_config *c)
{
	return c->ike.device[0] ? c->ike.device : "evs0";
}

static bool natt_in(const struct net *n, int fd)
{
	for (unsigned i = 0; net_natt_fd(n, i) >= 0; i++)
		if (net_natt_fd(n, i) == fd)
			return true;
	return false;
}

static bool fd_in(const struct net *n, int fd)
{
	for (unsigned i = 0; i < n->n; i++)
		if (n->s[i].fd == fd)
			return true;
	return false;
}

/* The sockets follow the listen addresses: the removed ones are no
 * longer watched (and evs.ko lets go of a NAT-T socket that changed),
 * the new ones are. */
static void switch_sockets(struct evsd *d, const struct net *before, struct net *gone)
{
	int fd;

	for (unsigned i = 0; d->kernel && (fd = net_natt_fd(before, i)) >= 0; i++)
		if (!natt_in(&d->net, fd))
			kernel_encap_detach(d->kernel, fd);
	for (unsigned i = 0; d->kernel && (fd = net_natt_fd(&d->net, i)) >= 0; i++)
		if (!natt_in(before, fd) && kernel_encap_attach(d->kernel, fd) < 0)
			log_err("reload: the new NAT-T socket (%s) is not attached: "
				"ESP in UDP is not decapsulated",
				net_natt_family(&d->net, i) == AF_INET6 ? "IPv6" : "IPv4");
	for (unsigned i = 0; i < gone->n; i++)
		if (d->loop)
			loop_del_fd(d->loop, gone->s[i].fd);
	net_close(gone);
	for (unsigned i = 0; i < d->net.n; i++)
		if (d->loop && !fd_in(before, d->net.s[i].fd))
			loop_add_fd(d->loop, d->net.s[i].fd, d->on_net, d);
}

static bool peer_kept(const struct evsd_config *c, const char *name)
{
	for (size_t i = 0; i < c->ike.n_peers; i++)
		if (!strcmp(c->ike.peers[i].name, name))
			return true;
	return false;
}

/* Client role: the SAs to peer blocks the new configuration removed. */
static unsigned end_removed_peers(struct evsd *d, const struct evsd_config *nc)
{
	unsigned n = 0;
	bool again = true;

	while (again) {
		again = false;
		/* The client's SAs are those of its few configured peers. */
		for (struct ike_sa *sa = d->eng->sas; sa; sa = sa->next)
			if (sa->peer && sa->state != IKE_S_DEAD &&
			    !peer_kept(nc, sa->peer->name)) {
				log_notice("%s: reload: peer block \"%s\" removed",
					   sa->name, sa->peer->name);
				evs_session_terminate((struct evs_session *)sa, EVS_END_RELOAD,
						      "peer block removed");
				n++;
				again = true;
				break;
			}
	}
	return n;
}

int evsd_reload(struct evsd *d, struct evs_err *err)
{
	struct evsd_config nc;
	struct evsd_retired *old = NULL;
	struct ezv_next *zn = NULL;
	struct rri *rri = NULL;
	struct net *gone = NULL, *before = NULL;
	struct evsd_dae *dae = NULL;
	uint8_t ha_key[HA_KEY_BYTES];
	bool new_dae = false;
	unsigned ended = 0;

	sd_notify(0, "RELOADING=1");
	if (evsd_config_load(d->cfg.path, &nc, err) < 0)
		goto refused;
	if (evsd_config_check_role(&nc, d->role == EVS_ROLE_CLIENT, err) < 0)
		goto fail;
	if (strcmp(cfg_device(&nc), cfg_device(&d->cfg))) {
		evs_errf(err, "%s: the evs device cannot change from %s to %s on reload "
			 "(restart evsd)", nc.path, cfg_device(&d->cfg), cfg_device(&nc));
		goto fail;
	}
	old = calloc(1, sizeof(*old));
	gone = calloc(1, sizeof(*gone));
	before = calloc(1, sizeof(*before));
	if (!old || !gone || !before) {
		evs_errf(err, "out of memory");
		goto fail;
	}
	if (d->role == EVS_ROLE_SERVER && nc.easyvpn && nc.easyvpn->n_groups &&
	    !d->rri && d->kernel) {
		rri = rri_open(cfg_device(&nc), err);
		if (!rri)
			goto fail;
	}
	if (d->ezv) {
		struct rri *r = d->rri ? d->rri : rri;

		/* &d->cfg.ike: the place the new IKE part is about to take. */
		zn = ezv_reload_prepare(d->ezv, &d->cfg.ike, nc.easyvpn,
					r ? &rri_ezv_ops : NULL, r, err);
		if (!zn) {
			evs_err_prefix(err, "%s: easyvpn", nc.path);
			goto fail;
		}
	}
	/* The dynamic-authorization socket follows its port and address:
	 * a new one is bound before the old one goes (a port that cannot be
	 * bound refuses the reload). */
	if (d->ezv && !evsd_dae_same(d->dae, nc.easyvpn)) {
		new_dae = true;
		dae = evsd_dae_open(d->loop, d->ezv, nc.easyvpn, d->eng, err);
		if (!dae && err->msg[0])
			goto fail;
	}
	if (ha_reload_prepare(d->ha, &nc.ha, ha_key, err) < 0)
		goto fail;
	before->n = d->net.n;
	memcpy(before->s, d->net.s, sizeof(before->s));
	if (net_update(&d->net, &nc.ike, gone, err) < 0)
		goto fail;

	/* ---- from here on nothing fails ---- */
	if (d->eng)
		ike_engine_set_time(d->eng, loop_now_ms());
	if (d->eng && d->role == EVS_ROLE_CLIENT)
		ended += end_removed_peers(d, &nc);
	if (rri)
		d->rri = rri;
	if (zn) {
		int fd = ezv_fd(d->ezv);

		if (fd >= 0 && d->loop)
			loop_del_fd(d->loop, fd);
		ended += ezv_reload_commit(d->ezv, zn);
		fd = ezv_fd(d->ezv);
		if (fd >= 0 && d->loop)
			loop_add_fd(d->loop, fd, d->on_ezv, d);
	}
	switch_sockets(d, before, gone);
	ha_reload_commit(d->ha, &nc.ha, ha_key);
	secret_wipe(ha_key, sizeof(ha_key));
	if (new_dae) {
		evsd_dae_close(d->dae);
		d->dae = dae;
	}
	old->cfg = d->cfg;
	d->cfg = nc;
	old->gen = d->eng ? ike_engine_set_config(d->eng, &d->cfg.ike) : 0;
	old->next = d->retired;
	d->retired = old;
	d->metrics = metrics_reconfigure(d->metrics, d->loop, &d->cfg.metrics,
					 &d->metrics_src);
	if (d->cfg.ike.log_level && !d->debug)
		evsd_log_set_level((enum evsd_log_level)d->cfg.ike.log_level);
	log_notice("reload: configuration %s reloaded: %zu isakmp policies, %zu keys, "
		   "%zu groups, %zu pools; %u session%s disconnected",
		   d->cfg.path, d->cfg.ike.n_policies, d->cfg.ike.n_psks,
		   d->cfg.easyvpn ? d->cfg.easyvpn->n_groups : 0,
		   d->cfg.easyvpn ? pool_count(d->cfg.easyvpn->pools) : 0,
		   ended, ended == 1 ? "" : "s");
	free(gone);
	free(before);
	evsd_retired_sweep(d, false);
	sd_notify(0, "READY=1");
	return 0;
fail:
	secret_wipe(ha_key, sizeof(ha_key));
	evsd_dae_close(dae);
	ezv_reload_abort(zn);
	rri_close(rri);
	evsd_config_free(&nc);
refused:
	free(old);
	free(gone);
	free(before);
	log_err("reload: %s; the running configuration stays", err->msg);
	sd_notify(0, "READY=1");
	return -1;
}

void evsd_retired_sweep(struct evsd *d, bool force)
{
	for (struct evsd_retired **pp = &d->retired, *r; (r = *pp);) {
		if (!force && d->eng && ike_engine_config_in_use(d->eng, r->gen)) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		log_debug("reload: the configuration replaced earlier is no longer used");
		evsd_config_free(&r->cfg);
		free(r);
	}
}
