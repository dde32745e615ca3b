// SPDX-License-Identifier: MIT
/*
 * prom: the Prometheus text format from a snapshot.  See prom.h.
 */
#include "evsd/prom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/prefix.h"

struct label {
	const char *name, *value;
};

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		n = 2, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A label value: \ " and newline escaped as the format says; what is not
 * UTF-8 (user names come from peers and RADIUS) becomes U+FFFD, which
 * keeps the line parseable. */
static void put_value(FILE *f, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;

	while (*s) {
		size_t n = utf8_len(s);

		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (n)
			fwrite(s, 1, n, f);
		else
			fputs("\xef\xbf\xbd", f);
		s += n ? n : 1;
	}
}

/* HELP text: backslash and newline escaped. */
static void put_help(FILE *f, const char *h)
{
	for (; *h; h++) {
		if (*h == '\\')
			fputs("\\\\", f);
		else if (*h == '\n')
			fputs("\\n", f);
		else
			fputc(*h, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	put_help(f, help);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

static void sample(FILE *f, const char *name, const struct label *l, size_t n,
		   uint64_t v)
{
	fputs(name, f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s%s=\"", i ? "," : "{", l[i].name);
		put_value(f, l[i].value);
		fputc('"', f);
	}
	fprintf(f, "%s %llu\n", n ? "}" : "", (unsigned long long)v);
}

/* A family with one sample and no labels. */
static void single(FILE *f, const char *name, const char *type, const char *help,
		   uint64_t v)
{
	family(f, name, type, help);
	sample(f, name, NULL, 0, v);
}

/* ---- the IKE engine ------------------------------------------------------- */

static void render_ike(FILE *f, const struct prom_data *d)
{
	static const char dropped[] = "evs_ike_dropped_datagrams_total";
	static const char p1[] = "evs_ike_phase1_exchanges_total";
	static const char p2[] = "evs_ike_phase2_exchanges_total";
	const struct ike_stats *s = &d->ike;

	single(f, "evs_ike_received_datagrams_total", "counter",
	       "IKE datagrams received on UDP 500 and 4500.", s->rx);
	single(f, "evs_ike_sent_datagrams_total", "counter",
	       "IKE datagrams sent, retransmissions included.", s->tx);
	family(f, dropped, "counter",
	       "IKE datagrams not processed, by reason (a duplicate may be answered with the last reply).");
	for (size_t i = 0; i < IKE_DROPS_COUNT; i++)
		sample(f, dropped, &(struct label){ "reason", ike_drops[i].name }, 1,
		       ike_drop_value(s, &ike_drops[i]));
	single(f, "evs_ike_retransmits_total", "counter",
	       "IKE messages retransmitted after no answer.", s->rexmits);
	single(f, "evs_ike_timer_visits_total", "counter",
	       "ISAKMP SAs the timer ticks looked at, each because a timer of it was due.",
	       s->timer_visits);
	family(f, p1, "counter", "Phase 1 exchanges (ISAKMP SAs) completed or failed.");
	sample(f, p1, &(struct label){ "result", "ok" }, 1, s->p1_ok);
	sample(f, p1, &(struct label){ "result", "failed" }, 1, s->p1_failed);
	family(f, p2, "counter", "Quick mode exchanges (Phase 2 SA pairs) completed or failed.");
	sample(f, p2, &(struct label){ "result", "ok" }, 1, s->p2_ok);
	sample(f, p2, &(struct label){ "result", "failed" }, 1, s->p2_failed);
	single(f, "evs_ike_exchanges_refused_total", "counter",
	       "Exchanges refused because an ISAKMP SA had exchanges-max open.",
	       s->xchg_refused);
	single(f, "evs_ike_dpd_dead_peers_total", "counter",
	       "Peers declared dead by dead peer detection.", s->dpd_dead);
	single(f, "evs_ike_dpd_backlog_waits_total", "counter",
	       "Dead peer verdicts that waited for the daemon to read its input queue up to the last probe.",
	       s->dpd_backlog_waits);
	single(f, "evs_ike_half_open_evicted_total", "counter",
	       "Half-open ISAKMP SAs evicted to admit a newer one.",
	       s->half_open_evicted);
	single(f, "evs_ike_half_open_sas", "gauge",
	       "Responder ISAKMP SAs in Phase 1 now.", d->half_open);
	single(f, "evs_ike_unauthenticated_sas", "gauge",
	       "ISAKMP SAs past Phase 1 not yet through XAUTH and mode config now.",
	       d->unauth);
}

/* ---- Easy VPN: logins, leases, pools --------------------------------------- */

/* RFC 5176: requests answered, by kind and answer, and those dropped. */
static void render_dae(FILE *f, const struct ezv_dae_stats *st)
{
	static const char req[] = "evs_radius_dae_requests_total";
	static const char drop[] = "evs_radius_dae_dropped_total";
	const struct { const char *kind, *answer; uint64_t v; } r[] = {
		{ "disconnect", "ack", st->disconnect_ack },
		{ "disconnect", "nak", st->disconnect_nak },
		{ "coa", "ack", st->coa_ack },
		{ "coa", "nak", st->coa_nak },
	};

	family(f, req, "counter",
	       "RADIUS dynamic authorization requests answered, by kind and answer.");
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		sample(f, req, (struct label[]){ { "kind", r[i].kind },
						 { "answer", r[i].answer } }, 2, r[i].v);
	single(f, "evs_radius_dae_duplicates_total", "counter",
	       "Retransmitted dynamic authorization requests answered again from the cache.",
	       st->duplicates);
	family(f, drop, "counter",
	       "Dynamic authorization requests dropped unanswered, by reason.");
	sample(f, drop, &(struct label){ "reason", "unknown_client" }, 1, st->unknown_client);
	sample(f, drop, &(struct label){ "reason", "invalid" }, 1, st->dropped);
}

static void render_ezv(FILE *f, const struct prom_data *d)
{
	static const char logins[] = "evs_logins_total";
	static const char size[] = "evs_pool_addresses";
	static const char used[] = "evs_pool_addresses_used";
	static const char avail[] = "evs_pool_addresses_free";

	single(f, "evs_sessions", "gauge", "Easy VPN sessions logged in (through XAUTH) now.",
	       d->sessions);
	family(f, logins, "counter", "XAUTH logins accepted or refused.");
	sample(f, logins, &(struct label){ "result", "accepted" }, 1, d->ezv.logins_ok);
	sample(f, logins, &(struct label){ "result", "refused" }, 1, d->ezv.logins_failed);
	single(f, "evs_lockouts_total", "counter",
	       "Logins refused because the source was locked out after failures.",
	       d->ezv.locked_out);
	single(f, "evs_leases", "gauge", "Client addresses leased now (pools and fixed).",
	       d->leases);
	single(f, "evs_leases_total", "counter", "Addresses handed out from the pools.",
	       d->ezv.leases);
	single(f, "evs_accounting_requests_total", "counter",
	       "RADIUS accounting requests queued for sending.", d->ezv.acct_sent);
	render_dae(f, &d->dae);
	family(f, size, "gauge", "Addresses in the pool.");
	for (size_t i = 0; i < d->n_pools; i++)
		sample(f, size, &(struct label){ "pool", d->pools[i].name }, 1,
		       d->pools[i].size);
	family(f, used, "gauge", "Addresses of the pool leased now.");
	for (size_t i = 0; i < d->n_pools; i++)
		sample(f, used, &(struct label){ "pool", d->pools[i].name }, 1,
		       d->pools[i].used);
	family(f, avail, "gauge", "Addresses of the pool free now.");
	for (size_t i = 0; i < d->n_pools; i++)
		sample(f, avail, &(struct label){ "pool", d->pools[i].name }, 1,
		       d->pools[i].size - d->pools[i].used);
}

/* ---- per session ------------------------------------------------------------- */

enum sess_value { SV_START, SV_RX_BYTES, SV_RX_PKTS, SV_TX_BYTES, SV_TX_PKTS };

static uint64_t sess_value(const struct prom_session *s, enum sess_value v)
{
	switch (v) {
	case SV_START: return s->start_time;
	case SV_RX_BYTES: return s->rx_bytes;
	case SV_RX_PKTS: return s->rx_packets;
	case SV_TX_BYTES: return s->tx_bytes;
	case SV_TX_PKTS: return s->tx_packets;
	}
	return 0;
}

static void render_sessions(FILE *f, const struct prom_data *d)
{
	static const struct {
		const char *name, *type, *help;
		enum sess_value v;
	} fam[] = {
		{ "evs_session_start_time_seconds", "gauge",
		  "When the session began, seconds since the epoch.", SV_START },
		{ "evs_session_receive_bytes_total", "counter",
		  "Bytes of the inner packets received from the client (the kernel's SA counters, summed over rekeys).",
		  SV_RX_BYTES },
		{ "evs_session_receive_packets_total", "counter",
		  "Inner packets received from the client.", SV_RX_PKTS },
		{ "evs_session_transmit_bytes_total", "counter",
		  "Bytes of the inner packets sent to the client.", SV_TX_BYTES },
		{ "evs_session_transmit_packets_total", "counter",
		  "Inner packets sent to the client.", SV_TX_PKTS },
	};

	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		family(f, fam[i].name, fam[i].type, fam[i].help);
		for (size_t j = 0; j < d->n_sess; j++) {
			const struct prom_session *s = &d->sess[j];
			char id[16], addr[16] = "";
			struct label l[] = {
				{ "id", id }, { "user", s->user },
				{ "group", s->group }, { "address", addr },
			};

			snprintf(id, sizeof(id), "%u", s->id);
			if (s->addr)
				evs_ip4_ntop(s->addr, addr, sizeof(addr));
			sample(f, fam[i].name, l, 4, sess_value(s, fam[i].v));
		}
	}
}

/* ---- the kernel ---------------------------------------------------------------- */

static void render_kernel(FILE *f, const struct prom_data *d)
{
	static const char drops[] = "evs_kernel_dropped_packets_total";
	static const struct {
		const char *name, *help;
		unsigned attr;
	} fam[] = {
		{ "evs_kernel_receive_bytes_total",
		  "Bytes of the inner packets the evs device received from its SAs.", EVS_STATS_A_RX_BYTES },
		{ "evs_kernel_receive_packets_total",
		  "Inner packets the evs device received from its SAs.", EVS_STATS_A_RX_PACKETS },
		{ "evs_kernel_transmit_bytes_total",
		  "Bytes of the inner packets the evs device sent into its SAs.", EVS_STATS_A_TX_BYTES },
		{ "evs_kernel_transmit_packets_total",
		  "Inner packets the evs device sent into its SAs.", EVS_STATS_A_TX_PACKETS },
	};
	const struct evs_counters *c = &d->kernel;
	struct label l[2] = { { "device", d->device }, { "reason", NULL } };

	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		if (!EVS_HAS(c, fam[i].attr))
			continue;
		family(f, fam[i].name, "counter", fam[i].help);
		sample(f, fam[i].name, l, 1, c->v[fam[i].attr]);
	}
	family(f, drops, "counter",
	       "Packets the evs module dropped, by reason (evsadm link show -s).");
	for (unsigned a = EVS_STATS_A_DROP_NO_SA; a <= EVS_STATS_A_MAX; a++) {
		const char *name = evs_stats_name(a);

		if (!EVS_HAS(c, a) || !name || strncmp(name, "drop_", 5))
			continue;
		l[1].value = name + 5;
		sample(f, drops, l, 2, c->v[a]);
	}
}

char *prom_render(const struct prom_data *d, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		return NULL;
	family(f, "evs_build_info", "gauge", "The evsd version, as a label; always 1.");
	sample(f, "evs_build_info", &(struct label){ "version", d->version }, 1, 1);
	single(f, "evs_start_time_seconds", "gauge",
	       "When evsd started, seconds since the epoch.", d->start_time);
	render_ike(f, d);
	if (d->have_ezv)
		render_ezv(f, d);
	if (d->have_sessions)
		render_sessions(f, d);
	if (d->have_kernel)
		render_kernel(f, d);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}
