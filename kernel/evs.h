/* SPDX-License-Identifier: GPL-2.0 */
/*
 * evs.ko internal interfaces: the objects every file shares.  One job per
 * file; the object files hold no generic netlink code, the *_nl.c files
 * parse requests and fill replies and call down into the objects, and the
 * objects announce changes through the evs_event_*() calls (events.c):
 *
 *   main.c       module init/exit, pernet registration (struct evs_net)
 *   device.c     the evs netdev: rtnl_link_ops, ndo_start_xmit -> SPD -> ESP
 *   device_nl.c  the device a request names; LINK_GET
 *   netlink.c    generic netlink family "evs": policies, command table,
 *                nested-attribute parsing
 *   events.c     the "events" multicast group: SA, NAT, connection, RRI
 *   sad.c        SA objects: SPI hash, refcounts, lifetimes, expiry, delete
 *   sad_nl.c     SA_ADD/UPDATE/DEL/GET/FLUSH; the SA fill code
 *   spd.c        per-device SPD: exact /32 hash, then longest-prefix match
 *   spd_nl.c     POLICY_ADD/DEL/GET/FLUSH
 *   stats.c      per-CPU counters, summed on read; the stats nest
 *   esp.c        ESP tunnel-mode output/input over the kernel crypto API
 *   esp_alg.c    algorithm names, keys and transforms of an SA
 *   replay.c     anti-replay window (bitmap up to 4096, ESN)
 *   encap.c      ESP-in-UDP (RFC 3948): encap_rcv on the UDP/4500 socket
 *   encap_nl.c   ENCAP_ATTACH/DETACH
 *   proto.c      raw ESP (IP proto 50) via xfrm4_protocol_register,
 *                coexisting with xfrm: SPIs that are not ours go on
 *   conn.c       connection objects grouping SAs, policies, routes, ARP
 *   conn_nl.c    CONN_ADD/DEL/GET/FLUSH; the connection fill code
 *   rri.c        RRI routes and proxy-ARP entries via a kernel rtnl socket
 *   rri_nl.c     ROUTE_* and PROXY_ARP_*; the route/ARP fill code
 *
 * Headers: evs.h (this), esp.h (esp.c, esp_alg.c, encap.c, proto.c),
 * replay.h and replay_user.h (the window, also built into a host unit
 * test), conn.h (conn*.c, rri*.c, events.c).
 *
 * Locking:
 *  - Packet-path readers use RCU only (SA hash, SPD, SA encap).
 *  - Writers take evs_net->lock (a mutex; process context only).  Never take
 *    rtnl_lock while holding evs_net->lock (device teardown takes them in the
 *    order rtnl -> evs_net->lock).
 *  - Outbound sequence numbers are atomic64; counters are per-CPU.
 *
 * Object lifetimes:
 *  - An SA is linked (SPI hash + id xarray) while it is usable; that link
 *    holds one reference, every policy bound to it holds one, and the packet
 *    path holds one across asynchronous crypto (evs_sa_lookup_in returns one;
 *    take one with evs_sa_get before starting the crypto).  The last
 *    evs_sa_put frees it after an RCU grace period in process context (keys
 *    zeroed).
 *  - A policy is freed after an RCU grace period; readers may use pol->sa
 *    inside the same RCU section without a reference.
 *  - A netns (and the module) waits until every SA it owned is freed, so
 *    work items and packets in flight may still use sa->net / sa->ed.
 */
#ifndef _EVS_H
#define _EVS_H

#include <linux/types.h>
#include <linux/in6.h>
#include <net/ipv6.h>
#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/u64_stats_sync.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/gro_cells.h>
#include <net/genetlink.h>
#include <linux/evs.h>

#ifndef EVS_VERSION
#define EVS_VERSION "0.1"
#endif

union evs_addr {
	__be32 a4;
	struct in6_addr a6;
};

static inline int evs_addr_len(u16 family)
{
	return family == AF_INET ? sizeof(__be32) : sizeof(struct in6_addr);
}

/* Put @a as a 4- or 16-byte attribute. */
static inline int evs_nla_put_addr(struct sk_buff *msg, int type, u16 family,
				   const union evs_addr *a)
{
	return nla_put(msg, type, evs_addr_len(family), a);
}

/* Addresses of either family: an IPv4 one sits in a4, the rest zero. */
static inline bool evs_addr_any(u16 family, const union evs_addr *a)
{
	return family == AF_INET ? !a->a4 : ipv6_addr_any(&a->a6);
}

static inline bool evs_addr_eq(u16 family, const union evs_addr *a,
			       const union evs_addr *b)
{
	return family == AF_INET ? a->a4 == b->a4 :
				   ipv6_addr_equal(&a->a6, &b->a6);
}

struct evs_net;
struct evs_sa;

/* Module-wide ordered-enough workqueue for SA expiry and freeing (main.c). */
extern struct workqueue_struct *evs_wq;

/* --- stats.c ----------------------------------------------------------- */
/* Same order as enum evs_stats_attr, offset by EVS_STATS_A_RX_PACKETS. */
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
	EVS_ST_RX_DUMMY,
	EVS_ST_NUM
};

struct evs_stats {
	u64_stats_t v[EVS_ST_NUM];
	struct u64_stats_sync syncp;
};

struct evs_stats __percpu *evs_stats_alloc(void);
void evs_stats_free(struct evs_stats __percpu *s);
/* Any context (process, softirq, hardirq). */
void evs_stats_add(struct evs_stats __percpu *s, enum evs_stat which, u64 n);
void evs_stats_sum(struct evs_stats __percpu *s, u64 out[EVS_ST_NUM]);
/* Put an EVS_*_A_STATS nest with the counters in @sum ... */
int evs_stats_put(struct sk_buff *msg, int attrtype,
		  const u64 sum[EVS_ST_NUM]);
/* ... or with every counter of @s. */
int evs_stats_fill(struct sk_buff *msg, int attrtype,
		   struct evs_stats __percpu *s);

/*
 * An SA's counters.  An SA carries traffic one way, so per packet it bumps
 * two: packets and bytes, per CPU (rx for inbound SAs, tx for outbound).
 * Drops and dummies are rare and count in the SA itself, as atomics: all
 * fifteen per CPU cost 120 bytes x CPUs per SA.  No SA ever counts
 * DROP_NO_SA or DROP_NO_POLICY, so they have no slot (struct evs_sa stays
 * at 512 bytes).  The netlink view is the same fifteen counters.
 */
#define EVS_ST_TRAFFIC	EVS_ST_DROP_NO_SA	/* rx/tx packets and bytes */
#define EVS_SA_EVENTS	(EVS_ST_NUM - EVS_ST_TRAFFIC - 2)

struct evs_sa_traffic {
	u64_stats_t packets, bytes;
	struct u64_stats_sync syncp;
};

/* traffic_pool.c: counters for one SA from a shared per-CPU block. */
struct evs_sa_traffic __percpu *evs_traffic_alloc(void);
void evs_traffic_free(struct evs_sa_traffic __percpu *t);
void evs_traffic_pool_exit(void);

int evs_sa_stats_init(struct evs_sa *sa);
void evs_sa_stats_free(struct evs_sa *sa);
/* One packet of @bytes through @sa; any context. */
void evs_sa_count_traffic(struct evs_sa *sa, unsigned int bytes);
/* A drop or a dummy (@which >= EVS_ST_TRAFFIC); any context. */
void evs_sa_count(struct evs_sa *sa, enum evs_stat which);
int evs_sa_stats_fill(struct sk_buff *msg, int attrtype,
		      const struct evs_sa *sa);

/* --- spd.c: structure ---------------------------------------------------- */
/*
 * One SPD per device and direction.  Policies are keyed by the *remote*
 * prefix: the inner destination outbound, the inner source inbound.  Nodes
 * (one per distinct remote prefix) live in an rhashtable keyed by
 * (masked address, prefix length); a lookup probes the used prefix lengths
 * from longest (/32, the exact-host case) to shortest, so its cost depends
 * on the number of distinct prefix lengths, not on the number of policies.
 */
#define EVS_SPD_PLENS 129		/* 0..128 */

/* Prefix lengths are counted per family: index 0 IPv4, 1 IPv6. */
static inline int evs_fam_idx(u16 family)
{
	return family == AF_INET6;
}

struct evs_spd {
	struct rhashtable nodes;
	unsigned int plen_count[2][EVS_SPD_PLENS];	/* writers, under lock */
	DECLARE_BITMAP(plens[2], EVS_SPD_PLENS);	/* readers */
	unsigned int n_policies;
	bool ready;				/* nodes initialised */
};

/* --- device.c ---------------------------------------------------------- */
struct evs_device {
	struct net_device *dev;
	struct evs_net *en;
	struct evs_stats __percpu *stats;	/* evs counters (drops etc.) */
	struct evs_spd spd[2];			/* by enum evs_dir */
	struct gro_cells gro_cells;
	struct list_head net_node;		/* evs_net->devices, rtnl */
	bool dead;				/* set under en->lock at uninit */
};

int evs_device_init(void);
void evs_device_exit(void);
bool evs_is_evs_device(const struct net_device *dev);
/* Look up an evs device by ifindex in @net; caller holds RCU or en->lock. */
struct evs_device *evs_device_by_index(struct net *net, int ifindex);
/* Deliver a decrypted inner IP packet on @ed (softirq context: GRO cells).
 * Counts rx packets/bytes on the device.  Consumes @skb.
 */
void evs_device_rx(struct evs_device *ed, struct sk_buff *skb);
/* Count a dropped packet: reason on the device (and on @sa if non-NULL),
 * plus the standard rx_dropped/tx_dropped.  Does not free the skb.
 */
void evs_device_drop(struct evs_device *ed, struct evs_sa *sa,
		     enum evs_stat reason, bool rx);
/* Unregister every evs device of @net (pernet exit; caller holds rtnl). */
void evs_device_kill_net(struct net *net, struct list_head *head);
/* device_nl.c: the evs device named by EVS_A_IFINDEX or EVS_A_IFNAME (RCU
 * or lock held); sets an extack message and returns NULL when there is
 * none.
 */
struct evs_device *evs_nl_device(struct genl_info *info);
int evs_nl_link_get(struct sk_buff *skb, struct genl_info *info);
int evs_nl_link_dump(struct sk_buff *skb, struct netlink_callback *cb);

/* --- sad.c ------------------------------------------------------------- */
struct evs_lifetime {
	u64 bytes_soft, bytes_hard;
	u64 packets_soft, packets_hard;
	u64 time_soft, time_hard;		/* seconds since add */
	u64 use_soft, use_hard;			/* seconds since first use */
};

/* Outer encapsulation that may change while the SA lives (NAT rebinding):
 * replaced as a whole under RCU by SA_UPDATE.  Outbound packets go from
 * sa->src, UDP port sport, to peer, UDP port dport.  For an inbound SA
 * peer is the expected outer source (sa->src as configured) and sport/dport
 * are as the packets carry them (peer's port is sport).
 */
struct evs_sa_encap {
	u8 type;				/* enum evs_encap_type */
	__be16 sport, dport;
	union evs_addr peer;			/* outer peer address */
	struct rcu_head rcu;
};

/* Crypto parameters as parsed from netlink; pointers into the request,
 * valid only during evs_esp_init.  Unused fields are NULL/0.
 */
struct evs_sa_crypto {
	const char *aead_name;
	const u8 *aead_key;			/* key || 4-byte salt */
	unsigned int aead_keylen;
	u32 icv_bits;
	const char *enc_name;
	const u8 *enc_key;
	unsigned int enc_keylen;
	const char *auth_name;
	const u8 *auth_key;
	unsigned int auth_keylen;
	u32 trunc_bits;				/* 0: the algorithm's default */
};

/* 512 bytes on x86-64 (kmalloc-512): a few more would cost 1024 per SA
 * (scripts/bench-kmem shows it).
 */
struct evs_sa {
	struct rhash_head spi_node;		/* evs_net->sa_by_spi[dir] */
	struct list_head conn_node;		/* for conn.c, under lock */
	struct rcu_head rcu;
	struct work_struct free_work;
	refcount_t refcnt;
	u32 conn_id;				/* here: fills a hole */
	struct net *net;
	struct evs_net *en;
	struct evs_device *ed;			/* holds a dev reference */
	netdevice_tracker dev_tracker;

	u32 spi;				/* hash key */
	u32 id;					/* evs_net->sa_ids cursor */
	u8 dir;					/* enum evs_dir */
	u8 state;				/* enum evs_sa_state, READ_ONCE */
	u8 del_reason;				/* enum evs_del_reason */
	bool linked;				/* under lock */
	u16 family;
	union evs_addr src, dst;		/* outer, as configured */
	struct evs_sa_encap __rcu *encap;
	u32 flags;				/* enum evs_sa_flags */
	u32 replay_window;			/* packets, inbound */

	struct evs_esp *esp;			/* crypto state, esp.c */
	struct evs_replay *replay;		/* inbound only, replay.c */
	atomic64_t oseq;			/* outbound: last seq used */

	struct evs_lifetime limits;		/* 0 = no limit */
	atomic64_t cur_bytes, cur_packets;	/* lifetime accounting */
	u64 add_time;				/* boottime ns */
	atomic64_t use_time;			/* boottime ns, 0 = unused */
	unsigned long expire_flags;		/* EVS_SA_SOFT_FIRED ... */
	struct delayed_work expire_work;

	struct evs_sa_traffic __percpu *traffic;	/* stats.c */
	struct list_head policies;		/* evs_policy.sa_node, lock */

	/* Last NAT mapping reported by evs_sa_nat_mapping (rate limit). */
	unsigned long nat_notified;		/* jiffies */
	union evs_addr nat_addr;		/* under nat_lock */
	__be16 nat_port;
	spinlock_t nat_lock;			/* the three fields above */

	atomic64_t events[EVS_SA_EVENTS];	/* stats.c: evs_sa_event_slot */
};

#define EVS_SA_SOFT_FIRED	0		/* bit in expire_flags */
#define EVS_SA_HARD_FIRED	1

/* Inbound lookup for the packet path (any context, RCU held or not).
 * Returns a referenced SA or NULL when the SPI is not ours (then hand the
 * packet on to xfrm).  A matching SA that is DEAD is still returned: drop
 * and count EVS_ST_DROP_EXPIRED (evs_sa_account says so).
 */
struct evs_sa *evs_sa_lookup_in(struct net *net, u16 family,
				const union evs_addr *daddr, u32 spi);
struct evs_sa *evs_sa_get(struct evs_sa *sa);	/* NULL-safe */
void evs_sa_put(struct evs_sa *sa);		/* NULL-safe, any context */
/* Account bytes/packets against lifetimes; schedules expiry work when a
 * limit is crossed.  Callable from any context.  Returns false when the SA
 * is dead (hard expired / exhausted) and the packet must be dropped.
 * Output: device.c calls it with the inner length before evs_esp_xmit.
 * Input: esp.c calls it with the inner length after authentication.
 */
bool evs_sa_account(struct evs_sa *sa, unsigned int bytes);
/* Kill from the packet path (sequence exhausted): marks the SA dead at
 * once, deletes it and sends the hard-expire event from process context.
 */
void evs_sa_kill_async(struct evs_sa *sa, u8 reason);
/* The peer's outer address/port seen on a valid inbound packet differs
 * from the SA's encap: multicast EVS_CMD_EV_NAT_MAPPING (rate limited,
 * any context).  The daemon decides and answers with SA_UPDATE.
 */
void evs_sa_nat_mapping(struct evs_sa *sa, const union evs_addr *addr,
			__be16 port);

/* Writers (process context, en->lock held). */
/* A new SA of @en with one reference, not yet linked. */
struct evs_sa *evs_sa_alloc(struct evs_net *en);
/* Link a fully built SA (sa->ed set) into the tables, announce it and arm
 * its time limits.  -EEXIST when its SPI is taken in its direction.
 */
int evs_sa_link(struct evs_net *en, struct evs_sa *sa,
		struct netlink_ext_ack *extack);
/* Replace the encapsulation (a change is announced as a NAT mapping) or
 * the lifetimes (judged afresh) of a linked SA.
 */
void evs_sa_set_encap(struct evs_sa *sa, struct evs_sa_encap *encap);
void evs_sa_set_limits(struct evs_sa *sa, const struct evs_lifetime *limits);
struct evs_sa *evs_sa_find(struct evs_net *en, u8 dir, u32 spi);
void evs_sa_delete(struct evs_sa *sa, u8 reason);
/* Delete every SA matching the filters (NULL / 0 = any). */
void evs_sad_flush(struct evs_net *en, struct evs_device *ed, u32 conn_id,
		   u8 reason);
int evs_sad_init(struct evs_net *en);
void evs_sad_exit(struct evs_net *en);		/* waits for SAs to be freed */

/* sad_nl.c */
int evs_nl_sa_add(struct sk_buff *skb, struct genl_info *info);
int evs_nl_sa_add_nest(struct genl_info *info, struct nlattr *a);
int evs_nl_sa_update(struct sk_buff *skb, struct genl_info *info);
int evs_nl_sa_del(struct sk_buff *skb, struct genl_info *info);
int evs_nl_sa_get(struct sk_buff *skb, struct genl_info *info);
int evs_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb);
int evs_nl_sa_flush(struct sk_buff *skb, struct genl_info *info);
int evs_sa_fill(struct sk_buff *msg, struct evs_sa *sa, bool stats);

/* --- spd.c ------------------------------------------------------------- */
struct evs_policy {
	struct rcu_head rcu;
	struct list_head node_list;		/* evs_spd_node.policies, RCU */
	struct list_head sa_node;		/* evs_sa.policies, lock */
	struct evs_device *ed;
	u32 id;					/* evs_net->pol_ids cursor */
	u8 dir, action, proto;
	u16 family;
	union evs_addr src, dst;		/* masked to their prefix */
	u8 src_plen, dst_plen;
	__be16 sport, dport;			/* 0 = any */
	u32 priority;
	u32 spi;
	u32 conn_id;
	struct evs_sa *sa;			/* IPSEC: referenced, fixed */
	atomic64_t hits;
};

/* Policy for an inner IPv4 or IPv6 packet (RCU held, any context): outbound keyed
 * by inner destination, inbound by inner source; NULL = no policy.
 */
struct evs_policy *evs_spd_lookup(struct evs_device *ed, u8 dir,
				  const struct sk_buff *skb);
/* Inbound source check (RCU held): is this decrypted inner packet allowed
 * on @sa?  True when the inbound policy that matches it is bound to @sa,
 * or is a bypass policy.  An SA without inbound policies accepts nothing.
 * Counting the drop (EVS_ST_DROP_POLICY) is the caller's job.
 */
bool evs_spd_check_in(struct evs_device *ed, struct evs_sa *sa,
		      const struct sk_buff *skb);
int evs_spd_init(struct evs_spd *spd);
void evs_spd_destroy(struct evs_spd *spd);	/* empty SPD only */
/* Writers (en->lock held). */
/* The policy with the same selector and direction as @pol, if any. */
struct evs_policy *evs_spd_find(struct evs_spd *spd,
				const struct evs_policy *pol);
/* Link @pol (and into pol->sa's list); its selector must be new. */
int evs_spd_insert(struct evs_net *en, struct evs_spd *spd,
		   struct evs_policy *pol);
void evs_policy_delete(struct evs_policy *pol);
void evs_spd_flush(struct evs_net *en, struct evs_device *ed, u32 conn_id);

/* Selector helpers shared with spd_nl.c. */
static inline __be32 evs_mask4(__be32 a, u8 plen)
{
	return plen ? a & htonl(~0U << (32 - plen)) : 0;
}

/* @a masked to @plen bits of @family into @out (the rest zero). */
static inline void evs_addr_mask(u16 family, const union evs_addr *a, u8 plen,
				 union evs_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET)
		out->a4 = evs_mask4(a->a4, plen);
	else
		ipv6_addr_prefix(&out->a6, &a->a6, plen);
}

bool evs_ports_proto(u8 proto);		/* a protocol with ports */

/* spd_nl.c */
int evs_nl_policy_add(struct sk_buff *skb, struct genl_info *info);
int evs_nl_policy_add_nest(struct genl_info *info, struct nlattr *a);
int evs_nl_policy_del(struct sk_buff *skb, struct genl_info *info);
int evs_nl_policy_dump(struct sk_buff *skb, struct netlink_callback *cb);
int evs_nl_policy_flush(struct sk_buff *skb, struct genl_info *info);

/* --- esp.c / esp_alg.c / replay.c / proto.c / encap.c ------------------ */
struct evs_esp;				/* esp.h */
struct evs_replay;			/* replay.h */

/* Allocate sa->esp (and sa->replay for inbound SAs, from sa->replay_window
 * and sa->flags & EVS_SA_F_ESN).  Validate names and key lengths with
 * extack messages a person can read ("unknown algorithm", "key length 15 is
 * not valid for cbc(aes)"); refuse DES/3DES/MD5 unless sa->flags has
 * EVS_SA_F_ALLOW_WEAK.  Process context, may sleep.
 */
int evs_esp_init(struct evs_sa *sa, const struct evs_sa_crypto *c,
		 struct netlink_ext_ack *extack);
/* Free sa->esp and sa->replay, zeroing keys.  Process context.  Also
 * called for SAs whose evs_esp_init failed or never ran: NULL-safe.
 */
void evs_esp_free(struct evs_sa *sa);
/* Dump names, key bits (EVS_SA_A_KEY_BITS, _AUTH_KEY_BITS), ICV/trunc
 * bits; never key bytes.
 */
int evs_esp_fill(struct sk_buff *msg, const struct evs_sa *sa);
/* Encapsulate and send one inner packet on outbound @sa (ndo_start_xmit
 * context: BH off, RCU held).  Consumes @skb; counts its own drops with
 * evs_device_drop and tx with evs_stats_add(sa->stats/ed->stats).  Takes
 * its own SA reference if it finishes asynchronously.
 */
void evs_esp_xmit(struct evs_sa *sa, struct sk_buff *skb);
/* Module-wide setup: proto handler, crypto workers (main.c calls them). */
int evs_esp_module_init(void);
void evs_esp_module_exit(void);		/* all packets in flight done */
int evs_esp_scratch_init(void);
void evs_esp_scratch_exit(void);
/* Per-netns teardown of the UDP encap socket (main.c, before SAs go). */
void evs_encap_net_exit(struct evs_net *en);
/* Hand the daemon's UDP socket to the netns / take it back (encap.c). */
int evs_encap_attach(struct evs_net *en, struct socket *sock,
		     struct netlink_ext_ack *extack);
int evs_encap_detach(struct evs_net *en);
/* Close the module's own UDP sockets so that a daemon can bind (encap.c). */
int evs_encap_release(struct evs_net *en);
/* encap_nl.c */
int evs_nl_encap_attach(struct sk_buff *skb, struct genl_info *info);
int evs_nl_encap_detach(struct sk_buff *skb, struct genl_info *info);

/* --- conn.c / rri.c ----------------------------------------------------- */
/* An SA with conn_id != 0 is being added (en->lock held): return -ENOENT
 * with an extack message if the connection does not exist, else link
 * sa->conn_node into the connection.
 */
int evs_conn_sa_added(struct evs_net *en, struct evs_sa *sa,
		      struct netlink_ext_ack *extack);
/* An SA with conn_id != 0 was unlinked (en->lock held; called from
 * evs_sa_delete for every reason).  When it was the connection's last SA,
 * conn.c removes the connection and everything it owns.
 */
void evs_conn_sa_removed(struct evs_net *en, struct evs_sa *sa, u8 reason);
/* A policy names connection @conn_id (en->lock held): 0 if it is live,
 * else -ENOENT with an extack message at @attr.
 */
int evs_conn_check(struct evs_net *en, u32 conn_id, const struct nlattr *attr,
		   struct netlink_ext_ack *extack);
/* Per-netns teardown of connections/routes/ARP (main.c, after devices). */
void evs_conn_net_exit(struct evs_net *en);

/* conn_nl.c, rri_nl.c */
int evs_nl_conn_add(struct sk_buff *skb, struct genl_info *info);
int evs_nl_conn_add_nest(struct genl_info *info, struct nlattr *a);
int evs_nl_conn_del(struct sk_buff *skb, struct genl_info *info);
int evs_nl_conn_get(struct sk_buff *skb, struct genl_info *info);
int evs_nl_conn_dump(struct sk_buff *skb, struct netlink_callback *cb);
int evs_nl_conn_flush(struct sk_buff *skb, struct genl_info *info);
int evs_nl_route_add(struct sk_buff *skb, struct genl_info *info);
int evs_nl_route_del(struct sk_buff *skb, struct genl_info *info);
int evs_nl_route_dump(struct sk_buff *skb, struct netlink_callback *cb);
int evs_nl_parp_add(struct sk_buff *skb, struct genl_info *info);
int evs_nl_parp_del(struct sk_buff *skb, struct genl_info *info);
int evs_nl_parp_dump(struct sk_buff *skb, struct netlink_callback *cb);
int evs_nl_parp_set(struct sk_buff *skb, struct genl_info *info);

/* --- per network namespace (main.c) ------------------------------------ */
struct evs_net {
	struct net *net;
	struct mutex lock;			/* all writers */
	struct list_head devices;		/* evs_device.net_node, rtnl */
	struct rhashtable sa_by_spi[2];		/* by dir, RCU readers */
	struct xarray sa_ids;			/* dump cursor, under lock */
	struct xarray pol_ids;			/* dump cursor, under lock */
	u32 sa_next_id, pol_next_id;
	unsigned int n_sa;
	atomic_t sa_alloc;			/* SAs not yet freed */
	struct evs_stats __percpu *stats;	/* drops with no device */
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
extern struct genl_family evs_genl_family;
/* Nested attribute policies, shared with the files that parse them. */
extern const struct nla_policy evs_sa_policy[EVS_SA_A_MAX + 1];
extern const struct nla_policy evs_pol_policy[EVS_POL_A_MAX + 1];
extern const struct nla_policy evs_conn_policy[EVS_CONN_A_MAX + 1];
extern const struct nla_policy evs_route_policy[EVS_ROUTE_A_MAX + 1];
extern const struct nla_policy evs_parp_policy[EVS_PARP_A_MAX + 1];
/* Parse the nest @attrtype (EVS_A_SA, _POLICY, _CONN, _ROUTE, _PROXY_ARP)
 * of a request into @tb; a missing nest is refused with an extack message.
 */
int evs_nl_parse_nest(struct genl_info *info, int attrtype, int maxtype,
		      const struct nla_policy *policy, struct nlattr **tb);

/* --- events.c: what the objects announce -------------------------------- */
struct evs_conn;
struct evs_rri_obj;
/* Multicast a ready message to the events group of @net (frees it). */
void evs_event_send(struct net *net, struct sk_buff *msg, gfp_t gfp);
/* An SA event (EVS_CMD_EV_*); @hard and @reason are sent as
 * EVS_A_EXPIRE_HARD / EVS_A_REASON where they apply.
 */
void evs_event_sa(struct evs_sa *sa, u8 cmd, bool hard, u8 reason, gfp_t gfp);
/* EVS_CMD_EV_NAT_MAPPING from the packet path (GFP_ATOMIC): the inbound
 * SA's peer was seen at @addr, UDP source port @port (sent as SRC and
 * ENCAP_SPORT in the SA nest).
 */
void evs_event_nat(struct evs_sa *sa, const union evs_addr *addr,
		   __be16 port);
/* EVS_CMD_EV_CONN_DELETED for @conn, built now and sent later with
 * evs_event_send (NULL when it could not be built).
 */
struct sk_buff *evs_event_conn_deleted(struct evs_conn *conn, u8 reason);
/* EVS_CMD_EV_ROUTE / EVS_CMD_EV_PROXY_ARP, op EVS_EVENT_OP_ADD or _DEL. */
void evs_event_rri(struct net *net, const struct evs_rri_obj *o, u8 op);

#endif /* _EVS_H */
