// SPDX-License-Identifier: GPL-2.0
/*
 * ESP tunnel mode (RFC 4303), IPv4 or IPv6 in IPv4 or IPv6, optionally in
 * UDP (RFC 3948).
 *
 * Output: take a sequence number (atomic64, no lock), add padding, pad
 * length and next header, reserve the ICV, put the SPI/sequence header and
 * the IV slot in front, encrypt in place, then the UDP and outer IPv4 or
 * IPv6 headers, and send through the routing table.  An IPv6 packet that
 * would not fit the outer path is answered with ICMPv6 Packet Too Big.
 *
 * Input: check the replay window, authenticate and decrypt in place,
 * advance the window (only now: a forged packet must not move it), strip
 * padding after checking it, check the inner source against the SA's
 * policies and deliver the inner packet on the SA's evs device.
 *
 * Both directions finish in a completion function so that asynchronous
 * crypto drivers (cryptd, hardware) work: the request, IV and scatterlist
 * live in one allocation that also carries the packet's state.
 *
 * With ESN the high 32 sequence bits are authenticated but not sent: the
 * authencesn template (and rfc4106/rfc7539esp with a 12-byte AAD) wants
 * SPI | seq_hi | seq_lo contiguous, so the SPI moves 4 bytes forward into
 * headroom and seq_hi takes its place while the crypto runs.
 */
#include <linux/skbuff.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <linux/udp.h>
#include <linux/slab.h>
#include <crypto/aead.h>
#include <net/ip.h>
#include <net/esp.h>
#include <net/route.h>
#include <net/dst.h>
#include <net/ip_tunnels.h>
#include <net/ip6_route.h>
#include <net/ip6_tunnel.h>
#include <net/ip6_checksum.h>
#include <net/inet_ecn.h>
#include "esp.h"
#include "replay.h"

/* Per-packet state across (possibly asynchronous) crypto.  Followed in
 * the same allocation by the IV and the aead_request.
 */
struct evs_esp_pkt {
	struct aead_request *req;
	struct evs_esp_scratch *scratch;	/* NULL: kmalloc'd */
	struct sk_buff *skb;
	struct evs_sa *sa;
	u64 seq;
	unsigned int inner_len;
	/* output */
	struct dst_entry *dst;
	union evs_addr saddr, daddr;	/* outer, of the SA's family */
	__be16 sport, dport;		/* UDP encapsulation, 0: raw ESP */
	u8 tos;
	__be16 df;
	/* input */
	struct evs_esp_src src;
	struct scatterlist sg[2];
};

static void evs_esp_async_done(struct crypto_async_request *base, int err);
static void evs_esp_done(struct evs_esp_pkt *pkt, int err);

/* One packet's state, IV and request, reused by the packets of one CPU:
 * a fresh allocation per packet costs as much as a small packet's AES
 * (the allocator zeroes it).  Taken with a bit lock, since a request
 * that went to an asynchronous driver is given back from another
 * context; a packet that finds it taken (nested tunnels, a request
 * still in a driver) allocates as before.
 */
#define EVS_ESP_SCRATCH_SIZE	2048

struct evs_esp_scratch {
	u8 area[EVS_ESP_SCRATCH_SIZE];
	unsigned long busy;
};

static struct evs_esp_scratch __percpu *evs_esp_scratch;

static void *evs_esp_pkt_get(unsigned int len, struct evs_esp_scratch **owner)
{
	/* Any CPU's area will do: the lock bit, not the CPU, makes it ours. */
	struct evs_esp_scratch *s = raw_cpu_ptr(evs_esp_scratch);

	if (len <= sizeof(s->area) && !test_and_set_bit_lock(0, &s->busy)) {
		*owner = s;
		return s->area;
	}
	*owner = NULL;
	return kmalloc(len, GFP_ATOMIC);
}

static void evs_esp_pkt_free(struct evs_esp_pkt *pkt)
{
	struct evs_esp_scratch *s = pkt->scratch;

	if (s)
		clear_bit_unlock(0, &s->busy);
	else
		kfree(pkt);
}

static void *evs_esp_pkt_alloc(struct crypto_aead *aead, u8 **iv,
			       struct aead_request **req)
{
	struct evs_esp_scratch *owner;
	unsigned int len;
	u8 *p;

	/* Room for aligning the IV and the request: kmalloc promises less
	 * than the crypto driver may ask for.
	 */
	len = sizeof(struct evs_esp_pkt) + crypto_aead_alignmask(aead) +
	      crypto_aead_ivsize(aead) + crypto_tfm_ctx_alignment() +
	      sizeof(struct aead_request) + crypto_aead_reqsize(aead);
	p = evs_esp_pkt_get(len, &owner);
	if (!p)
		return NULL;
	*iv = PTR_ALIGN(p + sizeof(struct evs_esp_pkt),
			crypto_aead_alignmask(aead) + 1);
	*req = PTR_ALIGN((void *)(*iv + crypto_aead_ivsize(aead)),
			 crypto_tfm_ctx_alignment());
	aead_request_set_tfm(*req, aead);
	((struct evs_esp_pkt *)p)->req = *req;
	((struct evs_esp_pkt *)p)->scratch = owner;
	return p;
}

/* ---- drops -------------------------------------------------------------- */

static void evs_esp_drop(struct evs_sa *sa, struct sk_buff *skb,
			 enum evs_stat why, bool rx)
{
	evs_device_drop(sa->ed, sa, why, rx);
	kfree_skb(skb);
}

/* ---- output ------------------------------------------------------------- */

/* The address the per-CPU route cache holds routes to.  Read and written
 * word by word: a torn value only costs one extra reset.
 */
static bool evs_esp_cache_daddr_is(struct evs_esp *esp,
				   const union evs_addr *a)
{
	int i;

	for (i = 0; i < 4; i++)
		if (READ_ONCE(esp->dst_cache_daddr.a6.s6_addr32[i]) !=
		    a->a6.s6_addr32[i])
			return false;
	return true;
}

static void evs_esp_cache_daddr_set(struct evs_esp *esp,
				    const union evs_addr *a)
{
	int i;

	dst_cache_reset(&esp->dst_cache);
	for (i = 0; i < 4; i++)
		WRITE_ONCE(esp->dst_cache_daddr.a6.s6_addr32[i],
			   a->a6.s6_addr32[i]);
}

static struct dst_entry *evs_esp_route4(struct evs_sa *sa,
					struct evs_esp_pkt *pkt)
{
	struct evs_esp *esp = sa->esp;
	struct flowi4 fl4 = {};
	struct rtable *rt;

	rt = dst_cache_get_ip4(&esp->dst_cache, &pkt->saddr.a4);
	if (rt)
		return &rt->dst;
	fl4.daddr = pkt->daddr.a4;
	fl4.saddr = sa->src.a4;
	fl4.flowi4_proto = pkt->dport ? IPPROTO_UDP : IPPROTO_ESP;
	fl4.fl4_sport = pkt->sport;
	fl4.fl4_dport = pkt->dport;
	rt = ip_route_output_key(sa->net, &fl4);
	if (IS_ERR(rt))
		return ERR_CAST(rt);
	pkt->saddr.a4 = fl4.saddr;
	dst_cache_set_ip4(&esp->dst_cache, &rt->dst, fl4.saddr);
	return &rt->dst;
}

static struct dst_entry *evs_esp_route6(struct evs_sa *sa,
					struct evs_esp_pkt *pkt)
{
	struct evs_esp *esp = sa->esp;
	struct flowi6 fl6 = {};
	struct dst_entry *dst;

	dst = dst_cache_get_ip6(&esp->dst_cache, &pkt->saddr.a6);
	if (dst)
		return dst;
	fl6.daddr = pkt->daddr.a6;
	fl6.saddr = sa->src.a6;
	fl6.flowi6_proto = pkt->dport ? IPPROTO_UDP : IPPROTO_ESP;
	fl6.fl6_sport = pkt->sport;
	fl6.fl6_dport = pkt->dport;
	/* Picks the source address when the SA has none (::). */
	dst = ip6_dst_lookup_flow(sa->net, NULL, &fl6, NULL);
	if (IS_ERR(dst))
		return dst;
	pkt->saddr.a6 = fl6.saddr;
	dst_cache_set_ip6(&esp->dst_cache, dst, &fl6.saddr);
	return dst;
}

/* Route to the peer: the NAT-mapped address for UDP encapsulation, else the
 * SA's destination.  Cached per CPU; the cache is reset when the peer's
 * address changes under us (SA_UPDATE, NAT rebinding).
 */
static struct dst_entry *evs_esp_route(struct evs_sa *sa,
				       struct evs_esp_pkt *pkt)
{
	const struct evs_sa_encap *enc;
	struct dst_entry *dst;

	pkt->sport = 0;
	pkt->dport = 0;
	pkt->daddr = sa->dst;
	pkt->saddr = sa->src;
	enc = rcu_dereference(sa->encap);
	if (enc && enc->type == EVS_ENCAP_ESPINUDP) {
		if (!evs_addr_any(sa->family, &enc->peer))
			pkt->daddr = enc->peer;
		pkt->sport = enc->sport;
		pkt->dport = enc->dport;
	}
	if (!evs_esp_cache_daddr_is(sa->esp, &pkt->daddr))
		evs_esp_cache_daddr_set(sa->esp, &pkt->daddr);
	dst = sa->family == AF_INET ? evs_esp_route4(sa, pkt) :
				      evs_esp_route6(sa, pkt);
	if (!IS_ERR(dst) && dst->dev == sa->ed->dev) {
		/* The peer is routed into our own device: a loop. */
		dst_release(dst);
		return ERR_PTR(-ELOOP);
	}
	return dst;
}

/* Outer IPv6 header (and UDP with its checksum, which IPv6 requires:
 * RFC 3948 section 2.1 leaves zero to IPv4), then out by ip6_local_out.
 */
static void evs_esp_output6(struct evs_esp_pkt *pkt, struct sk_buff *skb)
{
	struct dst_entry *dst = pkt->dst;
	struct ipv6hdr *ip6h;

	skb_scrub_packet(skb, !net_eq(pkt->sa->net,
				      dev_net(pkt->sa->ed->dev)));
	skb_dst_set(skb, dst);
	/* Our own packet: IPv6 may fragment it (evs_esp_xmit_one decided). */
	skb->ignore_df = 1;
	if (pkt->dport)
		udp6_set_csum(false, skb, &pkt->saddr.a6, &pkt->daddr.a6,
			      skb->len);
	ip6h = skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6_flow_hdr(ip6h, pkt->tos, 0);
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = pkt->dport ? IPPROTO_UDP : IPPROTO_ESP;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = pkt->saddr.a6;
	ip6h->daddr = pkt->daddr.a6;
	ip6tunnel_xmit(NULL, skb, pkt->sa->ed->dev);
}

/* Headers in front of the encrypted packet, then out.  Leaves @pkt and
 * its SA reference to the caller.
 */
static void evs_esp_output_finish(struct evs_esp_pkt *pkt, int err)
{
	struct sk_buff *skb = pkt->skb;
	struct evs_sa *sa = pkt->sa;
	struct ip_esp_hdr *esph;
	struct udphdr *uh;
	unsigned int len = pkt->inner_len;

	if (unlikely(err)) {
		dst_release(pkt->dst);
		evs_esp_drop(sa, skb, EVS_ST_DROP_CIPHER, false);
		return;
	}
	esph = (struct ip_esp_hdr *)skb->data;
	if (sa->esp->esn) {
		/* Undo the ESN layout: SPI back in its place. */
		esph = skb_pull(skb, 4);
		esph->spi = htonl(sa->spi);
	}
	if (pkt->dport) {
		uh = skb_push(skb, sizeof(*uh));
		uh->source = pkt->sport;
		uh->dest = pkt->dport;
		uh->len = htons(skb->len);
		uh->check = 0;	/* RFC 3948 section 2.1: zero for IPv4 */
	}
	skb_reset_transport_header(skb);
	skb->ip_summed = CHECKSUM_NONE;
	if (sa->family == AF_INET6)
		evs_esp_output6(pkt, skb);
	else
		/* iptunnel_xmit scrubs the skb, adds the IPv4 header, routes
		 * via ip_local_out and counts tx on the evs device.
		 */
		iptunnel_xmit(NULL, (struct rtable *)pkt->dst, skb,
			      pkt->saddr.a4, pkt->daddr.a4,
			      pkt->dport ? IPPROTO_UDP : IPPROTO_ESP, pkt->tos,
			      ip4_dst_hoplimit(pkt->dst), pkt->df,
			      !net_eq(sa->net, dev_net(sa->ed->dev)));
	evs_sa_count_traffic(sa, len);
	evs_stats_add(sa->ed->stats, EVS_ST_TX_PACKETS, 1);
	evs_stats_add(sa->ed->stats, EVS_ST_TX_BYTES, len);
}

/* Next sequence number, or 0 when the counter is used up (RFC 4303 3.3.3:
 * never cycle; the SA must be replaced).
 */
static u64 evs_esp_next_seq(struct evs_sa *sa)
{
	s64 old;

	if (!sa->esp->esn) {
		u64 seq = atomic64_inc_return(&sa->oseq);

		return seq <= U32_MAX ? seq : 0;
	}
	old = atomic64_fetch_add_unless(&sa->oseq, 1, -1);
	return old == -1 ? 0 : (u64)old + 1;
}

/* Make the packet linear, private and roomy enough for headers in front
 * and the trailer behind.
 */
static int evs_esp_make_room(struct sk_buff *skb, unsigned int head,
			     unsigned int tail)
{
	int dh = head - skb_headroom(skb), dt = tail - skb_tailroom(skb);

	if (skb_linearize(skb))
		return -ENOMEM;
	if (dh <= 0 && dt <= 0 && !skb_cloned(skb))
		return 0;
	return pskb_expand_head(skb, dh > 0 ? ALIGN(dh, NET_SKB_PAD) : 0,
				dt > 0 ? dt : 0, GFP_ATOMIC);
}

/* The device starts with room for an Ethernet header below ours (the
 * stack allocates that much in front of what it routes into evs0); an
 * outer path with a longer link-layer header, or an IPv6 outer header,
 * raises it once, as IP tunnels do, so later packets need no copy.  What
 * the stack reserves is LL_RESERVED_SPACE: needed_headroom rounded down
 * to 16, plus 16.  Raising needed_headroom while that already covers
 * @need would only cost memory: a 64-byte datagram in UDP over IPv6 with
 * GCM needs 80 bytes, which the initial 70 give, and 96 would take its
 * buffer from kmalloc-1k instead of kmalloc-512.
 */
static void evs_esp_grow_headroom(struct net_device *dev, unsigned int need)
{
	unsigned int have = READ_ONCE(dev->needed_headroom) +
			    dev->hard_header_len;

	if (unlikely(need > ALIGN_DOWN(have, HH_DATA_MOD) + HH_DATA_MOD))
		WRITE_ONCE(dev->needed_headroom, need);
}

/* Inner packet's protocol as ESP's next header, or 0 when it is neither
 * IPv4 nor IPv6 (or too short to be one).
 */
static u8 evs_esp_inner_proto(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return pskb_may_pull(skb, sizeof(struct iphdr)) ?
		       IPPROTO_IPIP : 0;
	if (skb->protocol == htons(ETH_P_IPV6))
		return pskb_may_pull(skb, sizeof(struct ipv6hdr)) ?
		       IPPROTO_IPV6 : 0;
	return 0;
}

/* The largest inner packet that fits @mtu as ESP with @head bytes of
 * headers in front.
 */
static unsigned int evs_esp_inner_mtu(const struct evs_esp *esp,
				      unsigned int mtu, unsigned int head)
{
	if (mtu < head + esp->icvlen + esp->blksize)
		return 0;
	return rounddown(mtu - head - esp->icvlen, esp->blksize) - 2;
}

/* An inner packet too big for the outer path: IPv4 keeps DF unless the
 * outer packet would not fit, then IP fragments the ESP packet (RFC 4459
 * section 3).  IPv6 gets Packet Too Big with what fits, as a router would
 * (RFC 4459 section 3 again, and RFC 8200 forbids fragmenting in transit),
 * unless that is under the IPv6 minimum: then the outer packet is
 * fragmented.  True when the packet may go on.
 */
static bool evs_esp_fits(struct evs_sa *sa, struct evs_esp_pkt *pkt,
			 struct sk_buff *skb, u8 proto, unsigned int head,
			 unsigned int clen)
{
	unsigned int mtu = dst_mtu(pkt->dst), inner_mtu;

	pkt->df = proto == IPPROTO_IPIP ? ip_hdr(skb)->frag_off & htons(IP_DF)
					: 0;
	if (head + clen + sa->esp->icvlen <= mtu)
		return true;
	pkt->df = 0;
	if (proto != IPPROTO_IPV6)
		return true;
	inner_mtu = evs_esp_inner_mtu(sa->esp, mtu, head);
	if (inner_mtu < IPV6_MIN_MTU)
		return true;
	icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, inner_mtu);
	return false;
}

static void evs_esp_xmit_one(struct evs_sa *sa, struct sk_buff *skb)
{
	struct evs_esp *esp = sa->esp;
	struct evs_esp_pkt *pkt, null_pkt;
	struct aead_request *req = NULL;
	struct ip_esp_hdr *esph;
	unsigned int len, clen, padlen, head, need, assoclen;
	struct dst_entry *dst;
	u8 *iv = NULL, *tail, proto;
	__be64 seqno;
	u64 seq;
	int err, i;

	skb_reset_network_header(skb);
	proto = evs_esp_inner_proto(skb);
	if (unlikely(!proto)) {
		evs_esp_drop(sa, skb, EVS_ST_DROP_OTHER, false);
		return;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
		evs_esp_drop(sa, skb, EVS_ST_DROP_OTHER, false);
		return;
	}
	seq = evs_esp_next_seq(sa);
	if (unlikely(!seq)) {
		evs_sa_kill_async(sa, EVS_REASON_SEQ_EXHAUSTED);
		evs_esp_drop(sa, skb, EVS_ST_DROP_EXPIRED, false);
		return;
	}
	/* Null encryption is the identity and null authentication has no
	 * ICV (RFC 2410): no request to allocate, nothing for the crypto API
	 * to walk.  The packet is finished right here, on the stack.
	 */
	if (esp->null) {
		pkt = &null_pkt;
	} else {
		pkt = evs_esp_pkt_alloc(esp->aead, &iv, &req);
		if (unlikely(!pkt)) {
			evs_esp_drop(sa, skb, EVS_ST_DROP_OTHER, false);
			return;
		}
	}
	dst = evs_esp_route(sa, pkt);
	if (IS_ERR(dst))
		goto drop_pkt;
	pkt->dst = dst;
	pkt->skb = skb;
	pkt->sa = sa;
	pkt->seq = seq;

	len = skb->len;
	pkt->inner_len = len;
	pkt->tos = ip_tunnel_ecn_encap(ip_tunnel_get_dsfield(ip_hdr(skb), skb),
				       ip_hdr(skb), skb);
	clen = ALIGN(len + 2, esp->blksize);
	head = (sa->family == AF_INET ? sizeof(struct iphdr) :
					sizeof(struct ipv6hdr)) +
	       (pkt->dport ? sizeof(struct udphdr) : 0) +
	       sizeof(*esph) + esp->ivlen;
	if (!evs_esp_fits(sa, pkt, skb, proto, head, clen))
		goto drop_other;

	/* The ESN high bits (4 bytes) sit in front of the ESP header only
	 * while the outer header is not there yet: no room of their own.
	 */
	need = head + LL_RESERVED_SPACE(dst->dev);
	evs_esp_grow_headroom(sa->ed->dev, need);
	err = evs_esp_make_room(skb, need, clen - len + esp->icvlen);
	if (unlikely(err))
		goto drop_other;
	/* iptunnel_xmit counts the inner length from here. */
	skb_reset_inner_headers(skb);

	/* Trailer: self-describing padding 1, 2, 3 ... (RFC 4303 2.4). */
	padlen = clen - len - 2;
	tail = skb_put(skb, clen - len + esp->icvlen);
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = proto;

	esph = skb_push(skb, sizeof(*esph) + esp->ivlen);
	esph->spi = htonl(sa->spi);
	esph->seq_no = htonl(lower_32_bits(seq));
	assoclen = sizeof(*esph);
	if (esp->esn) {
		__be32 *aad = skb_push(skb, 4);

		aad[0] = htonl(sa->spi);
		aad[1] = htonl(upper_32_bits(seq));
		assoclen += 4;
	}
	if (esp->null) {
		evs_esp_output_finish(pkt, 0);
		return;
	}

	sg_init_table(pkt->sg, ARRAY_SIZE(pkt->sg));
	err = skb_to_sgvec(skb, pkt->sg, 0, skb->len);
	if (unlikely(err < 0))
		goto drop_other;
	aead_request_set_callback(req, 0, evs_esp_async_done, pkt);
	aead_request_set_crypt(req, pkt->sg, pkt->sg,
			       esp->ivlen + clen, iv);
	aead_request_set_ad(req, assoclen);
	/* The IV generator derives the IV from the sequence number. */
	seqno = cpu_to_be64(seq);
	memset(iv, 0, esp->ivlen);
	memcpy(iv + esp->ivlen - min(esp->ivlen, 8u),
	       (u8 *)&seqno + 8 - min(esp->ivlen, 8u), min(esp->ivlen, 8u));

	evs_sa_get(sa);
	err = crypto_aead_encrypt(req);
	if (err == -EINPROGRESS)
		return;
	if (err == -EBUSY)
		err = -ENOBUFS;	/* no backlog requested: the driver dropped it */
	evs_esp_done(pkt, err);
	return;

drop_other:
	dst_release(dst);
drop_pkt:
	if (pkt != &null_pkt)
		evs_esp_pkt_free(pkt);
	evs_esp_drop(sa, skb, EVS_ST_DROP_OTHER, false);
}

void evs_esp_xmit(struct evs_sa *sa, struct sk_buff *skb)
{
	struct sk_buff *segs, *next;

	if (unlikely(!sa->esp || sa->dir != EVS_DIR_OUT)) {
		evs_esp_drop(sa, skb, EVS_ST_DROP_OTHER, false);
		return;
	}
	if (!skb_is_gso(skb)) {
		evs_esp_xmit_one(sa, skb);
		return;
	}
	/* One ESP packet per segment: segment here, after the stack has done
	 * its work once for the whole GSO packet.
	 */
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		evs_esp_drop(sa, skb, EVS_ST_DROP_OTHER, false);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		evs_esp_xmit_one(sa, skb);
	}
}

/* ---- input -------------------------------------------------------------- */

/* Padding must be 1, 2, 3 ... (RFC 4303 2.4: the default scheme every
 * implementation we talk to uses).
 */
static bool evs_esp_pad_ok(const u8 *pad, unsigned int padlen)
{
	unsigned int i;

	for (i = 0; i < padlen; i++)
		if (pad[i] != i + 1)
			return false;
	return true;
}

/* The inner IPv4 packet is whole: trim what follows it. */
static enum evs_stat evs_esp_inner4(struct sk_buff *skb)
{
	const struct iphdr *iph;
	unsigned int tot;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		return EVS_ST_DROP_BAD_LEN;
	iph = ip_hdr(skb);
	/* vpnc labels everything from its tun device next header 4, the
	 * IPv6 router solicitations too: unsupported, not malformed.
	 */
	if (iph->version == 6)
		return EVS_ST_DROP_OTHER;
	tot = ntohs(iph->tot_len);
	if (iph->version != 4 || iph->ihl < 5 || tot < iph->ihl * 4 ||
	    tot > skb->len)
		return EVS_ST_DROP_BAD_LEN;
	/* Drop traffic-flow-confidentiality padding after the packet. */
	if (pskb_trim(skb, tot))
		return EVS_ST_DROP_OTHER;
	skb->protocol = htons(ETH_P_IP);
	return EVS_ST_NUM;
}

/* The same for IPv6 (no jumbograms: an ESP packet cannot hold one). */
static enum evs_stat evs_esp_inner6(struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h;
	unsigned int tot;

	if (!pskb_may_pull(skb, sizeof(*ip6h)))
		return EVS_ST_DROP_BAD_LEN;
	ip6h = ipv6_hdr(skb);
	tot = sizeof(*ip6h) + ntohs(ip6h->payload_len);
	if (ip6h->version != 6 || !ip6h->payload_len || tot > skb->len)
		return EVS_ST_DROP_BAD_LEN;
	if (pskb_trim(skb, tot))
		return EVS_ST_DROP_OTHER;
	skb->protocol = htons(ETH_P_IPV6);
	return EVS_ST_NUM;
}

/* Strip ESP header, IV and trailer; leave the inner IPv4 or IPv6 packet
 * (skb->protocol set).  Returns the drop reason or EVS_ST_NUM when the
 * packet is good.
 */
static enum evs_stat evs_esp_decap(struct evs_esp *esp, struct sk_buff *skb,
				   u8 *nexthdr)
{
	unsigned int hlen = sizeof(struct ip_esp_hdr) + esp->ivlen;
	unsigned int len = skb->len, padlen;
	u8 *trailer;

	if (len < hlen + esp->icvlen + 2)
		return EVS_ST_DROP_BAD_LEN;
	trailer = skb->data + len - esp->icvlen - 2;
	padlen = trailer[0];
	*nexthdr = trailer[1];
	if (hlen + padlen + 2 + esp->icvlen > len ||
	    !evs_esp_pad_ok(trailer - padlen, padlen))
		return EVS_ST_DROP_BAD_LEN;
	if (pskb_trim(skb, len - esp->icvlen - 2 - padlen))
		return EVS_ST_DROP_OTHER;
	__skb_pull(skb, hlen);
	skb_reset_network_header(skb);
	switch (*nexthdr) {
	case IPPROTO_NONE:	/* dummy packet (RFC 4303 2.6) */
		return EVS_ST_NUM;
	case IPPROTO_IPIP:
		return evs_esp_inner4(skb);
	case IPPROTO_IPV6:
		return evs_esp_inner6(skb);
	}
	return EVS_ST_DROP_OTHER;
}

static void evs_esp_nat_check(struct evs_sa *sa, const struct evs_esp_src *src)
{
	const struct evs_sa_encap *enc;
	const union evs_addr *peer;

	if (src->encap_type != EVS_ENCAP_ESPINUDP)
		return;
	enc = rcu_dereference(sa->encap);
	if (!enc)
		return;
	peer = evs_addr_any(sa->family, &enc->peer) ? &sa->src : &enc->peer;
	if (!evs_addr_eq(sa->family, peer, &src->saddr) ||
	    enc->sport != src->sport)
		evs_sa_nat_mapping(sa, &src->saddr, src->sport);
}

/* Replay window, trailer, policy, delivery.  Leaves @pkt and its SA
 * reference to the caller.
 */
static void evs_esp_input_finish(struct evs_esp_pkt *pkt, int err)
{
	struct sk_buff *skb = pkt->skb;
	struct evs_sa *sa = pkt->sa;
	struct evs_esp *esp = sa->esp;
	enum evs_stat why;
	u8 nexthdr;

	if (esp->esn) {
		struct ip_esp_hdr *esph = skb_pull(skb, 4);

		/* Undo the ESN layout (the SPI sits in front of seq_hi). */
		esph->spi = *(__be32 *)(skb->data - 4);
	}
	if (unlikely(err)) {
		why = err == -EBADMSG ? EVS_ST_DROP_AUTH : EVS_ST_DROP_CIPHER;
		goto drop;
	}
	if (unlikely(!evs_replay_advance(sa->replay, pkt->seq))) {
		why = EVS_ST_DROP_REPLAY;
		goto drop;
	}
	why = evs_esp_decap(esp, skb, &nexthdr);
	if (unlikely(why != EVS_ST_NUM))
		goto drop;
	/* Authentic: now the outer source may teach us a new NAT mapping. */
	evs_esp_nat_check(sa, &pkt->src);
	if (unlikely(nexthdr == IPPROTO_NONE)) {
		/* Traffic-flow confidentiality chaff: by design, not a drop. */
		evs_sa_count(sa, EVS_ST_RX_DUMMY);
		evs_stats_add(sa->ed->stats, EVS_ST_RX_DUMMY, 1);
		consume_skb(skb);
		return;
	}
	if (unlikely(!evs_spd_check_in(sa->ed, sa, skb))) {
		why = EVS_ST_DROP_POLICY;
		goto drop;
	}
	if (unlikely(!evs_sa_account(sa, skb->len))) {
		why = EVS_ST_DROP_EXPIRED;
		goto drop;
	}
	evs_sa_count_traffic(sa, skb->len);
	evs_stats_add(sa->ed->stats, EVS_ST_RX_PACKETS, 1);
	evs_stats_add(sa->ed->stats, EVS_ST_RX_BYTES, skb->len);
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb->ip_summed = CHECKSUM_NONE;
	skb->pkt_type = PACKET_HOST;
	evs_device_rx(sa->ed, skb);
	return;
drop:
	evs_esp_drop(sa, skb, why, true);
}

/* Crypto for @pkt is over (in line or from a crypto driver): finish it
 * by the SA's direction, then drop the packet's SA reference and free it.
 */
static void evs_esp_done(struct evs_esp_pkt *pkt, int err)
{
	struct evs_sa *sa = pkt->sa;

	if (sa->dir == EVS_DIR_OUT)
		evs_esp_output_finish(pkt, err);
	else
		evs_esp_input_finish(pkt, err);
	evs_sa_put(sa);
	evs_esp_pkt_free(pkt);
}

/* Asynchronous completion from the crypto API, either direction. */
static void evs_esp_async_done(struct crypto_async_request *base, int err)
{
	struct evs_esp_pkt *pkt = base->data;

	if (err == -EINPROGRESS)
		return;
	local_bh_disable();
	rcu_read_lock();
	evs_esp_done(pkt, err);
	rcu_read_unlock();
	local_bh_enable();
}

static enum evs_stat evs_esp_input_check(struct evs_sa *sa,
					 struct sk_buff *skb,
					 const struct evs_esp_src *src)
{
	const struct evs_esp *esp = sa->esp;
	const struct evs_sa_encap *enc;
	u8 type;
	int elen;

	if (unlikely(!esp || READ_ONCE(sa->state) == EVS_SA_STATE_DEAD))
		return EVS_ST_DROP_EXPIRED;
	enc = rcu_dereference(sa->encap);
	type = enc ? enc->type : EVS_ENCAP_NONE;
	if (unlikely(type != src->encap_type))
		return EVS_ST_DROP_ENCAP;
	if (!pskb_may_pull(skb, sizeof(struct ip_esp_hdr) + esp->ivlen))
		return EVS_ST_DROP_BAD_LEN;
	/* Ciphertext (payload, padding, pad length, next header) must fill
	 * whole cipher blocks.
	 */
	elen = skb->len - sizeof(struct ip_esp_hdr) - esp->ivlen - esp->icvlen;
	if (elen < 2 || elen % esp->blksize)
		return EVS_ST_DROP_BAD_LEN;
	return EVS_ST_NUM;
}

void evs_esp_input(struct evs_sa *sa, struct sk_buff *skb,
		   const struct evs_esp_src *src)
{
	struct evs_esp_pkt *pkt, null_pkt;
	struct aead_request *req = NULL;
	struct ip_esp_hdr *esph;
	struct evs_esp *esp;
	unsigned int assoclen;
	enum evs_stat why;
	u8 *iv = NULL;
	u64 seq;
	int err;

	why = evs_esp_input_check(sa, skb, src);
	if (why != EVS_ST_NUM)
		goto drop;
	esp = sa->esp;
	esph = (struct ip_esp_hdr *)skb->data;
	if (!evs_replay_check(sa->replay, ntohl(esph->seq_no), &seq)) {
		why = EVS_ST_DROP_REPLAY;
		goto drop;
	}
	/* Decrypt in place: the data must be ours and linear. */
	if (skb_linearize_cow(skb)) {
		why = EVS_ST_DROP_OTHER;
		goto drop;
	}
	/* Null: the identity, no ICV (see evs_esp_xmit_one). */
	if (esp->null) {
		pkt = &null_pkt;
	} else {
		pkt = evs_esp_pkt_alloc(esp->aead, &iv, &req);
		if (!pkt) {
			why = EVS_ST_DROP_OTHER;
			goto drop;
		}
	}
	pkt->skb = skb;
	pkt->sa = sa;
	pkt->seq = seq;
	pkt->src = *src;

	assoclen = sizeof(*esph);
	if (esp->esn) {
		__be32 *aad;

		/* The outer header in front is no longer needed (its
		 * addresses were copied to @src): borrow 4 bytes of it.
		 */
		aad = skb_push(skb, 4);
		aad[0] = aad[1];
		aad[1] = htonl(upper_32_bits(seq));
		assoclen += 4;
	}
	if (esp->null) {
		evs_esp_input_finish(pkt, 0);
		evs_sa_put(sa);
		return;
	}
	sg_init_table(pkt->sg, ARRAY_SIZE(pkt->sg));
	err = skb_to_sgvec(skb, pkt->sg, 0, skb->len);
	if (unlikely(err < 0)) {
		evs_esp_done(pkt, err);
		return;
	}
	aead_request_set_callback(req, 0, evs_esp_async_done, pkt);
	aead_request_set_crypt(req, pkt->sg, pkt->sg,
			       skb->len - assoclen, iv);
	aead_request_set_ad(req, assoclen);
	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return;
	if (err == -EBUSY)
		err = -ENOBUFS;
	evs_esp_done(pkt, err);
	return;
drop:
	evs_esp_drop(sa, skb, why, true);
	evs_sa_put(sa);
}

/* ---- module ------------------------------------------------------------- */

int evs_esp_module_init(void)
{
	return evs_proto_init();
}

int evs_esp_scratch_init(void)
{
	evs_esp_scratch = alloc_percpu(struct evs_esp_scratch);
	return evs_esp_scratch ? 0 : -ENOMEM;
}

/* Last at module exit: a request in an asynchronous driver may hold an
 * area until then.
 */
void evs_esp_scratch_exit(void)
{
	free_percpu(evs_esp_scratch);
}

void evs_esp_module_exit(void)
{
	evs_proto_exit();
	/* Handlers may still be running on other CPUs. */
	synchronize_net();
}
