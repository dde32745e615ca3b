/* SPDX-License-Identifier: MIT */
/*
 * prom: evsd's metrics in the Prometheus text exposition format (0.0.4),
 * rendered from a snapshot: data in, text out, no I/O and no clock, so a
 * unit test checks every line.  metrics.c takes the snapshot (engine,
 * Easy VPN module, pools, kernel) and writes the file.
 *
 * Names follow the Prometheus conventions: the evs_ prefix, counters end
 * in _total, base units (bytes, seconds), one HELP and one TYPE line per
 * family, label values escaped (backslash, double quote, newline; a byte
 * that is not UTF-8 becomes U+FFFD).  Documentation/admin-guide.md has
 * the table of every family.
 */
#ifndef EVSD_PROM_H
#define EVSD_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ezv/easyvpn.h"
#include "ike/engine/ikesa.h"
#include "lib/msg.h"

/* One logged-in session; the strings stay valid while rendering. */
struct prom_session {
	uint32_t id;			/* evs_session_id(): unique while it lives */
	const char *user, *group;
	uint32_t addr;			/* inner address, host order; 0 = none */
	uint64_t start_time;		/* seconds since the epoch */
	uint64_t rx_bytes, rx_packets;	/* from the client */
	uint64_t tx_bytes, tx_packets;	/* to the client */
};

struct prom_pool {
	const char *name;
	uint32_t size, used;
};

struct prom_data {
	const char *version;
	uint64_t start_time;		/* evsd's start, seconds since the epoch */
	/* the IKE engine */
	struct ike_stats ike;
	unsigned half_open, unauth;
	/* the Easy VPN module (have_ezv false: no Easy VPN series) */
	bool have_ezv;
	struct ezv_stats ezv;
	struct ezv_dae_stats dae;	/* RFC 5176 requests */
	unsigned sessions;		/* logged in now */
	unsigned leases;		/* addresses leased now */
	const struct prom_pool *pools;
	size_t n_pools;
	/* per session (have_sessions false: the families are left out) */
	bool have_sessions;
	const struct prom_session *sess;
	size_t n_sess;
	/* the evs device's counters (have_kernel false: not read) */
	bool have_kernel;
	const char *device;
	struct evs_counters kernel;
};

/* The exposition text, NUL-terminated, in a malloc'd buffer (*len without
 * the NUL); NULL when out of memory. */
char *prom_render(const struct prom_data *d, size_t *len);

#endif
