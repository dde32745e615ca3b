/* SPDX-License-Identifier: MIT */
/*
 * Two IKE engines in one process, for tests and fuzzing: a fake network
 * (per-side send queues, delivery with an optional NAT between the two),
 * a fake kernel that records the children it is given, a fake clock.
 * The caller makes the engines (ike_engine_new(cfg, role, &fake_ops,
 * side)) and drives them with deliver(), pump() and tick().  Header-only
 * (static functions): include it in one file of a program.
 */
#ifndef EVS_TESTS_IKE_PAIR_H
#define EVS_TESTS_IKE_PAIR_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/ike_conf.h"
#include "ike/engine/ikesa.h"
#include "lib/secret.h"

struct pkt {
	struct ike_path path;		/* as the sender saw it */
	uint8_t *buf;
	size_t len;
};

#define QMAX 64
#define KMAX 32

struct kchild {
	struct kernel_child c;
	uint8_t enc_in[64], auth_in[64], enc_out[64], auth_out[64];
};

struct side {
	const char *name;
	struct ike_conf cfg;
	struct ike_engine *e;
	struct pkt q[QMAX];
	unsigned nq;
	unsigned sent;
	int drop_next;			/* drop this many outgoing */
	uint8_t drop_exch;		/* drop every outgoing one of this
					 * exchange type (0: none) */
	struct kchild kadd[KMAX];
	unsigned n_kadd;
	unsigned kadd_at_send;		/* n_kadd when it last sent */
	uint32_t kdel[KMAX];
	unsigned n_kdel;
	unsigned n_kdel_sas;
	uint32_t kdel_sas_in;		/* the inbound SPI of the last */
	unsigned keepalives;
	uint32_t out_switched;
	char *path;
};

static inline int f_send(void *arg, const struct ike_path *p, const uint8_t *buf,
		  size_t len)
{
	struct side *s = arg;

	s->sent++;
	s->kadd_at_send = s->n_kadd;
	if (s->drop_next > 0) {
		s->drop_next--;
		return 0;
	}
	if (s->drop_exch && len > 18 && buf[18] == s->drop_exch)
		return 0;
	if (s->nq >= QMAX)
		return -1;
	s->q[s->nq].path = *p;
	s->q[s->nq].buf = malloc(len);
	memcpy(s->q[s->nq].buf, buf, len);
	s->q[s->nq].len = len;
	s->nq++;
	return 0;
}

/* A pair added alone (sas_only) stays one record; moving the policies
 * to it (policies_only) completes that record, and fails, as the kernel
 * would, when no such pair was added. */
static inline int f_policies_to(struct side *s, const struct kernel_child *c)
{
	for (unsigned i = s->n_kadd; i-- > 0;)
		if (s->kadd[i].c.sas_only && s->kadd[i].c.conn_id == c->conn_id &&
		    s->kadd[i].c.spi_in == c->spi_in && s->kadd[i].c.spi_out == c->spi_out) {
			s->kadd[i].c.sas_only = false;
			s->kadd[i].c.policies_only = true;
			return 0;
		}
	return -1;
}

static inline int f_child_add(void *arg, const struct kernel_child *c)
{
	struct side *s = arg;
	struct kchild *k;

	if (c->policies_only)
		return f_policies_to(s, c);
	if (s->n_kadd >= KMAX)
		return -1;
	k = &s->kadd[s->n_kadd++];
	k->c = *c;
	memcpy(k->enc_in, c->enc_in, c->enc_len);
	memcpy(k->enc_out, c->enc_out, c->enc_len);
	memcpy(k->auth_in, c->auth_in, c->auth_len);
	memcpy(k->auth_out, c->auth_out, c->auth_len);
	return 0;
}

static inline int f_child_del_sas(void *arg, uint32_t conn, uint32_t in, uint32_t out)
{
	struct side *s = arg;

	(void)conn;
	(void)out;
	s->n_kdel_sas++;
	s->kdel_sas_in = in;
	return 0;
}

static inline int f_conn_del(void *arg, uint32_t conn)
{
	struct side *s = arg;

	if (s->n_kdel < KMAX)
		s->kdel[s->n_kdel++] = conn;
	return 0;
}

static inline int f_keepalive(void *arg, const struct ike_path *p)
{
	struct side *s = arg;

	(void)p;
	s->keepalives++;
	return 0;
}

static inline int f_out_policy(void *arg, const struct kernel_child *c)
{
	struct side *s = arg;

	s->out_switched = c->spi_out;
	return 0;
}

/* The fake network and kernel, for ops tables that add their own hooks. */
#define FAKE_NET_AND_KERNEL_OPS						\
	.out_policy = f_out_policy,					\
	.send = f_send,							\
	.child_add = f_child_add,					\
	.child_del_sas = f_child_del_sas,				\
	.conn_del = f_conn_del,						\
	.keepalive = f_keepalive

static const struct ike_engine_ops fake_ops = { FAKE_NET_AND_KERNEL_OPS };

static uint64_t now_ms = 1000000;

/* NAT between the two: the client's nat_inside:P (10.1.1.2) appears as
 * nat_outside:(P+30000) (198.51.100.77) to the server; a test may set
 * IPv6 ones (NAT66). */
static bool nat_on;
static const char *nat_inside = "10.1.1.2", *nat_outside = "198.51.100.77";

/* An IPv4 or IPv6 address (by its text) and port. */
static inline void set_addr(struct sockaddr_storage *ss, const char *a, uint16_t port)
{
	struct sockaddr_in *s = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(a, ':')) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, a, &s6->sin6_addr);
		return;
	}
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	inet_pton(AF_INET, a, &s->sin_addr);
}

static inline uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* When set, every delivered datagram is also copied here. */
static struct pkt *recorder;
static unsigned n_recorded, max_recorded;

static inline void deliver(struct side *from, struct side *to, unsigned i)
{
	struct pkt *p = &from->q[i];
	struct ike_path rp;

	if (recorder && n_recorded < max_recorded) {
		recorder[n_recorded] = *p;
		recorder[n_recorded].buf = malloc(p->len);
		memcpy(recorder[n_recorded].buf, p->buf, p->len);
		n_recorded++;
	}

	rp.local = p->path.remote;
	rp.remote = p->path.local;
	rp.natt = p->path.natt;
	if (nat_on) {
		if (!strcmp(from->name, "client"))
			set_addr(&rp.remote, nat_outside,
				 (uint16_t)(port_of(&p->path.local) + 30000));
		else
			set_addr(&rp.local, nat_inside,
				 (uint16_t)(port_of(&p->path.remote) - 30000));
	}
	ike_engine_set_time(to->e, now_ms);
	ike_engine_input(to->e, &rp, p->buf, p->len);
}

static inline void flush_q(struct side *s)
{
	for (unsigned i = 0; i < s->nq; i++)
		free(s->q[i].buf);
	s->nq = 0;
}

/* Deliver everything both ways until quiet. */
static inline void pump(struct side *a, struct side *b)
{
	for (int round = 0; round < 50 && (a->nq || b->nq); round++) {
		struct side *sides[2] = { a, b };

		for (int k = 0; k < 2; k++) {
			struct side *from = sides[k], *to = sides[!k];
			struct pkt q[QMAX];
			unsigned n = from->nq;

			memcpy(q, from->q, sizeof(q[0]) * n);
			from->nq = 0;
			for (unsigned i = 0; i < n; i++) {
				struct side tmp = { .name = from->name };

				tmp.q[0] = q[i];
				tmp.nq = 1;
				deliver(&tmp, to, 0);
				free(q[i].buf);
			}
		}
	}
}

#ifdef UNIT_FAIL	/* unit tests (tests/unit/unit.h), not the fuzzer */
/* A side of the pair: its configuration from text, its engine (role),
 * hooks() registering its steps; side_close() undoes it. */
static inline void side_open(struct side *s, const char *name, const char *conf,
			     enum evs_role role, void (*hooks)(struct ike_engine *))
{
	struct evs_err err;

	memset(s, 0, sizeof(*s));
	s->name = name;
	s->path = unit_tmpfile(conf);
	if (ike_conf_load(s->path, &s->cfg, &err) < 0)
		UNIT_FAIL("%s config: %s", name, err.msg);
	s->e = ike_engine_new(&s->cfg.ike, role, &fake_ops, s);
	UNIT_ASSERT(s->e);
	hooks(s->e);
	ike_engine_set_time(s->e, now_ms);
}

static inline void side_close(struct side *s)
{
	ike_engine_free(s->e);
	flush_q(s);
	ike_conf_free(&s->cfg);
	unlink(s->path);
	free(s->path);
}

/* Both ends of a test's pair. */
static inline void pair_close(struct side *a, struct side *b)
{
	side_close(a);
	side_close(b);
}
#endif

static inline void tick(struct side *a, struct side *b, uint64_t advance_ms)
{
	now_ms += advance_ms;
	ike_engine_set_time(a->e, now_ms);
	ike_engine_set_time(b->e, now_ms);
	ike_engine_tick(a->e);
	ike_engine_tick(b->e);
}

/* The one live SA of a side (NULL when none or several). */
static inline struct ike_sa *only_sa(struct side *s)
{
	struct ike_sa *found = NULL;

	for (struct ike_sa *sa = s->e->sas; sa; sa = sa->next)
		if (sa->state != IKE_S_DEAD) {
			if (found)
				return NULL;
			found = sa;
		}
	return found;
}

#ifdef UNIT_FAIL
/* Runs the exchanges until quiet; each side then holds one SA: the
 * client's in *c, the server's in *s. */
static inline void pump_pair(struct side *cli, struct side *srv, struct ike_sa **c,
			     struct ike_sa **s)
{
	pump(cli, srv);
	*c = only_sa(cli);
	*s = only_sa(srv);
	UNIT_ASSERT(*c && *s);
}

/* The same, both SAs established. */
static inline void pump_to_ready(struct side *cli, struct side *srv, struct ike_sa **c,
				 struct ike_sa **s)
{
	pump_pair(cli, srv, c, s);
	UNIT_ASSERT_EQ_INT((*c)->state, IKE_S_READY);
	UNIT_ASSERT_EQ_INT((*s)->state, IKE_S_READY);
}

/* NAT-T with the client behind the NAT (nat_on): both ends float to
 * 4500, the server follows the NAT's mapping (its port + 30000), the one
 * child is encapsulated. */
static inline void assert_natt_behind_nat(const struct side *cli, const struct side *srv,
					  const struct ike_sa *c, const struct ike_sa *s)
{
	UNIT_ASSERT(c->nat_local && !c->nat_remote);
	UNIT_ASSERT(s->nat_remote && !s->nat_local);
	UNIT_ASSERT(c->path.natt && s->path.natt);
	UNIT_ASSERT_EQ_INT(port_of(&c->path.remote), 4500);
	UNIT_ASSERT_EQ_INT(port_of(&s->path.remote), 4500 + 30000);
	UNIT_ASSERT_EQ_INT(cli->n_kadd, 1);
	UNIT_ASSERT(cli->kadd[0].c.encap && srv->kadd[0].c.encap);
	UNIT_ASSERT_EQ_INT(port_of(&srv->kadd[0].c.remote), 34500);
}
#endif

/* The pair tests' PSK lookup: the Easy VPN group "sales" (ID_KEY_ID)
 * has the key "groupsecret", nothing else has one. */
static inline const struct secret *sales_key_lookup(const struct isakmp_id *id,
						    const struct sockaddr *peer, void *arg)
{
	static struct secret *key;

	(void)peer;
	(void)arg;
	if (!key)
		key = secret_from("groupsecret", 11);
	return id->type == ISAKMP_ID_KEY_ID && id->len == 5 &&
	       !memcmp(id->data, "sales", 5) ? key : NULL;
}

/* Keep both ends busy (DPD answered) for secs seconds. */
static inline void idle(struct side *a, struct side *b, int secs)
{
	for (int i = 0; i < secs; i++) {
		tick(a, b, 1000);
		pump(a, b);
	}
}

#endif
