/* SPDX-License-Identifier: MIT */
/*
 * ike_config: the IKE sections of evsd.conf (policies, transform sets,
 * keys, peers, pki, timers, listen, device, logging) as the engine reads
 * them; ike_config.c interprets a parsed tree (lib/conftree.h) into it.
 */
#ifndef EVS_IKE_CONFIG_H
#define EVS_IKE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>

#include "ike/cert.h"
#include "ike/proposal.h"
#include "lib/conftree.h"
#include "lib/prefix.h"
#include "lib/secret.h"

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

/* firewall-allow: what may open a connection from the tunnel into the
 * branch when the gateway pushes a firewall policy (client_fw.h). */
#define IKE_PEER_MAX_FW_ALLOW 16
struct ike_fw_allow {
	uint8_t proto;			/* 0 = any, else IPPROTO_TCP/UDP/ICMP */
	uint16_t port;			/* destination port, 0 = any (TCP/UDP) */
	struct evs_prefix from;		/* source; family 0 = anywhere */
};

/* A `peer NAME { ... }` block: evsd as Easy VPN client (EVC). */
#define IKE_PEER_MAX_SERVERS 4
struct ike_peer {
	char name[64];
	const char *file;
	unsigned line;
	struct sockaddr_storage server;	/* the primary (servers[0]) */
	/* every `server` line, in order: the gateways to try (failover.h) */
	struct sockaddr_storage servers[IKE_PEER_MAX_SERVERS];	/* IPv4 or IPv6 */
	unsigned n_servers;
	uint32_t return_after;		/* return-to-primary after S; 0 = never */
	bool aggressive;
	char group_name[64];		/* sent as ID_KEY_ID in aggressive mode */
	struct secret *group_key;	/* PSK; NULL with rsa-sig only */
	struct p1_caps caps;
	size_t set_idx[8];		/* indices into ike_config.sets */
	size_t n_sets;
	struct p2_params p2;
	enum ike_identity ident;
	char ident_value[256];		/* FQDN / user FQDN / key id */
	/* hybrid: the name the gateway's certificate must carry (dNSName);
	 * empty = the server address (iPAddress) */
	char server_name[256];
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
	/* connect manual: no Phase 1 until `evsadm client connect` */
	bool connect_manual;
	/* firewall off: no firewall reported in mode config, no filter */
	bool firewall_off;
	/* ipv6 off: no IPv6 address, DNS or networks asked in mode config */
	bool ipv6_off;
	struct ike_fw_allow fw_allow[IKE_PEER_MAX_FW_ALLOW];
	unsigned n_fw_allow;
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
int ike_config_load(struct cfg_node *root, struct ike_config *ike,
		    struct evs_err *err);
void ike_config_free(struct ike_config *ike);

/* PSK for a peer address (longest prefix), NULL if none. */
const struct secret *ike_config_psk(const struct ike_config *ike,
				    const struct sockaddr *peer);
/* The whole `crypto isakmp key` entry it comes from, NULL if none. */
const struct ike_psk *ike_config_psk_entry(const struct ike_config *ike,
					   const struct sockaddr *peer);
/* Transform set by name, or NULL. */
const struct p2_set *ike_config_set(const struct ike_config *ike,
				    const char *name);

#endif
