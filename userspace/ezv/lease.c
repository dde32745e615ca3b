// SPDX-License-Identifier: MIT
/*
 * What a gateway session holds on the inner side: its address (from
 * RADIUS, the user block or the group's pool, or taken over from the
 * session it renews), the networks it claimed (fixed addresses,
 * network-extension IDci) and the RRI routes and proxy-ARP entries of its
 * connections (the kernel drops those with the connection).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ezv/ezv_int.h"
#include "lib/daemon_log.h"
#include "lib/prefix.h"

/* ---- network claims ----------------------------------------------------- */

/* Not a conflict: x's own claims, and those of the same user from the
 * same peer (a renewed Phase 1). */
static bool same_claimant(const struct ezv_claim *c, const void *arg)
{
	const struct ezv_sess *x = arg;

	return c->owner == x || (!strcmp(c->owner->user, x->user) &&
				 ezv_same_peer(&c->owner->peer_sa, &x->peer_sa));
}

/* Another live session's claim overlapping net (equal, covering or more
 * specific). */
static const struct ezv_claim *claim_conflict(struct ezv_sess *x,
					      const struct evs_prefix *net)
{
	return ezv_claims_overlap(&x->z->claims, net, same_claimant, x);
}

int ezv_claim_add(struct ezv_sess *x, const struct evs_prefix *net)
{
	struct evs_prefix p = *net;
	struct ezv_claim *c;

	evs_prefix_clear_host(&p);	/* as the index keeps it */
	for (c = x->claims; c; c = c->next)
		if (evs_prefix_eq(&c->net, &p))
			return 0;	/* a rekey or a retry */
	if (x->n_claims >= EZV_MAX_CLAIMS)
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->owner = x;
	c->net = p;
	if (ezv_claims_add(&x->z->claims, c)) {
		free(c);
		return -1;
	}
	c->next = x->claims;
	x->claims = c;
	x->n_claims++;
	return 0;
}

int ezv_claim_addr(struct ezv_sess *x, uint32_t addr)
{
	const struct evs_prefix p = evs_prefix_ip4(addr, 32);

	return ezv_claim_add(x, &p);
}

void ezv_claims_drop(struct ezv_sess *x)
{
	while (x->claims) {
		struct ezv_claim *c = x->claims;

		x->claims = c->next;
		ezv_claims_del(&x->z->claims, c);
		free(c);
	}
	x->n_claims = 0;
}

int ezv_claim_again(struct ezv_sess *x, const struct evs_prefix *net, struct evs_err *why)
{
	const struct ezv_claim *c = claim_conflict(x, net);
	char a[EVS_PREFIX_STRLEN], b[EVS_PREFIX_STRLEN];

	evs_prefix_str(net, a, sizeof(a));
	if (c)
		return evs_errf(why, "easyvpn: claim %s overlaps %s of user \"%s\" (%s)", a,
				evs_prefix_str(&c->net, b, sizeof(b)), c->owner->user,
				evs_session_name(c->owner->s));
	if (ezv_claim_add(x, net))
		return evs_errf(why, "easyvpn: claim %s: more than %d networks claimed", a,
				EZV_MAX_CLAIMS);
	return 0;
}

/* Does net (either family) hold the address of this sockaddr? */
static bool net_holds(const struct evs_prefix *net, const struct sockaddr *sa)
{
	struct evs_prefix a = { .family = (uint8_t)sa->sa_family };

	if (sa->sa_family == AF_INET) {
		a.plen = 32;
		memcpy(a.addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		a.plen = 128;
		memcpy(a.addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	} else {
		return false;
	}
	return evs_prefix_within(&a, net);
}

/* A network-extension claim: inside the policy (ezv_nem_check, _check6),
 * not the tunnel's endpoints, overlapping no other live session's claim. */
int ezv_nem_claim(struct evs_session *s, struct ezv_sess *x, const struct evs_prefix *net,
		  struct evs_err *r)
{
	const struct ezv_claim *c;
	char a[EVS_PREFIX_STRLEN];

	if (net->family == AF_INET6 ?
	    ezv_nem_check6(x->eff, x->z->cfg->pools6, net, r) :
	    ezv_nem_check(x->eff, x->z->cfg->pools, evs_prefix_ip4_addr(net), net->plen, r))
		return -1;
	if (net_holds(net, evs_session_local_addr(s))) {
		evs_errf(r, "holds the gateway's own address");
		return -1;
	}
	if (net_holds(net, evs_session_peer_addr(s))) {
		evs_errf(r, "holds the client's outer address");
		return -1;
	}
	c = claim_conflict(x, net);
	if (c) {
		evs_errf(r, "overlaps %s of user \"%s\" from %s (%s)",
			 evs_prefix_str(&c->net, a, sizeof(a)), c->owner->user, c->owner->peer,
			 evs_session_name(c->owner->s));
		return -1;
	}
	if (ezv_claim_add(x, net)) {
		evs_errf(r, "more than %d networks claimed", EZV_MAX_CLAIMS);
		return -1;
	}
	return 0;
}

/* ---- the session's address ------------------------------------------------ */

/* The live session this one renews: the same user from the same peer,
 * still holding its address. */
static bool renews(struct ezv_sess *o, void *arg)
{
	const struct ezv_sess *x = arg;

	return o != x && o->addr && pool_owner(x->z->cfg->pools, o->addr) == o->id;
}

static struct ezv_sess *renewed_session(struct ezv_sess *x)
{
	return ezv_sess_of_login(x->z, x->user, &x->peer_sa, renews, x);
}

/* A client that renews Phase 1 (and logs in again) while its old session
 * lives keeps its address: its Phase 2 selectors, the connections moved
 * over from the old SA and the RRI route stay valid. */
static bool take_over_address(struct ezv_sess *x, uint32_t fixed)
{
	struct ezv_sess *o = renewed_session(x);
	char a[16];

	if (!o)
		return false;
	if (fixed ? o->addr != fixed :
		    !(x->eff->has & EZV_BIT(EZV_POOL)) || strcmp(o->pool, x->eff->pool))
		return false;
	if (pool_transfer(x->z->cfg->pools, o->addr, o->id, x->id))
		return false;
	ezv_sess_set_addr(x, o->addr);
	snprintf(x->pool, sizeof(x->pool), "%s", o->pool);
	evs_ip4_ntop(x->addr, a, sizeof(a));
	log_notice("%s: modecfg: \"%s\" renewed Phase 1 from %s: keeps address %s (from %s)",
		   evs_session_name(x->s), x->user, x->peer, a, evs_session_name(o->s));
	return true;
}

int ezv_lease_address(struct ezv_sess *x, struct evs_err *why)
{
	struct ezv *z = x->z;
	uint32_t fixed = 0, leased = 0;
	int r;

	x->mask = x->eff->netmask ? x->eff->netmask : 0xffffffffu;
	/* 0xFFFFFFFF / 0xFFFFFFFE: "user chooses" / "NAS assigns" (RFC 2865) */
	if (x->login.source == AAA_SRC_RADIUS && x->login.framed_ip &&
	    x->login.framed_ip < 0xfffffffeu)
		fixed = x->login.framed_ip;
	else if (x->eff->has & EZV_BIT(EZV_ADDRESS))
		fixed = x->eff->address;
	if ((fixed || x->eff->mode == EZV_MODE_CLIENT) && take_over_address(x, fixed))
		return 0;
	if (fixed) {
		r = pool_lease_fixed(z->cfg->pools, fixed, x->id);
		if (r) {
			char a[16];

			evs_ip4_ntop(fixed, a, sizeof(a));
			evs_errf(why, "address %s: %s", a, pool_result_str(r));
			return -1;
		}
		ezv_sess_set_addr(x, fixed);
		x->pool[0] = '\0';
		return 0;
	}
	if (x->eff->mode == EZV_MODE_NETWORK_EXTENSION)
		return 0;
	if (!(x->eff->has & EZV_BIT(EZV_POOL))) {
		evs_errf(why, "group \"%s\" has no pool and the user no address", x->group);
		return -1;
	}
	if (!x->eff->pool[0])
		return 0;	/* an IPv6 pool only: ezv_lease_address6 */
	r = pool_lease(z->cfg->pools, x->eff->pool, x->id, 0, &leased);
	if (r) {
		evs_errf(why, "pool \"%s\": %s", x->eff->pool, pool_result_str(r));
		return -1;
	}
	ezv_sess_set_addr(x, leased);
	snprintf(x->pool, sizeof(x->pool), "%s", x->eff->pool);
	z->st.leases++;
	return 0;
}

int ezv_lease6_again(struct ezv_sess *x, const struct evs_prefix *addr6,
		     struct evs_err *why)
{
	char a[EVS_PREFIX_STRLEN];
	int r;

	if (!x->eff->pool6[0] || !pool6_exists(x->z->cfg->pools6, x->eff->pool6))
		return evs_errf(why, "easyvpn: IPv6 address %s: the group has no IPv6 pool",
				evs_prefix_str(addr6, a, sizeof(a)));
	r = pool6_take(x->z->cfg->pools6, addr6, x->id);
	if (r != POOL_OK)
		return evs_errf(why, "easyvpn: IPv6 address %s: %s",
				evs_prefix_str(addr6, a, sizeof(a)), pool_result_str(r));
	x->addr6 = *addr6;
	x->have_addr6 = true;
	return 0;
}

/* This session took its address over from an older one of the same
 * client that still lives (the new Phase 1 died first): give it back
 * rather than free an address in use. */
static bool takes_back(struct ezv_sess *o, void *arg)
{
	const struct ezv_sess *x = arg;

	return o != x && o->addr == x->addr &&
	       !pool_transfer(x->z->cfg->pools, x->addr, x->id, o->id);
}

static void hand_back_address(struct ezv_sess *x)
{
	struct ezv_sess *o;
	char a[16];

	if (pool_owner(x->z->cfg->pools, x->addr) != x->id)
		return;
	o = ezv_sess_of_login(x->z, x->user, &x->peer_sa, takes_back, x);
	if (o) {
		evs_ip4_ntop(x->addr, a, sizeof(a));
		log_notice("%s: modecfg: address %s of \"%s\" goes back to %s",
			   evs_session_name(x->s), a, x->user, evs_session_name(o->s));
		ezv_sess_set_addr(x, 0);
	}
}

/* The live session this one renews, holding an IPv6 address of the same
 * pool. */
static bool renews6(struct ezv_sess *o, void *arg)
{
	const struct ezv_sess *x = arg;

	return o != x && o->have_addr6 && !strcmp(o->eff->pool6, x->eff->pool6) &&
	       pool6_owner(x->z->cfg->pools6, &o->addr6) == o->id;
}

/* As take_over_address, for the IPv6 /128: a renewed Phase 1 keeps it. */
static bool take_over_address6(struct ezv_sess *x)
{
	struct ezv_sess *o = ezv_sess_of_login(x->z, x->user, &x->peer_sa, renews6, x);
	char a[EVS_PREFIX_STRLEN];

	if (!o || pool6_transfer(x->z->cfg->pools6, &o->addr6, o->id, x->id))
		return false;
	x->addr6 = o->addr6;
	x->have_addr6 = true;
	log_notice("%s: modecfg: \"%s\" renewed Phase 1 from %s: keeps IPv6 address %s (from %s)",
		   evs_session_name(x->s), x->user, x->peer,
		   evs_prefix_str(&x->addr6, a, sizeof(a)), evs_session_name(o->s));
	return true;
}

/* The IPv6 side of hand_back_address: the old session, still alive, gets
 * its address back rather than the pool. */
static bool takes_back6(struct ezv_sess *o, void *arg)
{
	const struct ezv_sess *x = arg;

	return o != x && o->have_addr6 && evs_prefix_eq(&o->addr6, &x->addr6) &&
	       !pool6_transfer(x->z->cfg->pools6, &x->addr6, x->id, o->id);
}

static bool hand_back_address6(struct ezv_sess *x)
{
	struct ezv_sess *o;
	char a[EVS_PREFIX_STRLEN];

	if (pool6_owner(x->z->cfg->pools6, &x->addr6) != x->id)
		return false;
	o = ezv_sess_of_login(x->z, x->user, &x->peer_sa, takes_back6, x);
	if (!o)
		return false;
	log_notice("%s: modecfg: IPv6 address %s of \"%s\" goes back to %s",
		   evs_session_name(x->s), evs_prefix_str(&x->addr6, a, sizeof(a)), x->user,
		   evs_session_name(o->s));
	return true;
}

int ezv_lease_address6(struct ezv_sess *x, struct evs_err *why)
{
	char a[EVS_PREFIX_STRLEN];
	int r;

	if (x->have_addr6 || !x->eff->pool6[0] || x->eff->mode != EZV_MODE_CLIENT)
		return 0;
	if (take_over_address6(x))
		return 0;
	r = pool6_lease(x->z->cfg->pools6, x->eff->pool6, x->id, &x->addr6);
	if (r) {
		evs_errf(why, "pool \"%s\": %s", x->eff->pool6, pool_result_str(r));
		return -1;
	}
	x->have_addr6 = true;
	x->z->st.leases++;
	log_notice("%s: modecfg: IPv6 address %s from pool \"%s\" for \"%s\"",
		   evs_session_name(x->s), evs_prefix_str(&x->addr6, a, sizeof(a)),
		   x->eff->pool6, x->user);
	return 0;
}

void ezv_lease_release6(struct ezv_sess *x)
{
	char a[EVS_PREFIX_STRLEN];

	if (!x->have_addr6)
		return;
	if (hand_back_address6(x)) {
		x->have_addr6 = false;
		return;
	}
	if (!pool6_release(x->z->cfg->pools6, &x->addr6, x->id))
		log_notice("%s: modecfg: IPv6 address %s of \"%s\" returned to pool \"%s\"",
			   evs_session_name(x->s), evs_prefix_str(&x->addr6, a, sizeof(a)),
			   x->user, x->eff->pool6);
	x->have_addr6 = false;
}

void ezv_lease_release(struct ezv_sess *x)
{
	char a[16];

	ezv_lease_release6(x);
	if (x->addr)
		hand_back_address(x);
	if (x->addr && pool_release_owner(x->z->cfg->pools, x->id)) {
		evs_ip4_ntop(x->addr, a, sizeof(a));
		if (x->pool[0])
			log_notice("%s: modecfg: address %s of \"%s\" returned to pool \"%s\"",
				   evs_session_name(x->s), a, x->user, x->pool);
		else
			log_notice("%s: modecfg: fixed address %s of \"%s\" released",
				   evs_session_name(x->s), a, x->user);
	}
	ezv_sess_set_addr(x, 0);
	ezv_claims_drop(x);
}

/* ---- a renewed Phase 1 carries the session on ------------------------------ */

static bool has_claim(const struct ezv_sess *x, const struct ezv_claim *c)
{
	for (const struct ezv_claim *m = x->claims; m; m = m->next)
		if (evs_prefix_eq(&m->net, &c->net))
			return true;
	return false;
}

int ezv_lease_may_move(const struct ezv_sess *x, const struct ezv_sess *o,
		       struct evs_err *why)
{
	char a[16], b[16];
	unsigned n = x->n_claims;

	if (x->addr != o->addr) {
		evs_ip4_ntop(x->addr, a, sizeof(a));
		evs_ip4_ntop(o->addr, b, sizeof(b));
		evs_errf(why, "its address %s is not %s, which the connections carry", a, b);
		return -1;
	}
	if (x->have_addr6 && o->have_addr6 && !evs_prefix_eq(&x->addr6, &o->addr6)) {
		evs_errf(why, "its IPv6 address differs from the one the connections carry");
		return -1;
	}
	for (const struct ezv_claim *c = o->claims; c; c = c->next)
		n += !has_claim(x, c);
	if (n > EZV_MAX_CLAIMS) {
		evs_errf(why, "more than %d networks claimed together", EZV_MAX_CLAIMS);
		return -1;
	}
	return 0;
}

void ezv_lease_move(struct ezv_sess *x, struct ezv_sess *o)
{
	struct pool_set *pools = x->z->cfg->pools;

	/* normally x took the address over when it was leased (renews) */
	if (o->addr && pool_owner(pools, o->addr) == o->id)
		pool_transfer(pools, o->addr, o->id, x->id);
	ezv_sess_set_addr(o, 0);
	if (o->have_addr6 && !x->have_addr6 &&
	    !pool6_transfer(x->z->cfg->pools6, &o->addr6, o->id, x->id)) {
		x->addr6 = o->addr6;
		x->have_addr6 = true;
		evs_session_set_inner(x->s, &x->addr6);
	}
	o->have_addr6 = false;
	while (o->claims) {
		struct ezv_claim *c = o->claims;

		o->claims = c->next;
		o->n_claims--;
		if (has_claim(x, c)) {
			ezv_claims_del(&x->z->claims, c);
			free(c);
			continue;
		}
		c->owner = x;
		c->next = x->claims;
		x->claims = c;
		x->n_claims++;
	}
}

/* ---- RRI ------------------------------------------------------------------ */

/* An IPv6 connection of a network-extension client: the route to its
 * LAN (the connection's IDci, claimed in check_ids). */
static void rri_add6_nem(struct evs_session *s, struct ezv_sess *x, uint32_t conn_id,
			 const struct evs_prefix *net)
{
	const struct ezv *z = x->z;
	char a[EVS_PREFIX_STRLEN];
	struct evs_err err;

	evs_prefix_str(net, a, sizeof(a));
	if (z->kops->route6_add(z->karg, conn_id, net, &err))
		log_warn("%s: rri: route %s for conn %u: %s", evs_session_name(s), a,
			 conn_id, err.msg);
	else
		log_notice("%s: rri: route %s dev %s for \"%s\" (network extension, "
			   "conn %u)", evs_session_name(s), a, z->ike->device, x->user, conn_id);
}

/* An IPv6 connection of a client: the route to its /128 and, with proxy-arp
 * on, the proxy NDP entry on the LAN (the IPv6 proxy ARP). */
static void rri_add6(struct evs_session *s, struct ezv_sess *x, uint32_t conn_id,
		     const struct evs_prefix *remote)
{
	const struct ezv *z = x->z;
	char a[EVS_PREFIX_STRLEN];
	struct evs_err err;

	if (!z->kops->route6_add)
		return;
	if (x->eff->mode == EZV_MODE_NETWORK_EXTENSION && !x->have_addr6) {
		rri_add6_nem(s, x, conn_id, remote);
		return;
	}
	if (x->eff->mode != EZV_MODE_CLIENT || !x->have_addr6)
		return;
	evs_prefix_str(&x->addr6, a, sizeof(a));
	if (z->kops->route6_add(z->karg, conn_id, &x->addr6, &err))
		log_warn("%s: rri: route %s for conn %u: %s", evs_session_name(s), a,
			 conn_id, err.msg);
	else
		log_notice("%s: rri: route %s dev %s for \"%s\" (conn %u)",
			   evs_session_name(s), a, z->ike->device, x->user, conn_id);
	if (!x->eff->proxy_arp || !x->eff->lan_if[0] || !z->kops->ndp_add)
		return;
	if (z->kops->ndp_add(z->karg, conn_id, &x->addr6, x->eff->lan_if, &err))
		log_warn("%s: rri: proxy NDP %s on %s: %s", evs_session_name(s), a,
			 x->eff->lan_if, err.msg);
	else
		log_notice("%s: rri: proxy NDP for %s on %s (conn %u)",
			   evs_session_name(s), a, x->eff->lan_if, conn_id);
}

void ezv_rri_add(struct evs_session *s, struct ezv_sess *x, uint32_t conn_id)
{
	const struct ezv *z = x->z;
	struct evs_err err;
	char a[16];
	struct evs_prefix p;

	if (!z->kops)
		return;
	if (evs_session_conn_remote(s, conn_id, &p) && p.family == AF_INET6) {
		rri_add6(s, x, conn_id, &p);
		return;
	}
	if (x->eff->mode == EZV_MODE_CLIENT && x->addr) {
		evs_ip4_ntop(x->addr, a, sizeof(a));
		if (z->kops->route_add(z->karg, conn_id, x->addr, 32, &err))
			log_warn("%s: rri: route %s/32 for conn %u: %s",
				 evs_session_name(s), a, conn_id, err.msg);
		else
			log_notice("%s: rri: route %s/32 dev %s for \"%s\" (conn %u)",
				   evs_session_name(s), a, z->ike->device, x->user,
				   conn_id);
	} else if (x->eff->mode == EZV_MODE_NETWORK_EXTENSION &&
		   evs_session_conn_remote(s, conn_id, &p) && p.family == AF_INET) {
		/* the client's own networks: its Phase 2 IDci */
		uint32_t net = evs_prefix_ip4_addr(&p);

		evs_ip4_ntop(net, a, sizeof(a));
		if (z->kops->route_add(z->karg, conn_id, net, p.plen, &err))
			log_warn("%s: rri: route %s/%u for conn %u: %s",
				 evs_session_name(s), a, p.plen, conn_id, err.msg);
		else
			log_notice("%s: rri: route %s/%u dev %s for \"%s\" "
				   "(network extension, conn %u)", evs_session_name(s), a,
				   p.plen, z->ike->device, x->user, conn_id);
	}
	if (x->eff->proxy_arp && x->addr && x->eff->lan_if[0]) {
		evs_ip4_ntop(x->addr, a, sizeof(a));
		if (z->kops->parp_add(z->karg, conn_id, x->addr, x->eff->lan_if, &err))
			log_warn("%s: rri: proxy ARP %s on %s: %s", evs_session_name(s), a,
				 x->eff->lan_if, err.msg);
		else
			log_notice("%s: rri: proxy ARP for %s on %s (conn %u)",
				   evs_session_name(s), a, x->eff->lan_if, conn_id);
	}
}
