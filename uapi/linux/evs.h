/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * evs: Easy VPN data path -- the generic netlink interface shared by
 * evs.ko, evsd and evsadm.  This is the one contract between the kernel
 * and userspace; add to the end of enums, never renumber.
 *
 * Conventions:
 *  - Addresses are raw network-order bytes: 4 bytes for AF_INET, 16 for
 *    AF_INET6, with EVS_*_A_FAMILY saying which.
 *  - SPIs are u32 in host order (the numeric SPI value).
 *  - Ports are u16 in host order.
 *  - Every object is per network namespace; SAs and policies also belong to
 *    one evs device (EVS_A_IFINDEX or EVS_A_IFNAME at top level).
 */
#ifndef _UAPI_LINUX_EVS_H
#define _UAPI_LINUX_EVS_H

#define EVS_GENL_NAME		"evs"
#define EVS_GENL_VERSION	1
#define EVS_GENL_MCGRP_EVENTS	"events"
#define EVS_LINK_KIND		"evs"
/* Routes the module installs carry this rtm_protocol ("evs" in rt_protos.d). */
#define EVS_RTPROT		77

enum evs_cmd {
	EVS_CMD_UNSPEC,
	EVS_CMD_GET_VERSION,	/* -> EVS_A_VERSION, EVS_A_GENL_VERSION */
	EVS_CMD_LINK_GET,	/* dump evs devices with EVS_A_STATS */

	EVS_CMD_SA_ADD,
	EVS_CMD_SA_UPDATE,	/* change encap ports/addr, lifetimes in place */
	EVS_CMD_SA_DEL,
	EVS_CMD_SA_GET,		/* doit by (ifindex, dir, spi); dumpit */
	EVS_CMD_SA_FLUSH,	/* optional EVS_A_IFINDEX */

	EVS_CMD_POLICY_ADD,
	EVS_CMD_POLICY_DEL,
	EVS_CMD_POLICY_GET,	/* dumpit */
	EVS_CMD_POLICY_FLUSH,

	EVS_CMD_CONN_ADD,
	EVS_CMD_CONN_DEL,	/* removes the connection and all it owns */
	EVS_CMD_CONN_GET,	/* doit/dumpit */
	EVS_CMD_CONN_FLUSH,

	EVS_CMD_ROUTE_ADD,
	EVS_CMD_ROUTE_DEL,
	EVS_CMD_ROUTE_GET,	/* dumpit */

	EVS_CMD_PROXY_ARP_ADD,
	EVS_CMD_PROXY_ARP_DEL,
	EVS_CMD_PROXY_ARP_GET,	/* dumpit */
	EVS_CMD_PROXY_ARP_SET,	/* interface-wide toggle: IFINDEX + ENABLE */

	EVS_CMD_ENCAP_ATTACH,	/* hand evsd's UDP/4500 socket over: EVS_A_ENCAP_FD */
	EVS_CMD_ENCAP_DETACH,	/* unhook evsd's sockets; EVS_A_ENCAP_STANDIN: close the module's */

	/* Events, multicast on EVS_GENL_MCGRP_EVENTS. */
	EVS_CMD_EV_EXPIRE,	/* EVS_A_SA + EVS_A_EXPIRE_HARD flag */
	EVS_CMD_EV_SA_DELETED,	/* EVS_A_SA */
	EVS_CMD_EV_NAT_MAPPING,	/* EVS_A_SA with the new ENCAP_* and DST */
	EVS_CMD_EV_CONN_DELETED,/* EVS_A_CONN */
	EVS_CMD_EV_ROUTE,	/* EVS_A_ROUTE + EVS_A_EVENT_OP */
	EVS_CMD_EV_PROXY_ARP,	/* EVS_A_PROXY_ARP + EVS_A_EVENT_OP */
	EVS_CMD_EV_POLICY,	/* EVS_A_POLICY + EVS_A_EVENT_OP */
	EVS_CMD_EV_SA_ADDED,	/* EVS_A_SA */

	/* Add many SAs and policies in one request: EVS_A_BATCH (below). */
	EVS_CMD_BATCH_ADD,

	__EVS_CMD_MAX
};
#define EVS_CMD_MAX (__EVS_CMD_MAX - 1)

enum evs_attr {
	EVS_A_UNSPEC,
	EVS_A_PAD,
	EVS_A_VERSION,		/* string: module version */
	EVS_A_GENL_VERSION,	/* u32 */
	EVS_A_IFINDEX,		/* u32: the evs device */
	EVS_A_IFNAME,		/* string: the evs device, alternative */
	EVS_A_SA,		/* nest: enum evs_sa_attr */
	EVS_A_POLICY,		/* nest: enum evs_pol_attr */
	EVS_A_CONN,		/* nest: enum evs_conn_attr */
	EVS_A_ROUTE,		/* nest: enum evs_route_attr */
	EVS_A_PROXY_ARP,	/* nest: enum evs_parp_attr */
	EVS_A_STATS,		/* nest: enum evs_stats_attr (per device) */
	EVS_A_ENCAP_FD,		/* u32: UDP socket fd in the caller's process */
	EVS_A_EXPIRE_HARD,	/* flag: in EV_EXPIRE, hard (else soft) */
	EVS_A_EVENT_OP,		/* u8: enum evs_event_op */
	EVS_A_REASON,		/* u8: enum evs_del_reason */
	EVS_A_BATCH,		/* nest of EVS_A_CONN / _SA / _POLICY items, in order */
	EVS_A_DUMP_BRIEF,	/* flag: SA dump without STATS and CURLFT */
	EVS_A_ENCAP_STANDIN,	/* flag: ENCAP_DETACH closes the module's own
				 * UDP sockets (stand-ins), not the daemon's */
	EVS_A_REPLACE,		/* flag: POLICY_ADD replaces the connection's
				 * policy with the same selector in one step */
	__EVS_A_MAX
};
#define EVS_A_MAX (__EVS_A_MAX - 1)

/*
 * EVS_CMD_BATCH_ADD takes at most this many items.  They are added in
 * order; the first failure stops the batch and the items before it stay.
 * The ACK carries a cookie (NLMSGERR_ATTR_COOKIE, a __u32 in host order):
 * the number of items added, so on failure the index of the failing item.
 */
#define EVS_BATCH_MAX		4096

enum evs_dir {
	EVS_DIR_IN = 0,
	EVS_DIR_OUT = 1,
};

enum evs_encap_type {
	EVS_ENCAP_NONE = 0,
	EVS_ENCAP_ESPINUDP = 1,	/* RFC 3948 */
};

enum evs_sa_flags {
	EVS_SA_F_ESN		= 1 << 0,	/* 64-bit extended sequence numbers */
	EVS_SA_F_ALLOW_WEAK	= 1 << 1,	/* permit DES, 3DES, MD5 */
};

enum evs_sa_attr {
	EVS_SA_A_UNSPEC,
	EVS_SA_A_PAD,
	EVS_SA_A_DIR,		/* u8: enum evs_dir */
	EVS_SA_A_SPI,		/* u32 */
	EVS_SA_A_FAMILY,	/* u16: AF_INET / AF_INET6 (outer) */
	EVS_SA_A_SRC,		/* binary: outer source */
	EVS_SA_A_DST,		/* binary: outer destination */
	EVS_SA_A_AEAD_NAME,	/* string: e.g. "rfc4106(gcm(aes))" */
	EVS_SA_A_AEAD_KEY,	/* binary: key || 4-byte salt; never dumped */
	EVS_SA_A_AEAD_ICV_BITS,	/* u32: 64, 96, 128 */
	EVS_SA_A_ENC_NAME,	/* string: e.g. "cbc(aes)", "ecb(cipher_null)" */
	EVS_SA_A_ENC_KEY,	/* binary; never dumped */
	EVS_SA_A_AUTH_NAME,	/* string: e.g. "hmac(sha256)", "digest_null" */
	EVS_SA_A_AUTH_KEY,	/* binary; never dumped */
	EVS_SA_A_AUTH_TRUNC_BITS,/* u32 */
	EVS_SA_A_KEY_BITS,	/* u32, reported: cipher (or AEAD) key length */
	EVS_SA_A_AUTH_KEY_BITS,	/* u32, reported: auth key length */
	EVS_SA_A_ENCAP_TYPE,	/* u8: enum evs_encap_type */
	EVS_SA_A_ENCAP_SPORT,	/* u16 */
	EVS_SA_A_ENCAP_DPORT,	/* u16 */
	EVS_SA_A_REPLAY_WINDOW,	/* u32: 0..4096 packets */
	EVS_SA_A_FLAGS,		/* u32: enum evs_sa_flags */
	EVS_SA_A_LIMITS,	/* nest: enum evs_lft_attr */
	EVS_SA_A_CURLFT,	/* nest: enum evs_lft_attr (current use) */
	EVS_SA_A_CONN_ID,	/* u32: owning connection, 0 = none */
	EVS_SA_A_STATS,		/* nest: enum evs_stats_attr */
	EVS_SA_A_OSEQ,		/* u64: next outbound sequence number - 1 */
	EVS_SA_A_SEQ_HI,	/* u64: highest inbound sequence seen; on add,
				 * inbound: every number up to it counts as seen */
	EVS_SA_A_STATE,		/* u8: enum evs_sa_state, reported */
	__EVS_SA_A_MAX
};
#define EVS_SA_A_MAX (__EVS_SA_A_MAX - 1)

enum evs_sa_state {
	EVS_SA_STATE_VALID = 0,
	EVS_SA_STATE_SOFT_EXPIRED = 1,
	EVS_SA_STATE_DEAD = 2,	/* hard expired or sequence exhausted */
};

/* Lifetimes: in LIMITS these are limits, in CURLFT current values
 * (ADD_TIME/USE_TIME then are seconds of boottime when added/first used). */
enum evs_lft_attr {
	EVS_LFT_A_UNSPEC,
	EVS_LFT_A_PAD,
	EVS_LFT_A_BYTES_SOFT,	/* u64 */
	EVS_LFT_A_BYTES_HARD,	/* u64 */
	EVS_LFT_A_PACKETS_SOFT,	/* u64 */
	EVS_LFT_A_PACKETS_HARD,	/* u64 */
	EVS_LFT_A_TIME_SOFT,	/* u64 seconds since add */
	EVS_LFT_A_TIME_HARD,	/* u64 */
	EVS_LFT_A_USE_SOFT,	/* u64 seconds since first use */
	EVS_LFT_A_USE_HARD,	/* u64 */
	EVS_LFT_A_BYTES,	/* u64, CURLFT only */
	EVS_LFT_A_PACKETS,	/* u64, CURLFT only */
	EVS_LFT_A_ADD_TIME,	/* u64, CURLFT only */
	EVS_LFT_A_USE_TIME,	/* u64, CURLFT only, 0 = never used */
	__EVS_LFT_A_MAX
};
#define EVS_LFT_A_MAX (__EVS_LFT_A_MAX - 1)

/* Counters: per SA and per device, u64 each. */
enum evs_stats_attr {
	EVS_STATS_A_UNSPEC,
	EVS_STATS_A_PAD,
	EVS_STATS_A_RX_PACKETS,
	EVS_STATS_A_RX_BYTES,
	EVS_STATS_A_TX_PACKETS,
	EVS_STATS_A_TX_BYTES,
	EVS_STATS_A_DROP_NO_SA,
	EVS_STATS_A_DROP_REPLAY,
	EVS_STATS_A_DROP_AUTH,
	EVS_STATS_A_DROP_BAD_LEN,	/* bad padding or length */
	EVS_STATS_A_DROP_POLICY,	/* inner source/dest not allowed by SA */
	EVS_STATS_A_DROP_NO_POLICY,
	EVS_STATS_A_DROP_EXPIRED,
	EVS_STATS_A_DROP_ENCAP,
	EVS_STATS_A_DROP_CIPHER,
	EVS_STATS_A_DROP_OTHER,		/* no memory, no route, ... */
	EVS_STATS_A_RX_DUMMY,		/* dummy packets (next header 59,
					 * RFC 4303 2.6): authentic, discarded */
	__EVS_STATS_A_MAX
};
#define EVS_STATS_A_MAX (__EVS_STATS_A_MAX - 1)

enum evs_pol_action {
	EVS_POL_IPSEC = 0,	/* use the SA named by EVS_POL_A_SPI */
	EVS_POL_BYPASS = 1,
	EVS_POL_DROP = 2,
};

enum evs_pol_attr {
	EVS_POL_A_UNSPEC,
	EVS_POL_A_PAD,
	EVS_POL_A_DIR,		/* u8: enum evs_dir */
	EVS_POL_A_FAMILY,	/* u16 (inner) */
	EVS_POL_A_SRC,		/* binary */
	EVS_POL_A_SRC_PLEN,	/* u8 */
	EVS_POL_A_DST,		/* binary */
	EVS_POL_A_DST_PLEN,	/* u8 */
	EVS_POL_A_PROTO,	/* u8: 0 = any */
	EVS_POL_A_SPORT,	/* u16: 0 = any */
	EVS_POL_A_DPORT,	/* u16: 0 = any */
	EVS_POL_A_ACTION,	/* u8: enum evs_pol_action */
	EVS_POL_A_SPI,		/* u32: SA in the same direction */
	EVS_POL_A_PRIORITY,	/* u32: lower wins among equal prefixes */
	EVS_POL_A_CONN_ID,	/* u32 */
	EVS_POL_A_HITS,		/* u64, reported */
	__EVS_POL_A_MAX
};
#define EVS_POL_A_MAX (__EVS_POL_A_MAX - 1)

enum evs_conn_attr {
	EVS_CONN_A_UNSPEC,
	EVS_CONN_A_PAD,
	EVS_CONN_A_ID,		/* u32, chosen by userspace, non-zero */
	EVS_CONN_A_N_SA,	/* u32, reported */
	EVS_CONN_A_N_POLICY,	/* u32, reported */
	EVS_CONN_A_N_ROUTE,	/* u32, reported */
	EVS_CONN_A_N_PROXY_ARP,	/* u32, reported */
	EVS_CONN_A_LABEL,	/* string: free text (user name), <= 64 bytes */
	__EVS_CONN_A_MAX
};
#define EVS_CONN_A_MAX (__EVS_CONN_A_MAX - 1)

enum evs_route_attr {
	EVS_ROUTE_A_UNSPEC,
	EVS_ROUTE_A_PAD,
	EVS_ROUTE_A_FAMILY,	/* u16 */
	EVS_ROUTE_A_DST,	/* binary */
	EVS_ROUTE_A_PLEN,	/* u8 */
	EVS_ROUTE_A_METRIC,	/* u32 */
	EVS_ROUTE_A_TABLE,	/* u32, default RT_TABLE_MAIN */
	EVS_ROUTE_A_CONN_ID,	/* u32, required on add */
	EVS_ROUTE_A_IFINDEX,	/* u32: the evs device the route points into */
	__EVS_ROUTE_A_MAX
};
#define EVS_ROUTE_A_MAX (__EVS_ROUTE_A_MAX - 1)

/* Proxy ARP entries (AF_INET) and their IPv6 counterpart, proxy NDP
 * entries (AF_INET6), share the PROXY_ARP commands; EVS_PARP_A_FAMILY
 * says which (absent: AF_INET).
 */
enum evs_parp_attr {
	EVS_PARP_A_UNSPEC,
	EVS_PARP_A_PAD,
	EVS_PARP_A_ADDR,	/* binary, 4 bytes (AF_INET) or 16 (AF_INET6) */
	EVS_PARP_A_IFINDEX,	/* u32: the LAN device */
	EVS_PARP_A_CONN_ID,	/* u32 */
	EVS_PARP_A_ENABLE,	/* u8: PROXY_ARP_SET toggle */
	EVS_PARP_A_FAMILY,	/* u16: AF_INET (default) or AF_INET6 */
	__EVS_PARP_A_MAX
};
#define EVS_PARP_A_MAX (__EVS_PARP_A_MAX - 1)

enum evs_event_op {
	EVS_EVENT_OP_ADD = 1,
	EVS_EVENT_OP_DEL = 2,
};

enum evs_del_reason {
	EVS_REASON_USER = 0,	/* explicit delete or flush */
	EVS_REASON_HARD_EXPIRE = 1,
	EVS_REASON_SEQ_EXHAUSTED = 2,
	EVS_REASON_CONN_DELETED = 3,
	EVS_REASON_DEVICE_GONE = 4,
};

#endif /* _UAPI_LINUX_EVS_H */
