// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for evsd's client role applying what a gateway pushes:
 * the attributes of a mode-config REPLY/SET (modecfg_decode) become the
 * inner addresses and the split networks (IPv4 split include, IPv6
 * INTERNAL_IP6_SUBNET), which clientcfg.c puts on the
 * host (address, routes, the host route to the gateway, PAT of the local
 * networks) through a fake backend whose answers (success, EEXIST, other
 * errors, no device, no local address) the fuzzer also chooses; then
 * connections go away and everything is taken down, as session.c does.
 * Checks that whatever it installed is what it removes.
 *
 * Input: [flags][n_lans][5 bytes per lan: a.b.c.d/plen][len u16 BE]
 * [attributes of the SET/REPLY][the backend's answers, one byte a call].
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "evsd/client/clientcfg.h"
#include "ike/isakmp.h"
#include "lib/daemon_log.h"
#include "ezv/modecfg.h"

static struct {
	const uint8_t *p;
	size_t n;
	long addrs, routes;	/* installed minus removed */
} H;

static uint8_t answer(void)
{
	if (!H.n)
		return 0;
	H.n--;
	return *H.p++;
}

static unsigned h_ifindex(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return answer() == 0xff ? 0 : 7;
}

static int h_addr(void *arg, bool add, unsigned ifindex, int family, const uint8_t *a,
		  unsigned plen, struct evs_err *err)
{
	uint8_t v = add ? answer() : 0;

	(void)arg;
	(void)ifindex;
	(void)a;
	if (plen != (family == AF_INET6 ? 128u : 32u))
		abort();
	if (v % 5 == 3) {
		/* the gateway's address left by an evsd that died: taken over */
		H.addrs++;
		evs_errf(err, "File exists");
		return -EEXIST;
	}
	if (v % 5 == 4) {
		evs_errf(err, "Operation not permitted");
		return -EPERM;
	}
	H.addrs += add ? 1 : -1;
	return 0;
}

static int h_route(void *arg, bool add, const struct rtnl_route *r,
		   struct evs_err *err)
{
	uint8_t v = add ? answer() : 0;

	(void)arg;
	if (r->plen > (r->family == AF_INET6 ? 128 : 32))
		abort();
	if (v % 7 == 5) {
		evs_errf(err, "File exists");
		return -EEXIST;
	}
	if (v % 7 == 6) {
		evs_errf(err, "Network is unreachable");
		return -ENETUNREACH;
	}
	H.routes += add ? 1 : -1;
	return 0;
}

static int h_route_get(void *arg, int family, const uint8_t *dst, struct rtnl_route *out,
		       struct evs_err *err)
{
	uint8_t v = answer();

	(void)arg;
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	memcpy(out->dst, dst, rtnl_alen(family));
	out->plen = (uint8_t)(rtnl_alen(family) * 8);
	if (v % 4 == 3) {
		evs_errf(err, "Network is unreachable");
		return -ENETUNREACH;
	}
	out->oif = v % 4 == 2 ? 7 : 3;	/* 7: already through the tunnel */
	out->has_gw = v & 4;
	memcpy(out->gw, (uint8_t[]){ 10, 99, 0, 1 }, 4);
	return 0;
}

static int h_within(void *arg, int family, const uint8_t *net, unsigned plen,
		    uint8_t *out)
{
	uint8_t v = answer();

	(void)arg;
	(void)plen;
	if (v & 1)
		return -1;
	memcpy(out, net, rtnl_alen(family));
	out[rtnl_alen(family) - 1] |= 1;
	return 0;
}

static int h_nft(void *arg, const char *script, struct evs_err *err)
{
	(void)arg;
	(void)script;
	if (answer() & 1) {
		evs_errf(err, "nft: exit status 1");
		return -1;
	}
	return 0;
}

static const struct clientcfg_backend host = {
	.ifindex = h_ifindex, .addr = h_addr, .route = h_route,
	.route_get = h_route_get, .addr_within = h_within, .nft = h_nft,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evs_prefix lans[4], remote, local, local6, addr4, addr6, gw;
	struct clientcfg_req req = {
		.backend = &host, .name = "fuzz", .peer = "gw", .device = "evs0",
	};
	struct isakmp_perr err;
	struct clientcfg *c;
	struct modecfg m;
	unsigned n_lans;
	size_t len;

	evsd_log_set_quiet(true);
	if (size < 4)
		return 0;
	req.network_extension = data[0] & 1;
	if (data[0] & 2) {
		/* the gateway over IPv4 or over IPv6 */
		memset(&gw, 0, sizeof(gw));
		gw.family = data[0] & 16 ? AF_INET6 : AF_INET;
		gw.plen = gw.family == AF_INET6 ? 128 : 32;
		if (gw.family == AF_INET6)
			memcpy(gw.addr, (uint8_t[16]){ 0x20, 1, 0x0d, 0xb8, [15] = 1 }, 16);
		else
			memcpy(gw.addr, (uint8_t[4]){ 203, 0, 113, 1 }, 4);
		req.gateway = &gw;
	}
	req.addr_device = data[0] & 4 ? "dummy0" : NULL;
	n_lans = data[1] % 5;
	data += 2;
	size -= 2;
	if (size < n_lans * 5 + 2)
		return 0;
	for (unsigned i = 0; i < n_lans; i++, data += 5, size -= 5)
		lans[i] = evs_prefix_ip4((uint32_t)data[0] << 24 | data[1] << 16 |
					 data[2] << 8 | data[3], data[4] % 33);
	req.lans = lans;
	req.n_lans = n_lans;
	len = (size_t)data[0] << 8 | data[1];
	data += 2;
	size -= 2;
	if (len > size)
		len = size;
	if (modecfg_decode(data, len, data[-3] & 8 ? ISAKMP_CFG_SET : ISAKMP_CFG_REPLY,
			   &m, &err))
		return 0;
	H.p = data + len;
	H.n = size - len;
	H.addrs = H.routes = 0;
	/* as modecfg_step.c's client_apply and session.c's client_apply */
	if ((m.has & MCF_BIT(MCF_IP4_ADDRESS)) && !req.network_extension) {
		addr4 = evs_prefix_ip4(m.ip4_addr, 32);
		req.addr = &addr4;
		local = addr4;
	} else if (n_lans) {
		local = lans[0];
	} else {
		local = evs_prefix_ip4(0, 0);
	}
	memset(&local6, 0, sizeof(local6));
	local6.family = AF_INET6;
	if ((m.has & MCF_BIT(MCF_IP6_ADDRESS)) && !req.network_extension) {
		addr6 = m.ip6_addr;
		addr6.plen = 128;
		req.addr6 = &addr6;
		local6 = addr6;
	}
	c = clientcfg_up(&req);
	if (!c)
		return 0;
	if (!m.n_split) {
		remote = evs_prefix_ip4(0, 0);
		clientcfg_route_add(c, 1, &remote, &local);
	}
	if (!m.n_subnet6) {
		memset(&remote, 0, sizeof(remote));
		remote.family = AF_INET6;
		clientcfg_route_add(c, 4, &remote, &local6);
	}
	for (unsigned i = 0; i < m.n_subnet6; i++) {
		remote = m.subnet6[i];
		evs_prefix_clear_host(&remote);
		clientcfg_route_add(c, 4 + i % 2, &remote, &local6);
	}
	for (unsigned i = 0; i < m.n_split; i++) {
		int plen = modecfg_mask_to_plen(m.split[i].mask);

		if (plen < 0)
			continue;
		remote = evs_prefix_ip4(m.split[i].addr, (unsigned)plen);
		clientcfg_route_add(c, 1 + i % 3, &remote, &local);
		if (answer() & 1)	/* a rekey adds the same again */
			clientcfg_route_add(c, 1 + i % 3, &remote, &local);
	}
	clientcfg_route_del(c, 2);
	clientcfg_route_del(c, 5);
	clientcfg_down(c);
	if (H.addrs || H.routes)
		abort();	/* something installed was left behind */
	return 0;
}
