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

struct client_host {
	struct client_applied *applied;
	struct clientcfg_backend backend;
	struct clientcfg_host_io io;	/* the host backend's socket */
	struct client_dns_backend dns_backend;
	char fw_dev[IF_NAMESIZE];	/* the device the filter is on */
	bool fw_installed;		/* table inet evs_client_fw is ours */
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
	bool fw_on;			/* its gateway asked for a firewall */
	bool fw_tried;
};

/* Write the filter for every peer with fw_on, or remove it when none
 * is left (client_fw.h). */
static void fw_sync(struct client_host *h)
{
	struct client_fw_peer peers[16];
	unsigned n = 0, n_allow = 0;
	struct evs_err e;
	char script[8192];
	int len;

	for (struct client_applied *a = h->applied; a && n < 16; a = a->next)
		if (a->fw_on) {
			peers[n++] = (struct client_fw_peer){
				.name = a->peer->name,
				.allow = a->peer->fw_allow,
				.n_allow = a->peer->n_fw_allow,
			};
			n_allow += a->peer->n_fw_allow;
		}
	if (!n && !h->fw_installed)
		return;
	len = n ? client_fw_script(h->fw_dev, peers, n, script, sizeof(script)) :
		  client_fw_remove_script(script, sizeof(script));
	if (len < 0) {
		log_err("client: firewall: the rules do not fit (%u allow lines)", n_allow);
		return;
	}
	if (h->backend.nft(h->backend.arg, script, &e)) {
		log_err("client: firewall: %s table inet %s: %s", n ? "writing" : "removing",
			CLIENT_FW_TABLE, e.msg);
		return;
	}
	h->fw_installed = n > 0;
	if (n)
		log_notice("client: firewall: only replies and %u firewall-allow rule%s may "
			   "come in through %s (table inet %s)", n_allow, n_allow == 1 ? "" : "s",
			   h->fw_dev, CLIENT_FW_TABLE);
	else
		log_notice("client: firewall: table inet %s removed", CLIENT_FW_TABLE);
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
	if (x->fw_on) {
		free(x);
		fw_sync(h);
		return;
	}
	free(x);
}

static bool client_wants_addr(const struct ike_sa *sa)
{
	return sa->have_inner && sa->inner.family == AF_INET &&
	       sa->peer->ezvpn_mode == IKE_EZVPN_CLIENT;
}

static struct clientcfg *client_apply(const struct client_host *h,
				      const struct ike_sa *sa)
{
	const struct ike_peer *p = sa->peer;
	const struct sockaddr_in *gw = (const struct sockaddr_in *)&sa->path.remote;
	struct clientcfg_req req = {
		.backend = &h->backend,
		.name = sa->name,
		.peer = p->name,
		.device = sa->eng->ike->device[0] ? sa->eng->ike->device : "evs0",
		.addr_device = p->addr_device,
		.network_extension = p->ezvpn_mode == IKE_EZVPN_NETWORK_EXTENSION,
		.have_addr = client_wants_addr(sa),
		.lans = p->local_nets,
		.n_lans = p->n_local_nets,
		.have_gateway = gw->sin_family == AF_INET,
	};

	if (req.have_addr)
		memcpy(req.addr, sa->inner.addr, 4);
	if (req.have_gateway)
		memcpy(req.gateway, &gw->sin_addr, 4);
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
		bool want = client_wants_addr(sa);

		if (a->cc && !clientcfg_same_addr(a->cc, want, sa->inner.addr)) {
			/* a new session with another address: start over */
			client_dns_down(a->dns);
			a->dns = NULL;
			clientcfg_down(a->cc);
			a->cc = NULL;
			if (a->fw_on) {
				a->fw_on = false;
				fw_sync(h);
			}
		}
		a->dns_tried = a->dns != NULL;
		a->fw_tried = a->fw_on;
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

void client_host_end(struct client_host *h, struct ike_sa *sa)
{
	struct client_applied *a = applied_find(h, sa->peer);

	if (!a || a->owner != sa->serial)
		return;
	/* A renewed Phase 1 that took the connections over keeps it all. */
	for (struct ike_sa *o = sa->eng->sas; o; o = o->next)
		if (o != sa && o->peer == sa->peer && o->state != IKE_S_DEAD &&
		    o->conns && clientcfg_same_addr(a->cc, client_wants_addr(o),
						    o->inner.addr)) {
			a->owner = o->serial;
			clientcfg_set_name(a->cc, o->name);
			log_info("%s: client: address and routes stay with %s", sa->name,
				 o->name);
			return;
		}
	applied_free(h, a);
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
		client_dns_recover(&h->dns_backend);
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
	clientcfg_host_close(&h->io);
	free(h);
}

void client_host_set_dns_backend(struct client_host *h, const struct client_dns_backend *b)
{
	h->dns_backend = *b;
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
		.wins = pushed->nbns, .n_wins = pushed->n_nbns,
		.domain = pushed->has & MCF_BIT(MCF_DEF_DOMAIN) ? pushed->def_domain : "",
		.split_dns = pushed->has & MCF_BIT(MCF_SPLIT_DNS) ? pushed->split_dns : "",
	};
	a->dns = client_dns_up(&h->dns_backend, &req);
}

void client_host_fw(struct client_host *h, struct ike_sa *sa, const struct modecfg *pushed)
{
	struct client_applied *a = applied_find(h, sa->peer);
	const char *dev = sa->eng->ike->device[0] ? sa->eng->ike->device : "evs0";

	if (!a || a->owner != sa->serial || a->fw_tried || !pushed)
		return;
	a->fw_tried = true;
	if (!(pushed->has & MCF_BIT(MCF_FW_TYPE)))
		return;
	if (sa->peer->firewall_off) {
		log_warn("%s: client: firewall: the gateway pushed a firewall policy; peer %s "
			 "says 'firewall off': no inbound filter", sa->name, sa->peer->name);
		return;
	}
	snprintf(h->fw_dev, sizeof(h->fw_dev), "%s", dev);
	a->fw_on = true;
	fw_sync(h);
}
