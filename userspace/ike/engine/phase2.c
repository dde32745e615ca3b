// SPDX-License-Identifier: MIT
/*
 * phase2: quick mode and Phase 2 connections.  See phase2.h.
 */
#include "ike/engine/phase2.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/evs.h>

#include "ike/engine/info.h"
#include "lib/daemon_log.h"
#include "ike/engine/natt.h"

#define NONCE_LEN		32
#define DEFAULT_P2_LIFE		3600	/* seconds */
#define OLD_PAIR_GRACE_MS	3000	/* replaced SAs linger this long */
#define OUT_SWITCH_MS		1000	/* rekey initiator: outbound waits for
					 * the responder to install (QM3) */
#define OLD_PAIR_MAX_MS		30000	/* responder: at most, without delete */

const char *qm_state_name(enum qm_state s)
{
	switch (s) {
	case QM_I_SENT:
		return "QM_I_SENT";
	case QM_R_SENT:
		return "QM_R_SENT";
	case QM_DONE:
		return "QM_DONE";
	}
	return "QM_NEW";
}

static void qm_set_state(struct ike_sa *sa, struct ike_xchg *x,
			 enum qm_state st)
{
	log_info("%s: quick mode %08x: %s -> %s", sa->name, x->msgid,
		 qm_state_name(x->qm->state), qm_state_name(st));
	x->qm->state = st;
}

static void qm_free(struct ike_qm *qm)
{
	if (!qm)
		return;
	dh_free(qm->dh);
	secret_batch_begin();
	secret_free(qm->gqm);
	secret_free(qm->key_in);
	secret_free(qm->key_out);
	secret_batch_end();
	ike_free_bytes(&qm->ni, &qm->ni_len);
	ike_free_bytes(&qm->nr, &qm->nr_len);
	free(qm);
}

/* ---- selectors -------------------------------------------------------------- */

/* The prefix length of a contiguous n-byte mask; -1 when it has holes. */
static int mask_plen(const uint8_t *mask, size_t n)
{
	unsigned plen = 0;

	while (plen < n * 8 && (mask[plen / 8] & (0x80u >> (plen % 8))))
		plen++;
	for (unsigned b = plen; b < n * 8; b++)
		if (mask[b / 8] & (0x80u >> (b % 8)))
			return -1;
	return (int)plen;
}

/* first..last as a prefix, when it is exactly one (a range ID from a peer
 * that writes its subnets that way); -1 otherwise. */
static int range_plen(const uint8_t *first, const uint8_t *last, size_t n)
{
	unsigned plen = 0;

	while (plen < n * 8 && !((first[plen / 8] ^ last[plen / 8]) &
				 (0x80u >> (plen % 8))))
		plen++;
	for (unsigned b = plen; b < n * 8; b++) {
		unsigned bit = 0x80u >> (b % 8);

		if ((first[b / 8] & bit) || !(last[b / 8] & bit))
			return -1;
	}
	return (int)plen;
}

int p2_id_to_prefix(const struct isakmp_id *id, struct evs_prefix *p)
{
	bool v6 = id->type == ISAKMP_ID_IPV6_ADDR ||
		  id->type == ISAKMP_ID_IPV6_ADDR_SUBNET ||
		  id->type == ISAKMP_ID_IPV6_ADDR_RANGE;
	size_t n = v6 ? 16 : 4;
	int plen;

	memset(p, 0, sizeof(*p));
	p->family = v6 ? AF_INET6 : AF_INET;
	switch (id->type) {
	case ISAKMP_ID_IPV4_ADDR:
	case ISAKMP_ID_IPV6_ADDR:
		plen = (int)n * 8;
		break;
	case ISAKMP_ID_IPV4_ADDR_SUBNET:
	case ISAKMP_ID_IPV6_ADDR_SUBNET:
		plen = mask_plen(id->data + n, n);
		break;
	case ISAKMP_ID_IPV4_ADDR_RANGE:
	case ISAKMP_ID_IPV6_ADDR_RANGE:
		plen = range_plen(id->data, id->data + n, n);
		break;
	default:
		return -1;
	}
	if (plen < 0 || id->len != (id->type == ISAKMP_ID_IPV4_ADDR ||
				    id->type == ISAKMP_ID_IPV6_ADDR ? n : 2 * n))
		return -1;
	memcpy(p->addr, id->data, n);
	p->plen = (uint8_t)plen;
	evs_prefix_clear_host(p);
	return 0;
}

void p2_prefix_to_id(const struct evs_prefix *p, struct isakmp_id *id,
		     uint8_t buf[P2_ID_BUF])
{
	bool v6 = p->family == AF_INET6;
	size_t n = v6 ? 16 : 4;

	memset(id, 0, sizeof(*id));
	memset(buf, 0, P2_ID_BUF);
	memcpy(buf, p->addr, n);
	if (p->plen == n * 8) {
		id->type = v6 ? ISAKMP_ID_IPV6_ADDR : ISAKMP_ID_IPV4_ADDR;
		id->len = n;
	} else {
		id->type = v6 ? ISAKMP_ID_IPV6_ADDR_SUBNET : ISAKMP_ID_IPV4_ADDR_SUBNET;
		for (unsigned b = 0; b < p->plen && b < n * 8; b++)
			buf[n + b / 8] |= (uint8_t)(0x80u >> (b % 8));
		id->len = 2 * n;
	}
	id->data = buf;
}

static bool prefix_eq(const struct evs_prefix *a, const struct evs_prefix *b)
{
	return evs_prefix_eq(a, b);
}

static void host_prefix(const struct sockaddr_storage *ss, struct evs_prefix *p)
{
	const uint8_t *a;
	uint16_t port;
	size_t n = ike_sa_addr((const struct sockaddr *)ss, &a, &port);

	memset(p, 0, sizeof(*p));
	p->family = n == 16 ? AF_INET6 : AF_INET;
	p->plen = (uint8_t)(n * 8);
	if (n)
		memcpy(p->addr, a, n);
}

/* Is prefix p inside net (the same family)? */
static bool prefix_within(const struct evs_prefix *p, const struct evs_prefix *net)
{
	return evs_prefix_within(p, net);
}

static bool within_any(const struct evs_prefix *p, const struct evs_prefix *nets,
		       unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (prefix_within(p, &nets[i]))
			return true;
	return false;
}

/* Server role: our side of a connection as the kernel gets it: the
 * session's networks (evs_session_set_remote_nets: its split include)
 * that local covers, or local itself when it lies inside one of them or
 * the session has none (full tunnel, site to site).  Returns how many went
 * to out; 0 when local touches none of them. */
static unsigned narrow_local(const struct ike_sa *sa, const struct evs_prefix *local,
			     struct evs_prefix out[EVS_SESSION_MAX_NETS])
{
	unsigned n = 0;

	if (sa->eng->role != EVS_ROLE_SERVER || !sa->n_remote_nets ||
	    within_any(local, sa->remote_nets, sa->n_remote_nets)) {
		out[0] = *local;
		return 1;
	}
	for (unsigned i = 0; i < sa->n_remote_nets; i++)
		if (prefix_within(&sa->remote_nets[i], local))
			out[n++] = sa->remote_nets[i];
	return n;
}

/* Server role: a quick mode is only for a peer whose selectors are bound:
 * a user a step logged in (check_ids then decides), or a site-to-site
 * peer (no-xauth key) within its key's selectors.  0, or -1 with why. */
static int qm_r_bound(const struct ike_sa *sa, const struct ike_qm *qm,
		      struct evs_err *why)
{
	char c[64], r[64];

	if (sa->eng->role != EVS_ROLE_SERVER)
		return 0;
	if (sa->replaced) {
		/* its connections and session went to the peer's newer SA */
		evs_errf(why, "a newer ISAKMP SA of the peer carries its session on: "
			 "quick mode goes there");
		return -1;
	}
	if (sa->authorized)
		return 0;
	evs_prefix_str(&qm->idci, c, sizeof(c));
	evs_prefix_str(&qm->idcr, r, sizeof(r));
	if (!sa->site) {
		evs_errf(why, "peer did not log in (no XAUTH) and its key is not a "
			 "no-xauth site-to-site key: no Phase 2 for IDci %s IDcr %s", c, r);
		return -1;
	}
	if (!within_any(&qm->idci, sa->site->remote_nets, sa->site->n_remote_nets)) {
		evs_errf(why, "site-to-site peer: IDci %s is not inside a remote-network "
			 "of its key (%s:%u)", c, sa->site->file, sa->site->line);
		return -1;
	}
	if (!within_any(&qm->idcr, sa->site->local_nets, sa->site->n_local_nets)) {
		evs_errf(why, "site-to-site peer: IDcr %s is not inside a local-network "
			 "of its key (%s:%u)", r, sa->site->file, sa->site->line);
		return -1;
	}
	return 0;
}

/* ---- connections ---------------------------------------------------------- */

struct ike_conn *conn_find_spi(struct ike_sa *sa, uint32_t spi, bool either)
{
	struct ike_conn *c = conn_by_spi_on(sa, EVS_DIR_OUT, spi);

	if (!c && either)
		c = conn_by_spi_on(sa, EVS_DIR_IN, spi);
	return c;
}

static struct ike_conn *conn_find_sel(const struct ike_sa *sa,
				      const struct evs_prefix *local,
				      const struct evs_prefix *remote)
{
	for (struct ike_conn *c = sa->conns; c; c = c->next)
		if (prefix_eq(&c->local, local) && prefix_eq(&c->remote, remote))
			return c;
	return NULL;
}

/* o and sa are the same peer: the same address and port (two clients
 * behind one NAT differ in the port) and the same identity; on the
 * server also the same logged-in user or the same site-to-site key (in
 * aggressive mode the identity is only the group's name). */
static bool same_principal(const struct ike_sa *o, const struct ike_sa *sa)
{
	/* The address and port: ike_sa_same_peer. */
	if (o->id_peer_len != sa->id_peer_len ||
	    memcmp(o->id_peer, sa->id_peer, sa->id_peer_len))
		return false;
	if (sa->eng->role != EVS_ROLE_SERVER)
		return true;
	if (o->authorized && sa->authorized)
		return !strcmp(o->user, sa->user);
	return o->site && o->site == sa->site;
}

/* Move connection c of from to the newer ISAKMP SA to (same kernel conn
 * id, same policies): from's own quick modes for it are stale from now on. */
static void conn_move(struct ike_sa *to, struct ike_sa *from, struct ike_conn *c)
{
	for (struct ike_conn **pp = &from->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ike_sa_conn_forget(from, c);
	c->next = to->conns;
	to->conns = c;
	conn_index_sync(to, c);
	ike_sa_rearm(to);	/* its timers come along */
	log_info("%s: conn %u moved over from %s", to->name, c->id, from->name);
}

/* ---- a renewed Phase 1 carries the session on (server role) --------------- */

/* o, older than sa, holds a session of the same principal: its connections
 * are sa's to carry on.  A group key alone is no principal (same_principal:
 * both logged in as one user, or one site-to-site key). */
static bool older_session(const struct ike_sa *o, const struct ike_sa *sa, void *arg)
{
	(void)arg;
	return o->serial < sa->serial && !o->replaced && o->state == IKE_S_READY &&
	       ike_sa_has_installed_conn(o) && same_principal(o, sa);
}

/* n, newer than sa and READY, is the same principal's: the one to hand
 * sa's session to. */
static bool newer_ready(const struct ike_sa *n, const struct ike_sa *sa, void *arg)
{
	(void)arg;
	return n->serial > sa->serial && !n->replaced && n->state == IKE_S_READY &&
	       same_principal(n, sa);
}

/* The peer renewed Phase 1 (libreswan re-authenticates so, without a quick
 * mode): the newer SA sa takes over the older o's connections, and the
 * steps move the session with them (lease, accounting, routes), so that it
 * survives o's lifetime, DPD probes the peer over sa, and it stays one
 * session.  The steps may refuse (another group, another address). */
static bool session_move(struct ike_sa *sa, struct ike_sa *o)
{
	struct evs_err why = { "" };

	if (evs_session_may_take_over(sa, o, &why)) {
		log_notice("%s: does not carry on the session of %s: %s", sa->name, o->name,
			   why.msg);
		return false;
	}
	while (o->conns)
		conn_move(sa, o, o->conns);
	o->replaced = true;
	evs_session_take_over(sa, o);
	log_notice("%s: carries on the session of %s (renewed Phase 1)", sa->name, o->name);
	ike_sa_changed(o);
	ike_sa_changed(sa);
	return true;
}

bool conn_take_session(struct ike_sa *sa)
{
	struct ike_sa *o;

	if (sa->eng->role != EVS_ROLE_SERVER || sa->state != IKE_S_READY || sa->replaced)
		return false;
	o = ike_sa_same_peer(sa, older_session, NULL);
	return o && session_move(sa, o);
}

struct selectors {
	const struct evs_prefix *local, *remote;
};

static bool newer_with_conn(const struct ike_sa *n, const struct ike_sa *sa, void *arg)
{
	const struct selectors *s = arg;

	return n->serial > sa->serial && same_principal(n, sa) &&
	       conn_find_sel(n, s->local, s->remote);
}

/* The connection a responder's quick mode on sa keys, and the SA that
 * holds it (*owner): sa's own; one of an older SA of the peer, whose
 * session sa takes over now (normally done when sa became READY); or,
 * when sa was replaced while the exchange ran, the one the newer SA
 * carries on.  NULL: none (then *owner NULL when sa was replaced: the
 * pair is not to be installed). */
static struct ike_conn *responder_conn(struct ike_sa *sa, const struct evs_prefix *local,
				       const struct evs_prefix *remote, struct ike_sa **owner)
{
	struct selectors s = { local, remote };
	struct ike_conn *c = conn_find_sel(sa, local, remote);

	*owner = sa;
	if (c)
		return c;
	if (!sa->replaced)
		return conn_take_session(sa) ? conn_find_sel(sa, local, remote) : NULL;
	*owner = ike_sa_same_peer(sa, newer_with_conn, &s);
	return *owner ? conn_find_sel(*owner, local, remote) : NULL;
}

bool conn_hand_over(struct ike_sa *o)
{
	struct ike_sa *n;

	if (o->eng->role != EVS_ROLE_SERVER || o->replaced || !ike_sa_has_installed_conn(o))
		return false;
	n = ike_sa_same_peer(o, newer_ready, NULL);
	return n && session_move(n, o);
}

void conn_free(struct ike_conn *c)
{
	secret_batch_begin();
	secret_free(c->key_in);
	secret_free(c->key_out);
	secret_batch_end();
	free(c->local_nets);
	free(c);
}

void conn_remove(struct ike_sa *sa, struct ike_conn *c, bool notify)
{
	struct ike_engine *e = sa->eng;

	for (struct ike_conn **pp = &sa->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (notify && c->installed) {
		uint32_t spis[2] = { c->spi_in, c->old_spi_in };

		info_send_delete_esp(sa, spis, c->old_spi_in ? 2 : 1);
	}
	if (c->installed && e->ops->conn_del)
		e->ops->conn_del(e->ops_arg, c->id);
	log_notice("%s: conn %u removed (SPIs in %08x out %08x)", sa->name, c->id,
		   c->spi_in, c->spi_out);
	if (c->installed)
		evs_session_child_down(sa, c->id);
	conn_index_drop(e, c);
	ike_sa_conn_forget(sa, c);
	conn_free(c);
	ike_sa_changed(sa);
}

static void kc_local_nets(struct kernel_child *kc, const struct ike_conn *c)
{
	kc->n_local_nets = c->n_local_nets;
	if (c->n_local_nets)
		memcpy(kc->local_nets, c->local_nets,
		       c->n_local_nets * sizeof(*c->local_nets));
}

/* Move the outbound policy to the current pair (deferred after a rekey). */
static void switch_out(struct ike_sa *sa, struct ike_conn *c)
{
	struct ike_engine *e = sa->eng;
	struct kernel_child kc;

	c->out_switch_at = 0;
	memset(&kc, 0, sizeof(kc));
	kc.conn_id = c->id;
	kc.spi_out = c->spi_out;
	kc.local_net = c->local;
	kc.remote_net = c->remote;
	kc_local_nets(&kc, c);
	if (e->ops->out_policy && e->ops->out_policy(e->ops_arg, &kc) == 0)
		log_info("%s: conn %u: sending on SPI %08x now", sa->name, c->id,
			 c->spi_out);
}

static void drop_old_pair(struct ike_sa *sa, struct ike_conn *c, bool notify)
{
	struct ike_engine *e = sa->eng;

	if (!c->old_spi_in && !c->old_spi_out)
		return;
	if (c->out_switch_at)
		switch_out(sa, c);
	if (notify)
		info_send_delete_esp(sa, &c->old_spi_in, 1);
	if (e->ops->child_del_sas)
		e->ops->child_del_sas(e->ops_arg, c->id, c->old_spi_in,
				      c->old_spi_out);
	log_info("%s: conn %u: replaced SAs in %08x out %08x deleted", sa->name,
		 c->id, c->old_spi_in, c->old_spi_out);
	c->old_spi_in = c->old_spi_out = 0;
	c->old_del_at = 0;
	conn_index_sync(sa, c);
	ike_sa_changed(sa);
}

void conn_tick(struct ike_sa *sa)
{
	struct ike_engine *e = sa->eng;

	for (struct ike_conn *c = sa->conns, *n; c; c = n) {
		n = c->next;
		if (c->out_switch_at && e->now >= c->out_switch_at)
			switch_out(sa, c);
		if (c->old_del_at && e->now >= c->old_del_at)
			drop_old_pair(sa, c, c->we_initiated);
		if (c->expire_at && e->now >= c->expire_at) {
			log_notice("%s: conn %u: lifetime over", sa->name, c->id);
			conn_remove(sa, c, false);
			continue;
		}
		if (c->rekey_at && e->now >= c->rekey_at && !c->rekeying &&
		    sa->state == IKE_S_READY) {
			c->rekey_at = 0;
			log_info("%s: conn %u: rekeying", sa->name, c->id);
			qm_initiate(sa, &c->local, &c->remote, c);
		}
	}
}

void conn_expired(struct ike_sa *sa, struct ike_conn *c, bool hard)
{
	if (hard) {
		if (c->old_spi_in || c->old_spi_out) {
			drop_old_pair(sa, c, false);
			return;
		}
		log_notice("%s: conn %u: hard expiry", sa->name, c->id);
		conn_remove(sa, c, true);
		return;
	}
	log_info("%s: conn %u: soft expiry from the kernel", sa->name, c->id);
	if (c->we_initiated && !c->rekeying && sa->state == IKE_S_READY) {
		c->rekey_at = 0;
		qm_initiate(sa, &c->local, &c->remote, c);
	}
}

/* Say which networks a connection's kernel policies were narrowed to. */
static void log_narrowed(const struct ike_sa *sa, const struct ike_conn *c)
{
	char ls[EVS_PREFIX_STRLEN], nets[512] = "";
	size_t off = 0;

	for (unsigned i = 0; i < c->n_local_nets && off < sizeof(nets); i++)
		off += (size_t)snprintf(nets + off, sizeof(nets) - off, "%s%s", i ? " " : "",
					evs_prefix_str(&c->local_nets[i], ls, sizeof(ls)));
	evs_prefix_str(&c->local, ls, sizeof(ls));
	log_notice("%s: conn %u: IDcr %s narrowed in the kernel to the session's "
		   "networks: %s", sa->name, c->id, ls, nets);
}

/* KEYMAT for both SAs of qm's pair, computed once (a responder's rekey
 * needs it at QM2 and QM3). */
static int qm_keymat(struct ike_sa *sa, struct ike_qm *qm)
{
	size_t len = p2_enc_key_len(&qm->chosen) + p2_auth_key_len(&qm->chosen);
	int r;

	if (qm->key_in && qm->key_out)
		return 0;
	/* The pair's two keys: one write window of the arena. */
	secret_batch_begin();
	r = ike_keymat(&sa->keys, qm->gqm, ISAKMP_PROTO_ESP, qm->spi_in, qm->ni,
		       qm->ni_len, qm->nr, qm->nr_len, len, &qm->key_in) < 0 ||
	    ike_keymat(&sa->keys, qm->gqm, ISAKMP_PROTO_ESP, qm->chosen.spi, qm->ni,
		       qm->ni_len, qm->nr, qm->nr_len, len, &qm->key_out) < 0 ? -1 : 0;
	secret_batch_end();
	if (r < 0)
		log_err("%s: cannot compute KEYMAT", sa->name);
	return r;
}

/* The kernel's view of qm's pair for connection c (keys, selectors,
 * lifetimes); the caller sets what the step adds or moves. */
static void kc_fill(struct kernel_child *kc, struct ike_sa *sa, const struct ike_qm *qm,
		    const struct ike_conn *c)
{
	const struct p2_xform *xf = &qm->chosen;
	size_t el = p2_enc_key_len(xf), al = p2_auth_key_len(xf);
	uint32_t life = xf->life_secs ? xf->life_secs : DEFAULT_P2_LIFE;
	uint32_t jitter;

	memset(kc, 0, sizeof(*kc));
	kc->conn_id = c->id;
	kc->new_conn = !c->installed;
	kc->label = sa->label[0] ? sa->label : NULL;
	kc->local = sa->path.local;
	kc->remote = sa->path.remote;
	kc->encap = natt_active(sa);
	kc->spi_in = qm->spi_in;
	kc->spi_out = xf->spi;
	if (c->installed) {
		kc->old_spi_in = c->spi_in;
		kc->old_spi_out = c->spi_out;
	}
	kc->enc_name = p2_enc_kname(xf);
	kc->auth_name = p2_auth_kname(xf);
	kc->auth_trunc_bits = p2_auth_trunc_bits(xf);
	kc->aead_icv_bits = p2_aead_icv_bits(xf);
	kc->enc_in = secret_data(qm->key_in);
	kc->auth_in = secret_data(qm->key_in) + el;
	kc->enc_out = secret_data(qm->key_out);
	kc->auth_out = secret_data(qm->key_out) + el;
	kc->enc_len = el;
	kc->auth_len = al;
	kc->local_net = c->local;
	kc->remote_net = c->remote;
	kc_local_nets(kc, c);
	kc->hard_secs = life;
	/* The initiator's soft expiry comes first and with jitter, so the
	 * two ends do not rekey at once; the responder's is a late backstop. */
	ike_random(&jitter, sizeof(jitter));
	kc->soft_secs = qm->initiator ? life * 9 / 10 - jitter % (life / 20 + 1) :
			life * 19 / 20;
	if (xf->life_kb) {
		kc->hard_bytes = (uint64_t)xf->life_kb * 1024;
		kc->soft_bytes = kc->hard_bytes * (qm->initiator ? 8 : 9) / 10;
	}
	kc->allow_weak = p2_xform_weak(xf);
}

/* Take out of the kernel a pair qm put there at QM2 that no connection
 * took (QM3 never came, or the connection went). */
static void pre_pair_drop(struct ike_sa *sa, struct ike_qm *qm)
{
	struct ike_engine *e = sa->eng;

	if (!qm->pre_conn_id)
		return;
	e->ops->child_del_sas(e->ops_arg, qm->pre_conn_id, qm->spi_in, qm->chosen.spi);
	log_info("%s: conn %u: SAs in %08x out %08x, never confirmed by QM3, deleted",
		 sa->name, qm->pre_conn_id, qm->spi_in, qm->chosen.spi);
	qm->pre_conn_id = 0;
}

void qm_release(struct ike_sa *sa, struct ike_xchg *x)
{
	if (!x->qm)
		return;
	pre_pair_drop(sa, x->qm);
	qm_free(x->qm);
	x->qm = NULL;
}

/* Responder rekey: the new pair goes into the kernel before QM2 goes
 * out, beside the current one, whose policies stay.  The initiator installs
 * its pair when QM2 arrives and may send on it before our QM3 is read;
 * the kernel takes a connection's packets on any of its inbound SAs, so
 * none of them is lost.  QM3 moves the policies (install); an exchange
 * that ends without it takes the pair out (qm_release).  A new
 * connection still goes in whole at QM3: before then it has no route. */
static void preinstall(struct ike_sa *sa, struct ike_xchg *x)
{
	struct ike_engine *e = sa->eng;
	struct ike_qm *qm = x->qm;
	struct kernel_child kc;
	struct ike_conn *c;

	if (qm->initiator || qm->conn_gone || !e->ops->child_del_sas)
		return;
	c = conn_find_sel(sa, &qm->idcr, &qm->idci);
	if (!c || !c->installed || qm_keymat(sa, qm) < 0)
		return;
	kc_fill(&kc, sa, qm, c);
	kc.sas_only = true;
	if (e->ops->child_add(e->ops_arg, &kc) < 0) {
		log_warn("%s: conn %u: quick mode %08x: kernel refused the new SAs; "
			 "trying again at QM3", sa->name, c->id, x->msgid);
		return;
	}
	qm->pre_conn_id = c->id;
	log_info("%s: conn %u: quick mode %08x: SAs in %08x out %08x added, "
		 "policies move at QM3", sa->name, c->id, x->msgid, qm->spi_in,
		 qm->chosen.spi);
}

/* The connection qm's pair goes into: the initiator's own, the
 * responder's by its selectors, or a new one (added to sa's list, not yet
 * installed).  NULL: none to install into (logged). */
static struct ike_conn *install_target(struct ike_sa *sa, struct ike_xchg *x,
				       struct ike_sa **owner)
{
	struct ike_engine *e = sa->eng;
	struct ike_qm *qm = x->qm;
	struct evs_prefix local = qm->initiator ? qm->idci : qm->idcr;
	struct evs_prefix remote = qm->initiator ? qm->idcr : qm->idci;
	struct evs_prefix nets[EVS_SESSION_MAX_NETS];
	struct ike_conn *c;
	unsigned n;

	*owner = sa;
	if (qm->conn_gone) {
		log_info("%s: quick mode %08x keyed a connection that is gone; not installed",
			 sa->name, x->msgid);
		return NULL;
	}
	c = qm->initiator ? qm->conn : responder_conn(sa, &local, &remote, owner);
	if (!*owner) {
		log_info("%s: quick mode %08x: the session went to a newer ISAKMP SA "
			 "of the peer, which holds no such connection; not installed",
			 sa->name, x->msgid);
		return NULL;
	}
	if (c)
		return c;
	n = narrow_local(sa, &local, nets);
	if (!n) {
		/* the session's networks changed since QM2 */
		log_warn("%s: quick mode %08x: IDcr no longer touches the session's "
			 "networks; not installed", sa->name, x->msgid);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (n > 1 || !prefix_eq(&nets[0], &local)) {
		c->local_nets = malloc(n * sizeof(*nets));
		if (!c->local_nets) {
			free(c);
			return NULL;
		}
		memcpy(c->local_nets, nets, n * sizeof(*nets));
		c->n_local_nets = n;
	}
	c->id = e->next_conn_id++;
	if (!c->id)
		c->id = e->next_conn_id++;
	c->local = local;
	c->remote = remote;
	c->next = sa->conns;
	sa->conns = c;
	return c;
}

static void install_undo(struct ike_sa *sa, struct ike_qm *qm, struct ike_conn *c)
{
	struct ike_engine *e = sa->eng;

	if (!c->installed) {
		for (struct ike_conn **pp = &sa->conns; *pp; pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		conn_index_drop(e, c);
		conn_free(c);
	}
	if (qm->conn)
		qm->conn->rekeying = false;
}

/* Install the SA pair negotiated by qm into a (new or rekeyed) connection. */
static int install(struct ike_sa *sa, struct ike_xchg *x)
{
	struct ike_engine *e = sa->eng;
	struct ike_qm *qm = x->qm;
	const struct p2_xform *xf = &qm->chosen;
	struct kernel_child kc;
	struct ike_sa *owner;	/* the SA holding the connection */
	struct ike_conn *c;
	char desc[96] = "", ls[64] = "", rs[64] = "";

	if (qm_keymat(sa, qm) < 0)
		goto fail;
	c = install_target(sa, x, &owner);
	if (!c)
		goto fail;
	if (qm->pre_conn_id && qm->pre_conn_id != c->id)
		pre_pair_drop(sa, qm);
	kc_fill(&kc, sa, qm, c);
	kc.policies_only = qm->pre_conn_id != 0;
	/* The responder keys the new pair only when our QM3 arrives: until
	 * then keep sending on the old one. */
	kc.defer_out = c->installed && qm->initiator && e->ops->out_policy;
	if (e->ops->child_add(e->ops_arg, &kc) < 0) {
		log_err("%s: conn %u: kernel refused the SAs", sa->name, c->id);
		install_undo(sa, qm, c);
		goto fail;
	}
	qm->pre_conn_id = 0;
	if (c->installed) {
		/* The pair we replaced lingers for packets in flight. */
		if (c->old_spi_in || c->old_spi_out)
			drop_old_pair(owner, c, false);
		c->old_spi_in = c->spi_in;
		c->old_spi_out = c->spi_out;
		c->old_del_at = e->now + (qm->initiator ? OLD_PAIR_GRACE_MS :
					  OLD_PAIR_MAX_MS);
		c->out_switch_at = kc.defer_out ? e->now + OUT_SWITCH_MS : 0;
	}
	c->xf = *xf;
	c->spi_in = kc.spi_in;
	c->spi_out = kc.spi_out;
	secret_batch_begin();
	secret_free(c->key_in);
	secret_free(c->key_out);
	secret_batch_end();
	c->key_in = qm->key_in;
	c->key_out = qm->key_out;
	qm->key_in = qm->key_out = NULL;
	conn_index_sync(owner, c);
	c->installed_at = e->now;
	c->expire_at = 0;	/* the kernel's hard lifetime ends it */
	c->we_initiated = qm->initiator;
	c->rekeying = false;
	c->generation++;
	/* Rekey a little before the kernel's soft expiry would ask us to. */
	c->rekey_at = qm->initiator ?
		      e->now + (kc.soft_secs > 10 ? kc.soft_secs - 5 :
				kc.soft_secs) * 1000 : 0;
	ike_sa_rearm(owner);
	/* Formatted for the log only. */
	if (log_enabled(EVSD_LOG_NOTICE)) {
		p2_xform_format(xf, desc, sizeof(desc));
		evs_prefix_str(&c->local, ls, sizeof(ls));
		evs_prefix_str(&c->remote, rs, sizeof(rs));
	}
	log_notice("%s: conn %u %s: %s <-> %s, %s, SPI in %08x out %08x, lifetime %us%s%s",
		   sa->name, c->id, kc.new_conn ? "up" : "rekeyed", ls, rs, desc,
		   kc.spi_in, kc.spi_out, (unsigned)kc.hard_secs,
		   kc.encap ? ", UDP-encapsulated" : "", qm->gqm ? ", PFS" : "");
	if (kc.new_conn && c->n_local_nets)
		log_narrowed(sa, c);
	e->stats.p2_ok++;
	if (kc.new_conn) {
		c->installed = true;
		evs_session_child_up(sa, c->id);
	}
	ike_sa_changed(owner);
	return 0;
fail:
	pre_pair_drop(sa, qm);
	return -1;
}

/* A standby taking over (Documentation/ha.md): the connection's current
 * pair, its keys as the active installed them, into this kernel, the
 * outbound SA starting after oseq, the inbound one's replay window above
 * iseq.  The hard lifetime is what is left of the pair's; the responder's
 * soft expiry keeps its late place. */
int conn_reinstall(struct ike_sa *sa, struct ike_conn *c, uint64_t oseq, uint64_t iseq)
{
	struct ike_engine *e = sa->eng;
	const struct p2_xform *xf = &c->xf;
	size_t el = p2_enc_key_len(xf), al = p2_auth_key_len(xf);
	uint64_t life = xf->life_secs ? xf->life_secs : DEFAULT_P2_LIFE;
	uint64_t age = e->now > c->installed_at ? (e->now - c->installed_at) / 1000 : 0;
	struct kernel_child kc;

	if (!c->key_in || !c->key_out || secret_len(c->key_in) != el + al ||
	    secret_len(c->key_out) != el + al)
		return -1;
	memset(&kc, 0, sizeof(kc));
	kc.conn_id = c->id;
	kc.new_conn = true;
	kc.label = sa->label[0] ? sa->label : NULL;
	kc.local = sa->path.local;
	kc.remote = sa->path.remote;
	kc.encap = natt_active(sa);
	kc.spi_in = c->spi_in;
	kc.spi_out = c->spi_out;
	kc.enc_name = p2_enc_kname(xf);
	kc.auth_name = p2_auth_kname(xf);
	kc.auth_trunc_bits = p2_auth_trunc_bits(xf);
	kc.aead_icv_bits = p2_aead_icv_bits(xf);
	kc.enc_in = secret_data(c->key_in);
	kc.auth_in = secret_data(c->key_in) + el;
	kc.enc_out = secret_data(c->key_out);
	kc.auth_out = secret_data(c->key_out) + el;
	kc.enc_len = el;
	kc.auth_len = al;
	kc.local_net = c->local;
	kc.remote_net = c->remote;
	kc_local_nets(&kc, c);
	/* At least a minute: the client rekeys in it, or DPD ends it. */
	kc.hard_secs = life > age + 60 ? life - age : 60;
	kc.soft_secs = kc.hard_secs * 19 / 20;
	if (xf->life_kb) {
		kc.hard_bytes = (uint64_t)xf->life_kb * 1024;
		kc.soft_bytes = kc.hard_bytes * 9 / 10;
	}
	kc.allow_weak = p2_xform_weak(xf);
	kc.oseq = oseq;
	kc.iseq = iseq;
	if (e->ops->child_add(e->ops_arg, &kc) < 0) {
		log_err("%s: conn %u: the kernel refused the taken-over SAs", sa->name,
			c->id);
		return -1;
	}
	c->installed = true;
	log_notice("%s: conn %u taken over: SPI in %08x out %08x, sending from "
		   "sequence number %llu, accepting above %llu", sa->name, c->id,
		   c->spi_in, c->spi_out, (unsigned long long)oseq + 1,
		   (unsigned long long)iseq);
	return 0;
}

/* ---- building -------------------------------------------------------------- */

static struct p2_params session_params(struct ike_sa *sa)
{
	struct p2_params prm = sa->peer ? sa->peer->p2 : sa->eng->ike->p2;

	prm.natt = natt_active(sa);
	prm.natt_level = sa->natt_level;
	return prm;
}

static void add_qm_id(struct isakmp_bld *b, const struct evs_prefix *p)
{
	struct isakmp_id id;
	uint8_t buf[P2_ID_BUF];

	p2_prefix_to_id(p, &id, buf);
	isakmp_add_id(b, &id);
}

static void add_lifetime_notify(struct isakmp_bld *b, const struct p2_xform *x)
{
	struct isakmp_buf a;
	uint32_t spi = htonl(x->spi);

	isakmp_buf_init(&a);
	if (x->life_secs) {
		isakmp_put_attr_tv(&a, IPSEC_ATTR_LIFE_TYPE, IKE_LIFE_SECONDS);
		isakmp_put_attr_u32(&a, IPSEC_ATTR_LIFE_DURATION, x->life_secs);
	}
	if (x->life_kb) {
		isakmp_put_attr_tv(&a, IPSEC_ATTR_LIFE_TYPE, IKE_LIFE_KILOBYTES);
		isakmp_put_attr_u32(&a, IPSEC_ATTR_LIFE_DURATION, x->life_kb);
	}
	if (!a.oom && a.len)
		isakmp_add_notify(b, ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ESP, &spi, 4,
				  ISAKMP_N_RESPONDER_LIFETIME, a.data, a.len);
	isakmp_buf_free(&a);
}

static int finish_send(struct ike_sa *sa, struct ike_xchg *x,
		       struct isakmp_bld *b, bool awaiting)
{
	int rc = -1;

	if (ike_encrypt_msg(&sa->keys, &x->iv, &b->buf) == 0)
		rc = ike_xchg_send(sa, x, &b->buf, awaiting);
	isakmp_buf_free(&b->buf);
	return rc;
}

int qm_initiate(struct ike_sa *sa, const struct evs_prefix *local,
		const struct evs_prefix *remote, struct ike_conn *conn)
{
	const struct ike_config *ike = sa->eng->ike;
	struct p2_params prm = session_params(sa);
	struct p2_set sets[8];
	size_t nsets = 0;
	struct isakmp_hdr h;
	struct isakmp_bld b;
	struct ike_xchg *x;
	struct ike_qm *qm;
	size_t hoff, rlen;
	const uint8_t *rest;
	int n;

	if (sa->peer)
		for (size_t i = 0; i < sa->peer->n_sets && nsets < 8; i++)
			if (sa->peer->set_idx[i] < ike->n_sets)
				sets[nsets++] = ike->sets[sa->peer->set_idx[i]];
	if (!nsets)
		for (size_t i = 0; i < ike->n_sets && nsets < 8; i++)
			sets[nsets++] = ike->sets[i];
	x = ike_xchg_new(sa, 0, ISAKMP_EXCH_QUICK);
	if (!x)
		return -1;
	qm = x->qm = calloc(1, sizeof(*qm));
	if (!qm)
		goto fail;
	qm->initiator = true;
	qm->conn = conn;
	n = p2_permute(sets, nsets, &prm, qm->offer,
		       sizeof(qm->offer) / sizeof(qm->offer[0]));
	if (n <= 0) {
		log_err("%s: no Phase 2 transforms to offer", sa->name);
		goto fail;
	}
	qm->n_offer = (size_t)n;
	qm->spi_in = ike_random_spi();
	qm->ni = malloc(NONCE_LEN);
	if (!qm->ni)
		goto fail;
	ike_random(qm->ni, NONCE_LEN);
	qm->ni_len = NONCE_LEN;
	if (prm.pfs_group && !(qm->dh = dh_new(prm.pfs_group)))
		goto fail;
	qm->idci = *local;
	qm->idcr = *remote;
	qm->have_ids = true;

	ike_sa_hdr(sa, &h, ISAKMP_EXCH_QUICK, x->msgid, 0);
	isakmp_bld_init(&b, &h);
	hoff = isakmp_add_hash_slot(&b, sa->keys.hash_len);
	p2_build_sa(&b, qm->offer, qm->n_offer, qm->spi_in);
	isakmp_add_raw(&b, ISAKMP_PT_NONCE, qm->ni, qm->ni_len);
	if (qm->dh) {
		size_t kl;
		const uint8_t *ke = dh_public(qm->dh, &kl);

		isakmp_add_raw(&b, ISAKMP_PT_KE, ke, kl);
	}
	add_qm_id(&b, &qm->idci);
	add_qm_id(&b, &qm->idcr);
	if (isakmp_bld_finish(&b) < 0 ||
	    !(rest = isakmp_bld_after(&b, hoff, sa->keys.hash_len, &rlen)) ||
	    ike_hash_msgid(&sa->keys, x->msgid, rest, rlen, b.buf.data + hoff) < 0) {
		isakmp_buf_free(&b.buf);
		goto fail;
	}
	if (finish_send(sa, x, &b, true) < 0)
		goto fail;
	if (conn)
		conn->rekeying = true;
	{
		char ls[64], rs[64];

		evs_prefix_str(local, ls, sizeof(ls));
		evs_prefix_str(remote, rs, sizeof(rs));
		log_info("%s: quick mode %08x: offering %d transforms for %s <-> %s%s",
			 sa->name, x->msgid, n, ls, rs, conn ? " (rekey)" : "");
	}
	qm_set_state(sa, x, QM_I_SENT);
	return 0;
fail:
	ike_xchg_free(sa, x);
	return -1;
}

static void qm_start_fresh(struct ike_sa *sa)
{
	struct evs_prefix local[EVS_SESSION_MAX_NETS], remote[EVS_SESSION_MAX_NETS];
	unsigned nl, nr;

	/* session.c decides: mode config's address or the configured local
	 * networks, split include or the configured remote networks */
	evs_session_p2_selectors(sa, local, &nl, remote, &nr);
	for (unsigned l = 0; l < nl; l++)
		for (unsigned r = 0; r < nr; r++)
			if (local[l].family == remote[r].family)	/* one family each */
				qm_initiate(sa, &local[l], &remote[r], NULL);
}

void conn_adopt(struct ike_sa *sa, struct ike_sa *old)
{
	while (old->conns) {
		struct ike_conn *c = old->conns;

		conn_move(sa, old, c);
		c->rekeying = false;
		qm_initiate(sa, &c->local, &c->remote, c);
	}
}

void qm_start_all(struct ike_sa *sa)
{
	if (!sa->initiator)
		return;
	/* A renewed Phase 1 takes over the connections of the old one.
	 * Client role: the SAs of its few configured peers. */
	for (struct ike_sa *o = sa->eng->sas; o; o = o->next)
		if (o != sa && o->state == IKE_S_READY && o->peer == sa->peer &&
		    o->conns) {
			o->replaced = true;
			conn_adopt(sa, o);
			/* Deleted once the peer has surely rekeyed the
			 * connections under the new SA (a delete now could
			 * make it drop them first). */
			o->expire_at = sa->eng->now + 10000;
			ike_sa_rearm(o);
			return;
		}
	qm_start_fresh(sa);
}

/* ---- receiving -------------------------------------------------------------- */

static int qm_refuse(struct ike_sa *sa, struct ike_xchg *x, uint16_t notify,
		     const char *why)
{
	log_notice("%s: quick mode %08x refused: %s", sa->name, x->msgid, why);
	sa->eng->stats.p2_failed++;
	if (notify)
		info_send_notify(sa, notify, ISAKMP_PROTO_ISAKMP, NULL, 0, NULL, 0);
	return -1;
}

/* IDci/IDcr of a message: none (0) or both (1); -1 malformed. */
static int take_ids(const struct isakmp_msg *m, struct evs_prefix *ci,
		    struct evs_prefix *cr)
{
	const struct isakmp_payload *a = isakmp_msg_find(m, ISAKMP_PT_ID, 0);
	const struct isakmp_payload *b = isakmp_msg_find(m, ISAKMP_PT_ID, 1);
	struct isakmp_id ida, idb;
	struct isakmp_perr err;

	if (!a && !b)
		return 0;
	if (!a || !b || isakmp_msg_find(m, ISAKMP_PT_ID, 2))
		return -1;
	if (isakmp_parse_id(a->body, a->len, &ida, &err) < 0 ||
	    isakmp_parse_id(b->body, b->len, &idb, &err) < 0 ||
	    p2_id_to_prefix(&ida, ci) < 0 || p2_id_to_prefix(&idb, cr) < 0)
		return -1;
	return 1;
}

static int take_gqm(struct ike_sa *sa, struct ike_qm *qm,
		    const struct isakmp_msg *m, const char **why)
{
	const struct isakmp_payload *ke = isakmp_msg_find(m, ISAKMP_PT_KE, 0);

	if (!qm->chosen.group) {
		if (ke) {
			*why = "KE without a PFS group";
			return -1;
		}
		return 0;
	}
	if (!ke) {
		*why = "PFS group chosen but no KE";
		return -1;
	}
	if (!qm->dh && !(qm->dh = dh_new(qm->chosen.group))) {
		*why = "unsupported PFS group";
		return -1;
	}
	if (dh_group(qm->dh) != qm->chosen.group) {
		*why = "PFS group differs from ours";
		return -1;
	}
	if (dh_shared(qm->dh, ke->body, ke->len, &qm->gqm) < 0) {
		*why = "invalid KE";
		return -1;
	}
	return 0;
}

static int take_nonce(const struct isakmp_msg *m, uint8_t **dst, size_t *len)
{
	const struct isakmp_payload *p = isakmp_msg_find(m, ISAKMP_PT_NONCE, 0);
	struct isakmp_perr err;

	if (!p || isakmp_check_nonce(p, &err) < 0)
		return -1;
	*dst = ike_memdup(p->body, p->len);
	*len = p->len;
	return *dst ? 0 : -1;
}

static int parse_sa(const struct isakmp_msg *m, struct p2_xform *out,
		    size_t max, const char **why)
{
	const struct isakmp_payload *p = isakmp_msg_find(m, ISAKMP_PT_SA, 0);
	struct isakmp_sa *isa;
	struct isakmp_perr err;
	int n;

	if (!p || isakmp_msg_count(m, ISAKMP_PT_SA) != 1) {
		*why = "not exactly one SA payload";
		return -1;
	}
	isa = malloc(sizeof(*isa));
	if (!isa) {
		*why = "out of memory";
		return -1;
	}
	n = isakmp_parse_sa(p->body, p->len, isa, &err);
	if (n == 0)
		n = p2_parse_sa(isa, out, max, &err);
	free(isa);
	if (n < 0)
		*why = err.why;
	return n;
}

static int qm_r_recv1(struct ike_sa *sa, struct ike_xchg *x,
		      const struct isakmp_msg *m)
{
	const struct ike_config *ike = sa->eng->ike;
	struct p2_params prm = session_params(sa);
	struct p2_xform *offer;
	struct p2_match match;
	struct isakmp_hdr h;
	struct isakmp_bld b;
	struct ike_qm *qm;
	const char *why = "malformed";
	size_t hoff, rlen;
	const uint8_t *rest;
	uint8_t hash[IKE_MAX_HASH];
	int n, ids;

	if (ike_verify_msgid_hash(sa, m) < 0)
		return qm_refuse(sa, x, 0, "bad HASH(1)");
	if (sa->state != IKE_S_READY)
		return qm_refuse(sa, x, 0, "Phase 2 before XAUTH/mode config finished");
	qm = x->qm = calloc(1, sizeof(*qm));
	offer = calloc(64, sizeof(*offer));
	if (!qm || !offer) {
		free(offer);
		return qm_refuse(sa, x, 0, "out of memory");
	}
	n = parse_sa(m, offer, 64, &why);
	if (n < 0) {
		free(offer);
		return qm_refuse(sa, x, ISAKMP_N_BAD_PROPOSAL_SYNTAX, why);
	}
	if (p2_select(ike->sets, ike->n_sets, &prm, offer, (size_t)n, &match) < 0) {
		free(offer);
		return qm_refuse(sa, x, ISAKMP_N_NO_PROPOSAL_CHOSEN,
				 "no transform set matches");
	}
	free(offer);
	qm->chosen = match.chosen;
	qm->responder_lifetime = match.responder_lifetime;
	if (prm.pfs_group && qm->chosen.group != prm.pfs_group)
		return qm_refuse(sa, x, ISAKMP_N_NO_PROPOSAL_CHOSEN,
				 "PFS group required");
	if (take_nonce(m, &qm->ni, &qm->ni_len) < 0)
		return qm_refuse(sa, x, ISAKMP_N_PAYLOAD_MALFORMED, "bad nonce");
	if (take_gqm(sa, qm, m, &why) < 0)
		return qm_refuse(sa, x, ISAKMP_N_INVALID_KEY_INFORMATION, why);
	ids = take_ids(m, &qm->idci, &qm->idcr);
	if (ids < 0)
		return qm_refuse(sa, x, ISAKMP_N_INVALID_ID_INFORMATION,
				 "bad IDci/IDcr");
	if (!ids) {
		host_prefix(&sa->path.remote, &qm->idci);
		host_prefix(&sa->path.local, &qm->idcr);
	}
	qm->have_ids = ids > 0;
	if (sa->have_inner || sa->have_inner6) {
		/* the assigned address of IDci's family, and only that */
		bool v6 = qm->idci.family == AF_INET6;
		const struct evs_prefix *in = v6 ? &sa->inner6 : &sa->inner;
		char s[192], c[64], a[64];

		if (!(v6 ? sa->have_inner6 : sa->have_inner) || !prefix_eq(&qm->idci, in)) {
			evs_prefix_str(&qm->idci, c, sizeof(c));
			if (v6 ? sa->have_inner6 : sa->have_inner)
				evs_prefix_str(in, a, sizeof(a));
			else
				snprintf(a, sizeof(a), "(none of %s)", v6 ? "IPv6" : "IPv4");
			snprintf(s, sizeof(s), "IDci %s is not the peer's assigned address %s",
				 c, a);
			return qm_refuse(sa, x, ISAKMP_N_INVALID_ID_INFORMATION, s);
		}
	}
	/* Easy VPN policy: e.g. the networks a network-extension client
	 * may claim (the gateway routes them to it). */
	{
		struct evs_err e = { "" };
		uint16_t notify;

		if (qm_r_bound(sa, qm, &e) < 0)
			return qm_refuse(sa, x, ISAKMP_N_INVALID_ID_INFORMATION, e.msg);
		notify = evs_session_check_ids(sa, &qm->idci, &qm->idcr, &e);

		if (notify)
			return qm_refuse(sa, x, notify, e.msg);
	}
	{
		struct evs_prefix nets[EVS_SESSION_MAX_NETS];
		char s[EVS_PREFIX_STRLEN], r[EVS_PREFIX_STRLEN + 96];

		if (!narrow_local(sa, &qm->idcr, nets)) {
			snprintf(r, sizeof(r), "IDcr %s is outside every network the "
				 "session may reach", evs_prefix_str(&qm->idcr, s, sizeof(s)));
			return qm_refuse(sa, x, ISAKMP_N_INVALID_ID_INFORMATION, r);
		}
	}
	if (!conn_find_sel(sa, &qm->idcr, &qm->idci)) {
		uint32_t max = ike->timers.conns_max ? ike->timers.conns_max : 16;
		unsigned n_conns = 0;

		for (struct ike_conn *c = sa->conns; c; c = c->next)
			n_conns++;
		if (n_conns >= max)
			return qm_refuse(sa, x, ISAKMP_N_NO_PROPOSAL_CHOSEN,
					 "Phase 2 connections per session at the limit");
	}
	qm->spi_in = ike_random_spi();
	qm->nr = malloc(NONCE_LEN);
	if (!qm->nr)
		return qm_refuse(sa, x, 0, "out of memory");
	ike_random(qm->nr, NONCE_LEN);
	qm->nr_len = NONCE_LEN;

	ike_sa_hdr(sa, &h, ISAKMP_EXCH_QUICK, x->msgid, 0);
	isakmp_bld_init(&b, &h);
	hoff = isakmp_add_hash_slot(&b, sa->keys.hash_len);
	p2_build_reply_sa(&b, &qm->chosen, qm->spi_in);
	isakmp_add_raw(&b, ISAKMP_PT_NONCE, qm->nr, qm->nr_len);
	if (qm->dh) {
		size_t kl;
		const uint8_t *ke = dh_public(qm->dh, &kl);

		isakmp_add_raw(&b, ISAKMP_PT_KE, ke, kl);
	}
	if (qm->have_ids) {
		/* Echo them as received. */
		const struct isakmp_payload *a = isakmp_msg_find(m, ISAKMP_PT_ID, 0);
		const struct isakmp_payload *c = isakmp_msg_find(m, ISAKMP_PT_ID, 1);

		isakmp_add_raw(&b, ISAKMP_PT_ID, a->body, a->len);
		isakmp_add_raw(&b, ISAKMP_PT_ID, c->body, c->len);
	}
	if (qm->responder_lifetime)
		add_lifetime_notify(&b, &qm->chosen);
	if (isakmp_bld_finish(&b) < 0 ||
	    !(rest = isakmp_bld_after(&b, hoff, sa->keys.hash_len, &rlen)) ||
	    ike_hash_qm2(&sa->keys, x->msgid, qm->ni, qm->ni_len, rest, rlen,
			 hash) < 0) {
		isakmp_buf_free(&b.buf);
		return qm_refuse(sa, x, 0, "cannot build the answer");
	}
	memcpy(b.buf.data + hoff, hash, sa->keys.hash_len);
	/* Before QM2 leaves: the initiator may send on the pair as soon as
	 * QM2 is in (a refusal below takes the pair out again, qm_release). */
	preinstall(sa, x);
	qm_set_state(sa, x, QM_R_SENT);
	if (finish_send(sa, x, &b, true) < 0)
		return qm_refuse(sa, x, 0, "cannot send");
	return 0;
}

static void take_responder_lifetime(struct ike_sa *sa, struct ike_qm *qm,
				    const struct isakmp_msg *m)
{
	const struct isakmp_payload *p;

	for (unsigned i = 0; (p = isakmp_msg_find(m, ISAKMP_PT_N, i)); i++) {
		struct isakmp_notify_pl n;
		struct isakmp_attr_iter it;
		struct isakmp_attr a;
		struct isakmp_perr err;
		int type = 0;

		if (isakmp_parse_notify(p->body, p->len, &n, &err) < 0 ||
		    n.type != ISAKMP_N_RESPONDER_LIFETIME)
			continue;
		isakmp_attr_iter_init(&it, n.data, n.data_len);
		while (isakmp_attr_next(&it, &a, &err) == 1) {
			if (a.type == IPSEC_ATTR_LIFE_TYPE) {
				type = (int)a.u;
			} else if (a.type == IPSEC_ATTR_LIFE_DURATION && a.u) {
				if (type == IKE_LIFE_SECONDS &&
				    (!qm->chosen.life_secs || a.u < qm->chosen.life_secs))
					qm->chosen.life_secs = a.u;
				if (type == IKE_LIFE_KILOBYTES &&
				    (!qm->chosen.life_kb || a.u < qm->chosen.life_kb))
					qm->chosen.life_kb = a.u;
			}
		}
		log_info("%s: responder lifetime: %us %ukB", sa->name,
			 qm->chosen.life_secs, qm->chosen.life_kb);
	}
}

static int qm_i_recv2(struct ike_sa *sa, struct ike_xchg *x,
		      const struct isakmp_msg *m)
{
	struct ike_qm *qm = x->qm;
	struct p2_xform reply[2];
	struct evs_prefix ci, cr;
	struct isakmp_hdr h;
	struct isakmp_bld b;
	const uint8_t *rest;
	uint8_t hash[IKE_MAX_HASH];
	const char *why = "malformed";
	size_t rlen;
	int n, ids;

	rest = ike_after_payload(m, &m->p[0], &rlen);
	if (m->p[0].len != sa->keys.hash_len ||
	    ike_hash_qm2(&sa->keys, x->msgid, qm->ni, qm->ni_len, rest, rlen,
			 hash) < 0 ||
	    !secret_memeq(hash, m->p[0].body, sa->keys.hash_len))
		return qm_refuse(sa, x, 0, "bad HASH(2)");
	n = parse_sa(m, reply, 2, &why);
	if (n != 1)
		return qm_refuse(sa, x, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
				 n < 0 ? why : "not exactly one transform chosen");
	if (p2_check_reply(qm->offer, qm->n_offer, &reply[0]) < 0)
		return qm_refuse(sa, x, ISAKMP_N_NO_PROPOSAL_CHOSEN,
				 "responder chose a transform we did not offer");
	qm->chosen = reply[0];
	if (take_nonce(m, &qm->nr, &qm->nr_len) < 0)
		return qm_refuse(sa, x, ISAKMP_N_PAYLOAD_MALFORMED, "bad nonce");
	if (take_gqm(sa, qm, m, &why) < 0)
		return qm_refuse(sa, x, ISAKMP_N_INVALID_KEY_INFORMATION, why);
	ids = take_ids(m, &ci, &cr);
	if (ids < 0 || (ids && (!prefix_eq(&ci, &qm->idci) ||
				!prefix_eq(&cr, &qm->idcr))))
		return qm_refuse(sa, x, ISAKMP_N_INVALID_ID_INFORMATION,
				 "IDs in the answer differ from ours");
	take_responder_lifetime(sa, qm, m);

	ike_sa_hdr(sa, &h, ISAKMP_EXCH_QUICK, x->msgid, 0);
	isakmp_bld_init(&b, &h);
	if (ike_hash_qm3(&sa->keys, x->msgid, qm->ni, qm->ni_len, qm->nr,
			 qm->nr_len, hash) < 0) {
		isakmp_buf_free(&b.buf);
		return qm_refuse(sa, x, 0, "cannot compute HASH(3)");
	}
	isakmp_add_raw(&b, ISAKMP_PT_HASH, hash, sa->keys.hash_len);
	if (isakmp_bld_finish(&b) < 0) {
		isakmp_buf_free(&b.buf);
		return qm_refuse(sa, x, 0, "out of memory");
	}
	qm_set_state(sa, x, QM_DONE);
	/* Install before sending QM3: our inbound SA must exist by the time
	 * the responder (keyed by QM3) sends on it. */
	if (install(sa, x) < 0) {
		isakmp_buf_free(&b.buf);
		return -1;
	}
	finish_send(sa, x, &b, false);
	return 0;
}

static int qm_r_recv3(struct ike_sa *sa, struct ike_xchg *x,
		      const struct isakmp_msg *m)
{
	struct ike_qm *qm = x->qm;
	uint8_t hash[IKE_MAX_HASH];

	if (m->n != 1 || m->p[0].len != sa->keys.hash_len ||
	    ike_hash_qm3(&sa->keys, x->msgid, qm->ni, qm->ni_len, qm->nr,
			 qm->nr_len, hash) < 0 ||
	    !secret_memeq(hash, m->p[0].body, sa->keys.hash_len))
		return qm_refuse(sa, x, 0, "bad HASH(3)");
	x->rx.awaiting = false;
	qm_set_state(sa, x, QM_DONE);
	return install(sa, x);
}

int qm_input(struct ike_sa *sa, struct ike_xchg *x, const struct isakmp_msg *m)
{
	int rc;

	if (!x->qm) {
		rc = qm_r_recv1(sa, x, m);
		if (rc < 0)
			qm_release(sa, x);
		return rc;
	}
	switch (x->qm->state) {
	case QM_I_SENT:
		rc = qm_i_recv2(sa, x, m);
		if (rc == 0)
			x->rx.awaiting = false;
		return rc;
	case QM_R_SENT:
		return qm_r_recv3(sa, x, m);
	default:
		log_debug("%s: quick mode %08x: message in state %s ignored",
			  sa->name, x->msgid, qm_state_name(x->qm->state));
		return -1;
	}
}
