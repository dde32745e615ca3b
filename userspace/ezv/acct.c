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

/* arg->only: the one session to update, or NULL for all of them. */
static void sample_cb(uint32_t conn_id, uint32_t spi, bool inbound, uint64_t bytes,
		      uint64_t packets, void *arg)
{
	const struct sample_arg *sa = arg;
	struct ezv_sess *only = sa->only;

	for (struct ezv_sess *x = only ? only : sa->z->sessions; x;
	     x = only ? NULL : x->next) {
		bool mine = false;

		for (unsigned i = 0; i < x->n_conns; i++)
			mine |= x->conns[i] == conn_id;
		if (!mine)
			continue;
		for (unsigned i = 0; i < x->n_sa; i++)
			if (x->sa[i].spi == spi && x->sa[i].inbound == inbound) {
				if (bytes != x->sa[i].bytes)
					x->active_ms = evs_session_now(x->s);
				x->sa[i].bytes = bytes;
				x->sa[i].packets = packets;
				x->sa[i].seen = true;
				return;
			}
		if (x->n_sa < sizeof(x->sa) / sizeof(x->sa[0]))
			x->sa[x->n_sa++] = (struct sa_count){ spi, inbound, true, bytes, packets };
		if (bytes)
			x->active_ms = evs_session_now(x->s);
		return;
	}
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
		if (x->sa[i].inbound) {
			x->retired_rx_bytes += x->sa[i].bytes;
			x->retired_rx_pkts += x->sa[i].packets;
		} else {
			x->retired_tx_bytes += x->sa[i].bytes;
			x->retired_tx_pkts += x->sa[i].packets;
		}
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
	if (!z || !z->ready || !z->kops)
		return;
	for (struct ezv_sess *x = z->sessions; x; x = x->next) {
		for (unsigned i = 0; i < x->n_conns; i++)
			if (x->conns[i] == conn_id) {
				sample(z, x);
				return;
			}
	}
}

void ezv_sess_traffic(const struct ezv_sess *x, struct ezv_traffic *t)
{
	t->rx_bytes = x->retired_rx_bytes;
	t->rx_packets = x->retired_rx_pkts;
	t->tx_bytes = x->retired_tx_bytes;
	t->tx_packets = x->retired_tx_pkts;
	for (unsigned i = 0; i < x->n_sa; i++) {
		if (x->sa[i].inbound) {
			t->rx_bytes += x->sa[i].bytes;
			t->rx_packets += x->sa[i].packets;
		} else {
			t->tx_bytes += x->sa[i].bytes;
			t->tx_packets += x->sa[i].packets;
		}
	}
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
	if (x->login.source == AAA_SRC_RADIUS) {
		memcpy(ai.class_raw, x->login.radius.class_raw, x->login.radius.class_len);
		ai.class_len = x->login.radius.class_len;
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

	if (x->acct_started || !cfg->aaa.accounting)
		return;
	x->acct_started = true;
	x->acct_start_ms = now;
	snprintf(x->acct_session_id, sizeof(x->acct_session_id), "%08X%08X",
		 x->id, (uint32_t)(x->acct_start_ms / 1000));
	x->next_interim_ms = cfg->aaa.interim ?
		x->acct_start_ms + (uint64_t)cfg->aaa.interim * 1000 : 0;
	acct_send(x, RADIUS_ACCT_START, 0, now);
}

void ezv_acct_stop(struct ezv_sess *x, uint64_t now)
{
	if (!x->acct_started)
		return;
	acct_send(x, RADIUS_ACCT_STOP, 1 /* User-Request */, now);
	x->acct_started = false;
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
	}
	for (struct ezv_sess *x = z->sessions; x; x = x->next)
		if (x->acct_started && x->next_interim_ms && now >= x->next_interim_ms) {
			acct_send(x, RADIUS_ACCT_INTERIM, 0, now);
			x->next_interim_ms = now + (uint64_t)z->cfg->aaa.interim * 1000;
			/* the counter baseline a restart continues from */
			evs_session_changed(x->s);
		}
}
