/* SPDX-License-Identifier: MIT */
/*
 * pat: port address translation for evsd's client role -- the hosts of
 * the client's LAN (`local-network`) leave through the evs device with
 * the address the gateway assigned, as an Easy VPN hardware client in
 * client mode does.  One nftables table per peer, `evsd_pat_<peer>`,
 * holding one postrouting NAT rule.
 *
 * Why the nft program and not netlink: the rule is written once per
 * connection and removed once; no netlink nftables library (libnftnl,
 * libnftables) is among evsd's dependencies, and the nftables wire
 * format (expressions, sets, transactions) is too much to rebuild by hand
 * for one rule.  `nft -f -` applies the whole table in one transaction,
 * so a half-installed rule set cannot happen.  nft runs synchronously
 * (tens of milliseconds), only when a client connects or goes away.
 */
#ifndef EVSD_PAT_H
#define EVSD_PAT_H

#include <stdbool.h>
#include <stddef.h>

#include "ike/engine/session.h"
#include "lib/err.h"

#define PAT_TABLE_MAX 80

/* The table name for a peer: "evsd_pat_" + the name with every
 * character outside [A-Za-z0-9_] turned into '_'. */
void pat_table_name(const char *peer, char *out, size_t n);

/* The nft script that (re)creates the table: traffic from lans leaving
 * through dev is masqueraded, or, when snat_to is non-NULL (the address
 * lives on another device), SNATed to that address.  Starts by deleting
 * a table of the same name (a leftover of a crash), atomically.
 * Returns the length, or -1 if out is too small. */
int pat_script(const char *table, const char *dev, const struct evs_prefix *lans,
	       unsigned n_lans, const uint8_t *snat_to, char *out, size_t n);
/* Append printf-style to out (n bytes) at *len; false once it no longer
 * fits (then *len = n and every later call fails too). */
bool pat_appendf(char *out, size_t n, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The nft script that removes it. */
int pat_remove_script(const char *table, char *out, size_t n);

/* Run `nft -f -` with script on stdin.  0, or -1 with e (nft's own
 * message when it printed one). */
int pat_run_nft(const char *script, struct evs_err *e);
/* Run argv[0] (searched also in /usr/sbin, /sbin, /usr/bin) with input
 * (NULL: none) on stdin; 0 when it exits 0, else -1 with e (its output). */
int pat_run_prog(char *const argv[], const char *input, struct evs_err *e);

#endif
