/* SPDX-License-Identifier: MIT */
/*
 * Engine fixtures without a Phase 1, for tests of the engine's tables and
 * the lookup benchmark: an engine on an empty configuration (every timer
 * at its default) whose sends go nowhere, and SAs put straight into the
 * state wanted -- cookies, a peer address in 10.77.0.0/16, keys good
 * enough for an exchange's IV (nothing is encrypted), connections.
 * Header-only (static functions).
 */
#ifndef EVS_TESTS_FAKE_SA_H
#define EVS_TESTS_FAKE_SA_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine/ikesa.h"

static inline int fake_sa_send(void *arg, const struct ike_path *p,
			       const uint8_t *buf, size_t len)
{
	return 0;
}

static inline int fake_sa_conn_del(void *arg, uint32_t conn_id)
{
	return 0;
}

static const struct ike_engine_ops fake_sa_ops = {
	.send = fake_sa_send,
	.conn_del = fake_sa_conn_del,
};
static const struct ike_config fake_sa_config;

static inline struct ike_engine *fake_engine(void)
{
	return ike_engine_new(&fake_sa_config, EVS_ROLE_SERVER, &fake_sa_ops,
			      NULL);
}

/* 10.77.0.0 + (host & 0xffff), port. */
static inline void fake_addr(struct sockaddr_storage *ss, uint32_t host,
			     uint16_t port)
{
	struct sockaddr_in *s = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	s->sin_addr.s_addr = htonl(0x0a4d0000u | (host & 0xffff));
}

/* An SA in Phase 1 with these cookies, its peer at fake_addr(host, port). */
static inline struct ike_sa *fake_sa(struct ike_engine *e, bool initiator,
				     const uint8_t *icky, const uint8_t *rcky,
				     uint32_t host, uint16_t port)
{
	struct ike_path p;
	struct ike_sa *sa;

	memset(&p, 0, sizeof(p));
	fake_addr(&p.remote, host, port);
	fake_addr(&p.local, 0xfffe, 500);
	sa = ike_sa_new(e, initiator, &p);
	if (!sa)
		return NULL;
	memcpy(sa->cky_i, icky, ISAKMP_COOKIE_LEN);
	memcpy(sa->cky_r, rcky, ISAKMP_COOKIE_LEN);
	ike_sa_reindex(sa);
	return sa;
}

/* Phase 1 over: its scratch freed, keys for exchange IVs, READY. */
static inline void fake_established(struct ike_sa *sa)
{
	sa->keys.algs.hash = IKE_HASH_SHA1;
	sa->keys.hash_len = 20;
	sa->keys.block_len = 16;
	sa->iv.len = 16;
	sa->have_keys = true;
	ike_sa_p1_free(sa);
	ike_sa_set_state(sa, IKE_S_READY);
}

static inline struct ike_conn *fake_conn(struct ike_sa *sa, uint32_t id,
					 uint32_t spi_in, uint32_t spi_out)
{
	struct ike_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->id = id;
	c->spi_in = spi_in;
	c->spi_out = spi_out;
	c->next = sa->conns;
	sa->conns = c;
	conn_index_sync(sa, c);
	return c;
}

/* Cookies from a number (big-endian in the last 4 bytes after tag). */
static inline void fake_cookie(uint8_t *cky, uint32_t tag, uint32_t n)
{
	uint32_t t = htonl(tag), v = htonl(n);

	memcpy(cky, &t, 4);
	memcpy(cky + 4, &v, 4);
}

#endif
