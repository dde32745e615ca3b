// SPDX-License-Identifier: GPL-2.0
/*
 * ESP in UDP (RFC 3948), over IPv4 and IPv6.  UDP 4500 belongs to the IKE
 * daemon, so instead of opening our own socket we hook into evsd's: it
 * hands its sockets over by file descriptor (EVS_CMD_ENCAP_ATTACH, one per
 * family) and we set an encap_rcv on them, as L2TP does.  encap_rcv sorts each datagram:
 *
 *   1 byte 0xff        NAT keepalive: eaten
 *   4 zero bytes first IKE (non-ESP marker): returned to the socket (evsd)
 *   anything else      ESP: consumed, never reaches userspace
 *
 * When no daemon socket is attached but an SA with UDP encapsulation is
 * added, the module opens a kernel socket on the SA's local port so that
 * evsadm-only setups (and tests) work; it lives until the namespace goes.
 *
 * When evsd closes its socket, udp_destroy_sock calls our encap_destroy,
 * which unhooks it; an explicit DETACH does the same.  All changes happen
 * under evs_encap_mutex, which may be taken inside evs_net->lock but never
 * the other way round.
 */
#include <linux/net.h>
#include <linux/udp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/sock.h>
#include <net/ipv6.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>
#include <net/esp.h>
#include "esp.h"

#define EVS_ENCAP_MAX_KSOCKS	8

struct evs_encap_sock {
	struct sock *daemon[2];			/* evsd's, by evs_fam_idx, held */
	struct socket *ksock[EVS_ENCAP_MAX_KSOCKS];	/* module-owned */
};

static DEFINE_MUTEX(evs_encap_mutex);

static struct evs_encap_sock *evs_encap_get(struct evs_net *en, bool create)
{
	struct evs_encap_sock *es;

	lockdep_assert_held(&evs_encap_mutex);
	es = rcu_dereference_protected(en->encap,
				       lockdep_is_held(&evs_encap_mutex));
	if (es || !create)
		return es;
	es = kzalloc(sizeof(*es), GFP_KERNEL);
	if (es)
		rcu_assign_pointer(en->encap, es);
	return es;
}

/* 0: consumed; 1: not ESP, give it to the socket. */
static int evs_encap_classify(struct sock *sk, struct sk_buff *skb)
{
	struct evs_esp_src src = { .encap_type = EVS_ENCAP_ESPINUDP };
	unsigned int len = skb->len - sizeof(struct udphdr);
	const struct ip_esp_hdr *esph;
	const struct udphdr *uh;
	union evs_addr daddr = {};
	struct evs_net *en;
	struct evs_sa *sa;
	const u8 *p;

	if (!pskb_may_pull(skb, sizeof(*uh) + min(len, 8u)))
		return 1;
	uh = udp_hdr(skb);
	p = (const u8 *)(uh + 1);
	if (len == 1 && p[0] == 0xff) {
		consume_skb(skb);		/* NAT keepalive */
		return 0;
	}
	if (len < sizeof(*esph) || !*(const __be32 *)p)
		return 1;			/* IKE or garbage: userspace */

	en = rcu_dereference_sk_user_data(sk);
	if (unlikely(!en))
		return 1;
	esph = (const struct ip_esp_hdr *)p;
	/* An IPv6 socket also takes IPv4 (v4-mapped) unless it is v6-only. */
	if (skb->protocol == htons(ETH_P_IPV6)) {
		src.family = AF_INET6;
		src.saddr.a6 = ipv6_hdr(skb)->saddr;
		daddr.a6 = ipv6_hdr(skb)->daddr;
	} else {
		src.family = AF_INET;
		src.saddr.a4 = ip_hdr(skb)->saddr;
		daddr.a4 = ip_hdr(skb)->daddr;
	}
	src.sport = uh->source;
	sa = evs_sa_lookup_in(sock_net(sk), src.family, &daddr,
			      ntohl(esph->spi));
	if (!sa) {
		evs_stats_add(en->stats, EVS_ST_DROP_NO_SA, 1);
		kfree_skb(skb);
		return 0;
	}
	__skb_pull(skb, sizeof(*uh));
	skb_reset_transport_header(skb);
	evs_esp_input(sa, skb, &src);
	return 0;
}

static int evs_encap_rcv_daemon(struct sock *sk, struct sk_buff *skb)
{
	return evs_encap_classify(sk, skb);
}

/* Nobody reads the module's own socket: IKE there has nowhere to go. */
static int evs_encap_rcv_kernel(struct sock *sk, struct sk_buff *skb)
{
	if (evs_encap_classify(sk, skb) > 0)
		kfree_skb(skb);
	return 0;
}

static void evs_encap_unhook(struct sock *sk)
{
	struct udp_sock *up = udp_sk(sk);

	WRITE_ONCE(up->encap_rcv, NULL);
	WRITE_ONCE(up->encap_destroy, NULL);
	WRITE_ONCE(up->encap_type, 0);
	rcu_assign_sk_user_data(sk, NULL);
}

static void evs_encap_detach_daemon(struct evs_encap_sock *es, int f)
{
	struct sock *sk = es->daemon[f];

	lock_sock(sk);
	evs_encap_unhook(sk);
	release_sock(sk);
	es->daemon[f] = NULL;
	/* encap_rcv may still run on another CPU: it only needs the netns
	 * state, which outlives the socket; the sock itself is ours to drop
	 * once readers are done with it.
	 */
	synchronize_net();
	sock_put(sk);
}

/* evsd closed its socket (udp_destroy_sock, process context). */
static void evs_encap_destroy(struct sock *sk)
{
	struct evs_net *en;
	struct evs_encap_sock *es;

	mutex_lock(&evs_encap_mutex);
	en = rcu_dereference_protected(sk->sk_user_data,
				       lockdep_is_held(&evs_encap_mutex));
	es = en ? evs_encap_get(en, false) : NULL;
	if (es && es->daemon[evs_fam_idx(sk->sk_family)] == sk) {
		evs_encap_unhook(sk);
		es->daemon[evs_fam_idx(sk->sk_family)] = NULL;
		sock_put(sk);
	}
	mutex_unlock(&evs_encap_mutex);
}

static int evs_encap_hook(struct evs_net *en, struct socket *sock, bool daemon)
{
	struct sock *sk = sock->sk;
	struct udp_sock *up = udp_sk(sk);

	lock_sock(sk);
	if (up->encap_type || rcu_access_pointer(sk->sk_user_data)) {
		release_sock(sk);
		return -EBUSY;
	}
	rcu_assign_sk_user_data(sk, en);
	WRITE_ONCE(up->encap_destroy, daemon ? evs_encap_destroy : NULL);
	WRITE_ONCE(up->encap_rcv,
		   daemon ? evs_encap_rcv_daemon : evs_encap_rcv_kernel);
	WRITE_ONCE(up->encap_type, UDP_ENCAP_ESPINUDP);
	/* Takes the sock on 6.1.9x (backport), the socket on older 6.1. */
	udp_tunnel_encap_enable(sk);
	release_sock(sk);
	return 0;
}

/* Attach the daemon's UDP socket @sock (an IPv4 or IPv6 UDP socket of
 * @en's netns, checked by the caller): one of each family.
 */
int evs_encap_attach(struct evs_net *en, struct socket *sock,
		     struct netlink_ext_ack *extack)
{
	struct sock *sk = sock->sk;
	struct evs_encap_sock *es;
	int err;

	mutex_lock(&evs_encap_mutex);
	es = evs_encap_get(en, true);
	err = -ENOMEM;
	if (!es)
		goto unlock;
	if (es->daemon[evs_fam_idx(sk->sk_family)]) {
		NL_SET_ERR_MSG_MOD(extack,
				   "a UDP socket of this family is already attached; detach it first");
		err = -EBUSY;
		goto unlock;
	}
	sock_hold(sk);
	err = evs_encap_hook(en, sock, true);
	if (err) {
		sock_put(sk);
		NL_SET_ERR_MSG_MOD(extack,
				   "the socket already has a UDP encapsulation (xfrm, L2TP ...)");
		goto unlock;
	}
	es->daemon[evs_fam_idx(sk->sk_family)] = sk;
unlock:
	mutex_unlock(&evs_encap_mutex);
	return err;
}

/* Detach the daemon's sockets; -ENOENT when none is attached. */
int evs_encap_detach(struct evs_net *en)
{
	struct evs_encap_sock *es;
	int err = -ENOENT, f;

	mutex_lock(&evs_encap_mutex);
	es = evs_encap_get(en, false);
	for (f = 0; es && f < 2; f++) {
		if (es->daemon[f]) {
			evs_encap_detach_daemon(es, f);
			err = 0;
		}
	}
	mutex_unlock(&evs_encap_mutex);
	return err;
}

static u16 evs_encap_sock_port(struct sock *sk)
{
	return ntohs(inet_sk(sk)->inet_sport);
}

/* Does @sk receive ESP-in-UDP of @family on @port?  An IPv6 socket that
 * is not v6-only takes IPv4 too.
 */
static bool evs_encap_sock_serves(struct sock *sk, u16 family, __be16 port)
{
	if (!sk || evs_encap_sock_port(sk) != ntohs(port))
		return false;
	return sk->sk_family == family ||
	       (sk->sk_family == AF_INET6 && family == AF_INET &&
		!ipv6_only_sock(sk));
}

static struct socket *evs_encap_ksock_open(struct net *net, u16 family,
					   __be16 port)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_ANY_INIT,
		.sin6_port = port,
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = port,
	};
	struct socket *sock;
	int err;

	err = sock_create_kern(net, family, SOCK_DGRAM, IPPROTO_UDP, &sock);
	if (err)
		return ERR_PTR(err);
	/* The IPv4 one, if any, keeps its port. */
	if (family == AF_INET6)
		err = ip6_sock_set_v6only(sock->sk) ?:
		      kernel_bind(sock, (struct sockaddr *)&sin6, sizeof(sin6));
	else
		err = kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
	if (err) {
		sock_release(sock);
		return ERR_PTR(err);
	}
	return sock;
}

void evs_encap_sa_added(struct evs_sa *sa)
{
	struct evs_net *en = evs_net(sa->net);
	const struct evs_sa_encap *enc;
	struct evs_encap_sock *es;
	struct socket *sock;
	__be16 port;
	int i, slot = -1;

	rcu_read_lock();
	enc = rcu_dereference(sa->encap);
	port = enc && enc->type == EVS_ENCAP_ESPINUDP ? enc->dport : 0;
	rcu_read_unlock();
	if (!port)
		return;

	mutex_lock(&evs_encap_mutex);
	es = evs_encap_get(en, true);
	if (!es)
		goto out;
	if (evs_encap_sock_serves(es->daemon[0], sa->family, port) ||
	    evs_encap_sock_serves(es->daemon[1], sa->family, port))
		goto out;
	for (i = 0; i < EVS_ENCAP_MAX_KSOCKS; i++) {
		if (!es->ksock[i]) {
			if (slot < 0)
				slot = i;
			continue;
		}
		if (evs_encap_sock_serves(es->ksock[i]->sk, sa->family, port))
			goto out;
	}
	if (slot < 0)
		goto out;
	sock = evs_encap_ksock_open(sa->net, sa->family, port);
	if (IS_ERR(sock)) {
		/* Someone else (evsd about to attach, another IKE daemon)
		 * owns the port: they will deliver or not, not our call.
		 */
		pr_info_ratelimited("evs: no socket for ESP-in-UDP on port %u: %ld\n",
				    ntohs(port), PTR_ERR(sock));
		goto out;
	}
	if (evs_encap_hook(en, sock, false)) {
		sock_release(sock);
		goto out;
	}
	es->ksock[slot] = sock;
out:
	mutex_unlock(&evs_encap_mutex);
}

void evs_encap_net_exit(struct evs_net *en)
{
	struct evs_encap_sock *es;
	int i;

	mutex_lock(&evs_encap_mutex);
	es = evs_encap_get(en, false);
	if (es) {
		for (i = 0; i < 2; i++)
			if (es->daemon[i])
				evs_encap_detach_daemon(es, i);
		for (i = 0; i < EVS_ENCAP_MAX_KSOCKS; i++) {
			struct socket *sock = es->ksock[i];

			if (!sock)
				continue;
			lock_sock(sock->sk);
			evs_encap_unhook(sock->sk);
			release_sock(sock->sk);
			kernel_sock_shutdown(sock, SHUT_RDWR);
			sock_release(sock);
		}
		RCU_INIT_POINTER(en->encap, NULL);
	}
	mutex_unlock(&evs_encap_mutex);
	if (es) {
		synchronize_net();
		kfree(es);
	}
}
