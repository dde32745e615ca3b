// SPDX-License-Identifier: MIT
/* The client's address, routes and PAT on its own host; see clientcfg.h. */
#include "evsd/client/clientcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/daemon_log.h"
#include "evsd/client/nft_counter.h"
#include "evsd/client/pat.h"
#include "ike/engine/phase2.h"

#define CC_MAX_ROUTES	72	/* 32 split nets + 2 halves of each family, + slack */
#define CC_MAX_CONNS	16	/* connections sharing one route */

struct cc_route {
	struct rtnl_route r;
	bool owned;			/* we added it (not EEXIST) */
	uint32_t conns[CC_MAX_CONNS];
	unsigned n_conns;
};

/* An address the gateway assigned (client mode), one per family. */
struct cc_addr {
	bool have, owned;
	struct evs_prefix p;		/* a host prefix: /32 or /128 */
};

struct clientcfg {
	char name[96];
	char dev[IF_NAMESIZE];
	char addr_dev[IF_NAMESIZE];
	unsigned ifindex, addr_ifindex;
	bool nem;
	struct cc_addr addr4, addr6;
	char pat_table[PAT_TABLE_MAX];
	bool pat_on;
	bool have_gateway, gw_checked, gw_owned;
	struct evs_prefix gateway;	/* a host prefix of either family */
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

static int host_addr(void *arg, bool add, unsigned ifindex, int family,
		     const uint8_t *a, unsigned plen, struct evs_err *e)
{
	struct rtnl *r = host_rtnl(arg, e);

	return r ? rtnl_addr(r, add, ifindex, family, a, plen, e) : -EIO;
}

static int host_route(void *arg, bool add, const struct rtnl_route *rt,
		      struct evs_err *e)
{
	struct rtnl *r = host_rtnl(arg, e);

	return r ? rtnl_route(r, add, rt, e) : -EIO;
}

static int host_route_get(void *arg, int family, const uint8_t *dst,
			  struct rtnl_route *out, struct evs_err *e)
{
	struct rtnl *r = host_rtnl(arg, e);

	return r ? rtnl_route_get(r, family, dst, out, e) : -EIO;
}

static int host_addr_within(void *arg, int family, const uint8_t *net, unsigned plen,
			    uint8_t *out)
{
	struct rtnl *r = host_rtnl(arg, NULL);

	return r ? rtnl_addr_within(r, family, net, plen, out) : -1;
}

static int host_nft(void *arg, const char *script, struct evs_err *e)
{
	(void)arg;
	return pat_run_nft(script, e);
}

static int host_nft_counter(void *arg, const char *table, const char *name,
			    uint64_t *packets, uint64_t *bytes)
{
	(void)arg;
	return nft_counter_read(table, name, packets, bytes);
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
		.nft_counter = host_nft_counter,
	};
}

void clientcfg_host_close(struct clientcfg_host_io *io)
{
	rtnl_close(io->rtnl);
	io->rtnl = NULL;
}

/* ---- helpers --------------------------------------------------------------------- */

/* An address of family as text. */
static const char *ip_str(int family, const uint8_t *a, char *out, size_t n)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, out, (socklen_t)n))
		snprintf(out, n, "?");
	return out;
}

/* Does net/plen (of the route's family) hold the gateway? */
static bool covers_gateway(const struct clientcfg *c, int family, const uint8_t *net,
			   unsigned plen)
{
	struct evs_prefix p = { .family = (uint8_t)family, .plen = (uint8_t)plen };

	memcpy(p.addr, net, rtnl_alen(family));
	return c->have_gateway && evs_prefix_within(&c->gateway, &p);
}

static void route_str(const struct rtnl_route *r, const char *dev, char *out,
		      size_t n)
{
	char d[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN] = "", s[INET6_ADDRSTRLEN] = "";

	ip_str(r->family, r->dst, d, sizeof(d));
	if (r->has_gw)
		ip_str(r->family, r->gw, g, sizeof(g));
	if (r->has_src)
		ip_str(r->family, r->src, s, sizeof(s));
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
static void check_forwarding(const struct clientcfg *c, const char *file,
			     const char *sysctl)
{
	FILE *f = fopen(file, "r");
	int on = 1;

	if (!f)
		return;
	if (fscanf(f, "%d", &on) != 1)
		on = 1;
	fclose(f);
	if (!on)
		log_warn("%s: client: %s is 0: the local networks cannot use the tunnel",
			 c->name, sysctl);
}

static void check_forwarding_of(const struct clientcfg *c, const struct clientcfg_req *req)
{
	bool v4 = false, v6 = false;

	for (unsigned i = 0; i < req->n_lans; i++)
		*(req->lans[i].family == AF_INET6 ? &v6 : &v4) = true;
	if (v4)
		check_forwarding(c, "/proc/sys/net/ipv4/ip_forward", "net.ipv4.ip_forward");
	if (v6 && c->nem)
		check_forwarding(c, "/proc/sys/net/ipv6/conf/all/forwarding",
				 "net.ipv6.conf.all.forwarding");
}

static void pat_up(struct clientcfg *c, const struct clientcfg_req *req)
{
	char script[2048], a[INET6_ADDRSTRLEN];
	struct evs_err e;
	bool other_dev = c->addr_ifindex != c->ifindex;

	pat_table_name(req->peer ? req->peer : "peer", c->pat_table,
		       sizeof(c->pat_table));
	/* masquerade takes the evs device's address; when the address lives
	 * on another device, name it */
	if (pat_script(c->pat_table, c->dev, req->lans, req->n_lans,
		       other_dev ? c->addr4.p.addr : NULL, script, sizeof(script)) < 0) {
		log_warn("%s: client: PAT rule set too long", c->name);
		return;
	}
	ip_str(AF_INET, c->addr4.p.addr, a, sizeof(a));
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

/* Put an assigned address on the address device. */
static void addr_up(struct clientcfg *c, struct cc_addr *x, const struct evs_prefix *p)
{
	struct evs_err err = { "" };
	char a[EVS_PREFIX_STRLEN];
	int rc;

	x->have = true;
	x->p = *p;
	x->p.plen = (uint8_t)(evs_prefix_addr_len(p) * 8);
	evs_prefix_str(&x->p, a, sizeof(a));
	rc = c->b->addr(c->b->arg, true, c->addr_ifindex, x->p.family, x->p.addr,
			x->p.plen, &err);
	if (rc == 0 || rc == -EEXIST) {
		/* Already there: a leftover of an evsd that died; it is the
		 * address the gateway gave us, so ours to remove. */
		x->owned = true;
		log_notice("%s: client: address %s on %s%s", c->name, a, c->addr_dev,
			   rc ? " (was already there)" : "");
	} else {
		log_err("%s: client: address %s on %s: %s", c->name, a, c->addr_dev,
			err.msg);
	}
}

struct clientcfg *clientcfg_up(const struct clientcfg_req *req)
{
	const char *adev = req->addr_device && req->addr_device[0] ?
			   req->addr_device : req->device;
	struct clientcfg *c;

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
	if (req->gateway) {
		c->have_gateway = true;
		c->gateway = *req->gateway;
		c->gateway.plen = (uint8_t)(evs_prefix_addr_len(req->gateway) * 8);
	}
	if (req->n_lans && (c->nem || req->addr))
		check_forwarding_of(c, req);
	if (c->nem || (!req->addr && !req->addr6))
		return c;
	c->addr_ifindex = c->b->ifindex(c->b->arg, c->addr_dev);
	if (!c->addr_ifindex) {
		log_err("%s: client: address-device %s does not exist: the assigned "
			"addresses are not installed", c->name, c->addr_dev);
		return c;
	}
	if (req->addr)
		addr_up(c, &c->addr4, req->addr);
	if (req->addr6)
		addr_up(c, &c->addr6, req->addr6);
	/* IPv4 only: an IPv6 LAN is refused in client mode (ike_config.c) */
	if (req->n_lans && req->addr)
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
	char g[INET6_ADDRSTRLEN], rs[160], d[IF_NAMESIZE];
	int fam = c->gateway.family;
	int rc;

	if (c->gw_checked || !c->have_gateway)
		return;
	c->gw_checked = true;
	ip_str(fam, c->gateway.addr, g, sizeof(g));
	if (c->b->route_get(c->b->arg, fam, c->gateway.addr, &via, &err) < 0) {
		log_warn("%s: client: no route to the gateway %s: %s", c->name, g, err.msg);
		return;
	}
	if (via.oif == c->ifindex) {
		log_warn("%s: client: the gateway %s is routed into %s itself", c->name,
			 g, c->dev);
		return;
	}
	memset(&c->gw_route, 0, sizeof(c->gw_route));
	c->gw_route.family = (uint8_t)fam;
	memcpy(c->gw_route.dst, c->gateway.addr, rtnl_alen(fam));
	c->gw_route.plen = c->gateway.plen;
	c->gw_route.oif = via.oif;
	c->gw_route.has_gw = via.has_gw;
	memcpy(c->gw_route.gw, via.gw, rtnl_alen(fam));
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

static struct cc_route *route_find(struct clientcfg *c, int family, const uint8_t *dst,
				   uint8_t plen)
{
	for (unsigned i = 0; i < c->n_routes; i++)
		if (c->routes[i].r.family == family && c->routes[i].r.plen == plen &&
		    !memcmp(c->routes[i].r.dst, dst, rtnl_alen(family)))
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

static int route_one(struct clientcfg *c, uint32_t conn, int family, const uint8_t *dst,
		     uint8_t plen, const struct evs_prefix *local)
{
	struct cc_route *cr = route_find(c, family, dst, plen);
	const struct cc_addr *own = family == AF_INET6 ? &c->addr6 : &c->addr4;
	struct evs_err err = { "" };
	char rs[160];
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
	if (covers_gateway(c, family, dst, plen))
		gateway_route(c);
	cr = &c->routes[c->n_routes];
	memset(cr, 0, sizeof(*cr));
	cr->r.family = (uint8_t)family;
	memcpy(cr->r.dst, dst, rtnl_alen(family));
	cr->r.plen = plen;
	cr->r.oif = c->ifindex;
	cr->r.proto = EVSD_RTPROT_CLIENT;
	if (own->have && own->owned) {
		cr->r.has_src = true;
		memcpy(cr->r.src, own->p.addr, rtnl_alen(family));
	} else if (c->nem && local && local->family == family &&
		   c->b->addr_within(c->b->arg, family, local->addr, local->plen,
				     cr->r.src) == 0) {
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
	static const uint8_t lo_half[16] = { 0 };
	static const uint8_t hi_half[16] = { 128 };
	int fam;

	if (!c || (remote->family != AF_INET && remote->family != AF_INET6))
		return c ? -1 : 0;
	fam = remote->family;
	/* The gateway itself as the remote selector (a host-to-host tunnel
	 * without mode config) needs no route: ESP carries it already. */
	if (c->have_gateway && evs_prefix_eq(remote, &c->gateway))
		return 0;
	if (remote->plen == 0) {
		/* Full tunnel: two halves beat the default route without
		 * replacing it, so nothing of the host's routing is lost;
		 * the gateway's own route first (when it is of this family). */
		if (c->have_gateway && c->gateway.family == fam)
			gateway_route(c);
		int a = route_one(c, conn, fam, lo_half, 1, local);
		int b = route_one(c, conn, fam, hi_half, 1, local);

		return a || b ? -1 : 0;
	}
	return route_one(c, conn, fam, remote->addr, remote->plen, local);
}

static void route_remove(struct clientcfg *c, struct cc_route *cr)
{
	struct evs_err err = { "" };
	char rs[160];

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

/* Take an assigned address off again. */
static void addr_down(struct clientcfg *c, const struct cc_addr *x)
{
	struct evs_err err = { "" };
	char a[EVS_PREFIX_STRLEN];

	if (!x->owned)
		return;
	evs_prefix_str(&x->p, a, sizeof(a));
	if (c->b->addr(c->b->arg, false, c->addr_ifindex, x->p.family, x->p.addr,
		       x->p.plen, &err) < 0)
		log_warn("%s: client: removing address %s from %s: %s", c->name, a,
			 c->addr_dev, err.msg);
	else
		log_notice("%s: client: address %s removed from %s", c->name, a,
			   c->addr_dev);
}

void clientcfg_down(struct clientcfg *c)
{
	struct evs_err err = { "" };
	char rs[160], d[IF_NAMESIZE];

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
	addr_down(c, &c->addr6);
	addr_down(c, &c->addr4);
	free(c);
}

void clientcfg_set_name(struct clientcfg *c, const char *name)
{
	if (c)
		snprintf(c->name, sizeof(c->name), "%s", name);
}

static bool same_one(const struct cc_addr *x, const struct evs_prefix *p)
{
	if (!x->have || !p)
		return x->have == !!p;
	return !memcmp(x->p.addr, p->addr, evs_prefix_addr_len(p));
}

bool clientcfg_same_addr(const struct clientcfg *c, const struct evs_prefix *addr,
			 const struct evs_prefix *addr6)
{
	if (!c)
		return false;
	return c->nem || (same_one(&c->addr4, addr) && same_one(&c->addr6, addr6));
}

unsigned clientcfg_n_routes(const struct clientcfg *c)
{
	return c ? c->n_routes : 0;
}
