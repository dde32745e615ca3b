/* SPDX-License-Identifier: MIT */
/*
 * kernel: evsd's side of the evs generic netlink family (uapi/linux/evs.h)
 * over lib/nl.h and lib/msg.h: one handle for requests (connections, SAs,
 * policies, encap socket), one subscribed to the "events" group (soft and
 * hard expiry, connection deleted) that the event loop watches.
 *
 * A Phase 2 SA pair becomes: CONN_ADD (first pair only), SA_ADD in and
 * out (keys wiped from the request buffer after sending), then the in and
 * out policies binding the selectors to the SAs.  A rekeyed pair swaps the
 * policies to the new SAs; the old pair is deleted later with SA_DEL.
 * CONN_DEL removes a connection and everything it owns in one request.
 */
#ifndef EVSD_KERNEL_H
#define EVSD_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "ike/engine/ikesa.h"

struct kernel;

/* Open both handles and find the evs device ifname (it must exist).
 * On failure NULL and a reason in err. */
struct kernel *kernel_open(const char *ifname, struct evs_err *err);
void kernel_close(struct kernel *k);
/* Hand the UDP/4500 socket to evs.ko (ESP-in-UDP decapsulation). */
int kernel_encap_attach(struct kernel *k, int fd);
int kernel_encap_detach(struct kernel *k, int fd);
/* Before binding UDP/4500: close the sockets evs.ko holds on its ports
 * (stand-ins for a killed evsd, or for SAs added without one). */
int kernel_encap_release(struct kernel *k);
/* The events socket for poll(); read and dispatch what is pending. */
int kernel_event_fd(const struct kernel *k);
void kernel_events(struct kernel *k, struct ike_engine *e);

/* What an evsd that did not stop cleanly (killed, crashed) left in the
 * kernel: the connections owning SAs on our evs device, each removed with
 * everything it owns (SAs, policies, RRI routes, proxy-ARP entries).
 * Called at start, before any session: none of them is this run's.
 * 0 with the counts in *out, or -1 with err. */
struct kernel_leftovers {
	unsigned conns, sas, policies, routes, parps;
};
/* Remove the connections of the device (with their SAs, policies, routes
 * and proxy-ARP entries) but those in keep (n_keep ids, sorted here):
 * what an earlier evsd left and no adopted session owns. */
int kernel_remove_leftovers(struct kernel *k, uint32_t *keep, size_t n_keep,
			    struct kernel_leftovers *out, struct evs_err *err);
/* The ids of the device's connections that have SAs (*ids malloc'ed). */
int kernel_conn_ids(struct kernel *k, uint32_t **ids, size_t *n,
		    struct evs_err *err);

/* Every SA of the device with a connection: an outbound one's last
 * sequence number sent, an inbound one's highest received (HA: the
 * standby sends after the first and accepts only above the second,
 * Documentation/ha.md). */
typedef void (*kernel_seq_fn)(uint32_t conn_id, uint32_t spi, bool in, uint64_t seq,
			      void *arg);
int kernel_sa_seqs(struct kernel *k, kernel_seq_fn fn, void *arg);

/* The evs device's counters (packets, bytes, drops by reason) into *c.
 * 0, or -1 with the reason in err. */
struct evs_counters;
int kernel_link_stats(struct kernel *k, struct evs_counters *c, struct evs_err *err);

/* struct ike_engine_ops members (arg = struct kernel *). */
int kernel_child_add(void *arg, const struct kernel_child *c);
int kernel_child_del_sas(void *arg, uint32_t conn_id, uint32_t spi_in,
			 uint32_t spi_out);
int kernel_conn_del(void *arg, uint32_t conn_id);
int kernel_out_policy(void *arg, const struct kernel_child *c);

#endif
