/* SPDX-License-Identifier: MIT */
/*
 * client_fw: the client role's inbound filter.  When a gateway pushes a
 * firewall type in mode config (UNITY_FW_TYPE, modecfg.h), what arrives
 * through the tunnel (the evs device) may only be a reply to what the
 * branch opened (conntrack established/related) or what the peer block's
 * `firewall-allow` lines let in; every other packet from the tunnel, to
 * this host (input) or through it to the LAN behind it (forward), is
 * dropped.
 *
 * One nftables table, `inet evs_client_fw`, holds the rules of every peer
 * whose gateway asked for a firewall (their allow lines add up: the evs
 * device is shared).  It is written whole through `nft -f -` (pat.c's
 * runner, one transaction) whenever that set changes, deleted when it
 * becomes empty, and deleted at start-up (a crash's leftover).
 */
#ifndef EVSD_CLIENT_FW_H
#define EVSD_CLIENT_FW_H

#include <stddef.h>

#include "ike/engine/ike_config.h"

#define CLIENT_FW_TABLE "evs_client_fw"
/* The counter of what the filter dropped (zero again when the table is
 * rewritten: another peer's filter joins or leaves). */
#define CLIENT_FW_DROPS "dropped"

/* The rules of one peer: its name (for the comment) and allow lines. */
struct client_fw_peer {
	const char *name;
	const struct ike_fw_allow *allow;
	unsigned n_allow;
};

/* The script that (re)creates the table for dev and peers (n >= 1):
 * atomically replaces a table of the same name.  Returns the length, or
 * -1 if out is too small. */
int client_fw_script(const char *dev, const struct client_fw_peer *peers, unsigned n,
		     char *out, size_t outlen);
/* The script that removes the table, whether or not it exists. */
int client_fw_remove_script(char *out, size_t outlen);

#endif
