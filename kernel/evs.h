/* SPDX-License-Identifier: GPL-2.0 */
/*
 * evs.ko internal contract: the objects every file shares and which file
 * owns what.  One job per file:
 *
 *   main.c     module init/exit, pernet registration (struct evs_net)
 *   device.c   the evs netdev: rtnl_link_ops, ndo_start_xmit -> SPD -> ESP
 *   netlink.c  generic netlink family "evs": policies, dispatch, events
 *   sad.c      SA objects: SPI hash, refcounts, lifetimes, expiry, delete
 *   spd.c      per-device SPD: exact /32 hash, then longest-prefix match
 *   stats.c    per-CPU counters, summed on read
 *   esp.c      ESP tunnel-mode output/input over the kernel crypto API
 *   replay.c   anti-replay window (bitmap up to 4096, ESN)
 *   encap.c    ESP-in-UDP (RFC 3948): encap_rcv on the UDP/4500 socket
 *   proto.c    raw ESP (IP proto 50) via xfrm4_protocol_register, coexisting
 *              with xfrm: SPIs that are not ours go on to the next handler
 *   queueing.c per-CPU crypto workers + per-SA ordered delivery
 *   conn.c     connection objects grouping SAs, policies, routes, ARP
 *   rri.c      RRI routes and proxy-ARP entries via a kernel rtnl socket
 *
 * Locking: packet-path readers use RCU only.  Writers take
 * evs_net->lock (a mutex; process context only).  Outbound sequence numbers
 * are atomic64; counters are per-CPU.
 */
#ifndef _EVS_H
#define _EVS_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/evs.h>

#ifndef EVS_VERSION
#define EVS_VERSION "0.1"
#endif

#define evs_pr(fmt) "evs: " fmt

union evs_addr {
	__be32 a4;
	struct in6_addr a6;
};

/* --- stats.c ----------------------------------------------------------- */
enum evs_stat {
	EVS_ST_RX_PACKETS,
	EVS_ST_RX_BYTES,
	EVS_ST_TX_PACKETS,
	EVS_ST_TX_BYTES,
	EVS_ST_DROP_NO_SA,
	EVS_ST_DROP_REPLAY,
	EVS_ST_DROP_AUTH,
	EVS_ST_DROP_BAD_LEN,
	EVS_ST_DROP_POLICY,
	EVS_ST_DROP_NO_POLICY,
	EVS_ST_DROP_EXPIRED,
	EVS_ST_DROP_ENCAP,
	EVS_ST_DROP_CIPHER,
	EVS_ST_DROP_OTHER,
	EVS_ST_NUM
};

struct evs_stats {
	u64 v[EVS_ST_NUM];
	struct u64_stats_sync syncp;
};

struct evs_stats __percpu *evs_stats_alloc(void);
void evs_stats_free(struct evs_stats __percpu *s);
void evs_stats_add(struct evs_stats __percpu *s, enum evs_stat which, u64 n);
void evs_stats_sum(struct evs_stats __percpu *s, u64 out[EVS_ST_NUM]);
/* Put an EVS_*_A_STATS nest with every counter. */
int evs_stats_fill(struct sk_buff *msg, int attrtype,
		   struct evs_stats __percpu *s);

/* --- device.c ---------------------------------------------------------- */
struct evs_device {
	struct net_device *dev;
	struct evs_stats __percpu *stats;	/* evs counters (drops etc.) */
	struct evs_spd *spd[2];			/* by enum evs_dir; RCU */
	struct list_head net_node;		/* evs_net->devices */
};

int evs_device_init(void);
void evs_device_exit(void);
/* Deliver a decrypted inner packet on the SA's device (NAPI/GRO or netif_rx). */
void evs_device_rx(struct evs_device *ed, struct sk_buff *skb);

/* --- replay.c ---------------------------------------------------------- */
struct evs_replay;		/* defined in replay.h, embedded via pointer */

/* --- esp.c ------------------------------------------------------------- */
struct evs_esp;			/* defined in esp.h: tfm, ivlen, icvlen ... */

/* --- sad.c ------------------------------------------------------------- */
struct evs_lifetime {
	u64 bytes_soft, bytes_hard;
	u64 packets_soft, packets_hard;
	u64 time_soft, time_hard;		/* seconds since add */
	u64 use_soft, use_hard;			/* seconds since first use */
};

/* Outer encapsulation that may change while the SA lives (NAT rebinding):
 * replaced as a whole under RCU. */
struct evs_sa_encap {
	u8 type;				/* enum evs_encap_type */
	__be16 sport, dport;
	union evs_addr peer;			/* outer peer address */
	struct rcu_head rcu;
};

struct evs_sa {
	struct hlist_node spi_node;		/* evs_net->sa_by_spi */
	struct list_head dev_node;		/* all SAs of the netns */
	struct list_head conn_node;		/* conn->sas */
	struct rcu_head rcu;
	refcount_t refcnt;
	struct net *net;
	struct evs_device *ed;			/* holds a dev reference */

	u32 spi;
	u8 dir;					/* enum evs_dir */
	u8 state;				/* enum evs_sa_state */
	u16 family;
	union evs_addr src, dst;		/* outer, as configured */
	struct evs_sa_encap __rcu *encap;
	u32 flags;				/* enum evs_sa_flags */
	u32 conn_id;

	struct evs_esp *esp;			/* crypto state, esp.c */
	struct evs_replay *replay;		/* inbound only, replay.c */
	atomic64_t oseq;			/* outbound: last seq used */

	struct evs_lifetime limits;
	atomic64_t cur_bytes, cur_packets;	/* lifetime accounting */
	u64 add_time;				/* boottime ns */
	u64 use_time;				/* boottime ns, 0 = unused */
	unsigned long soft_fired, hard_fired;	/* test_and_set_bit flags */
	struct delayed_work expire_work;

	struct evs_stats __percpu *stats;
	/* Inbound selector check: the policies bound to this SA. */
	struct list_head policies;
};

struct evs_sa *evs_sa_lookup_in(struct net *net, __be32 daddr, u32 spi);
struct evs_sa *evs_sa_get(struct evs_sa *sa);	/* NULL-safe */
void evs_sa_put(struct evs_sa *sa);
/* Account bytes/packets against lifetimes; schedules expiry work when a
 * limit is crossed.  Callable from any context.  Returns false when the SA
 * is dead (hard expired / exhausted) and the packet must be dropped. */
bool evs_sa_account(struct evs_sa *sa, unsigned int bytes);
/* Kill from the packet path (sequence exhausted): marks dead, defers delete. */
void evs_sa_kill_async(struct evs_sa *sa, u8 reason);

/* --- spd.c ------------------------------------------------------------- */
struct evs_policy {
	struct rcu_head rcu;
	u8 dir, action, proto;
	u16 family;
	union evs_addr src, dst;
	u8 src_plen, dst_plen;
	__be16 sport, dport;			/* 0 = any */
	u32 priority;
	u32 spi;
	u32 conn_id;
	struct evs_sa __rcu *sa;		/* resolved on add */
	atomic64_t hits;
};

/* Outbound: policy for an inner packet (exact /32 dst first, then LPM). */
struct evs_policy *evs_spd_lookup(struct evs_device *ed, u8 dir,
				  const struct sk_buff *skb);
/* Inbound source check: is this decrypted inner packet allowed on @sa? */
bool evs_spd_check_in(struct evs_device *ed, struct evs_sa *sa,
		      const struct sk_buff *skb);

/* --- per network namespace (main.c) ------------------------------------ */
#define EVS_SA_HASH_BITS 16

struct evs_net {
	struct net *net;
	struct mutex lock;			/* all writers */
	struct list_head devices;		/* evs_device.net_node */
	struct hlist_head *sa_by_spi;		/* RCU readers */
	struct list_head sas;			/* evs_sa.dev_node, under lock */
	unsigned int n_sa;
	struct evs_encap_sock __rcu *encap;	/* encap.c */
	struct list_head conns;			/* conn.c */
	void *rri;				/* rri.c private state */
};

extern unsigned int evs_net_id;
static inline struct evs_net *evs_net(struct net *net)
{
	return net_generic(net, evs_net_id);
}

/* --- netlink.c --------------------------------------------------------- */
int evs_genl_init(void);
void evs_genl_exit(void);
/* Multicast an event (EVS_CMD_EV_*) about @sa to the events group. */
void evs_nl_notify_sa(struct evs_sa *sa, u8 cmd, bool hard, u8 reason);

#endif /* _EVS_H */
