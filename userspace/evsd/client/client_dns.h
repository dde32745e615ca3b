/* SPDX-License-Identifier: MIT */
/*
 * client_dns: the DNS servers and domains an Easy VPN gateway pushed, put
 * into the host's resolver for as long as the session lasts.
 *
 *   systemd-resolved   per-link settings on the evs device (resolvectl):
 *                      the servers (IPv4 ones, then IPv6 ones); with a split tunnel the pushed split-DNS
 *                      domains as routing domains (~corp.example), with a
 *                      full tunnel "~." (every query goes to the tunnel);
 *                      the default domain as a search domain (which routes
 *                      its names too: not repeated as a routing domain).  Teardown:
 *                      `resolvectl revert DEV`.
 *   /etc/resolv.conf   renamed to resolv.conf.evsd-backup in the same
 *                      directory (the file itself, symlink or not, so it
 *                      comes back exactly) and a new one written: the
 *                      pushed servers first (IPv4, then IPv6), then the
 *                      original's; the
 *                      default domain before the original's search list.
 *                      Teardown renames the backup back.  A backup found
 *                      at start (evsd died with it in place) is restored
 *                      then (client_dns_recover).
 *
 * A killed evsd cannot revert resolved's settings of the device either
 * (a "~." left there sends every name into a tunnel that is gone):
 * client_dns_recover reverts them at start too.
 *
 * One session at a time owns resolv.conf; a second one's DNS is logged
 * and not applied.  WINS servers are only logged.
 */
#ifndef EVSD_CLIENT_DNS_H
#define EVSD_CLIENT_DNS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

struct client_dns_backend {
	void *arg;
	/* Is systemd-resolved running (and resolvectl there)? */
	bool (*resolved)(void *arg);
	/* Run resolvectl with argv (argv[0] "resolvectl"); 0 or -1 with e. */
	int (*resolvectl)(void *arg, char *const argv[], struct evs_err *e);
	const char *resolv_conf;	/* "/etc/resolv.conf" */
};

/* The host's own: /run/systemd/resolve and the resolvectl program. */
void client_dns_host_backend(struct client_dns_backend *b);

struct client_dns_req {
	const char *name;		/* log prefix (the session) */
	const char *device;		/* the evs device */
	bool full_tunnel;		/* no split-include list */
	const uint32_t *dns;		/* host order */
	unsigned n_dns;
	const uint8_t (*dns6)[16];	/* INTERNAL_IP6_DNS, network order */
	unsigned n_dns6;
	const uint32_t *wins;
	unsigned n_wins;
	const char *domain;		/* "" = none */
	const char *split_dns;		/* "a.example,b.example" or "" */
};

struct client_dns;

/* Apply req; NULL when there was nothing to do or it failed (logged). */
struct client_dns *client_dns_up(const struct client_dns_backend *b,
				 const struct client_dns_req *req);
/* Undo it and free. */
void client_dns_down(struct client_dns *d);
/* A backup left behind by an evsd that did not stop cleanly goes back;
 * with systemd-resolved, device's per-link settings are reverted. */
void client_dns_recover(const struct client_dns_backend *b, const char *device);

#endif
