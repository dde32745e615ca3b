// SPDX-License-Identifier: GPL-2.0
/*
 * Raw ESP (IP protocol 50, IPv6 next header 50).  Linux has one inet (and
 * one inet6) protocol slot for ESP; xfrm multiplexes it through
 * xfrm4_protocol (xfrm6_protocol) handlers ordered by priority.  We
 * register ahead of xfrm's own (esp4 at 0, xfrm interfaces at 10) and
 * behind vti (100): a packet whose SPI is not in our SAD is handed on
 * untouched (-EINVAL) so evs and xfrm share one kernel and one namespace.
 */
#include <linux/skbuff.h>
#include <linux/ip.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ndisc.h>
#include <net/esp.h>
#include <net/xfrm.h>
#include <net/route.h>
#include "esp.h"

#define EVS_PROTO_PRIORITY	50

static int evs_proto_rcv(struct sk_buff *skb)
{
	static const struct evs_esp_src raw = { .encap_type = EVS_ENCAP_NONE,
						.family = AF_INET };
	const struct ip_esp_hdr *esph;
	union evs_addr daddr = {};
	struct evs_sa *sa;

	if (!pskb_may_pull(skb, sizeof(*esph)))
		return -EINVAL;	/* let xfrm judge and count it */
	esph = (const struct ip_esp_hdr *)skb->data;
	daddr.a4 = ip_hdr(skb)->daddr;
	sa = evs_sa_lookup_in(dev_net(skb->dev), AF_INET, &daddr,
			      ntohl(esph->spi));
	if (!sa)
		return -EINVAL;
	evs_esp_input(sa, skb, &raw);
	return 0;
}

/* xfrm calls these for every registered handler: answer "not mine". */
static int evs_proto_input_handler(struct sk_buff *skb, int nexthdr,
				   __be32 spi, int encap_type)
{
	return -EINVAL;
}

static int evs_proto_cb_handler(struct sk_buff *skb, int err)
{
	return 1;
}

static int evs_proto_err_handler(struct sk_buff *skb, u32 info)
{
	const struct icmphdr *icmph = icmp_hdr(skb);
	struct net *net = dev_net(skb->dev);

	/* ICMP quoting one of our ESP packets (or xfrm's: both want the same
	 * thing done).  Update the outer path MTU so the next packets pick the
	 * right DF / fragment decision; never claim the error, xfrm may also
	 * care about it.
	 */
	if (icmph->type == ICMP_DEST_UNREACH && icmph->code == ICMP_FRAG_NEEDED)
		ipv4_update_pmtu(skb, net, info, 0, IPPROTO_ESP);
	else if (icmph->type == ICMP_REDIRECT)
		ipv4_redirect(skb, net, 0, IPPROTO_ESP);
	return -ENOENT;
}

static struct xfrm4_protocol evs_esp4_protocol __read_mostly = {
	.handler	= evs_proto_rcv,
	.input_handler	= evs_proto_input_handler,
	.cb_handler	= evs_proto_cb_handler,
	.err_handler	= evs_proto_err_handler,
	.priority	= EVS_PROTO_PRIORITY,
};

/* IPv6: skb->data at the ESP header, after any extension headers. */
static int evs_proto6_rcv(struct sk_buff *skb)
{
	static const struct evs_esp_src raw = { .encap_type = EVS_ENCAP_NONE,
						.family = AF_INET6 };
	const struct ip_esp_hdr *esph;
	union evs_addr daddr;
	struct evs_sa *sa;

	if (!pskb_may_pull(skb, sizeof(*esph)))
		return -EINVAL;
	esph = (const struct ip_esp_hdr *)skb->data;
	daddr.a6 = ipv6_hdr(skb)->daddr;
	sa = evs_sa_lookup_in(dev_net(skb->dev), AF_INET6, &daddr,
			      ntohl(esph->spi));
	if (!sa)
		return -EINVAL;
	evs_esp_input(sa, skb, &raw);
	return 0;
}

static int evs_proto6_err_handler(struct sk_buff *skb,
				  struct inet6_skb_parm *opt, u8 type, u8 code,
				  int offset, __be32 info)
{
	struct net *net = dev_net(skb->dev);

	/* As for IPv4: learn the path MTU, leave the error to xfrm too. */
	if (type == ICMPV6_PKT_TOOBIG)
		ip6_update_pmtu(skb, net, info, 0, 0, sock_net_uid(net, NULL));
	else if (type == NDISC_REDIRECT)
		ip6_redirect(skb, net, skb->dev->ifindex, 0,
			     sock_net_uid(net, NULL));
	return -ENOENT;
}

static struct xfrm6_protocol evs_esp6_protocol __read_mostly = {
	.handler	= evs_proto6_rcv,
	.input_handler	= evs_proto_input_handler,
	.cb_handler	= evs_proto_cb_handler,
	.err_handler	= evs_proto6_err_handler,
	.priority	= EVS_PROTO_PRIORITY,
};

int evs_proto_init(void)
{
	int err = xfrm4_protocol_register(&evs_esp4_protocol, IPPROTO_ESP);

	if (err) {
		pr_err("evs: cannot register the ESP protocol handler: %d\n",
		       err);
		return err;
	}
	err = xfrm6_protocol_register(&evs_esp6_protocol, IPPROTO_ESP);
	if (err) {
		pr_err("evs: cannot register the IPv6 ESP protocol handler: %d\n",
		       err);
		xfrm4_protocol_deregister(&evs_esp4_protocol, IPPROTO_ESP);
	}
	return err;
}

void evs_proto_exit(void)
{
	xfrm6_protocol_deregister(&evs_esp6_protocol, IPPROTO_ESP);
	xfrm4_protocol_deregister(&evs_esp4_protocol, IPPROTO_ESP);
}
