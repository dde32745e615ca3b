/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the ESP selftests: two namespaces joined by a veth pair, evs
 * SAs and policies over generic netlink, SA counters, xfrm on the peer.
 *
 *   ns "evs" side (A)                       ns "peer" side (B)
 *   lan0 192.168.77.1/24                    lo 10.77.0.2/32
 *   evs0 (route 10.77.0.0/16)               ip xfrm tunnel-mode states
 *   vA 198.51.100.1/24  <---- veth ---->    vB 198.51.100.2/24
 */
#ifndef EVS_ESP_UTIL_H
#define EVS_ESP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "evs_nl.h"

#define EVS_T_A_OUTER	"198.51.100.1"
#define EVS_T_B_OUTER	"198.51.100.2"
#define EVS_T_A_INNER	"192.168.77.1"
#define EVS_T_B_INNER	"10.77.0.2"

struct evs_t_topo {
	char a[32], b[32];	/* namespace names */
};

/* Create both namespaces, the veth pair, evs0 and the inner addresses. */
int evs_t_topo_up(struct evs_t_topo *t, const char *tag);
void evs_t_topo_down(struct evs_t_topo *t);
/* Move the calling thread into namespace NAME (by /run/netns/NAME). */
int evs_t_enter(const char *name);

struct evs_t_sa {
	uint8_t dir;
	uint32_t spi;
	const char *src, *dst;		/* outer, IPv4 or IPv6 */
	const char *aead, *aead_key;	/* hex, salt included */
	uint32_t icv_bits;
	const char *enc, *enc_key, *auth, *auth_key;
	uint32_t trunc_bits;
	uint16_t sport, dport;		/* UDP encapsulation; 0: raw ESP */
	uint32_t replay_window;
	uint32_t flags;			/* EVS_SA_F_* */
	uint64_t oseq;			/* 0: leave alone */
};

/* Add an SA / policy on evs0 in the caller's namespace; 0 or -errno with
 * nl->err_msg set. */
int evs_t_sa_add(struct evs_nl *nl, const struct evs_t_sa *sa);
int evs_t_policy_add(struct evs_nl *nl, uint8_t dir, const char *src,
		     int src_plen, const char *dst, int dst_plen, uint32_t spi);
/* The same, tagged with connection @conn (0: none). */
int evs_t_policy_add_conn(struct evs_nl *nl, uint8_t dir, const char *src,
			  int src_plen, const char *dst, int dst_plen,
			  uint32_t spi, uint32_t conn);
/* Counters of one SA (index enum evs_stats_attr); -ENOENT when gone. */
int evs_t_sa_stats(struct evs_nl *nl, uint8_t dir, uint32_t spi,
		   uint64_t st[EVS_STATS_A_MAX + 1]);
/* Counters of the evs0 device (index enum evs_stats_attr). */
int evs_t_dev_stats(struct evs_nl *nl, uint64_t st[EVS_STATS_A_MAX + 1]);
/* The same of the evs device @ifindex (0: evs0 by name). */
int evs_t_link_stats(struct evs_nl *nl, int ifindex,
		     uint64_t st[EVS_STATS_A_MAX + 1]);
/* Fill BUF with LEN bytes of hex (deterministic from SEED). */
void evs_t_hexkey(char *buf, int len, int seed);
/* hex string -> bytes; returns the length or -1. */
int evs_t_unhex(const char *hex, uint8_t *out, int max);

/* Wire interop with Linux xfrm (esp_interop, esp_interop6). */
struct evs_t_alg {
	const char *aead;	/* AEAD, or enc + auth */
	int key_bytes;		/* AEAD: with salt */
	int icv;
	const char *enc, *auth;
	int auth_key_bytes, trunc;
};

/* The `ip xfrm state` algorithm words for @a with hex keys @key, @akey. */
void evs_t_xfrm_alg(const struct evs_t_alg *a, char *buf, size_t len,
		    const char *key, const char *akey);
/* A UDP_ENCAP socket on 4500 (IPv6 if @v6) in namespace @ns: without
 * one, Linux never decapsulates ESP-in-UDP.  The fd, or -1. */
int evs_t_xfrm_encap_socket(const char *ns, bool v6);
/* One address family of an interop run: the outer addresses (the veth),
 * the inner ones (A's LAN and B's host) and how to ping them. */
struct evs_t_fam {
	const char *a_outer, *b_outer, *any;
	const char *a_inner, *a_net, *b_inner;
	int a_plen, host_plen;
	const char *ping;
	bool v6;
};

extern const struct evs_t_fam evs_t_fam4;

struct evs_t_interop {
	const struct evs_t_alg *alg;
	bool esn, weak, udp;
	const struct evs_t_fam *out, *in;	/* outer and inner family */
	uint32_t spi_ab, spi_ba;		/* A (evs) -> B (xfrm), back */
};

/* The same tunnel on both sides, the caller in namespace A: Linux xfrm
 * states and policies in B, evs SAs and policies in A.  With @io->udp,
 * *@encap_fd is B's UDP_ENCAP socket (the caller closes it).  0, or -1
 * with the reason in @why. */
int evs_t_interop_setup(struct evs_nl *nl, const struct evs_t_topo *t,
			const struct evs_t_interop *io, int *encap_fd,
			char *why, size_t whylen);
/* The policies of @io->in on both sides (evs_t_interop_setup adds them):
 * called again with another inner family, the same SAs carry both. */
int evs_t_interop_policies(struct evs_nl *nl, const struct evs_t_topo *t,
			   const struct evs_t_interop *io, char *why,
			   size_t whylen);

/* Bytes evs_t_tcp_transfer moves: enough for many full-sized segments
 * each way (and the window to open), small enough for TCG. */
#define EVS_T_TCP_BYTES (2 << 20)

/* EVS_T_TCP_BYTES over TCP from namespace FROM to TO's address (IPv4 or
 * IPv6); 0 when the SHA-256 sums match. */
int evs_t_tcp_transfer(const char *from, const char *to, const char *to_addr,
		       const char *from_addr, const char *tag);

/* Fixture teardown: close @nfd file descriptors (given after @nfd; -1:
 * none), then the netlink socket @nl and the namespaces. */
void evs_t_teardown(struct evs_t_topo *t, struct evs_nl *nl, int nfd, ...);

/* A UDP socket bound to @port on any address, or -1. */
int evs_t_udp_socket(int port);

/* Fuzz tests: read EVS_FUZZ_SECONDS (default 30) into @seconds and seed
 * evs_t_rnd from EVS_FUZZ_SEED (default: the clock), printing both so a
 * failure can be run again.
 */
void evs_t_fuzz_start(const char *name, long *seconds);
uint32_t evs_t_rnd(void);
uint32_t evs_t_rnd_below(uint32_t n);

#endif
