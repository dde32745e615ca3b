/* SPDX-License-Identifier: MIT */
/*
 * config: /etc/evs/evsd.conf — a small explicit grammar (documented in
 * Documentation/evsd.conf.5), parsed into a generic tree of directives,
 * then interpreted section by section:
 *   config_ike.c       (ike-core)   policies, transform sets, keys, peers,
 *                                   pki, timers, listen, device, logging
 *   config_easyvpn.c   (ike-server) groups, users, pools, RADIUS, ...
 *
 * Grammar (one directive per line):
 *	file      = { line }
 *	line      = [ directive | "}" ] [ "#" comment ] newline
 *	directive = word { word } [ "{" ]      -- "{" opens a block that ends
 *	                                          at a line holding only "}"
 *	word      = bare | quoted
 *	bare      = 1*( any printable except space, tab, '"', '#', '{', '}' )
 *	quoted    = '"' { char | '\"' | '\\' } '"'   (no newline inside)
 * Every error is reported as "file:line: reason".
 *
 * Interpreting: each section interpreter walks root->child, handles the
 * top-level directives it owns, sets node->used on them, and validates
 * their children completely itself (unknown child -> error).  After all
 * interpreters ran, cfg_check_unused() reports the first top-level
 * directive nobody claimed.
 */
#ifndef EVSD_CONFIG_H
#define EVSD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <net/if.h>

#include "evsd/cert.h"
#include "evsd/proposal.h"
#include "evsd/secret.h"
#include "evsd/session.h"

#define EVSD_CONF_PATH "/etc/evs/evsd.conf"

/* ---- the generic tree ---------------------------------------------------- */

struct cfg_node {
	struct cfg_node *parent;
	struct cfg_node *child;		/* first child (blocks) */
	struct cfg_node *next;		/* next sibling */
	const char *file;		/* shared, owned by the root */
	unsigned line;
	unsigned argc;			/* argv[0] is the keyword */
	char **argv;
	bool block;			/* had "{ ... }" */
	bool used;			/* claimed by an interpreter */
};

struct cfg_err {
	char msg[512];			/* "file:line: reason" */
};

/* Parse a file / a string (name is used as the file name in errors).
 * Returns the root (argc 0, block) or NULL with *err filled.  Limits: 64
 * words per line, 4096 bytes per line, blocks nested 8 deep, 1 MiB. */
struct cfg_node *cfg_parse_file(const char *path, struct cfg_err *err);
struct cfg_node *cfg_parse_string(const char *text, const char *name,
				  struct cfg_err *err);
/* Frees the tree, wiping every word first (keys are in there). */
void cfg_free(struct cfg_node *root);

/* Fill *err with "file:line: " + message for node n; returns -1 so
 * interpreters can `return cfg_error(err, n, "...")`. */
int cfg_error(struct cfg_err *err, const struct cfg_node *n,
	      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* True if n's first words are exactly the given ones (NULL-terminated):
 * cfg_is(n, "crypto", "isakmp", "policy", NULL). */
bool cfg_is(const struct cfg_node *n, ...) __attribute__((sentinel));
/* argc in [min, max] (counting the keyword words), else error "… expects …". */
int cfg_nargs(const struct cfg_node *n, unsigned min, unsigned max,
	      struct cfg_err *err);
/* Must (not) have a block. */
int cfg_want_block(const struct cfg_node *n, bool block, struct cfg_err *err);
/* argv[idx] as an unsigned number within [min, max]. */
int cfg_u32(const struct cfg_node *n, unsigned idx, uint32_t min,
	    uint32_t max, uint32_t *out, struct cfg_err *err);
/* argv[idx] as one of names[] (NULL-terminated): returns the index or -1
 * with an error listing the choices. */
int cfg_choice(const struct cfg_node *n, unsigned idx,
	       const char *const *names, struct cfg_err *err);
/* argv[idx] as an IPv4/IPv6 address, optionally "/plen" when plen != NULL
 * (no "/" = full length).  Port is set to 0. */
int cfg_addr(const struct cfg_node *n, unsigned idx,
	     struct sockaddr_storage *ss, uint8_t *plen, struct cfg_err *err);
/* argv[idx] copied into a sealed secret (the word stays in the tree until
 * cfg_free wipes it). */
int cfg_secret(const struct cfg_node *n, unsigned idx, struct secret **out,
	       struct cfg_err *err);
/* Error for the first top-level directive with !used. */
int cfg_check_unused(const struct cfg_node *root, struct cfg_err *err);

/* ---- the IKE part (config_ike.c) ------------------------------------------ */

struct ike_timers {
	uint32_t retransmit_ms;		/* first retransmit; doubles each time */
	uint32_t retransmit_count;	/* then give up */
	uint32_t half_open_max;		/* Phase 1 exchanges not yet done */
	uint32_t half_open_timeout;	/* seconds an exchange may take */
	uint32_t rate_limit;		/* new exchanges per source per second */
	uint32_t dpd_interval;		/* seconds of silence before R-U-THERE;
					 * 0 = DPD off */
	uint32_t dpd_retries;		/* unanswered R-U-THEREs = dead */
	uint32_t nat_keepalive;		/* seconds, 0 = off */
	uint32_t half_open_per_source;	/* half-open Phase 1s of one address */
	uint32_t unauth_max;		/* sessions past Phase 1, not yet
					 * through XAUTH/mode config */
	uint32_t unauth_per_source;	/* such sessions of one address */
	uint32_t exchanges_max;		/* quick mode/transaction exchanges
					 * kept per ISAKMP SA */
	uint32_t msgids_max;		/* message ids remembered per ISAKMP
					 * SA (replay); then new ones refused */
	uint32_t conns_max;		/* Phase 2 connections per session
					 * (<= EZV_MAX_CONNS, each accounted) */
};

#define IKE_PEER_MAX_NETS 8

/* `crypto isakmp key SECRET address A[/plen] [no-xauth] [aggressive]`
 * (PSK by peer address).  Such a peer is remote access (XAUTH before
 * Phase 2) unless marked no-xauth: a site-to-site peer, whose quick modes
 * may use only the selectors of the key's block (local: ours, remote:
 * the peer's).  aggressive: the key also answers aggressive mode for
 * identities other than a group name (KEY_ID). */
struct ike_psk {
	struct sockaddr_storage addr;
	uint8_t plen;
	struct secret *key;
	bool no_xauth;
	bool aggressive;
	struct evs_prefix local_nets[IKE_PEER_MAX_NETS];
	unsigned n_local_nets;
	struct evs_prefix remote_nets[IKE_PEER_MAX_NETS];
	unsigned n_remote_nets;
	const char *file;
	unsigned line;
};

/* Our Phase 1 identity. */
enum ike_identity {
	IKE_IDENT_ADDRESS = 0,		/* default */
	IKE_IDENT_FQDN,
	IKE_IDENT_USER_FQDN,
	IKE_IDENT_DN,			/* our certificate's subject */
	IKE_IDENT_KEY_ID,		/* aggressive PSK: the group name */
};

enum ike_ezvpn_mode {
	IKE_EZVPN_CLIENT = 0,		/* default */
	IKE_EZVPN_NETWORK_EXTENSION,
};

/* A `peer NAME { ... }` block: evsd as Easy VPN client (EVC). */
struct ike_peer {
	char name[64];
	const char *file;
	unsigned line;
	struct sockaddr_storage server;	/* port set (default 500) */
	bool aggressive;
	char group_name[64];		/* sent as ID_KEY_ID in aggressive mode */
	struct secret *group_key;	/* PSK; NULL with rsa-sig only */
	struct p1_caps caps;
	size_t set_idx[8];		/* indices into ike_config.sets */
	size_t n_sets;
	struct p2_params p2;
	enum ike_identity ident;
	char ident_value[256];		/* FQDN / user FQDN / key id */
	char xauth_user[128];		/* empty = no XAUTH credentials */
	struct secret *xauth_pass;
	/* What the client does with the tunnel (clientcfg.c, session.c):
	 * client mode puts the address the gateway assigns on the host and
	 * hides local_nets behind it; network-extension mode keeps the
	 * host's addresses and tunnels local_nets as they are. */
	enum ike_ezvpn_mode ezvpn_mode;
	struct evs_prefix local_nets[IKE_PEER_MAX_NETS];	/* local-network */
	unsigned n_local_nets;
	/* remote-network: tunnelled when the gateway pushes no split list */
	struct evs_prefix remote_nets[IKE_PEER_MAX_NETS];
	unsigned n_remote_nets;
	char addr_device[IFNAMSIZ];	/* "" = the evs device */
};

struct ike_config {
	/* global */
	int log_level;			/* enum evsd_log_level */
	char device[IFNAMSIZ];		/* the evs device, default "evs0" */
	unsigned n_listen;
	struct sockaddr_storage listen[8];	/* none = 0.0.0.0 */
	uint16_t port;			/* 500 */
	uint16_t natt_port;		/* 4500 */
	enum ike_identity ident;
	char ident_value[256];
	/* Phase 1 (server): sorted by number */
	size_t n_policies;
	struct p1_policy *policies;
	size_t n_psks;
	struct ike_psk *psks;
	/* Phase 2: transform sets in file order, server parameters */
	size_t n_sets;
	struct p2_set *sets;
	struct p2_params p2;
	/* pki (NULL paths = none); loaded and checked at config time */
	char *ca_file, *cert_file, *key_file, *crl_file;
	struct cert_store *certs;
	struct ike_timers timers;
	/* client role */
	size_t n_peers;
	struct ike_peer *peers;
};

/* Interpret the IKE directives of a parsed tree into *ike (zeroed first,
 * then defaults).  Weak algorithms (DES, MD5, group 2) are accepted when
 * configured and logged as weak (warn).  On error -1 with *err. */
int config_ike_load(struct cfg_node *root, struct ike_config *ike,
		    struct cfg_err *err);
void config_ike_free(struct ike_config *ike);

/* PSK for a peer address (longest prefix), NULL if none. */
const struct secret *ike_config_psk(const struct ike_config *ike,
				    const struct sockaddr *peer);
/* The whole `crypto isakmp key` entry it comes from, NULL if none. */
const struct ike_psk *ike_config_psk_entry(const struct ike_config *ike,
					   const struct sockaddr *peer);
/* Transform set by name, or NULL. */
const struct p2_set *ike_config_set(const struct ike_config *ike,
				    const char *name);

/* ---- the whole configuration ---------------------------------------------- */

struct easyvpn_config;			/* config_easyvpn.c (ike-server) */

struct evsd_config {
	char *path;
	struct cfg_node *tree;		/* kept until evsd_config_free */
	struct ike_config ike;
	struct easyvpn_config *easyvpn;	/* set by the easyvpn extension */
};

/* Section interpreters other than IKE register here, before loading:
 * config_easyvpn.c does it from a constructor, or main.c calls
 * config_register_ext(); registering the same ext twice is a no-op. */
struct config_ext {
	const char *name;
	int (*load)(struct cfg_node *root, struct evsd_config *cfg,
		    struct cfg_err *err);
	void (*free)(struct evsd_config *cfg);
	/* Optional: what evsd would still refuse at start beyond parsing
	 * (files the section names); appends a summary ("2 groups, ...") to
	 * sum.  0, or -1 with *err set. */
	int (*check)(const struct evsd_config *cfg, char *sum, size_t len,
		     struct cfg_err *err);
};
void config_register_ext(const struct config_ext *ext);

/* Parse path, run config_ike_load and every registered extension, then
 * cfg_check_unused.  On error everything is freed, *cfg is zeroed and
 * *err says file:line: reason. */
int evsd_config_load(const char *path, struct evsd_config *cfg,
		     struct cfg_err *err);
void evsd_config_free(struct evsd_config *cfg);

/* What evsd refuses at start in a loaded configuration for its role: a
 * gateway (client false) without any isakmp policy, a client without a
 * peer block.  0, or -1 with *err set. */
int evsd_config_check_role(const struct evsd_config *cfg, bool client,
			   struct cfg_err *err);

/* `evsd [--client] --check-config [-c path]`: load, run
 * evsd_config_check_role and every extension's check, print "path: ok" and
 * a one-line summary (policies, transform sets, peers, and the extensions'
 * counts) to out, or the error to errout.  Returns the process exit status
 * (0 / 1). */
int evsd_check_config(const char *path, bool client, FILE *out, FILE *errout);

#endif
