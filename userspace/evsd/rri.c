// SPDX-License-Identifier: MIT
/* RRI routes, proxy ARP and SA counters over genetlink; see rri.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>

#include "evsd/rri.h"
#include "lib/msg.h"
#include "lib/nl.h"

struct rri {
	struct evs_nl *nl;
	char dev[IF_NAMESIZE];
};

struct rri *rri_open(const char *dev, struct evs_err *err)
{
	struct evs_nl_err e;
	struct rri *r = calloc(1, sizeof(*r));

	if (!r) {
		evs_errf(err, "out of memory");
		return NULL;
	}
	if (evs_nl_open(&r->nl, EVS_GENL_NAME, NULL, &e)) {
		evs_errf(err, "%s", e.msg);
		free(r);
		return NULL;
	}
	snprintf(r->dev, sizeof(r->dev), "%s", dev);
	return r;
}

void rri_close(struct rri *r)
{
	if (!r)
		return;
	evs_nl_close(r->nl);
	free(r);
}

static void ip4(struct evs_inaddr *a, uint32_t addr, unsigned plen)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->plen = (uint8_t)plen;
	a->a[0] = addr >> 24;
	a->a[1] = addr >> 16;
	a->a[2] = addr >> 8;
	a->a[3] = addr;
}

static int request(struct rri *r, struct nlmsghdr *nlh, struct evs_err *err)
{
	struct evs_nl_err e;

	if (evs_nl_request(r->nl, nlh, NULL, NULL, &e)) {
		evs_errf(err, "%s", e.msg[0] ? e.msg : strerror(e.err));
		return -1;
	}
	return 0;
}

/* An IPv4 or IPv6 destination: EVS_ROUTE_A_FAMILY says which. */
static int route_add(struct rri *r, uint32_t conn_id, const struct evs_inaddr *dst,
		     struct evs_err *err)
{
	char buf[EVS_NL_BUFSZ];
	struct evs_route_info rt = { 0 };
	struct evs_msg_dev dev = { 0 };
	struct nlmsghdr *nlh;

	rt.dst = *dst;
	rt.conn_id = conn_id;
	EVS_SET(&rt, EVS_ROUTE_A_DST);
	EVS_SET(&rt, EVS_ROUTE_A_CONN_ID);
	snprintf(dev.ifname, sizeof(dev.ifname), "%s", r->dev);
	nlh = evs_nl_msg_start(buf, evs_nl_family(r->nl), EVS_CMD_ROUTE_ADD,
			       EVS_GENL_VERSION, 0);
	evs_msg_put_dev(nlh, &dev);
	evs_msg_put_route(nlh, &rt);
	return request(r, nlh, err);
}

int rri_route_add(struct rri *r, uint32_t conn_id, uint32_t addr, unsigned plen,
		  struct evs_err *err)
{
	struct evs_inaddr a;

	ip4(&a, addr, plen);
	return route_add(r, conn_id, &a, err);
}

static void prefix_in(struct evs_inaddr *a, const struct evs_prefix *p)
{
	memset(a, 0, sizeof(*a));
	a->family = p->family == AF_INET6 ? AF_INET6 : AF_INET;
	a->plen = p->plen;
	memcpy(a->a, p->addr, evs_prefix_addr_len(p));
}

int rri_route6_add(struct rri *r, uint32_t conn_id, const struct evs_prefix *p,
		   struct evs_err *err)
{
	struct evs_inaddr a;

	prefix_in(&a, p);
	return route_add(r, conn_id, &a, err);
}

/* Proxy ARP (4-byte address) or proxy NDP (16 bytes) on lan_if. */
static int parp_add(struct rri *r, uint32_t conn_id, const struct evs_inaddr *addr,
		    const char *lan_if, struct evs_err *err)
{
	char buf[EVS_NL_BUFSZ];
	struct evs_parp_info p = { 0 };
	struct nlmsghdr *nlh;

	p.ifindex = if_nametoindex(lan_if);
	if (!p.ifindex) {
		evs_errf(err, "LAN interface \"%s\": %s", lan_if, strerror(errno));
		return -1;
	}
	p.addr = *addr;
	p.conn_id = conn_id;
	EVS_SET(&p, EVS_PARP_A_ADDR);
	EVS_SET(&p, EVS_PARP_A_IFINDEX);
	EVS_SET(&p, EVS_PARP_A_CONN_ID);
	nlh = evs_nl_msg_start(buf, evs_nl_family(r->nl), EVS_CMD_PROXY_ARP_ADD,
			       EVS_GENL_VERSION, 0);
	evs_msg_put_parp(nlh, &p);
	return request(r, nlh, err);
}

int rri_parp_add(struct rri *r, uint32_t conn_id, uint32_t addr,
		 const char *lan_if, struct evs_err *err)
{
	struct evs_inaddr a;

	ip4(&a, addr, 32);
	return parp_add(r, conn_id, &a, lan_if, err);
}

int rri_ndp_add(struct rri *r, uint32_t conn_id, const struct evs_prefix *addr,
		const char *lan_if, struct evs_err *err)
{
	struct evs_inaddr a;

	prefix_in(&a, addr);
	a.plen = 128;
	return parp_add(r, conn_id, &a, lan_if, err);
}

struct dump_ctx {
	rri_sa_fn fn;
	void *arg;
};

static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct evs_sa_info sa;

	memset(&sa, 0, sizeof(sa));
	if (evs_msg_parse_sa(nlh, &sa))
		return MNL_CB_OK;	/* skip what we cannot read */
	if (EVS_HAS(&sa, EVS_SA_A_CONN_ID) && sa.conn_id && EVS_HAS(&sa, EVS_SA_A_STATS)) {
		bool in = sa.dir == EVS_DIR_IN;
		unsigned b = in ? EVS_STATS_A_RX_BYTES : EVS_STATS_A_TX_BYTES;
		unsigned p = in ? EVS_STATS_A_RX_PACKETS : EVS_STATS_A_TX_PACKETS;

		c->fn(sa.conn_id, sa.spi, in, sa.stats.v[b], sa.stats.v[p], c->arg);
	}
	evs_sa_info_wipe(&sa);
	return MNL_CB_OK;
}

int rri_dump_sa_counters(struct rri *r, rri_sa_fn fn, void *arg)
{
	char buf[EVS_NL_BUFSZ];
	struct evs_nl_err e;
	struct dump_ctx c = { fn, arg };
	struct nlmsghdr *nlh;

	nlh = evs_nl_msg_start(buf, evs_nl_family(r->nl), EVS_CMD_SA_GET,
			       EVS_GENL_VERSION, NLM_F_DUMP);
	return evs_nl_request(r->nl, nlh, sa_cb, &c, &e) ? -1 : 0;
}
