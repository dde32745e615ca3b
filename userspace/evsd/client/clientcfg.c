// SPDX-License-Identifier: MIT
/* The client's address, routes and PAT on its own host; see clientcfg.h. */
#include "evsd/client/clientcfg.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/daemon_log.h"
#include "evsd/client/pat.h"
#include "ike/engine/phase2.h"

#define CC_MAX_ROUTES	72	/* 32 split nets x 2 halves at most, + slack */
#define CC_MAX_CONNS	16	/* connections sharing one route */

struct cc_route {
	struct rtnl_route r;
	bool owned;			/* we added it (not EEXIST) */
	uint32_t conns[CC_MAX_CONNS];
	unsigned n_conns;
};

struct clientcfg {
	char name[96];
	char dev[IF_NAMESIZE];
	char addr_dev[IF_NAMESIZE];
	unsigned ifindex, addr_ifindex;
	bool nem;
	bool have_addr, addr_owned;
	uint8_t addr[4];
	char pat_table[PAT_TABLE_MAX];
	bool pat_on;
	bool have_gateway, gw_checked, gw_owned;
	uint8_t gateway[4];
	struct rtnl_route gw_route;
	const struct clientcfg_backend *b;	/* the host, or a test's fake */
	struct cc_route routes[CC_MAX_ROUTES];
	unsigned n_routes;
};

/* ---- the host backend: rtnetlink + nft ---------------------------------------- */

static struct rtnl *host_rtnl(struct clientcfg_host_io *io, struct evs_err *e)
{
	if (!io->rtnl)
		io->rtnl = rtnl_open(e);
	return io->rtnl;
}

static unsigned host_ifindex(void *arg, const char *name)
{
	(void)arg;
	return if_nametoindex(name);
}

static int host_addr(void *arg, bool add, unsigned ifindex, const uint8_t a[4],
		     unsigned plen, struct evs_err *e)
{
	struct rtnl *r = host_rtnl(arg, e);

	return r ? rtnl_addr(r, add, ifindex, a, plen, e) : -EIO;
}

static int host_route(void *arg, bool add, const struct rtnl_route *rt,
		      struct evs_err *e)
{
	struct rtnl *r = host_rtnl(arg, e);

	return r ? rtnl_route(r, add, rt, e) : -EIO;
}

static int host_route_get(void *arg, const uint8_t dst[4], struct rtnl_route *out,
			  struct evs_err *e)
{
	struct rtnl *r = host_rtnl(arg, e);

	return r ? rtnl_route_get(r, dst, out, e) : -EIO;
}

static int host_addr_within(void *arg, const uint8_t net[4], unsigned plen,
			    uint8_t out[4])
{
	struct rtnl *r = host_rtnl(arg, NULL);

	return r ? rtnl_addr_within(r, net, plen, out) : -1;
}

static int host_nft(void *arg, const char *script, struct evs_err *e)
{
	(void)arg;
	return pat_run_nft(script, e);
}

void clientcfg_host_backend(struct clientcfg_backend *b, struct clientcfg_host_io *io)
{
	*b = (struct clientcfg_backend){
		.arg = io,
		.ifindex = host_ifindex,
		.addr = host_addr,
		.route = host_route,
		.route_get = host_route_get,
		.addr_within = host_addr_within,
		.nft = host_nft,
	};
}

void clientcfg_host_close(struct clientcfg_host_io *io)
{
	rtnl_close(io->rtnl);
	io->rtnl = NULL;
}

/* ---- helpers --------------------------------------------------------------------- */

static void ip_str(const uint8_t a[4], char *out, size_t n)
{
	snprintf(out, n, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static uint32_t be32(const uint8_t a[4])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static bool covers(const uint8_t net[4], unsigned plen, const uint8_t a[4])
{
	uint32_t m = plen ? 0xffffffffu << (32 - plen) : 0;

	return (be32(net) & m) == (be32(a) & m);
}

static void route_str(const struct rtnl_route *r, const char *dev, char *out,
		      size_t n)
{
	char d[16], g[16] = "", s[16] = "";

	ip_str(r->dst, d, sizeof(d));
	if (r->has_gw)
		ip_str(r->gw, g, sizeof(g));
	if (r->has_src)
		ip_str(r->src, s, sizeof(s));
	snprintf(out, n, "%s/%u%s%s dev %s%s%s", d, r->plen, g[0] ? " via " : "", g,
		 dev, s[0] ? " src " : "", s);
}

static const char *ifname(unsigned idx, char *buf)
{
	if (!if_indextoname(idx, buf))
		snprintf(buf, IF_NAMESIZE, "#%u", idx);
	return buf;
}

/* ---- up and down --------------------------------------------------------------- */

/* The LAN behind us only gets through when we forward for it; say so
 * rather than leave the operator guessing why pings die. */
static void check_forwarding(const struct clientcfg *c)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "r");
	int on = 1;

	if (!f)
		return;
	if (fscanf(f, "%d", &on) != 1)
		on = 1;
	fclose(f);
	if (!on)
		log_warn("%s: client: net.ipv4.ip_forward is 0: the local networks "
			 "cannot use the tunnel", c->name);
}

static void pat_up(struct clientcfg *c, const struct clientcfg_req *req)
{
	char script[2048], a[16];
	struct evs_err e;
	bool other_dev = c->addr_ifindex != c->ifindex;

	pat_table_name(req->peer ? req->peer : "peer", c->pat_table,
		       sizeof(c->pat_table));
	/* masquerade takes the evs device's address; when the address lives
	 * on another device, name it */
	if (pat_script(c->pat_table, c->dev, req->lans, req->n_lans,
		       other_dev ? c->addr : NULL, script, sizeof(script)) < 0) {
		log_warn("%s: client: PAT rule set too long", c->name);
		return;
	}
	ip_str(c->addr, a, sizeof(a));
	if (c->b->nft(c->b->arg, script, &e) < 0) {
		log_err("%s: client: PAT of the local networks not installed: %s",
			c->name, e.msg);
		return;
	}
	c->pat_on = true;
	for (unsigned i = 0; i < req->n_lans; i++) {
		char net[64];

		evs_prefix_str(&req->lans[i], net, sizeof(net));
		log_notice("%s: client: PAT: %s leaves %s as %s (nft table ip %s)",
			   c->name, net, c->dev, a, c->pat_table);
	}
}

struct clientcfg *clientcfg_up(const struct clientcfg_req *req)
{
	const char *adev = req->addr_device && req->addr_device[0] ?
			   req->addr_device : req->device;
	struct clientcfg *c;
	struct evs_err err = { "" };
	char a[16];
	int rc;

	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", req->name ? req->name : "client");
	snprintf(c->dev, sizeof(c->dev), "%s", req->device);
	snprintf(c->addr_dev, sizeof(c->addr_dev), "%s", adev);
	c->nem = req->network_extension;
	c->b = req->backend;
	c->ifindex = c->b->ifindex(c->b->arg, c->dev);
	if (!c->ifindex) {
		log_err("%s: client: device %s does not exist: the tunnel's address "
			"and routes are not installed", c->name, c->dev);
		free(c);
		return NULL;
	}
	c->have_gateway = req->have_gateway;
	memcpy(c->gateway, req->gateway, 4);
	if (req->n_lans && (c->nem || req->have_addr))
		check_forwarding(c);
	if (c->nem || !req->have_addr)
		return c;
	c->have_addr = true;
	memcpy(c->addr, req->addr, 4);
	ip_str(c->addr, a, sizeof(a));
	c->addr_ifindex = c->b->ifindex(c->b->arg, c->addr_dev);
	if (!c->addr_ifindex) {
		log_err("%s: client: address-device %s does not exist: address %s "
			"not installed", c->name, c->addr_dev, a);
		return c;
	}
	rc = c->b->addr(c->b->arg, true, c->addr_ifindex, c->addr, 32, &err);
	if (rc == 0 || rc == -EEXIST) {
		/* Already there: a leftover of an evsd that died; it is the
		 * address the gateway gave us, so ours to remove. */
		c->addr_owned = true;
		log_notice("%s: client: address %s/32 on %s%s", c->name, a, c->addr_dev,
			   rc ? " (was already there)" : "");
	} else {
		log_err("%s: client: address %s/32 on %s: %s", c->name, a, c->addr_dev,
			err.msg);
	}
	if (req->n_lans)
		pat_up(c, req);
	return c;
}

/* The host route to the gateway through the path it has now, so routes
 * covering the gateway (0/1 + 128/1, a split net around it) do not pull
 * IKE and ESP into the tunnel. */
static void gateway_route(struct clientcfg *c)
{
	struct rtnl_route via;
	struct evs_err err = { "" };
	char g[16], rs[96], d[IF_NAMESIZE];
	int rc;

	if (c->gw_checked || !c->have_gateway)
		return;
	c->gw_checked = true;
	ip_str(c->gateway, g, sizeof(g));
	if (c->b->route_get(c->b->arg, c->gateway, &via, &err) < 0) {
		log_warn("%s: client: no route to the gateway %s: %s", c->name, g, err.msg);
		return;
	}
	if (via.oif == c->ifindex) {
		log_warn("%s: client: the gateway %s is routed into %s itself", c->name,
			 g, c->dev);
		return;
	}
	memset(&c->gw_route, 0, sizeof(c->gw_route));
	memcpy(c->gw_route.dst, c->gateway, 4);
	c->gw_route.plen = 32;
	c->gw_route.oif = via.oif;
	c->gw_route.has_gw = via.has_gw;
	memcpy(c->gw_route.gw, via.gw, 4);
	c->gw_route.proto = EVSD_RTPROT_CLIENT;
	route_str(&c->gw_route, ifname(via.oif, d), rs, sizeof(rs));
	rc = c->b->route(c->b->arg, true, &c->gw_route, &err);
	if (rc == 0) {
		c->gw_owned = true;
		log_notice("%s: client: route %s (the gateway stays outside the tunnel)",
			   c->name, rs);
	} else if (rc == -EEXIST) {
		log_info("%s: client: a host route to the gateway %s exists already",
			 c->name, g);
	} else {
		log_warn("%s: client: route %s: %s", c->name, rs, err.msg);
	}
}

static struct cc_route *route_find(struct clientcfg *c, const uint8_t dst[4],
				   uint8_t plen)
{
	for (unsigned i = 0; i < c->n_routes; i++)
		if (c->routes[i].r.plen == plen && !memcmp(c->routes[i].r.dst, dst, 4))
			return &c->routes[i];
	return NULL;
}

static bool route_has_conn(const struct cc_route *r, uint32_t conn)
{
	for (unsigned i = 0; i < r->n_conns; i++)
		if (r->conns[i] == conn)
			return true;
	return false;
}

static int route_one(struct clientcfg *c, uint32_t conn, const uint8_t dst[4],
		     uint8_t plen, const struct evs_prefix *local)
{
	struct cc_route *cr = route_find(c, dst, plen);
	struct evs_err err = { "" };
	char rs[96];
	int rc;

	if (cr) {
		if (!route_has_conn(cr, conn) && cr->n_conns < CC_MAX_CONNS)
			cr->conns[cr->n_conns++] = conn;
		return 0;
	}
	if (c->n_routes >= CC_MAX_ROUTES) {
		log_warn("%s: client: more than %d routes", c->name, CC_MAX_ROUTES);
		return -1;
	}
	if (c->have_gateway && covers(dst, plen, c->gateway))
		gateway_route(c);
	cr = &c->routes[c->n_routes];
	memset(cr, 0, sizeof(*cr));
	memcpy(cr->r.dst, dst, 4);
	cr->r.plen = plen;
	cr->r.oif = c->ifindex;
	cr->r.proto = EVSD_RTPROT_CLIENT;
	if (c->have_addr && c->addr_owned) {
		cr->r.has_src = true;
		memcpy(cr->r.src, c->addr, 4);
	} else if (c->nem && local && local->family == AF_INET &&
		   c->b->addr_within(c->b->arg, local->addr, local->plen, cr->r.src) == 0) {
		/* the host's own traffic then matches the local selector */
		cr->r.has_src = true;
	}
	route_str(&cr->r, c->dev, rs, sizeof(rs));
	rc = c->b->route(c->b->arg, true, &cr->r, &err);
	if (rc && rc != -EEXIST) {
		log_err("%s: client: route %s: %s", c->name, rs, err.msg);
		return -1;
	}
	cr->owned = rc == 0;
	cr->conns[cr->n_conns++] = conn;
	c->n_routes++;
	if (rc)
		log_warn("%s: client: route %s exists already; left as it is", c->name,
			 rs);
	else
		log_notice("%s: client: route %s (conn %u)", c->name, rs, conn);
	return 0;
}

int clientcfg_route_add(struct clientcfg *c, uint32_t conn,
			const struct evs_prefix *remote,
			const struct evs_prefix *local)
{
	static const uint8_t lo_half[4] = { 0, 0, 0, 0 };
	static const uint8_t hi_half[4] = { 128, 0, 0, 0 };

	if (!c || remote->family != AF_INET)
		return c ? -1 : 0;
	/* The gateway itself as the remote selector (a host-to-host tunnel
	 * without mode config) needs no route: ESP carries it already. */
	if (remote->plen == 32 && c->have_gateway &&
	    !memcmp(remote->addr, c->gateway, 4))
		return 0;
	if (remote->plen == 0) {
		/* Full tunnel: two halves beat the default route without
		 * replacing it, so nothing of the host's routing is lost;
		 * the gateway's own route first. */
		gateway_route(c);
		int a = route_one(c, conn, lo_half, 1, local);
		int b = route_one(c, conn, hi_half, 1, local);

		return a || b ? -1 : 0;
	}
	return route_one(c, conn, remote->addr, remote->plen, local);
}

static void route_remove(struct clientcfg *c, struct cc_route *cr)
{
	struct evs_err err = { "" };
	char rs[96];

	if (!cr->owned)
		return;
	route_str(&cr->r, c->dev, rs, sizeof(rs));
	/* ESRCH: already gone, e.g. with the address it used as source */
	if (c->b->route(c->b->arg, false, &cr->r, &err) < 0 &&
	    !strstr(err.msg, "No such process"))
		log_warn("%s: client: removing route %s: %s", c->name, rs, err.msg);
	else
		log_notice("%s: client: route %s removed", c->name, rs);
}

void clientcfg_route_del(struct clientcfg *c, uint32_t conn)
{
	if (!c)
		return;
	for (unsigned i = c->n_routes; i-- > 0;) {
		struct cc_route *cr = &c->routes[i];

		if (!route_has_conn(cr, conn))
			continue;
		for (unsigned k = 0; k < cr->n_conns; k++)
			if (cr->conns[k] == conn) {
				cr->conns[k] = cr->conns[--cr->n_conns];
				break;
			}
		if (cr->n_conns)
			continue;
		route_remove(c, cr);
		memmove(cr, cr + 1, (c->n_routes - i - 1) * sizeof(*cr));
		c->n_routes--;
	}
}

void clientcfg_down(struct clientcfg *c)
{
	struct evs_err err = { "" };
	char a[16], rs[96], d[IF_NAMESIZE];

	if (!c)
		return;
	while (c->n_routes)
		route_remove(c, &c->routes[--c->n_routes]);
	if (c->gw_owned) {
		route_str(&c->gw_route, ifname(c->gw_route.oif, d), rs, sizeof(rs));
		if (c->b->route(c->b->arg, false, &c->gw_route, &err) < 0)
			log_warn("%s: client: removing route %s: %s", c->name, rs, err.msg);
		else
			log_notice("%s: client: route %s removed", c->name, rs);
	}
	if (c->pat_on) {
		char script[256];

		if (pat_remove_script(c->pat_table, script, sizeof(script)) < 0 ||
		    c->b->nft(c->b->arg, script, &err) < 0)
			log_warn("%s: client: removing nft table %s: %s", c->name,
				 c->pat_table, err.msg);
		else
			log_notice("%s: client: PAT removed (nft table ip %s)", c->name,
				   c->pat_table);
	}
	if (c->addr_owned) {
		ip_str(c->addr, a, sizeof(a));
		if (c->b->addr(c->b->arg, false, c->addr_ifindex, c->addr, 32,
				&err) < 0)
			log_warn("%s: client: removing address %s from %s: %s", c->name,
				 a, c->addr_dev, err.msg);
		else
			log_notice("%s: client: address %s/32 removed from %s", c->name, a,
				   c->addr_dev);
	}
	free(c);
}

void clientcfg_set_name(struct clientcfg *c, const char *name)
{
	if (c)
		snprintf(c->name, sizeof(c->name), "%s", name);
}

bool clientcfg_same_addr(const struct clientcfg *c, bool have_addr,
			 const uint8_t addr[4])
{
	if (!c)
		return false;
	if (c->nem || !c->have_addr || !have_addr)
		return c->nem || c->have_addr == have_addr;
	return !memcmp(c->addr, addr, 4);
}

unsigned clientcfg_n_routes(const struct clientcfg *c)
{
	return c ? c->n_routes : 0;
}
