// SPDX-License-Identifier: MIT
/*
 * RADIUS accounting for gateway sessions: Start when the first connection
 * is up, Interim every `interim` seconds, Stop when the session ends, with
 * the traffic read from the kernel's per-SA counters.  The counters are
 * read before every Interim and Stop and before evsd removes SAs
 * (ezv_conn_closing); totals survive rekeys, as the figures of SAs that
 * went away are kept.
 */
#include <stdio.h>
#include <string.h>

#include "ezv/ezv_int.h"
#include "ezv/radius.h"
#include "lib/daemon_log.h"
#include "lib/prefix.h"

/* The periodic read only bounds what is lost when the kernel removes an
 * SA by itself (hard lifetime, which rekeying normally prevents). */
#define EZV_SAMPLE_MS	10000

/* ---- kernel counters ------------------------------------------------------ */

struct sample_arg {
	struct ezv *z;
	struct ezv_sess *only;
};

/* arg->only: the one session to update, or NULL for all of them.  The
 * connection's session by the connection table: a dump costs O(SAs). */
static void sample_cb(uint32_t conn_id, uint32_t spi, bool inbound, uint64_t bytes,
		      uint64_t packets, void *arg)
{
	const struct sample_arg *sa = arg;
	struct ezv_sess *x;

	if (sa->only)
		x = ezv_sess_has_conn(sa->only, conn_id) ? sa->only : NULL;
	else
		x = ezv_sess_by_conn(sa->z, conn_id);
	if (!x)
		return;
	for (unsigned i = 0; i < x->n_sa; i++)
		if (x->sa[i].spi == spi && x->sa[i].inbound == inbound) {
			if (bytes != x->sa[i].bytes)
				x->active_ms = evs_session_now(x->s);
			x->sa[i].bytes = bytes;
			x->sa[i].packets = packets;
			x->sa[i].seen = true;
			return;
		}
	if (!ezv_sess_sa_room(x, x->n_sa + 1))
		x->sa[x->n_sa++] = (struct sa_count){ spi, inbound, true, bytes, packets };
	if (bytes)
		x->active_ms = evs_session_now(x->s);
}

/* Add one SA's figures to the inbound or the outbound totals. */
static void count_add(const struct sa_count *c, uint64_t *rx_bytes, uint64_t *rx_pkts,
		      uint64_t *tx_bytes, uint64_t *tx_pkts)
{
	*(c->inbound ? rx_bytes : tx_bytes) += c->bytes;
	*(c->inbound ? rx_pkts : tx_pkts) += c->packets;
}

/* SAs a read did not see are gone (rekey, delete): fold their last figures
 * into the retired totals, so nothing is counted twice or lost. */
static void retire_unseen(struct ezv_sess *x)
{
	for (unsigned i = 0; i < x->n_sa;) {
		if (x->sa[i].seen) {
			i++;
			continue;
		}
		count_add(&x->sa[i], &x->retired_rx_bytes, &x->retired_rx_pkts,
			  &x->retired_tx_bytes, &x->retired_tx_pkts);
		x->sa[i] = x->sa[--x->n_sa];
	}
}

/* Read the kernel's SA counters (one dump) for one session, or for all
 * when only is NULL.  A session with no connection left needs no dump:
 * its SAs were read just before they were deleted. */
static void sample(struct ezv *z, struct ezv_sess *only)
{
	struct sample_arg arg = { z, only };

	for (struct ezv_sess *x = only ? only : z->sessions; x; x = only ? NULL : x->next)
		for (unsigned i = 0; i < x->n_sa; i++)
			x->sa[i].seen = false;
	if ((!only || only->n_conns) && z->kops->dump_sa_counters(z->karg, sample_cb, &arg))
		return;
	for (struct ezv_sess *x = only ? only : z->sessions; x; x = only ? NULL : x->next)
		retire_unseen(x);
}

void ezv_conn_closing(struct ezv *z, uint32_t conn_id)
{
	struct ezv_sess *x;

	if (!z || !z->ready || !z->kops)
		return;
	x = ezv_sess_by_conn(z, conn_id);
	if (x)
		sample(z, x);
}

void ezv_sess_traffic(const struct ezv_sess *x, struct ezv_traffic *t)
{
	t->rx_bytes = x->retired_rx_bytes;
	t->rx_packets = x->retired_rx_pkts;
	t->tx_bytes = x->retired_tx_bytes;
	t->tx_packets = x->retired_tx_pkts;
	for (unsigned i = 0; i < x->n_sa; i++)
		count_add(&x->sa[i], &t->rx_bytes, &t->rx_packets, &t->tx_bytes, &t->tx_packets);
}

void ezv_counters_refresh(struct ezv *z)
{
	if (z->ready && z->kops)
		sample(z, NULL);
}

/* ---- records ------------------------------------------------------------- */

static void acct_send(struct ezv_sess *x, enum radius_acct_type type, uint32_t cause,
		      uint64_t now)
{
	struct ezv *z = x->z;
	struct radius_acct_info ai;
	struct ezv_traffic t;

	if (!z->cfg->aaa.accounting || !z->aaa)
		return;
	if (type != RADIUS_ACCT_START && z->kops)
		sample(z, x);	/* the figures as of now */
	memset(&ai, 0, sizeof(ai));
	ai.type = type;
	snprintf(ai.user, sizeof(ai.user), "%s", x->user);
	snprintf(ai.session_id, sizeof(ai.session_id), "%s", x->acct_session_id);
	snprintf(ai.calling_station, sizeof(ai.calling_station), "%s", x->peer);
	ai.port = x->id;
	ai.framed_ip = x->addr;
	/* RADIUS "input" is what the NAS received from the user */
	ezv_sess_traffic(x, &t);
	ai.in_octets = t.rx_bytes;
	ai.in_packets = t.rx_packets;
	ai.out_octets = t.tx_bytes;
	ai.out_packets = t.tx_packets;
	ai.session_time = (uint32_t)((now - x->acct_start_ms) / 1000);
	ai.terminate_cause = cause;
	if (x->login.class_len) {	/* from the Accept or a CoA */
		memcpy(ai.class_raw, x->login.class_raw, x->login.class_len);
		ai.class_len = x->login.class_len;
	}
	if (aaa_submit_acct(z->aaa, &ai) == 0)
		z->st.acct_sent++;
	log_info("%s: accounting %s for \"%s\": in %llu bytes/%llu packets, out %llu bytes/"
		 "%llu packets, %u s", evs_session_name(x->s),
		 type == RADIUS_ACCT_START ? "start" : type == RADIUS_ACCT_STOP ? "stop" : "interim",
		 x->user, (unsigned long long)ai.in_octets, (unsigned long long)ai.in_packets,
		 (unsigned long long)ai.out_octets, (unsigned long long)ai.out_packets,
		 ai.session_time);
}

void ezv_acct_start(struct ezv_sess *x, uint64_t now)
{
	const struct easyvpn_config *cfg = x->z->cfg;
	char id[sizeof(x->acct_session_id)];

	if (x->acct_started || !cfg->aaa.accounting)
		return;
	x->acct_started = true;
	x->acct_start_ms = now;
	snprintf(id, sizeof(id), "%08X%08X", x->id, (uint32_t)(x->acct_start_ms / 1000));
	ezv_sess_set_acct_id(x, id);
	x->next_interim_ms = cfg->aaa.interim ?
		x->acct_start_ms + (uint64_t)cfg->aaa.interim * 1000 : 0;
	ezv_due(x);
	acct_send(x, RADIUS_ACCT_START, 0, now);
}

/* RFC 2866 5.10.  DPD: the client stopped answering, its link is gone:
 * Lost-Carrier (Idle-Timeout is ours, for no traffic).  A shutdown is the
 * administrator ending service on the NAS: Admin-Reboot (NAS-Reboot is
 * for a reboot that was not asked for).  A reload that removed the
 * session's group, an ISAKMP SA lifetime that ran out: NAS-Request (the
 * NAS ended it for a reason not otherwise listed).  INITIAL-CONTACT: the
 * client came back without its old state, so the old session's service
 * was lost: Lost-Service. */
uint32_t ezv_terminate_cause(enum evs_end_reason reason)
{
	switch (reason) {
	case EVS_END_PEER_DELETE: return 1;	/* User-Request */
	case EVS_END_DPD: return 2;		/* Lost-Carrier */
	case EVS_END_REPLACED: return 3;	/* Lost-Service */
	case EVS_END_IDLE_TIMEOUT: return 4;	/* Idle-Timeout */
	case EVS_END_SESSION_TIMEOUT: return 5;	/* Session-Timeout */
	case EVS_END_ADMIN: return 6;		/* Admin-Reset */
	case EVS_END_SHUTDOWN: return 7;	/* Admin-Reboot */
	case EVS_END_RELOAD:
	case EVS_END_LIFETIME: return 10;	/* NAS-Request */
	case EVS_END_REFUSED: return 17;	/* User-Error */
	case EVS_END_ERROR:
	default: return 9;			/* NAS-Error */
	}
}

void ezv_acct_stop(struct ezv_sess *x, uint64_t now)
{
	/* Handed over: the other gateway goes on with its accounting. */
	if (!x->acct_started || evs_session_end_reason(x->s) == EVS_END_HANDOVER)
		return;
	acct_send(x, RADIUS_ACCT_STOP, ezv_terminate_cause(evs_session_end_reason(x->s)), now);
	x->acct_started = false;
}

int ezv_acct_may_move(const struct ezv_sess *x, const struct ezv_sess *o,
		      struct evs_err *why)
{
	if (x->acct_started && o->acct_started) {
		evs_errf(why, "both have an accounting session (%s, %s)", x->acct_session_id,
			 o->acct_session_id);
		return -1;
	}
	return 0;
}

/* o's SAs now count for x; beyond x's table their figures are folded into
 * its totals as of now (the periodic read then sees them again: x's
 * table has room for every SA of its connections). */
static void counters_move(struct ezv_sess *x, struct ezv_sess *o)
{
	for (unsigned i = 0; i < o->n_sa; i++) {
		if (!ezv_sess_sa_room(x, x->n_sa + 1))
			x->sa[x->n_sa++] = o->sa[i];
		else
			count_add(&o->sa[i], &x->retired_rx_bytes, &x->retired_rx_pkts,
				  &x->retired_tx_bytes, &x->retired_tx_pkts);
	}
	x->retired_rx_bytes += o->retired_rx_bytes;
	x->retired_rx_pkts += o->retired_rx_pkts;
	x->retired_tx_bytes += o->retired_tx_bytes;
	x->retired_tx_pkts += o->retired_tx_pkts;
	o->n_sa = 0;
	o->retired_rx_bytes = o->retired_rx_pkts = 0;
	o->retired_tx_bytes = o->retired_tx_pkts = 0;
}

void ezv_acct_move(struct ezv_sess *x, struct ezv_sess *o)
{
	char id[sizeof(o->acct_session_id)];

	counters_move(x, o);
	if (!o->acct_started)
		return;
	/* one accounting session: Interims and the Stop come from x */
	snprintf(id, sizeof(id), "%s", o->acct_session_id);
	ezv_sess_set_acct_id(o, "");
	ezv_sess_set_acct_id(x, id);
	x->acct_started = true;
	x->acct_start_ms = o->acct_start_ms;
	x->next_interim_ms = o->next_interim_ms;
	o->acct_started = false;
	o->next_interim_ms = 0;
	ezv_due(x);
	ezv_due(o);
}

void ezv_acct_onoff(struct ezv *z, bool on)
{
	struct radius_acct_info ai;

	if (!z->cfg->aaa.accounting || !z->aaa)
		return;
	memset(&ai, 0, sizeof(ai));
	ai.type = on ? RADIUS_ACCT_ON : RADIUS_ACCT_OFF;
	/* RFC 2866 5.5: every record has an Acct-Session-Id */
	snprintf(ai.session_id, sizeof(ai.session_id), "%s", on ? "evsd-on" : "evsd-off");
	if (aaa_submit_acct(z->aaa, &ai) == 0)
		z->st.acct_sent++;
	log_info("radius: accounting %s", on ? "on (evsd starts)" : "off (evsd stops)");
}

/* After a counter read: a session whose traffic did not grow for its
 * Idle-Timeout (active_ms, kept by the read) ends.  Part of the read's
 * walk, every EZV_SAMPLE_MS, so an idle session ends up to that much
 * after its timeout. */
static void idle_check(struct ezv *z, uint64_t now)
{
	for (struct ezv_sess *x = z->sessions, *nx; x; x = nx) {
		nx = x->next;
		if (!x->server || !x->authenticated || !x->idle_timeout_s)
			continue;
		if (now > x->active_ms && now - x->active_ms >= (uint64_t)x->idle_timeout_s * 1000) {
			log_notice("%s: \"%s\": no traffic for %u s: idle timeout",
				   evs_session_name(x->s), x->user, x->idle_timeout_s);
			evs_session_terminate(x->s, EVS_END_IDLE_TIMEOUT, "idle timeout");
		}
	}
}

void ezv_sess_ended(struct ezv_sess *x, uint64_t now)
{
	struct ezv *z = x->z;
	struct ezv_traffic t;
	char a[16] = "none";

	if (!x->authenticated) {
		ezv_acct_stop(x, now);
		return;
	}
	if (x->carried_on) {
		/* a renewed Phase 1 took it over: nothing of it ends here */
		log_info("%s: \"%s\": this ISAKMP SA ends; its session went on under "
			 "a renewed Phase 1", evs_session_name(x->s), log_peer(x->user));
		return;
	}
	/* Connections that outlive the ISAKMP SA (its lifetime ran out) are
	 * still in the kernel: their figures as of now.  Deleted ones were
	 * read just before they went (ezv_conn_closing). */
	if (z->kops && x->n_conns)
		sample(z, x);
	ezv_acct_stop(x, now);
	ezv_sess_traffic(x, &t);
	if (x->addr)
		evs_ip4_ntop(x->addr, a, sizeof(a));
	z->st.sessions_ended++;
	evsd_log_session(EVSD_LOG_NOTICE, evs_session_name(x->s), x->user, x->peer,
			 "%s: session end: user \"%s\" group \"%s\" address %s from %s: %s after "
			 "%llu s; in %llu bytes %llu packets, out %llu bytes %llu packets; login %s",
			 evs_session_name(x->s), log_peer(x->user), x->group, a, x->peer,
			 evs_end_reason_name(evs_session_end_reason(x->s)),
			 (unsigned long long)((now - x->start_ms) / 1000),
			 (unsigned long long)t.rx_bytes, (unsigned long long)t.rx_packets,
			 (unsigned long long)t.tx_bytes, (unsigned long long)t.tx_packets,
			 x->login.source == AAA_SRC_RADIUS ? "RADIUS" : "local");
}

void ezv_acct_tick(struct ezv *z, uint64_t now)
{
	if (z->kops && now >= z->next_sample) {
		sample(z, NULL);
		z->next_sample = now + EZV_SAMPLE_MS;
		idle_check(z, now);
	}
}

uint64_t ezv_acct_interim(struct ezv_sess *x, uint64_t now)
{
	if (!x->acct_started || !x->next_interim_ms)
		return 0;
	if (now >= x->next_interim_ms) {
		acct_send(x, RADIUS_ACCT_INTERIM, 0, now);
		x->next_interim_ms = now + (uint64_t)x->z->cfg->aaa.interim * 1000;
		/* the counter baseline a restart continues from */
		evs_session_changed(x->s);
	}
	return x->next_interim_ms;
}
