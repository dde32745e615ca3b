/* SPDX-License-Identifier: MIT */
/*
 * evs generic netlink messages as C structs: builders that append an
 * object's attributes to a message and decoders that turn a reply or an
 * event back into the struct.  Shared by evsadm and evsd; pure (no I/O),
 * so both directions are unit-tested on the host.
 *
 * Each struct has a `has` bit mask indexed by the object's attribute
 * type (EVS_SA_A_SPI, EVS_POL_A_PROTO, ...): a builder emits exactly the
 * attributes whose bit is set, a decoder sets the bit of each attribute
 * it found.  Family attributes are implied by the addresses and emitted
 * with them.
 */
#ifndef EVS_LIB_MSG_H
#define EVS_LIB_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/evs.h>

#include "lib/parse.h"

#define EVS_HAS(obj, attr)	((((obj)->has) >> (attr)) & 1)
#define EVS_SET(obj, attr)	((obj)->has |= 1ULL << (attr))

#define EVS_ALGO_NAME_MAX	64	/* CRYPTO_MAX_ALG_NAME */
#define EVS_KEY_MAX		128	/* bytes; the longest real key is 64 */
#define EVS_LABEL_MAX		64	/* EVS_CONN_A_LABEL, bytes without NUL */

struct evs_lft {
	uint64_t has;			/* bit per EVS_LFT_A_* */
	uint64_t v[EVS_LFT_A_MAX + 1];
};

struct evs_counters {
	uint64_t has;			/* bit per EVS_STATS_A_* */
	uint64_t v[EVS_STATS_A_MAX + 1];
};

/* Top-level attributes most objects travel with. */
struct evs_msg_dev {
	uint32_t ifindex;		/* EVS_A_IFINDEX, 0 = absent */
	char ifname[IF_NAMESIZE];	/* EVS_A_IFNAME, "" = absent */
};

struct evs_sa_info {
	uint64_t has;			/* bit per EVS_SA_A_* */
	struct evs_msg_dev dev;
	uint8_t dir;
	uint32_t spi;
	struct evs_inaddr src, dst;	/* EVS_SA_A_FAMILY follows src */
	char aead_name[EVS_ALGO_NAME_MAX];
	uint8_t aead_key[EVS_KEY_MAX];
	uint16_t aead_key_len;
	uint32_t aead_icv_bits;
	char enc_name[EVS_ALGO_NAME_MAX];
	uint8_t enc_key[EVS_KEY_MAX];
	uint16_t enc_key_len;
	char auth_name[EVS_ALGO_NAME_MAX];
	uint8_t auth_key[EVS_KEY_MAX];
	uint16_t auth_key_len;
	uint32_t auth_trunc_bits;
	uint32_t key_bits, auth_key_bits;	/* reported */
	uint8_t encap_type;
	uint16_t encap_sport, encap_dport;
	uint32_t replay_window;
	uint32_t flags;
	struct evs_lft limits, curlft;
	uint32_t conn_id;
	struct evs_counters stats;
	uint64_t oseq, seq_hi;
	uint8_t state;
};

struct evs_policy_info {
	uint64_t has;			/* bit per EVS_POL_A_* */
	struct evs_msg_dev dev;
	uint8_t dir;
	struct evs_inaddr src, dst;	/* prefixes; FAMILY/PLEN follow */
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t action;
	uint32_t spi, priority, conn_id;
	uint64_t hits;
};

struct evs_conn_info {
	uint64_t has;			/* bit per EVS_CONN_A_* */
	uint32_t id;
	uint32_t n_sa, n_policy, n_route, n_proxy_arp;
	char label[EVS_LABEL_MAX + 1];
};

struct evs_route_info {
	uint64_t has;			/* bit per EVS_ROUTE_A_* */
	struct evs_inaddr dst;		/* FAMILY/PLEN follow */
	uint32_t metric, table, conn_id, ifindex;
};

struct evs_parp_info {
	uint64_t has;			/* bit per EVS_PARP_A_* */
	struct evs_inaddr addr;		/* IPv4 (proxy ARP) or IPv6 (proxy NDP) */
	uint32_t ifindex, conn_id;
	uint8_t enable;
	uint16_t family;		/* EVS_PARP_A_FAMILY; addr's wins */
};

struct evs_link_info {
	struct evs_msg_dev dev;
	bool has_stats;
	struct evs_counters stats;
};

/* What an event (EVS_CMD_EV_*) carries; the object matching the command. */
struct evs_event {
	uint8_t cmd;
	bool hard;			/* EV_EXPIRE */
	bool has_reason;
	uint8_t reason;			/* enum evs_del_reason */
	uint8_t op;			/* enum evs_event_op, 0 = absent */
	struct evs_msg_dev dev;
	struct evs_sa_info sa;
	struct evs_policy_info policy;
	struct evs_conn_info conn;
	struct evs_route_info route;
	struct evs_parp_info parp;
};

/* --- building: append to a message from evs_nl_msg_start() ------------- */
void evs_msg_put_dev(struct nlmsghdr *nlh, const struct evs_msg_dev *dev);
/* dev + EVS_A_SA nest (keys included: callers wipe them afterwards). */
void evs_msg_put_sa(struct nlmsghdr *nlh, const struct evs_sa_info *sa);
void evs_msg_put_policy(struct nlmsghdr *nlh, const struct evs_policy_info *pol);
void evs_msg_put_conn(struct nlmsghdr *nlh, const struct evs_conn_info *conn);
void evs_msg_put_route(struct nlmsghdr *nlh, const struct evs_route_info *rt);
void evs_msg_put_parp(struct nlmsghdr *nlh, const struct evs_parp_info *parp);

/* --- decoding: 0 on success, -1 (errno EBADMSG) if malformed ---------- */
int evs_msg_get_dev(const struct nlmsghdr *nlh, struct evs_msg_dev *dev);
int evs_msg_get_sa(const struct nlattr *nest, struct evs_sa_info *sa);
int evs_msg_get_policy(const struct nlattr *nest, struct evs_policy_info *pol);
int evs_msg_get_conn(const struct nlattr *nest, struct evs_conn_info *conn);
int evs_msg_get_route(const struct nlattr *nest, struct evs_route_info *rt);
int evs_msg_get_parp(const struct nlattr *nest, struct evs_parp_info *parp);
int evs_msg_get_lft(const struct nlattr *nest, struct evs_lft *lft);
int evs_msg_get_counters(const struct nlattr *nest, struct evs_counters *c);

/* A whole reply message: top-level dev + the object's nest (required). */
int evs_msg_parse_sa(const struct nlmsghdr *nlh, struct evs_sa_info *sa);
int evs_msg_parse_policy(const struct nlmsghdr *nlh, struct evs_policy_info *pol);
int evs_msg_parse_conn(const struct nlmsghdr *nlh, struct evs_conn_info *conn);
int evs_msg_parse_route(const struct nlmsghdr *nlh, struct evs_route_info *rt);
int evs_msg_parse_parp(const struct nlmsghdr *nlh, struct evs_parp_info *parp);
int evs_msg_parse_link(const struct nlmsghdr *nlh, struct evs_link_info *link);
int evs_msg_parse_version(const struct nlmsghdr *nlh, char *version, size_t len,
			  uint32_t *genl_version);
int evs_msg_parse_event(const struct nlmsghdr *nlh, struct evs_event *ev);

/* Zero key material (explicit_bzero: not optimised away). */
void evs_sa_info_wipe(struct evs_sa_info *sa);

/* --- names (stable: JSON keys and CLI words) -------------------------- */
/* "rx_packets", "drop_replay", ...; NULL for unknown types. */
const char *evs_stats_name(unsigned int type);
/* "bytes-soft" ... "use-hard" (CLI), "bytes", "add-time" ...; NULL if unknown. */
const char *evs_lft_name(unsigned int type);
const char *evs_dir_name(uint8_t dir);			/* "in", "out" */
const char *evs_sa_state_name(uint8_t state);		/* "valid", ... */
const char *evs_pol_action_name(uint8_t action);	/* "ipsec", "bypass", "drop" */
const char *evs_reason_name(uint8_t reason);		/* "user", "hard-expire", ... */
const char *evs_event_name(uint8_t cmd);		/* "expire", "sa-deleted", ... */

#endif
