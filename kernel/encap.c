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
 * When no daemon socket is attached but an inbound SA with UDP
 * encapsulation is added, the module opens a kernel socket on the SA's
 * local port so that evsadm-only setups (and tests) work; it lives until
 * a DETACH with EVS_A_ENCAP_STANDIN or until the namespace goes.
 *
 * When evsd closes its socket, udp_destroy_sock calls our encap_destroy.
 * That happens when evsd is killed or exits keeping its sessions (a
 * restart): the SAs stay in the kernel, so module sockets stand in on the
 * ports they use until an evsd is back.  There is never a moment without
 * a socket of ours on the port: encap_destroy binds the stand-ins next to
 * the closing socket, still hashed and hooked (SO_REUSEPORT on both), and
 * a starting evsd attaches its socket, binds it with SO_REUSEPORT next to
 * the stand-ins, clears SO_REUSEPORT (nobody else may join from then on)
 * and only then sends a DETACH with EVS_A_ENCAP_STANDIN, which closes the
 * module's sockets.  While two sockets share the port, the kernel spreads
 * flows over them: both take ESP; IKE that lands on a stand-in is lost
 * (the peer retransmits).  A plain DETACH unhooks evsd's sockets (a clean
 * stop, a listen change).  All changes
 * happen under evs_encap_mutex, which may be taken inside evs_net->lock but
 * never the other way round.
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
/* A stand-in that cannot be bound next to the closing daemon socket
 * (another socket without SO_REUSEPORT, or of another uid, holds the port)
 * tries again every jiffy, this many times at most.
 */
#define EVS_ENCAP_STANDIN_TRIES	100

struct evs_encap_sock {
	struct sock *daemon[2];			/* evsd's, by evs_fam_idx, held */
	struct socket *ksock[EVS_ENCAP_MAX_KSOCKS];	/* module-owned */
	struct evs_net *en;
	struct delayed_work standin;		/* after evsd's socket went */
	unsigned int standin_tries;
};

static void evs_encap_standin_work(struct work_struct *work);

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
	if (!es)
		return NULL;
	es->en = en;
	INIT_DELAYED_WORK(&es->standin, evs_encap_standin_work);
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

static bool evs_encap_standin_open(struct evs_encap_sock *es);

/* evsd closed its socket (udp_destroy_sock from sk_common_release, process
 * context, no lock of ours held).  The socket is still hashed and keeps its
 * hook until it is unhashed right after this: the stand-ins are bound next
 * to it (SO_REUSEPORT on both, the closer's uid) before it lets go of the
 * port, so ESP-in-UDP always finds a socket of ours.
 */
static void evs_encap_destroy(struct sock *sk)
{
	int f = evs_fam_idx(sk->sk_family);
	struct evs_encap_sock *es;
	struct evs_net *en;

	mutex_lock(&evs_encap_mutex);
	en = rcu_dereference_protected(sk->sk_user_data,
				       lockdep_is_held(&evs_encap_mutex));
	es = en ? evs_encap_get(en, false) : NULL;
	if (es && es->daemon[f] == sk)
		es->daemon[f] = NULL;
	else
		es = NULL;
	mutex_unlock(&evs_encap_mutex);
	if (!es)
		return;
	/* Dead: no one can set or read it through the socket any more. */
	sock_set_reuseport(sk);
	if (evs_encap_standin_open(es)) {
		/* Someone else's socket on the port: try again a little
		 * later (and once this one is unhashed).
		 */
		es->standin_tries = 0;
		schedule_delayed_work(&es->standin, 1);
	}
	sock_put(sk);
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

/* Close every module-owned socket; false when there was none.  Each keeps
 * its hook until it is unhashed: unhooked first, it would queue the ESP
 * that reuseport still steers to it as datagrams nobody reads.  A receive
 * still running after the unhash needs only the netns state, which
 * outlives the socket.
 */
static bool evs_encap_ksocks_close(struct evs_encap_sock *es)
{
	bool closed = false;
	int i;

	lockdep_assert_held(&evs_encap_mutex);
	for (i = 0; i < EVS_ENCAP_MAX_KSOCKS; i++) {
		if (es->ksock[i]) {
			sock_release(es->ksock[i]);
			es->ksock[i] = NULL;
			closed = true;
		}
	}
	return closed;
}

/* Wait until no stand-in work runs or is queued.  Outside evs_encap_mutex
 * and evs_net->lock: the work takes both.  @en's state lives while the
 * caller (a netlink request in the netns, or the netns exit) runs.
 */
static void evs_encap_standin_cancel(struct evs_net *en)
{
	struct evs_encap_sock *es = rcu_access_pointer(en->encap);

	if (es)
		cancel_delayed_work_sync(&es->standin);
}

/* Close the module's own sockets, the stand-ins included, which frees their
 * ports for a starting daemon; -ENOENT when there was none.  A running
 * daemon's attached sockets are left alone.
 */
int evs_encap_release(struct evs_net *en)
{
	struct evs_encap_sock *es;
	bool closed;

	evs_encap_standin_cancel(en);
	mutex_lock(&evs_encap_mutex);
	es = evs_encap_get(en, false);
	closed = es && evs_encap_ksocks_close(es);
	mutex_unlock(&evs_encap_mutex);
	return closed ? 0 : -ENOENT;
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

/* A module socket on @port, hooked before it is bound: bound first, it
 * would queue the ESP that reuseport steers to it as datagrams nobody reads.
 */
static struct socket *evs_encap_ksock_open(struct evs_net *en, u16 family,
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

	err = sock_create_kern(en->net, family, SOCK_DGRAM, IPPROTO_UDP, &sock);
	if (err)
		return ERR_PTR(err);
	/* Shares the port with a closing daemon socket and with the next
	 * daemon's, which binds before it sends the DETACH that closes us.
	 */
	sock_set_reuseport(sock->sk);
	err = evs_encap_hook(en, sock, false);
	/* The IPv4 one, if any, keeps its port. */
	if (!err && family == AF_INET6)
		err = ip6_sock_set_v6only(sock->sk) ?:
		      kernel_bind(sock, (struct sockaddr *)&sin6, sizeof(sin6));
	else if (!err)
		err = kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
	if (err) {
		sock_release(sock);
		return ERR_PTR(err);
	}
	return sock;
}

/* ESP-in-UDP of @family to @port gets a socket: evsd's, or one of the
 * module's own.  -EADDRINUSE while someone else holds the port.
 */
static int evs_encap_serve(struct evs_encap_sock *es, u16 family,
			   __be16 port)
{
	struct socket *sock;
	int i, slot = -1;

	lockdep_assert_held(&evs_encap_mutex);
	if (evs_encap_sock_serves(es->daemon[0], family, port) ||
	    evs_encap_sock_serves(es->daemon[1], family, port))
		return 0;
	for (i = 0; i < EVS_ENCAP_MAX_KSOCKS; i++) {
		if (!es->ksock[i]) {
			if (slot < 0)
				slot = i;
			continue;
		}
		if (evs_encap_sock_serves(es->ksock[i]->sk, family, port))
			return 0;
	}
	if (slot < 0)
		return -ENOSPC;
	sock = evs_encap_ksock_open(es->en, family, port);
	if (IS_ERR(sock))
		return PTR_ERR(sock);
	es->ksock[slot] = sock;
	return 0;
}

/* The UDP port an inbound SA's ESP-in-UDP arrives on; 0 when it has none
 * (an outbound SA's dport is the peer's).
 */
static __be16 evs_encap_sa_port(struct evs_sa *sa)
{
	const struct evs_sa_encap *enc;
	__be16 port;

	if (sa->dir != EVS_DIR_IN)
		return 0;
	rcu_read_lock();
	enc = rcu_dereference(sa->encap);
	port = enc && enc->type == EVS_ENCAP_ESPINUDP ? enc->dport : 0;
	rcu_read_unlock();
	return port;
}

void evs_encap_sa_added(struct evs_sa *sa)
{
	__be16 port = evs_encap_sa_port(sa);
	struct evs_encap_sock *es;
	int err;

	if (!port)
		return;
	mutex_lock(&evs_encap_mutex);
	es = evs_encap_get(evs_net(sa->net), true);
	err = es ? evs_encap_serve(es, sa->family, port) : -ENOMEM;
	/* -EADDRINUSE: someone else (evsd about to attach, another IKE
	 * daemon) owns the port: they will deliver or not, not our call.
	 */
	if (err)
		pr_info_ratelimited("evs: no socket for ESP-in-UDP on port %u: %d\n",
				    ntohs(port), err);
	mutex_unlock(&evs_encap_mutex);
}

/* Module sockets on the port of every inbound ESP-in-UDP SA that no daemon
 * socket serves; true while someone else's socket holds such a port.
 */
static bool evs_encap_standin_open(struct evs_encap_sock *es)
{
	struct evs_net *en = es->en;
	bool busy = false;
	struct evs_sa *sa;
	unsigned long id;
	__be16 port;

	mutex_lock(&en->lock);
	mutex_lock(&evs_encap_mutex);
	xa_for_each(&en->sa_ids, id, sa) {
		port = evs_encap_sa_port(sa);
		if (port && evs_encap_serve(es, sa->family, port) ==
			    -EADDRINUSE)
			busy = true;
		cond_resched();
	}
	mutex_unlock(&evs_encap_mutex);
	mutex_unlock(&en->lock);
	return busy;
}

/* A stand-in could not be bound when evsd's socket closed. */
static void evs_encap_standin_work(struct work_struct *work)
{
	struct evs_encap_sock *es = container_of(to_delayed_work(work),
						 struct evs_encap_sock, standin);

	if (evs_encap_standin_open(es) &&
	    ++es->standin_tries < EVS_ENCAP_STANDIN_TRIES)
		schedule_delayed_work(&es->standin, 1);
}

void evs_encap_net_exit(struct evs_net *en)
{
	struct evs_encap_sock *es;
	int i;

	evs_encap_standin_cancel(en);
	mutex_lock(&evs_encap_mutex);
	es = evs_encap_get(en, false);
	if (es) {
		for (i = 0; i < 2; i++)
			if (es->daemon[i])
				evs_encap_detach_daemon(es, i);
		evs_encap_ksocks_close(es);
		RCU_INIT_POINTER(en->encap, NULL);
	}
	mutex_unlock(&evs_encap_mutex);
	if (es) {
		synchronize_net();
		kfree(es);
	}
}
