// SPDX-License-Identifier: MIT
/*
 * client_host: the client role's sessions on the host.  For each peer
 * block, the address mode config assigned, the routes of every
 * connection and the PAT (clientcfg.c) go on when the first connection
 * comes up and come off with the session; a renewed Phase 1 adopts them.
 */
#include "evsd/client/client_host.h"

#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evsd/client/client_dns.h"
#include "evsd/client/client_fw.h"
#include "evsd/client/clientcfg.h"
#include "ezv/modecfg.h"
#include "lib/daemon_log.h"

/* Sessions whose gateway asked for a firewall (client_fw.h): the filter
 * holds the allow lines of each one's peer, and stays while any is left.
 * Kept apart from the address and routes (client_applied), which a
 * renewal may take down and put up again: the filter never goes off
 * while a session that asked for it lives. */
#define FW_HOLDS_MAX 32
struct fw_hold {
	const struct ike_peer *peer;
	uint32_t serial;		/* the session's */
};

struct client_host {
	struct client_applied *applied;
	struct clientcfg_backend backend;
	struct clientcfg_host_io io;	/* the host backend's socket */
	struct client_dns_backend dns_backend;
	char fw_dev[IF_NAMESIZE];	/* the device the filter is on */
	bool fw_installed;		/* table inet evs_client_fw is ours */
	struct fw_hold fw[FW_HOLDS_MAX];
	unsigned n_fw;
};

/* One per peer block: owned by the session that carries the peer's
 * connections.  A renewed Phase 1 adopts the connections of the old one,
 * and with them this, so nothing is removed and re-added. */
struct client_applied {
	struct client_applied *next;
	const struct ike_peer *peer;
	uint32_t owner;			/* session serial */
	struct clientcfg *cc;
	struct client_dns *dns;
	bool dns_tried;
};

/* Write the filter for every peer a session holds it for, or remove it
 * when none is left (client_fw.h).  0, or -1 when nft failed (logged). */
static int fw_sync(struct client_host *h)
{
	struct client_fw_peer peers[FW_HOLDS_MAX];
	unsigned n = 0, n_allow = 0;
	struct evs_err e;
	char script[8192];
	int len;

	for (unsigned i = 0; i < h->n_fw; i++) {
		const struct ike_peer *p = h->fw[i].peer;
		unsigned k = 0;

		while (k < n && peers[k].allow != p->fw_allow)
			k++;
		if (k < n)
			continue;	/* two sessions of one peer: its lines once */
		peers[n++] = (struct client_fw_peer){
			.name = p->name,
			.allow = p->fw_allow,
			.n_allow = p->n_fw_allow,
		};
		n_allow += p->n_fw_allow;
	}
	if (!n && !h->fw_installed)
		return 0;
	len = n ? client_fw_script(h->fw_dev, peers, n, script, sizeof(script)) :
		  client_fw_remove_script(script, sizeof(script));
	if (len < 0) {
		log_err("client: firewall: the rules do not fit (%u allow lines)", n_allow);
		return -1;
	}
	if (h->backend.nft(h->backend.arg, script, &e)) {
		log_err("client: firewall: %s table inet %s: %s", n ? "writing" : "removing",
			CLIENT_FW_TABLE, e.msg);
		return -1;
	}
	h->fw_installed = n > 0;
	if (n)
		log_notice("client: firewall: only replies and %u firewall-allow rule%s may "
			   "come in through %s (table inet %s)", n_allow, n_allow == 1 ? "" : "s",
			   h->fw_dev, CLIENT_FW_TABLE);
	else
		log_notice("client: firewall: table inet %s removed", CLIENT_FW_TABLE);
	return 0;
}

/* Session serial lets go of the filter; true when it held it. */
static bool fw_release(struct client_host *h, uint32_t serial)
{
	bool had = false;

	for (unsigned i = h->n_fw; i-- > 0;)
		if (h->fw[i].serial == serial) {
			h->fw[i] = h->fw[--h->n_fw];
			had = true;
		}
	return had;
}

static struct client_applied *applied_find(struct client_host *h,
					   const struct ike_peer *peer)
{
	for (struct client_applied *a = h->applied; a; a = a->next)
		if (a->peer == peer)
			return a;
	return NULL;
}

static void applied_free(struct client_host *h, struct client_applied *x)
{
	for (struct client_applied **pp = &h->applied; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	client_dns_down(x->dns);
	clientcfg_down(x->cc);
	free(x);
}

/* The addresses mode config assigned, which client mode puts on the
 * host (NULL: none of that family). */
static const struct evs_prefix *client_addr4(const struct ike_sa *sa)
{
	return sa->have_inner && sa->inner.family == AF_INET &&
	       sa->peer->ezvpn_mode == IKE_EZVPN_CLIENT ? &sa->inner : NULL;
}

static const struct evs_prefix *client_addr6(const struct ike_sa *sa)
{
	return sa->have_inner6 && sa->inner6.family == AF_INET6 &&
	       sa->peer->ezvpn_mode == IKE_EZVPN_CLIENT ? &sa->inner6 : NULL;
}

static bool same_addrs(const struct clientcfg *cc, const struct ike_sa *sa)
{
	return clientcfg_same_addr(cc, client_addr4(sa), client_addr6(sa));
}

static struct clientcfg *client_apply(const struct client_host *h,
				      const struct ike_sa *sa)
{
	const struct ike_peer *p = sa->peer;
	const struct sockaddr_storage *gw = &sa->path.remote;
	struct evs_prefix gwp = { .family = (uint8_t)gw->ss_family };
	struct clientcfg_req req = {
		.backend = &h->backend,
		.name = sa->name,
		.peer = p->name,
		.device = sa->eng->ike->device[0] ? sa->eng->ike->device : "evs0",
		.addr_device = p->addr_device,
		.network_extension = p->ezvpn_mode == IKE_EZVPN_NETWORK_EXTENSION,
		.addr = client_addr4(sa),
		.addr6 = client_addr6(sa),
		.lans = p->local_nets,
		.n_lans = p->n_local_nets,
	};

	if (gw->ss_family == AF_INET) {
		gwp.plen = 32;
		memcpy(gwp.addr, &((const struct sockaddr_in *)gw)->sin_addr, 4);
		req.gateway = &gwp;
	} else if (gw->ss_family == AF_INET6) {
		gwp.plen = 128;
		memcpy(gwp.addr, &((const struct sockaddr_in6 *)gw)->sin6_addr, 16);
		req.gateway = &gwp;
	}
	return clientcfg_up(&req);
}

void client_host_child_up(struct client_host *h, struct ike_sa *sa,
			  uint32_t conn_id)
{
	struct client_applied *a = applied_find(h, sa->peer);
	const struct ike_conn *c = sa->conns;

	while (c && c->id != conn_id)
		c = c->next;
	if (!c)
		return;
	if (a && a->owner != sa->serial) {
		if (a->cc && !same_addrs(a->cc, sa)) {
			/* a new session with another address: start over */
			client_dns_down(a->dns);
			a->dns = NULL;
			clientcfg_down(a->cc);
			a->cc = NULL;
		}
		a->dns_tried = a->dns != NULL;
		a->owner = sa->serial;
		clientcfg_set_name(a->cc, sa->name);
	}
	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a)
			return;
		a->peer = sa->peer;
		a->owner = sa->serial;
		a->next = h->applied;
		h->applied = a;
	}
	if (!a->cc)
		a->cc = client_apply(h, sa);
	clientcfg_route_add(a->cc, conn_id, &c->remote, &c->local);
}

void client_host_child_down(struct client_host *h, struct ike_sa *sa,
			    uint32_t conn_id)
{
	struct client_applied *a = applied_find(h, sa->peer);

	if (a)
		clientcfg_route_del(a->cc, conn_id);
}

static void applied_end(struct client_host *h, struct client_applied *a, struct ike_sa *sa)
{
	/* A renewed Phase 1 that took the connections over keeps it all. */
	for (struct ike_sa *o = sa->eng->sas; o; o = o->next)
		if (o != sa && o->peer == sa->peer && o->state != IKE_S_DEAD &&
		    o->conns && same_addrs(a->cc, o)) {
			a->owner = o->serial;
			clientcfg_set_name(a->cc, o->name);
			log_info("%s: client: address and routes stay with %s", sa->name,
				 o->name);
			return;
		}
	applied_free(h, a);
}

void client_host_end(struct client_host *h, struct ike_sa *sa)
{
	struct client_applied *a = applied_find(h, sa->peer);

	/* the address and routes (below) go first: nothing of the session is
	 * left to filter once the table comes off */
	if (a && a->owner == sa->serial)
		applied_end(h, a, sa);
	if (!fw_release(h, sa->serial))
		return;
	/* another live session of the peer (a renewal, which may carry the
	 * connections on) keeps the filter up */
	for (struct ike_sa *o = sa->eng->sas; o; o = o->next)
		if (o != sa && o->peer == sa->peer && o->state != IKE_S_DEAD) {
			bool held = false;

			for (unsigned i = 0; i < h->n_fw; i++)
				held |= h->fw[i].serial == o->serial;
			if (!held)
				h->fw[h->n_fw++] = (struct fw_hold){ sa->peer, o->serial };
			return;
		}
	fw_sync(h);
}

/* A filter left by a daemon that crashed: nothing of ours is up yet. */
static void fw_recover(struct client_host *h)
{
	struct evs_err e = { 0 };
	char script[128];

	if (client_fw_remove_script(script, sizeof(script)) < 0 ||
	    h->backend.nft(h->backend.arg, script, &e))
		log_info("client: firewall: could not clear a leftover table inet %s: %s",
			 CLIENT_FW_TABLE, e.msg);
}

struct client_host *client_host_new(const struct clientcfg_backend *b)
{
	struct client_host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	if (b) {
		h->backend = *b;
	} else {
		clientcfg_host_backend(&h->backend, &h->io);
		client_dns_host_backend(&h->dns_backend);
		fw_recover(h);
	}
	return h;
}

void client_host_free(struct client_host *h)
{
	if (!h)
		return;
	while (h->applied)
		applied_free(h, h->applied);
	h->n_fw = 0;
	fw_sync(h);
	clientcfg_host_close(&h->io);
	free(h);
}

void client_host_set_dns_backend(struct client_host *h, const struct client_dns_backend *b)
{
	h->dns_backend = *b;
}

void client_host_dns_recover(struct client_host *h, const char *device)
{
	if (h->dns_backend.resolv_conf)
		client_dns_recover(&h->dns_backend, device);
}

void client_host_dns(struct client_host *h, struct ike_sa *sa, const struct modecfg *pushed)
{
	struct client_applied *a = applied_find(h, sa->peer);
	struct client_dns_req req;

	if (!a || a->owner != sa->serial || a->dns_tried || !pushed ||
	    !h->dns_backend.resolv_conf)
		return;
	a->dns_tried = true;
	req = (struct client_dns_req){
		.name = sa->name,
		.device = sa->eng->ike->device[0] ? sa->eng->ike->device : "evs0",
		.full_tunnel = !pushed->n_split,
		.dns = pushed->dns, .n_dns = pushed->n_dns,
		/* with `ipv6 off` no IPv6 enters the tunnel: its servers
		 * would be unreachable (the gateway should not send them) */
		.dns6 = pushed->dns6,
		.n_dns6 = (pushed->has & MCF_BIT(MCF_IP6_DNS)) && !sa->peer->ipv6_off ?
			  pushed->n_dns6 : 0,
		.wins = pushed->nbns, .n_wins = pushed->n_nbns,
		.domain = pushed->has & MCF_BIT(MCF_DEF_DOMAIN) ? pushed->def_domain : "",
		.split_dns = pushed->has & MCF_BIT(MCF_SPLIT_DNS) ? pushed->split_dns : "",
	};
	a->dns = client_dns_up(&h->dns_backend, &req);
}

int client_host_ready(struct client_host *h, struct ike_sa *sa, const struct modecfg *pushed)
{
	const char *dev = sa->eng->ike->device[0] ? sa->eng->ike->device : "evs0";

	if (!pushed || !(pushed->has & MCF_BIT(MCF_FW_TYPE)))
		return 0;
	if (sa->peer->firewall_off) {
		log_warn("%s: client: firewall: the gateway pushed a firewall policy; peer %s "
			 "says 'firewall off': no inbound filter", sa->name, sa->peer->name);
		return 0;
	}
	for (unsigned i = 0; i < h->n_fw; i++)
		if (h->fw[i].serial == sa->serial)
			return 0;
	if (h->n_fw >= FW_HOLDS_MAX) {
		log_err("%s: client: firewall: %u sessions hold the filter already; this one "
			"is not brought up", sa->name, h->n_fw);
		return -1;
	}
	snprintf(h->fw_dev, sizeof(h->fw_dev), "%s", dev);
	h->fw[h->n_fw++] = (struct fw_hold){ sa->peer, sa->serial };
	if (fw_sync(h) == 0)
		return 0;
	/* no tunnel without the filter its gateway asked for */
	fw_release(h, sa->serial);
	fw_sync(h);
	return -1;
}

bool client_host_fw_active(const struct client_host *h, const char *peer)
{
	if (!h || !h->fw_installed)
		return false;
	for (unsigned i = 0; i < h->n_fw; i++)
		if (!strcmp(h->fw[i].peer->name, peer))
			return true;
	return false;
}

int client_host_fw_drops(const struct client_host *h, uint64_t *packets, uint64_t *bytes)
{
	if (!h || !h->fw_installed || !h->backend.nft_counter)
		return -1;
	return h->backend.nft_counter(h->backend.arg, CLIENT_FW_TABLE, CLIENT_FW_DROPS, packets,
				      bytes);
}
