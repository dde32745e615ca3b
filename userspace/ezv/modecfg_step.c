// SPDX-License-Identifier: MIT
/*
 * The "modecfg" step (easyvpn.h).  Gateway: the policy is the user's
 * group with the user's overrides; the address comes from lease.c; the
 * offer goes out as the REPLY to the client's REQUEST (pull) or as a SET
 * (push); the inner address binds Phase 2's IDci, and check_ids decides
 * each quick mode's IDs.  When a connection is up: RRI and accounting.
 * Client role: REQUEST, then the address and split networks become the
 * Phase 2 selectors.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ezv/ezv_int.h"
#include "lib/daemon_log.h"
#include "lib/prefix.h"

static void log_offer(struct ezv_sess *x, const char *how, const struct modecfg *m)
{
	char line[1024];

	modecfg_format(m, line, sizeof(line));
	log_notice("%s: modecfg: %s for \"%s\" (group \"%s\"): %s", evs_session_name(x->s),
		   how, x->user, x->group, line);
	if (m->has & MCF_BIT(MCF_BANNER))
		log_info("%s: modecfg: banner \"%s\"", evs_session_name(x->s),
			 log_peern(m->banner, strnlen(m->banner, 200)));
}

/* Open a transaction exchange of type with the attributes in b (freed
 * here).  0, or -1 when it could not be sent. */
static int send_new(struct evs_session *s, uint8_t type, struct isakmp_buf *b)
{
	uint16_t ident;
	bool sent;

	randombytes_buf(&ident, sizeof(ident));
	sent = !b->oom && evs_session_send_cfg(s, 0, type, ident, b->data, b->len, true);
	isakmp_buf_free(b);
	return sent ? 0 : -1;
}

/* Split-include networks as prefixes (a non-contiguous mask is skipped). */
static unsigned split_prefixes(const struct modecfg_net *split, unsigned n_split,
			       struct evs_prefix nets[EVS_SESSION_MAX_NETS])
{
	unsigned n = 0;

	for (unsigned i = 0; i < n_split && n < EVS_SESSION_MAX_NETS; i++) {
		int plen = modecfg_mask_to_plen(split[i].mask);

		if (plen >= 0)
			nets[n++] = evs_prefix_ip4(split[i].addr, (unsigned)plen);
	}
	return n;
}

/* What a server session's client may reach: the split-include networks
 * of both families; a family without any is tunnelled whole (0.0.0.0/0, or
 * ::/0 for a group with an IPv6 pool or IPv6 network-extension prefixes)
 * when the other has some; none at all: 0 (a full tunnel). */
static unsigned server_nets(const struct ezv_settings *eff,
			    struct evs_prefix nets[EVS_SESSION_MAX_NETS])
{
	unsigned n = split_prefixes(eff->split, eff->n_split, nets);

	for (unsigned i = 0; i < eff->n_split6 && n < EVS_SESSION_MAX_NETS; i++)
		nets[n++] = eff->split6[i];
	if (!n)
		return 0;
	if ((!eff->n_split ||
	     (!eff->n_split6 && (eff->pool6[0] || eff->n_nem_allow6))) &&
	    n < EVS_SESSION_MAX_NETS) {
		memset(&nets[n], 0, sizeof(nets[n]));
		nets[n++].family = eff->n_split ? AF_INET6 : AF_INET;
	}
	return n;
}

/* The gateway's offer to x: its settings, its address and, once it has
 * one, its IPv6 address.  Built when it goes out, not kept. */
static void server_offer(const struct ezv_sess *x, struct modecfg *offer)
{
	ezv_offer(x->eff, x->addr, x->mask, offer);
	if (x->have_addr6) {
		offer->ip6_addr = x->addr6;
		offer->has |= MCF_BIT(MCF_IP6_ADDRESS);
	}
}

/* Push: a group with an IPv6 pool pushes a /128 of it beside the IPv4
 * address, leased as a pull client's; the IPv6 IDci is bound when the
 * client says it took it (settle_addr6).  The client may not want one,
 * so an exhausted IPv6 pool costs it only the IPv6 address when it has an
 * IPv4 one. */
static int push_lease6(struct ezv_sess *x)
{
	struct evs_err why;

	if (!ezv_lease_address6(x, &why))
		return 0;
	log_warn("%s: modecfg: no IPv6 address for \"%s\": %s%s", evs_session_name(x->s),
		 x->user, why.msg, x->addr ? "; pushing IPv4 only" : "");
	if (x->addr)
		return 0;
	x->z->st.refused[EZV_REFUSE_NO_ADDRESS]++;
	return -1;
}

/* Did the client take its IPv6 address?  Its ACK of the SET names, with
 * empty values, the attributes it took (the mode-config draft; strongSwan
 * ACKs INTERNAL_IP6_ADDRESS for a pushed address it installs, libreswan
 * and other IPv4-only clients leave it out, an empty ACK takes nothing);
 * a client that sends a REQUEST instead (pull, or evsd's client against a
 * push gateway) asks for it or not.  Taken: it binds the IPv6 IDci.  A
 * pushed address not taken goes back to the pool: no lease held by a
 * client that does not use it. */
static void settle_addr6(struct ezv_sess *x, bool took, const char *msg)
{
	char a[EVS_PREFIX_STRLEN];

	if (!x->have_addr6)
		return;
	if (took) {
		evs_session_set_inner(x->s, &x->addr6);
		evs_session_changed(x->s);
		return;
	}
	log_notice("%s: modecfg: \"%s\" did not take IPv6 address %s (not in its %s)",
		   evs_session_name(x->s), x->user,
		   evs_prefix_str(&x->addr6, a, sizeof(a)), msg);
	ezv_lease_release6(x);
}

static int modecfg_begin_client(struct ezv *z, struct evs_session *s, void **state)
{
	struct ezv_sess *x = ezv_sess_get(z, s);
	const struct ike_peer *p;
	struct modecfg req;
	struct isakmp_buf b;

	if (!x)
		return EVS_STEP_FAIL;
	*state = x;
	x->modecfg_active = true;
	p = ezv_client_peer(z, s);
	modecfg_client_request(&req, "evsd " EVS_VERSION, !(p && p->ipv6_off));
	if (p && !p->firewall_off) {
		/* we filter what the tunnel opens (client_fw.c): say so */
		const struct modecfg_fw fw = {
			.vendor = MODECFG_FW_VENDOR_CISCO,
			.product = MODECFG_FW_PRODUCT_INTEGRATED,
			.policy = MODECFG_FW_POLICY_DEFAULT,
		};

		modecfg_set_fw(&req, &fw);
	}
	isakmp_buf_init(&b);
	modecfg_encode_types(&b, req.requested, &req);
	if (send_new(s, ISAKMP_CFG_REQUEST, &b))
		return EVS_STEP_FAIL;
	log_info("%s: modecfg: asking the gateway for our address and settings",
		 evs_session_name(s));
	return EVS_STEP_RUNNING;
}

static int modecfg_begin(struct evs_session *s, void *arg, void **state)
{
	struct ezv *z = arg;
	const struct ezv_group *g;
	const struct ezv_user *u;
	struct ezv_sess *x;
	struct evs_err why;

	if (!z->ready)
		return EVS_STEP_SKIP;
	if (evs_session_role(s) == EVS_ROLE_CLIENT)
		return modecfg_begin_client(z, s, state);
	x = ezv_sess_find(z, evs_session_id(s));
	if (!x || !x->authenticated)
		return EVS_STEP_SKIP;	/* no XAUTH, no Easy VPN policy */
	x = ezv_sess_get(z, s);
	*state = x;
	x->modecfg_active = true;
	g = ezv_find_group(z->cfg, x->group, strlen(x->group));
	u = ezv_find_user(z->cfg, x->user);
	if (!g || ezv_sess_settle(x, g, u))
		return EVS_STEP_FAIL;
	if (ezv_lease_address(x, &why)) {
		log_warn("%s: modecfg: no address for \"%s\": %s", evs_session_name(s),
			 x->user, why.msg);
		z->st.refused[EZV_REFUSE_NO_ADDRESS]++;
		return EVS_STEP_FAIL;
	}
	if (x->addr && !x->pool[0] && ezv_claim_addr(x, x->addr)) {
		log_warn("%s: modecfg: too many claims for \"%s\"", evs_session_name(s),
			 x->user);
		return EVS_STEP_FAIL;
	}
	if (x->eff->fw_are_you_there && x->eff->modecfg_push) {
		/* the report is in the client's REQUEST, which push skips */
		log_warn("%s: modecfg: user \"%s\" (group \"%s\") refused: firewall "
			 "are-you-there needs \"modecfg pull\"", evs_session_name(s),
			 x->user, x->group);
		z->st.refused[EZV_REFUSE_FIREWALL]++;
		return EVS_STEP_FAIL;
	}
	if (x->addr) {
		struct evs_prefix p = evs_prefix_ip4(x->addr, 32);

		evs_session_set_inner(s, &p);
	}
	evs_session_set_label(s, x->user);
	evs_session_set_authorized(s, x->user);	/* check_ids binds its quick modes */
	{
		/* What the client may reach: the engine narrows its connections'
		 * kernel policies to it, whatever IDcr the client proposes. */
		struct evs_prefix nets[EVS_SESSION_MAX_NETS];

		evs_session_set_remote_nets(s, nets, server_nets(x->eff, nets));
	}
	if (x->eff->modecfg_push) {
		struct modecfg offer;
		struct isakmp_buf b;

		if (push_lease6(x))
			return EVS_STEP_FAIL;
		server_offer(x, &offer);
		isakmp_buf_init(&b);
		modecfg_encode_values(&b, &offer);
		if (send_new(s, ISAKMP_CFG_SET, &b))
			return EVS_STEP_FAIL;
		log_offer(x, "pushed (SET)", &offer);
	} else {
		log_info("%s: modecfg: waiting for the client's REQUEST", evs_session_name(s));
	}
	return EVS_STEP_RUNNING;
}

static int modecfg_recv_server(struct ezv_sess *x, uint32_t msgid,
			       const struct isakmp_cfg *cfg, const struct modecfg *in)
{
	struct modecfg offer, reply;
	struct isakmp_buf b;

	if (cfg->type == ISAKMP_CFG_ACK) {
		if (!x->eff->modecfg_push)
			return EVS_CFG_BAD;
		log_info("%s: modecfg: the client acknowledged the SET", evs_session_name(x->s));
		if (x->modecfg_active) {
			settle_addr6(x, in->requested & MCF_BIT(MCF_IP6_ADDRESS), "ACK");
			x->modecfg_active = false;
			evs_session_step_done(x->s, true, NULL);
		}
		return EVS_CFG_TAKEN;
	}
	if (cfg->type != ISAKMP_CFG_REQUEST)
		return EVS_CFG_BAD;
	if (in->app_version[0])
		log_info("%s: modecfg: client is \"%s\"", evs_session_name(x->s),
			 log_peer(in->app_version));
	if (x->eff->fw_are_you_there && !modecfg_reports_firewall(in)) {
		log_warn("%s: modecfg: user \"%s\" (group \"%s\") from %s refused: "
			 "firewall are-you-there, and the client reports no firewall",
			 evs_session_name(x->s), x->user, x->group, x->peer);
		x->z->st.refused[EZV_REFUSE_FIREWALL]++;
		if (x->modecfg_active) {
			x->modecfg_active = false;
			evs_session_step_done(x->s, false, "no firewall reported");
		}
		return EVS_CFG_TAKEN;
	}
	if ((in->requested & MCF_BIT(MCF_IP6_ADDRESS)) && !x->have_addr6) {
		/* pull: an IPv6 address only for a client that asks
		 * (strongSwan with vips ::); none in the pool ends the
		 * session as the IPv4 pool does */
		struct evs_err why;

		if (ezv_lease_address6(x, &why)) {
			log_warn("%s: modecfg: no IPv6 address for \"%s\": %s",
				 evs_session_name(x->s), x->user, why.msg);
			x->z->st.refused[EZV_REFUSE_NO_ADDRESS]++;
			if (x->modecfg_active) {
				x->modecfg_active = false;
				evs_session_step_done(x->s, false, "no IPv6 address");
			}
			return EVS_CFG_TAKEN;
		}
	}
	if (x->modecfg_active || (in->requested & MCF_BIT(MCF_IP6_ADDRESS)))
		settle_addr6(x, in->requested & MCF_BIT(MCF_IP6_ADDRESS), "REQUEST");
	server_offer(x, &offer);
	modecfg_answer(&offer, in, "evs " EVS_VERSION, &reply);
	isakmp_buf_init(&b);
	modecfg_encode_values(&b, &reply);
	if (b.oom || !evs_session_send_cfg(x->s, msgid, ISAKMP_CFG_REPLY, cfg->ident, b.data,
					   b.len, false)) {
		isakmp_buf_free(&b);
		log_warn("%s: modecfg: could not send the REPLY", evs_session_name(x->s));
		return EVS_CFG_TAKEN;
	}
	isakmp_buf_free(&b);
	log_offer(x, "replied", &reply);
	if (x->modecfg_active) {
		x->modecfg_active = false;
		evs_session_step_done(x->s, true, NULL);
	}
	return EVS_CFG_TAKEN;
}

/* What the gateway tunnels for us: its split include (IPv4) and
 * INTERNAL_IP6_SUBNET networks; a family without any is tunnelled whole
 * (as server_nets says it) when the other has some and we have something
 * of that family (an address, or a LAN in network extension); none at
 * all: 0, a full tunnel.  phase2.c pairs selectors of one family, so a
 * family we have nothing of gets no quick mode. */
static unsigned client_nets(const struct modecfg *in, const struct ike_peer *p,
			    struct evs_prefix nets[EVS_SESSION_MAX_NETS])
{
	unsigned n = split_prefixes(in->split, in->n_split, nets);
	unsigned n4 = n;
	bool has[2] = { (in->has & MCF_BIT(MCF_IP4_ADDRESS)) != 0,
			(in->has & MCF_BIT(MCF_IP6_ADDRESS)) != 0 };

	for (unsigned i = 0; i < in->n_subnet6 && n < EVS_SESSION_MAX_NETS; i++) {
		nets[n] = in->subnet6[i];
		evs_prefix_clear_host(&nets[n++]);
	}
	for (unsigned i = 0; p && p->ezvpn_mode == IKE_EZVPN_NETWORK_EXTENSION &&
			     i < p->n_local_nets; i++)
		has[p->local_nets[i].family == AF_INET6] = true;
	if (n && (n4 == 0 || n4 == n) && has[n4 != 0] && n < EVS_SESSION_MAX_NETS) {
		memset(&nets[n], 0, sizeof(nets[n]));
		nets[n++].family = n4 ? AF_INET6 : AF_INET;
	}
	return n;
}

static void client_apply(struct ezv_sess *x, const struct modecfg *in)
{
	struct evs_prefix nets[EVS_SESSION_MAX_NETS];
	char line[1024];

	modecfg_format(in, line, sizeof(line));
	log_notice("%s: modecfg: gateway gave %s", evs_session_name(x->s), line);
	if (in->has & MCF_BIT(MCF_BANNER))
		log_notice("%s: modecfg: banner: \"%s\"", evs_session_name(x->s),
			   log_peern(in->banner, strnlen(in->banner, 400)));
	if (in->has & MCF_BIT(MCF_IP4_ADDRESS)) {
		struct evs_prefix p = evs_prefix_ip4(in->ip4_addr, 32);

		ezv_sess_set_addr(x, in->ip4_addr);
		evs_session_set_inner(x->s, &p);
	}
	if (in->has & MCF_BIT(MCF_IP6_ADDRESS)) {
		/* our address alone: the selector and the host's address are
		 * a /128 whatever prefix length came with it */
		struct evs_prefix p = in->ip6_addr;

		p.plen = 128;
		evs_session_set_inner(x->s, &p);
	}
	evs_session_set_remote_nets(x->s, nets,
				    client_nets(in, ezv_client_peer(x->z, x->s), nets));
	/* for `evsadm client show` */
	if (!x->offer)
		x->offer = malloc(sizeof(*x->offer));
	if (x->offer) {
		*x->offer = *in;
		x->pushed = true;
	}
	if ((in->has & MCF_BIT(MCF_SAVE_PASSWD)) && !in->save_passwd) {
		const char *peer = evs_session_peer_name(x->s);

		log_notice("%s: modecfg: the gateway says save-password \"no\": the stored "
			   "password of peer %s is not used again", evs_session_name(x->s),
			   peer ? peer : "?");
		if (peer)
			ezv_client_nosave(x->z, peer);
	}
}

static int modecfg_recv_client(struct ezv_sess *x, uint32_t msgid,
			       const struct isakmp_cfg *cfg, struct modecfg *in)
{
	if (cfg->type == ISAKMP_CFG_SET) {
		const struct ike_peer *p = ezv_client_peer(x->z, x->s);
		struct isakmp_buf b;

		/* `ipv6 off`: a pushed IPv6 address (and its DNS and networks)
		 * is not taken, so not ACKed, as it would not be asked for */
		if (p && p->ipv6_off) {
			in->has &= ~(MCF_BIT(MCF_IP6_ADDRESS) | MCF_BIT(MCF_IP6_DNS) |
				     MCF_BIT(MCF_IP6_SUBNET));
			in->n_dns6 = in->n_subnet6 = 0;
		}

		isakmp_buf_init(&b);
		modecfg_encode_types(&b, in->has, NULL);
		if (!b.oom)
			evs_session_send_cfg(x->s, msgid, ISAKMP_CFG_ACK, cfg->ident, b.data, b.len,
					     false);
		isakmp_buf_free(&b);
	} else if (cfg->type != ISAKMP_CFG_REPLY) {
		return EVS_CFG_BAD;
	}
	if (!x->modecfg_active)
		return EVS_CFG_TAKEN;	/* a retransmitted SET: ACKed again */
	client_apply(x, in);
	x->modecfg_active = false;
	evs_session_step_done(x->s, true, NULL);
	return EVS_CFG_TAKEN;
}

static int modecfg_recv(struct evs_session *s, void **state, uint32_t msgid,
			const struct isakmp_cfg *cfg)
{
	struct ezv_sess *x = *state;
	struct isakmp_perr err;
	struct modecfg in;

	if (!x || xauth_attrs_present(cfg->attrs, cfg->attrs_len))
		return EVS_CFG_NOT_MINE;
	if (modecfg_decode(cfg->attrs, cfg->attrs_len, cfg->type, &in, &err)) {
		log_info("%s: modecfg: malformed message: %s", evs_session_name(s), err.why);
		return EVS_CFG_BAD;
	}
	return x->server ? modecfg_recv_server(x, msgid, cfg, &in) :
			   modecfg_recv_client(x, msgid, cfg, &in);
}

static void modecfg_child_up(struct evs_session *s, void **state, uint32_t conn_id)
{
	struct ezv_sess *x = *state;

	if (!x || !x->server || !x->authenticated)
		return;
	if (ezv_sess_has_conn(x, conn_id))
		return;		/* a rekey of a connection we know */
	ezv_sess_conn_add(x, conn_id);
	ezv_rri_add(s, x, conn_id);
	ezv_acct_start(x, evs_session_now(s));
}

static void modecfg_child_down(struct evs_session *s, void **state, uint32_t conn_id)
{
	struct ezv_sess *x = *state;

	if (!x || !x->server)
		return;
	if (ezv_sess_conn_del(x, conn_id))
		log_info("%s: rri: conn %u gone; the kernel removed its routes and "
			 "proxy-ARP entries with it", evs_session_name(s), conn_id);
}

static void modecfg_end(struct evs_session *s, void **state)
{
	struct ezv_sess *x = *state;

	if (!x)
		return;
	if (x->server) {
		ezv_sess_ended(x, evs_session_now(s));
		ezv_lease_release(x);
	}
	x->modecfg_active = false;
	ezv_sess_put(x);
	*state = NULL;
}

/* May the client reach idcr (our side)?  Inside a split-include network;
 * with none (a full tunnel), anything.  0.0.0.0/0 is accepted from a
 * split-tunnel client too: Cisco-style clients (vpnc) always propose it
 * (IKEv1 cannot narrow it); the engine installs the connection's kernel
 * policies for the split-include networks only (modecfg_begin). */
static bool idcr_tunnelled(const struct ezv_sess *x, const struct evs_prefix *idcr)
{
	uint32_t a, m;

	if (idcr->family == AF_INET6) {
		if (!x->eff->n_split6 || !idcr->plen)
			return true;
		for (unsigned i = 0; i < x->eff->n_split6; i++)
			if (evs_prefix_within(idcr, &x->eff->split6[i]))
				return true;
		return false;
	}
	if (idcr->family != AF_INET || idcr->plen > 32)
		return false;
	/* the mask only now: an IPv6 length would shift by a negative count */
	a = evs_prefix_ip4_addr(idcr);
	m = idcr->plen ? 0xffffffffu << (32 - idcr->plen) : 0;
	if (!x->eff->n_split || !idcr->plen)
		return true;
	for (unsigned i = 0; i < x->eff->n_split; i++)
		if ((m & x->eff->split[i].mask) == x->eff->split[i].mask &&
		    (a & x->eff->split[i].mask) == x->eff->split[i].addr)
			return true;
	return false;
}

/* Quick mode as responder: which inner addresses may this client claim,
 * and what may it reach?  IDci, client mode: only its assigned address
 * (the engine checks it first against the inner address; this says the
 * same in policy terms).  Network extension (IPv4 or IPv6): only networks its
 * group/user allow, never the gateway's split-include networks, a pool,
 * the tunnel's endpoints or another live session's network: the gateway
 * would route them to the client (RRI).  IDcr: what its policy tunnels. */
static uint16_t modecfg_check_ids(struct evs_session *s, void **state,
				  const struct evs_prefix *idci, const struct evs_prefix *idcr,
				  struct evs_err *why)
{
	struct ezv_sess *x = *state;
	struct evs_err r;
	char net_s[64], cr_s[64];
	bool client = true;

	if (evs_session_role(s) == EVS_ROLE_CLIENT)
		return 0;	/* the gateway's quick mode: our peer block decides */
	if (!x || !x->authenticated) {
		/* a site-to-site key's selectors bind it (phase2.c); the engine
		 * refuses any other session without a login before asking */
		if (evs_session_site_to_site(s))
			return 0;
		evs_errf(why, "no logged-in user on this session");
		return ISAKMP_N_INVALID_ID_INFORMATION;
	}
	evs_prefix_str(idci, net_s, sizeof(net_s));
	if (idci->family == AF_INET6 && x->eff->mode == EZV_MODE_NETWORK_EXTENSION &&
	    !x->have_addr6) {
		/* the client's IPv6 LAN, as an IPv4 one */
		client = false;
		if (!ezv_nem_claim(s, x, idci, &r))
			goto idcr;
	} else if (idci->family == AF_INET6) {
		char as[EVS_PREFIX_STRLEN] = "none";

		if (x->have_addr6 && evs_prefix_eq(idci, &x->addr6))
			goto idcr;
		if (x->have_addr6)
			evs_prefix_str(&x->addr6, as, sizeof(as));
		evs_errf(&r, "IPv6: only its assigned address (%s) may be used", as);
	} else if (idci->family != AF_INET) {
		evs_errf(&r, "not IPv4 or IPv6");
	} else if (x->eff->mode == EZV_MODE_CLIENT || x->addr) {
		char as[16];

		if (x->addr && idci->plen == 32 && evs_prefix_ip4_addr(idci) == x->addr)
			goto idcr;
		evs_ip4_ntop(x->addr, as, sizeof(as));
		evs_errf(&r, "only its assigned address %s may be used", as);
	} else {
		client = false;
		if (!ezv_nem_claim(s, x, idci, &r))
			goto idcr;
	}
	evs_errf(why, "%s: user \"%s\" (group \"%s\") from %s may not claim IDci %s: %s",
		 client ? "client mode" : "network extension", x->user, x->group, x->peer,
		 net_s, r.msg);
	return ISAKMP_N_INVALID_ID_INFORMATION;
idcr:
	if (idcr_tunnelled(x, idcr))
		return 0;
	evs_prefix_str(idcr, cr_s, sizeof(cr_s));
	evs_errf(why, "user \"%s\" (group \"%s\") from %s may not reach IDcr %s: not "
		 "inside a split-include network of its policy", x->user, x->group, x->peer,
		 cr_s);
	return ISAKMP_N_INVALID_ID_INFORMATION;
}

static int modecfg_restore(struct evs_session *s, void *arg, void **state,
			   struct json_object *o, struct evs_err *why)
{
	return ezv_sess_restore_ref(arg, s, state, why);
}

const struct evs_post_phase1_ops ezv_modecfg_step = {
	.name = "modecfg",
	.begin = modecfg_begin,
	.recv_cfg = modecfg_recv,
	.child_up = modecfg_child_up,
	.child_down = modecfg_child_down,
	.may_take_over = ezv_may_take_over,
	.take_over = ezv_take_over,
	.end = modecfg_end,
	.check_ids = modecfg_check_ids,
	.restore = modecfg_restore,
};
