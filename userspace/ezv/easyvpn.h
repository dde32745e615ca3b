/* SPDX-License-Identifier: MIT */
/*
 * easyvpn: the Easy VPN sequence between Phase 1 and Phase 2, as two steps
 * of the engine's session hook (session.h):
 *
 *   server  Phase 1 (group key by ID_KEY_ID)
 *           -> "xauth":   REQUEST/REPLY, the AAA worker (local or RADIUS)
 *                         decides, SET STATUS/ACK; bounded retries,
 *                         per-source lockout, overall timeout
 *           -> "modecfg": policy = user's group + user overrides; address
 *                         from RADIUS, the user block or the group's pool;
 *                         REPLY to the client's REQUEST (pull) or SET/ACK
 *                         (push); inner address for Phase 2's IDci check
 *           -> Phase 2:   child_up: RRI route (host route in client mode,
 *                         the client's networks from its Phase 2 IDs in
 *                         network-extension mode), proxy ARP when the
 *                         group says so, RADIUS accounting start
 *   end:    the address goes back to its pool, accounting stop; the
 *           kernel drops the routes and ARP entries with the connection.
 *
 *   client  (evsd's own client role) answers XAUTH with the peer block's
 *           credentials and pulls mode config; the address and split
 *           networks become its Phase 2 selectors.
 *
 * main.c: easyvpn_init() after the configuration is loaded and before the
 * engine runs; poll easyvpn_fd() and call easyvpn_process() when it is
 * readable; call easyvpn_tick() from the timer loop; easyvpn_reload_users()
 * on SIGHUP; easyvpn_shutdown() after the engine has ended every session.
 */
#ifndef EVSD_EASYVPN_H
#define EVSD_EASYVPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ezv/easyvpn_policy.h"
#include "ike/engine/ike_config.h"
#include "ike/engine/session.h"

/* What the gateway asks of the kernel for its sessions (evsd/rri.c):
 * RRI routes and proxy ARP owned by a connection, and the per-SA
 * counters for accounting.  0, or -1 with err. */
typedef void (*ezv_sa_counter_fn)(uint32_t conn_id, uint32_t spi, bool inbound,
				  uint64_t bytes, uint64_t packets, void *arg);
struct ezv_kernel_ops {
	int (*route_add)(void *karg, uint32_t conn_id, uint32_t addr,
			 unsigned plen, char *err, size_t errlen);
	int (*parp_add)(void *karg, uint32_t conn_id, uint32_t addr,
			const char *lan_if, char *err, size_t errlen);
	int (*dump_sa_counters)(void *karg, ezv_sa_counter_fn fn, void *arg);
};

/* Registers the steps and the group-key lookup; loads the user file and
 * starts the AAA worker.  ezv NULL: no Easy VPN sections (client role).
 * kops NULL: no kernel (tests), so no RRI and no counters.  -1 with err
 * on failure. */
int easyvpn_init(const struct ike_config *ike, struct easyvpn_config *ezv,
		 const struct ezv_kernel_ops *kops, void *karg, char *err,
		 size_t errlen);
void easyvpn_shutdown(void);
/* -1 when there is nothing to poll. */
int easyvpn_fd(void);
void easyvpn_process(void);
/* now: CLOCK_MONOTONIC in ms.  Returns ms until it wants to run again. */
uint64_t easyvpn_tick(uint64_t now_ms);
int easyvpn_reload_users(char *err, size_t errlen);
/* The daemon is about to remove SAs of conn_id from the kernel (delete,
 * DPD, rekey, shutdown): their counters are read first, so accounting
 * reports the traffic up to the last packet. */
void easyvpn_conn_closing(uint32_t conn_id);

/* The registered steps (exposed for tests). */
extern const struct evs_post_phase1_ops easyvpn_xauth_step;
extern const struct evs_post_phase1_ops easyvpn_modecfg_step;

/* Group key for aggressive mode (evs_psk_lookup_fn). */
const struct secret *easyvpn_psk_lookup(const struct isakmp_id *id,
					const struct sockaddr *peer, void *arg);

/* Counters and state for `evsadm`/tests. */
struct easyvpn_stats {
	unsigned long logins_ok, logins_failed, locked_out, leases, acct_sent;
	unsigned sessions;
};
void easyvpn_get_stats(struct easyvpn_stats *st);
/* Leased addresses now (pools and fixed). */
unsigned easyvpn_leases(void);

#endif
