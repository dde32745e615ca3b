// SPDX-License-Identifier: MIT
/*
 * info: informational exchanges and DPD.  See info.h.
 */
#include "ike/engine/info.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/daemon_log.h"
#include "ike/engine/phase2.h"

struct notify_args {
	uint16_t type;
	uint8_t proto;
	const void *spi;
	uint8_t spi_size;
	const void *data;
	size_t len;
};

static void fill_notify(struct isakmp_bld *b, void *arg)
{
	const struct notify_args *n = arg;

	isakmp_add_notify(b, ISAKMP_DOI_IPSEC, n->proto, n->spi, n->spi_size,
			  n->type, n->data, n->len);
}

int info_send_notify(struct ike_sa *sa, uint16_t type, uint8_t proto,
		     const void *spi, uint8_t spi_size, const void *data,
		     size_t len)
{
	struct notify_args n = { type, proto, spi, spi_size, data, len };
	struct ike_xchg *x;
	uint8_t cookies[16];
	int rc;

	if (!sa->have_keys)
		return -1;
	if (!spi && proto == ISAKMP_PROTO_ISAKMP) {
		memcpy(cookies, sa->cky_i, 8);
		memcpy(cookies + 8, sa->cky_r, 8);
		n.spi = cookies;
		n.spi_size = 16;
	}
	/* A DPD probe or answer: its id is not worth a session record
	 * (ike_msgid_remember_dpd). */
	if (type == ISAKMP_N_R_U_THERE || type == ISAKMP_N_R_U_THERE_ACK) {
		uint32_t id = ike_msgid_new_dpd(sa);

		x = id ? ike_xchg_new(sa, id, ISAKMP_EXCH_INFO) : NULL;
	} else {
		x = ike_xchg_new(sa, 0, ISAKMP_EXCH_INFO);
	}
	if (!x)
		return -1;
	rc = ike_send_hashed(sa, x, ISAKMP_EXCH_INFO, fill_notify, &n, false);
	/* One message, no answer in it: only its id is kept (replays). */
	ike_xchg_free(sa, x);
	log_debug("%s: sent notify %s", sa->name, isakmp_notify_name(type));
	return rc;
}

int info_send_notify_clear(struct ike_engine *e, const struct ike_path *path,
			   const struct isakmp_hdr *hdr, uint16_t type)
{
	struct isakmp_hdr h = *hdr;
	struct isakmp_bld b;
	uint8_t cookies[16];
	int rc = -1;

	h.exch = ISAKMP_EXCH_INFO;
	h.flags = 0;
	h.msgid = 0;
	memcpy(cookies, h.icookie, 8);
	memcpy(cookies + 8, h.rcookie, 8);
	isakmp_bld_init(&b, &h);
	isakmp_add_notify(&b, ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, cookies, 16,
			  type, NULL, 0);
	if (isakmp_bld_finish(&b) == 0) {
		e->stats.tx++;
		rc = e->ops->send(e->ops_arg, path, b.buf.data, b.buf.len);
	}
	isakmp_buf_free(&b.buf);
	return rc;
}

struct delete_args {
	uint8_t proto;
	uint8_t spi_size;
	const void *spis;
	uint16_t n;
};

static void fill_delete(struct isakmp_bld *b, void *arg)
{
	const struct delete_args *d = arg;

	isakmp_add_delete(b, d->proto, d->spi_size, d->spis, d->n);
}

static int send_delete(struct ike_sa *sa, struct delete_args *d)
{
	struct ike_xchg *x;
	int rc;

	if (!sa->have_keys)
		return -1;
	x = ike_xchg_new(sa, 0, ISAKMP_EXCH_INFO);
	if (!x)
		return -1;
	rc = ike_send_hashed(sa, x, ISAKMP_EXCH_INFO, fill_delete, d, false);
	ike_xchg_free(sa, x);
	return rc;
}

int info_send_delete_isakmp(struct ike_sa *sa)
{
	uint8_t cookies[16];
	struct delete_args d = { ISAKMP_PROTO_ISAKMP, 16, cookies, 1 };

	memcpy(cookies, sa->cky_i, 8);
	memcpy(cookies + 8, sa->cky_r, 8);
	log_info("%s: sending delete for the ISAKMP SA", sa->name);
	return send_delete(sa, &d);
}

int info_send_delete_esp(struct ike_sa *sa, const uint32_t *spis, unsigned n)
{
	uint8_t buf[4 * 8];
	struct delete_args d = { ISAKMP_PROTO_ESP, 4, buf, 0 };

	for (unsigned i = 0; i < n && i < 8; i++) {
		uint32_t v = htonl(spis[i]);

		memcpy(buf + 4 * i, &v, 4);
		d.n++;
	}
	return send_delete(sa, &d);
}

/* ---- receiving ------------------------------------------------------------ */

static void got_delete(struct ike_sa *sa, const struct isakmp_payload *p)
{
	struct isakmp_delete d;
	struct isakmp_perr err;

	if (isakmp_parse_delete(p->body, p->len, &d, &err) < 0) {
		log_info("%s: bad delete payload: %s", sa->name, err.why);
		return;
	}
	if (d.proto == ISAKMP_PROTO_ISAKMP) {
		for (unsigned i = 0; i < d.n_spi; i++)
			if (d.spi_size == 16 &&
			    !memcmp(d.spis + 16 * i, sa->cky_i, 8) &&
			    !memcmp(d.spis + 16 * i + 8, sa->cky_r, 8)) {
				/* The peer is gone: its connections too. */
				ike_sa_kill(sa, EVS_END_PEER_DELETE, "peer deleted the ISAKMP SA", false,
					    true);
				return;
			}
		log_info("%s: delete for another ISAKMP SA ignored", sa->name);
		return;
	}
	if (d.proto != ISAKMP_PROTO_ESP || d.spi_size != 4)
		return;
	for (unsigned i = 0; i < d.n_spi; i++) {
		uint32_t spi;
		struct ike_conn *c;

		memcpy(&spi, d.spis + 4 * i, 4);
		spi = ntohl(spi);
		c = conn_find_spi(sa, spi, true);
		if (!c) {
			log_debug("%s: delete for unknown SPI %08x", sa->name, spi);
			continue;
		}
		if (c->old_spi_out == spi || c->old_spi_in == spi) {
			/* The pair a rekey replaced: drop it now. */
			if (sa->eng->ops->child_del_sas)
				sa->eng->ops->child_del_sas(sa->eng->ops_arg, c->id,
							    c->old_spi_in,
							    c->old_spi_out);
			log_info("%s: conn %u: replaced SAs %08x/%08x deleted by peer",
				 sa->name, c->id, c->old_spi_in, c->old_spi_out);
			c->old_spi_in = c->old_spi_out = 0;
			c->old_del_at = 0;
			conn_index_sync(sa, c);
			continue;
		}
		log_notice("%s: conn %u: peer deleted SPI %08x", sa->name, c->id,
			   spi);
		conn_remove(sa, c, false);
	}
}

static void got_notify(struct ike_sa *sa, const struct isakmp_payload *p,
		       bool protected_)
{
	struct isakmp_notify_pl n;
	struct isakmp_perr err;

	if (isakmp_parse_notify(p->body, p->len, &n, &err) < 0) {
		log_info("%s: bad notify payload: %s", sa->name, err.why);
		return;
	}
	if (!protected_) {
		/* Anyone can send these: log, never act. */
		log_notice("%s: unprotected notify %s from the peer", sa->name,
			   isakmp_notify_name(n.type));
		return;
	}
	switch (n.type) {
	case ISAKMP_N_R_U_THERE:
	case ISAKMP_N_R_U_THERE_ACK: {
		uint32_t seq;

		if (n.data_len != 4 || n.spi_size != 16 ||
		    memcmp(n.spi, sa->cky_i, 8) || memcmp(n.spi + 8, sa->cky_r, 8)) {
			log_info("%s: malformed DPD notify ignored", sa->name);
			return;
		}
		memcpy(&seq, n.data, 4);
		seq = ntohl(seq);
		if (n.type == ISAKMP_N_R_U_THERE) {
			uint32_t be = htonl(seq);

			log_debug("%s: R-U-THERE %u, acknowledging", sa->name, seq);
			info_send_notify(sa, ISAKMP_N_R_U_THERE_ACK,
					 ISAKMP_PROTO_ISAKMP, NULL, 0, &be, 4);
		} else if (seq == sa->dpd_seq) {
			log_debug("%s: R-U-THERE-ACK %u", sa->name, seq);
			sa->dpd_unanswered = 0;
			sa->dpd_out_at = 0;
		} else {
			log_debug("%s: stale R-U-THERE-ACK %u ignored", sa->name, seq);
		}
		return;
	}
	case ISAKMP_N_INITIAL_CONTACT:
		log_info("%s: INITIAL-CONTACT", sa->name);
		return;
	default:
		log_notice("%s: notify %s", sa->name, isakmp_notify_name(n.type));
		return;
	}
}

void info_input(struct ike_sa *sa, const struct isakmp_msg *m, bool protected_)
{
	for (unsigned i = 0; i < m->n && sa->state != IKE_S_DEAD; i++) {
		const struct isakmp_payload *p = &m->p[i];

		if (p->type == ISAKMP_PT_N)
			got_notify(sa, p, protected_);
		else if (p->type == ISAKMP_PT_D && protected_)
			got_delete(sa, p);
	}
}

/* ---- DPD -------------------------------------------------------------------- */

/* The probes ran out: judge the peer only once our own input has been
 * read up to that time (its answer may be queued behind a storm's Phase 1
 * traffic), looking again each second, for a bounded time. */
static bool dpd_wait_for_backlog(struct ike_sa *sa)
{
	struct ike_engine *e = sa->eng;

	if (!sa->dpd_out_at)
		sa->dpd_out_at = e->now;
	if (e->input_read_until >= sa->dpd_out_at ||
	    e->now - sa->dpd_out_at >= IKE_DPD_BACKLOG_MAX_MS)
		return false;
	if (e->now == sa->dpd_out_at)
		e->stats.dpd_backlog_waits++;
	log_debug("%s: R-U-THERE unanswered, but our input is read only up to %llu ms ago: waiting",
		  sa->name, (unsigned long long)(e->now - e->input_read_until));
	sa->dpd_next = e->now + 1000;
	return true;
}

void dpd_tick(struct ike_sa *sa)
{
	struct ike_engine *e = sa->eng;
	uint32_t interval = e->ike->timers.dpd_interval;
	uint32_t retries = e->ike->timers.dpd_retries ? e->ike->timers.dpd_retries : 3;
	uint32_t be;

	if (!sa->dpd || !interval || e->now < sa->dpd_next)
		return;
	/* Nothing to protect yet: a peer between mode config and its first
	 * quick mode is not probed (vpnc drops its session on an R-U-THERE
	 * that arrives while it waits for quick mode); the Phase 1 lifetime
	 * and the step timeouts bound such a session. */
	if (!ike_sa_has_installed_conn(sa)) {
		sa->dpd_next = e->now + (uint64_t)interval * 1000;
		return;
	}
	/* Anything authenticated from the peer since our first unanswered
	 * probe shows it alive, a late R-U-THERE-ACK included (it names an
	 * older sequence than our latest probe).  Counting only the ACK of
	 * the latest probe declared a busy but live peer dead whenever its
	 * answers took longer than the 5 s between probes (a 1,000-client
	 * bench run lost most of its sessions to DPD, on both ends). */
	if (sa->dpd_unanswered && sa->last_rx >= sa->dpd_first_probe) {
		log_debug("%s: the peer spoke since our R-U-THERE: alive", sa->name);
		sa->dpd_unanswered = 0;
		sa->dpd_out_at = 0;
	}
	/* Heard from the peer lately (and no probe outstanding): later. */
	if (!sa->dpd_unanswered &&
	    e->now - sa->last_rx < (uint64_t)interval * 1000) {
		sa->dpd_next = sa->last_rx + (uint64_t)interval * 1000;
		return;
	}
	if (sa->dpd_unanswered >= retries) {
		if (dpd_wait_for_backlog(sa))
			return;
		e->stats.dpd_dead++;
		log_notice("%s: peer dead: %u R-U-THERE unanswered", sa->name,
			   sa->dpd_unanswered);
		ike_sa_kill(sa, EVS_END_DPD, "dead peer (DPD)", false, true);
		return;
	}
	sa->dpd_seq++;
	/* The record holds the end of the sequence's block (sa_state.c):
	 * rewritten once per block, not per probe. */
	if (!(sa->dpd_seq % IKE_DPD_SEQ_BLOCK))
		ike_sa_changed(sa);
	if (!sa->dpd_unanswered++)
		sa->dpd_first_probe = e->now;
	be = htonl(sa->dpd_seq);
	log_debug("%s: R-U-THERE %u (%u unanswered)", sa->name, sa->dpd_seq,
		  sa->dpd_unanswered - 1);
	info_send_notify(sa, ISAKMP_N_R_U_THERE, ISAKMP_PROTO_ISAKMP, NULL, 0,
			 &be, 4);
	/* Probes go out faster than the idle interval once one is missing. */
	sa->dpd_next = e->now + (uint64_t)(interval < 5 ? interval : 5) * 1000;
}
