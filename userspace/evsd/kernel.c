// SPDX-License-Identifier: MIT
/*
 * kernel: conn/SA/policy requests and events over generic netlink.
 * See kernel.h.
 */
#include "evsd/kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/evs.h>

#include "lib/daemon_log.h"
#include "lib/msg.h"
#include "lib/nl.h"

#define REPLAY_WINDOW 128

struct kernel {
	struct evs_nl *req;
	struct evs_nl *ev;
	char ifname[IF_NAMESIZE];
	uint32_t ifindex;
	uint8_t buf[EVS_NL_BUFSZ];
};

static void set_dev(const struct kernel *k, struct evs_msg_dev *dev)
{
	memset(dev, 0, sizeof(*dev));
	dev->ifindex = k->ifindex;
}

struct kernel *kernel_open(const char *ifname, struct evs_err *err)
{
	struct kernel *k = calloc(1, sizeof(*k));
	struct evs_nl_err e;

	if (!k) {
		evs_errf(err, "out of memory");
		return NULL;
	}
	snprintf(k->ifname, sizeof(k->ifname), "%s", ifname);
	k->ifindex = if_nametoindex(ifname);
	if (!k->ifindex) {
		evs_errf(err, "evs device %s: %s (create it: ip link add %s type evs)",
			 ifname, strerror(errno), ifname);
		free(k);
		return NULL;
	}
	if (evs_nl_open(&k->req, EVS_GENL_NAME, NULL, &e) < 0 ||
	    evs_nl_open(&k->ev, EVS_GENL_NAME, EVS_GENL_MCGRP_EVENTS, &e) < 0 ||
	    evs_nl_subscribe(k->ev, &e) < 0) {
		evs_errf(err, "evs netlink: %s", e.msg);
		kernel_close(k);
		return NULL;
	}
	fcntl(evs_nl_fd(k->ev), F_SETFL,
	      fcntl(evs_nl_fd(k->ev), F_GETFL) | O_NONBLOCK);
	return k;
}

void kernel_close(struct kernel *k)
{
	if (!k)
		return;
	if (k->req)
		evs_nl_close(k->req);
	if (k->ev)
		evs_nl_close(k->ev);
	explicit_bzero(k->buf, sizeof(k->buf));
	free(k);
}

int kernel_event_fd(const struct kernel *k)
{
	return evs_nl_fd(k->ev);
}

static struct nlmsghdr *start(struct kernel *k, uint8_t cmd)
{
	memset(k->buf, 0, sizeof(k->buf));
	return evs_nl_msg_start(k->buf, evs_nl_family(k->req), cmd,
				EVS_GENL_VERSION, 0);
}

/* Send; log failures (with the kernel's extack text) unless quiet_errno. */
static int request(struct kernel *k, struct nlmsghdr *nlh, const char *what,
		   int quiet_errno)
{
	struct evs_nl_err e;
	int rc = evs_nl_request(k->req, nlh, NULL, NULL, &e);

	/* Requests may have carried keys. */
	explicit_bzero(k->buf, sizeof(k->buf));
	if (rc < 0 && e.err != quiet_errno)
		log_err("kernel: %s: %s", what, e.msg[0] ? e.msg : strerror(e.err));
	if (rc < 0)
		errno = e.err;
	return rc < 0 ? -e.err : 0;
}

int kernel_encap_attach(struct kernel *k, int fd)
{
	struct nlmsghdr *nlh = start(k, EVS_CMD_ENCAP_ATTACH);

	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, k->ifindex);
	mnl_attr_put_u32(nlh, EVS_A_ENCAP_FD, (uint32_t)fd);
	return request(k, nlh, "attach the UDP/4500 socket", 0);
}

int kernel_encap_detach(struct kernel *k, int fd)
{
	struct nlmsghdr *nlh = start(k, EVS_CMD_ENCAP_DETACH);

	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, k->ifindex);
	mnl_attr_put_u32(nlh, EVS_A_ENCAP_FD, (uint32_t)fd);
	return request(k, nlh, "detach the UDP/4500 socket", ENOENT);
}

int kernel_encap_release(struct kernel *k)
{
	struct nlmsghdr *nlh = start(k, EVS_CMD_ENCAP_DETACH);

	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, k->ifindex);
	mnl_attr_put(nlh, EVS_A_ENCAP_STANDIN, 0, NULL);
	return request(k, nlh, "take UDP/4500 back from the module", ENOENT);
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evs_link_info link;

	if (evs_msg_parse_link(nlh, &link) || !link.has_stats)
		return MNL_CB_ERROR;
	*(struct evs_counters *)data = link.stats;
	return MNL_CB_OK;
}

int kernel_link_stats(struct kernel *k, struct evs_counters *c, struct evs_err *err)
{
	struct nlmsghdr *nlh = start(k, EVS_CMD_LINK_GET);
	struct evs_nl_err e;

	memset(c, 0, sizeof(*c));
	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, k->ifindex);
	if (evs_nl_request(k->req, nlh, link_cb, c, &e) < 0)
		return evs_errf(err, "%s counters: %s", k->ifname,
				e.msg[0] ? e.msg : strerror(e.err));
	if (!c->has)
		return evs_errf(err, "%s counters: the kernel sent none", k->ifname);
	return 0;
}

static void to_inaddr(const struct sockaddr_storage *ss, struct evs_inaddr *a,
		      uint16_t *port)
{
	const uint8_t *p;
	size_t n = ike_sa_addr((const struct sockaddr *)ss, &p, port);

	memset(a, 0, sizeof(*a));
	a->family = n == 16 ? AF_INET6 : AF_INET;
	a->plen = (uint8_t)(n * 8);
	memcpy(a->a, p, n);
}

static void prefix_inaddr(const struct evs_prefix *p, struct evs_inaddr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = p->family == AF_INET6 ? AF_INET6 : AF_INET;
	a->plen = p->plen;
	memcpy(a->a, p->addr, a->family == AF_INET6 ? 16 : 4);
}

static void sa_aead(struct evs_sa_info *sa, const struct kernel_child *c, bool in)
{
	snprintf(sa->aead_name, sizeof(sa->aead_name), "%s", c->enc_name);
	memcpy(sa->aead_key, in ? c->enc_in : c->enc_out, c->enc_len);
	sa->aead_key_len = (uint16_t)c->enc_len;
	sa->aead_icv_bits = c->aead_icv_bits;
	EVS_SET(sa, EVS_SA_A_AEAD_NAME);
	EVS_SET(sa, EVS_SA_A_AEAD_KEY);
	EVS_SET(sa, EVS_SA_A_AEAD_ICV_BITS);
}

static void sa_enc_auth(struct evs_sa_info *sa, const struct kernel_child *c,
			bool in)
{
	snprintf(sa->enc_name, sizeof(sa->enc_name), "%s", c->enc_name);
	memcpy(sa->enc_key, in ? c->enc_in : c->enc_out, c->enc_len);
	sa->enc_key_len = (uint16_t)c->enc_len;
	snprintf(sa->auth_name, sizeof(sa->auth_name), "%s", c->auth_name);
	memcpy(sa->auth_key, in ? c->auth_in : c->auth_out, c->auth_len);
	sa->auth_key_len = (uint16_t)c->auth_len;
	sa->auth_trunc_bits = c->auth_trunc_bits;
	EVS_SET(sa, EVS_SA_A_ENC_NAME);
	EVS_SET(sa, EVS_SA_A_ENC_KEY);
	EVS_SET(sa, EVS_SA_A_AUTH_NAME);
	EVS_SET(sa, EVS_SA_A_AUTH_KEY);
	if (c->auth_trunc_bits)
		EVS_SET(sa, EVS_SA_A_AUTH_TRUNC_BITS);
}

/* One SA of c as an item of the batch being built in nlh. */
static void sa_item(struct nlmsghdr *nlh, const struct kernel_child *c, bool in)
{
	struct evs_sa_info sa;
	uint16_t lport, rport;
	struct evs_inaddr l, r;

	memset(&sa, 0, sizeof(sa));
	to_inaddr(&c->local, &l, &lport);
	to_inaddr(&c->remote, &r, &rport);
	sa.dir = in ? EVS_DIR_IN : EVS_DIR_OUT;
	sa.spi = in ? c->spi_in : c->spi_out;
	sa.src = in ? r : l;
	sa.dst = in ? l : r;
	EVS_SET(&sa, EVS_SA_A_DIR);
	EVS_SET(&sa, EVS_SA_A_SPI);
	EVS_SET(&sa, EVS_SA_A_SRC);
	EVS_SET(&sa, EVS_SA_A_DST);
	if (c->aead_icv_bits)
		sa_aead(&sa, c, in);
	else
		sa_enc_auth(&sa, c, in);
	if (c->encap) {
		sa.encap_type = EVS_ENCAP_ESPINUDP;
		/* Ports as the sender of the packets sees them. */
		sa.encap_sport = in ? rport : lport;
		sa.encap_dport = in ? lport : rport;
		EVS_SET(&sa, EVS_SA_A_ENCAP_TYPE);
		EVS_SET(&sa, EVS_SA_A_ENCAP_SPORT);
		EVS_SET(&sa, EVS_SA_A_ENCAP_DPORT);
	}
	if (in) {
		sa.replay_window = REPLAY_WINDOW;
		EVS_SET(&sa, EVS_SA_A_REPLAY_WINDOW);
	}
	if (c->allow_weak) {
		sa.flags = EVS_SA_F_ALLOW_WEAK;
		EVS_SET(&sa, EVS_SA_A_FLAGS);
	}
	if (!in && c->oseq) {
		sa.oseq = c->oseq;
		EVS_SET(&sa, EVS_SA_A_OSEQ);
	}
	if (in && c->iseq) {
		sa.seq_hi = c->iseq;
		EVS_SET(&sa, EVS_SA_A_SEQ_HI);
	}
	sa.limits.v[EVS_LFT_A_TIME_SOFT] = c->soft_secs;
	sa.limits.has |= 1ULL << EVS_LFT_A_TIME_SOFT;
	sa.limits.v[EVS_LFT_A_TIME_HARD] = c->hard_secs;
	sa.limits.has |= 1ULL << EVS_LFT_A_TIME_HARD;
	if (c->hard_bytes) {
		sa.limits.v[EVS_LFT_A_BYTES_SOFT] = c->soft_bytes;
		sa.limits.v[EVS_LFT_A_BYTES_HARD] = c->hard_bytes;
		sa.limits.has |= 1ULL << EVS_LFT_A_BYTES_SOFT |
				 1ULL << EVS_LFT_A_BYTES_HARD;
	}
	EVS_SET(&sa, EVS_SA_A_LIMITS);
	sa.conn_id = c->conn_id;
	EVS_SET(&sa, EVS_SA_A_CONN_ID);
	evs_msg_put_sa(nlh, &sa);
	evs_sa_info_wipe(&sa);
}

static int sa_del(struct kernel *k, uint8_t dir, uint32_t spi)
{
	struct evs_sa_info sa;
	struct nlmsghdr *nlh = start(k, EVS_CMD_SA_DEL);

	memset(&sa, 0, sizeof(sa));
	set_dev(k, &sa.dev);
	sa.dir = dir;
	sa.spi = spi;
	EVS_SET(&sa, EVS_SA_A_DIR);
	EVS_SET(&sa, EVS_SA_A_SPI);
	evs_msg_put_sa(nlh, &sa);
	return request(k, nlh, "delete SA", ENOENT);
}

/* One policy of c, as an item of the batch being built in nlh. */
static void policy_item(struct nlmsghdr *nlh, const struct kernel_child *c,
			const struct evs_prefix *local, bool in)
{
	struct evs_policy_info p;

	memset(&p, 0, sizeof(p));
	p.dir = in ? EVS_DIR_IN : EVS_DIR_OUT;
	prefix_inaddr(in ? &c->remote_net : local, &p.src);
	prefix_inaddr(in ? local : &c->remote_net, &p.dst);
	p.action = EVS_POL_IPSEC;
	p.spi = in ? c->spi_in : c->spi_out;
	p.conn_id = c->conn_id;
	EVS_SET(&p, EVS_POL_A_DIR);
	EVS_SET(&p, EVS_POL_A_SRC);
	EVS_SET(&p, EVS_POL_A_DST);
	EVS_SET(&p, EVS_POL_A_ACTION);
	EVS_SET(&p, EVS_POL_A_SPI);
	EVS_SET(&p, EVS_POL_A_CONN_ID);
	evs_msg_put_policy(nlh, &p);
}

/* One policy for the connection's local selector, or one per network it
 * was narrowed to (a split-tunnel client: packets from it to anything
 * else find no inbound policy and are dropped as drop_policy). */
static void policy_items(struct nlmsghdr *nlh, const struct kernel_child *c, bool in)
{
	if (!c->n_local_nets) {
		policy_item(nlh, c, &c->local_net, in);
		return;
	}
	for (unsigned i = 0; i < c->n_local_nets; i++)
		policy_item(nlh, c, &c->local_nets[i], in);
}

/* What a child adds goes to the kernel in one EVS_CMD_BATCH_ADD request:
 * one round trip per quick mode, not one per object.  The items run in
 * order and stop at the first failure.  replace: each policy takes the
 * place of the one with its selector in one step (a rekey moves them so:
 * no packet meets the moment between a delete and an add). */
static struct nlmsghdr *batch_start(struct kernel *k, bool replace, struct nlattr **items)
{
	struct nlmsghdr *nlh = start(k, EVS_CMD_BATCH_ADD);

	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, k->ifindex);
	if (replace)
		mnl_attr_put(nlh, EVS_A_REPLACE, 0, NULL);
	*items = mnl_attr_nest_start(nlh, EVS_A_BATCH);
	return nlh;
}

static void conn_item(struct nlmsghdr *nlh, const struct kernel_child *c)
{
	struct evs_conn_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.id = c->conn_id;
	EVS_SET(&ci, EVS_CONN_A_ID);
	if (c->label) {
		snprintf(ci.label, sizeof(ci.label), "%s", c->label);
		EVS_SET(&ci, EVS_CONN_A_LABEL);
	}
	evs_msg_put_conn(nlh, &ci);
}

int kernel_child_add(void *arg, const struct kernel_child *c)
{
	struct kernel *k = arg;
	struct nlattr *items;
	struct nlmsghdr *nlh = batch_start(k, !c->new_conn, &items);
	char what[64];

	if (c->new_conn)
		conn_item(nlh, c);
	/* Inbound first: the peer may start sending as soon as it has its
	 * outbound SA. */
	if (!c->policies_only) {
		sa_item(nlh, c, true);
		sa_item(nlh, c, false);
	}
	/* A rekey's policies point at the new pair (the old pair stays
	 * until deleted; the inbound check accepts any SA of the
	 * connection meanwhile); the initiator's outbound ones may wait
	 * (defer_out, then out_policy). */
	if (!c->sas_only) {
		if (c->new_conn || !c->defer_out)
			policy_items(nlh, c, false);
		policy_items(nlh, c, true);
	}
	mnl_attr_nest_end(nlh, items);
	snprintf(what, sizeof(what), "add SAs %08x/%08x of conn %u", c->spi_in,
		 c->spi_out, c->conn_id);
	if (request(k, nlh, what, 0) == 0)
		return 0;
	if (c->new_conn)
		kernel_conn_del(k, c->conn_id);
	else if (!c->policies_only)
		kernel_child_del_sas(k, c->conn_id, c->spi_in, c->spi_out);
	return -1;
}

int kernel_out_policy(void *arg, const struct kernel_child *c)
{
	struct kernel *k = arg;
	struct nlattr *items;
	struct nlmsghdr *nlh = batch_start(k, true, &items);

	policy_items(nlh, c, false);
	mnl_attr_nest_end(nlh, items);
	return request(k, nlh, "move the outbound policies", 0);
}

int kernel_child_del_sas(void *arg, uint32_t conn_id, uint32_t spi_in,
			 uint32_t spi_out)
{
	struct kernel *k = arg;
	int rc = 0;

	(void)conn_id;
	if (spi_in && sa_del(k, EVS_DIR_IN, spi_in) < 0)
		rc = -1;
	if (spi_out && sa_del(k, EVS_DIR_OUT, spi_out) < 0)
		rc = -1;
	return rc;
}

int kernel_conn_del(void *arg, uint32_t conn_id)
{
	struct kernel *k = arg;
	struct evs_conn_info ci;
	struct nlmsghdr *nlh = start(k, EVS_CMD_CONN_DEL);

	memset(&ci, 0, sizeof(ci));
	ci.id = conn_id;
	EVS_SET(&ci, EVS_CONN_A_ID);
	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, k->ifindex);
	evs_msg_put_conn(nlh, &ci);
	return request(k, nlh, "delete connection", ENOENT);
}

/* ---- leftovers of an earlier evsd ---------------------------------------- */

struct leftovers {
	uint32_t *ids;
	size_t n, cap;
	int err;
};

static int leftover_sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct leftovers *l = data;
	struct evs_sa_info sa;
	uint32_t id;

	memset(&sa, 0, sizeof(sa));
	if (evs_msg_parse_sa(nlh, &sa))
		return MNL_CB_OK;
	id = EVS_HAS(&sa, EVS_SA_A_CONN_ID) ? sa.conn_id : 0;
	evs_sa_info_wipe(&sa);		/* the dump carries the keys */
	if (!id)
		return MNL_CB_OK;
	for (size_t i = 0; i < l->n; i++)
		if (l->ids[i] == id)
			return MNL_CB_OK;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		uint32_t *ids = realloc(l->ids, cap * sizeof(*ids));

		if (!ids) {
			l->err = ENOMEM;
			return MNL_CB_STOP;
		}
		l->ids = ids;
		l->cap = cap;
	}
	l->ids[l->n++] = id;
	return MNL_CB_OK;
}

static int conn_info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evs_conn_info *ci = data;

	if (evs_msg_parse_conn(nlh, ci))
		memset(ci, 0, sizeof(*ci));
	return MNL_CB_OK;
}

/* One dump of the device's SAs, each to cb. */
static int sa_dump(struct kernel *k, evs_nl_cb cb, void *data, struct evs_nl_err *e)
{
	struct nlmsghdr *nlh;
	int rc;

	nlh = evs_nl_msg_start(k->buf, evs_nl_family(k->req), EVS_CMD_SA_GET,
			       EVS_GENL_VERSION, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, k->ifindex);
	rc = evs_nl_request(k->req, nlh, cb, data, e);
	explicit_bzero(k->buf, sizeof(k->buf));
	return rc;
}

int kernel_conn_ids(struct kernel *k, uint32_t **ids, size_t *n,
		    struct evs_err *err)
{
	struct leftovers l = { 0 };
	struct evs_nl_err e;
	int rc;

	rc = sa_dump(k, leftover_sa_cb, &l, &e);
	if (rc < 0 || l.err) {
		evs_errf(err, "kernel: list the SAs of %s: %s", k->ifname,
			 l.err ? strerror(l.err) : e.msg[0] ? e.msg : strerror(e.err));
		free(l.ids);
		return -1;
	}
	*ids = l.ids;
	*n = l.n;
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int kernel_remove_leftovers(struct kernel *k, uint32_t *keep, size_t n_keep,
			    struct kernel_leftovers *out, struct evs_err *err)
{
	struct leftovers l = { 0 };
	struct evs_nl_err e;
	struct nlmsghdr *nlh;

	memset(out, 0, sizeof(*out));
	if (kernel_conn_ids(k, &l.ids, &l.n, err) < 0)
		return -1;
	if (n_keep)
		qsort(keep, n_keep, sizeof(*keep), id_cmp);
	for (size_t i = 0; i < l.n; i++) {
		struct evs_conn_info ci;

		/* An adopted session's connection stays. */
		if (n_keep && bsearch(&l.ids[i], keep, n_keep, sizeof(*keep), id_cmp))
			continue;

		memset(&ci, 0, sizeof(ci));
		ci.id = l.ids[i];
		EVS_SET(&ci, EVS_CONN_A_ID);
		nlh = start(k, EVS_CMD_CONN_GET);
		evs_msg_put_conn(nlh, &ci);
		/* What it owns, for the log; gone meanwhile (expired): skip. */
		if (evs_nl_request(k->req, nlh, conn_info_cb, &ci, &e) < 0 &&
		    e.err == ENOENT)
			continue;
		if (kernel_conn_del(k, l.ids[i]) < 0)
			continue;
		out->conns++;
		out->sas += ci.n_sa;
		out->policies += ci.n_policy;
		out->routes += ci.n_route;
		out->parps += ci.n_proxy_arp;
	}
	free(l.ids);
	return 0;
}

/* ---- events -------------------------------------------------------------- */

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ike_engine *e = data;
	struct evs_event ev;

	memset(&ev, 0, sizeof(ev));
	if (evs_msg_parse_event(nlh, &ev) < 0) {
		log_debug("kernel: undecodable event ignored");
		return MNL_CB_OK;
	}
	switch (ev.cmd) {
	case EVS_CMD_EV_EXPIRE:
		log_info("kernel: %s expiry of %s SA %08x", ev.hard ? "hard" : "soft",
			 evs_dir_name(ev.sa.dir), ev.sa.spi);
		ike_engine_sa_expired(e, ev.sa.spi, ev.sa.dir, ev.hard);
		break;
	case EVS_CMD_EV_CONN_DELETED:
		ike_engine_conn_gone(e, ev.conn.id);
		break;
	case EVS_CMD_EV_NAT_MAPPING:
		log_info("kernel: NAT mapping of SA %08x changed", ev.sa.spi);
		break;
	default:
		break;
	}
	evs_sa_info_wipe(&ev.sa);
	return MNL_CB_OK;
}

void kernel_events(struct kernel *k, struct ike_engine *e)
{
	struct evs_nl_err err;

	for (int i = 0; i < 64; i++) {
		if (evs_nl_recv_events(k->ev, event_cb, e, &err) < 0) {
			if (err.err == EAGAIN || err.err == EWOULDBLOCK)
				return;
			if (err.err == ENOBUFS) {
				log_warn("kernel: events lost (socket overrun)");
				continue;
			}
			log_err("kernel: events: %s", err.msg);
			return;
		}
	}
}

struct seq_dump {
	kernel_seq_fn fn;
	void *arg;
};

static int seq_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seq_dump *d = data;
	struct evs_sa_info sa;
	bool in;

	memset(&sa, 0, sizeof(sa));
	if (!evs_msg_parse_sa(nlh, &sa) && EVS_HAS(&sa, EVS_SA_A_CONN_ID) && sa.conn_id) {
		in = sa.dir == EVS_DIR_IN;
		if (EVS_HAS(&sa, in ? EVS_SA_A_SEQ_HI : EVS_SA_A_OSEQ))
			d->fn(sa.conn_id, sa.spi, in, in ? sa.seq_hi : sa.oseq, d->arg);
	}
	evs_sa_info_wipe(&sa);
	return MNL_CB_OK;
}

int kernel_sa_seqs(struct kernel *k, kernel_seq_fn fn, void *arg)
{
	struct seq_dump d = { fn, arg };
	struct evs_nl_err e;

	return sa_dump(k, seq_cb, &d, &e) < 0 ? -1 : 0;
}
