// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink requests for the ESP-in-UDP sockets: ENCAP_ATTACH hands
 * evsd's UDP/4500 socket over by descriptor (one IPv4 and one IPv6 socket
 * at most), ENCAP_DETACH takes them back (encap.c hooks and unhooks them).
 */
#include "evs.h"

#include <linux/net.h>
#include <linux/file.h>
#include <net/sock.h>

int evs_nl_encap_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct socket *sock;
	struct sock *sk;
	int err, fd;

	if (!info->attrs[EVS_A_ENCAP_FD]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "EVS_A_ENCAP_FD (the UDP socket's descriptor) is required");
		return -EINVAL;
	}
	fd = nla_get_u32(info->attrs[EVS_A_ENCAP_FD]);
	sock = sockfd_lookup(fd, &err);
	if (!sock) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "EVS_A_ENCAP_FD is not an open socket of the calling process");
		return err;
	}
	sk = sock->sk;
	if ((sk->sk_family != AF_INET && sk->sk_family != AF_INET6) ||
	    sk->sk_type != SOCK_DGRAM || sk->sk_protocol != IPPROTO_UDP) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "the encapsulation socket must be an IPv4 or IPv6 UDP socket");
		err = -EPROTOTYPE;
	} else if (!net_eq(sock_net(sk), net)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "the socket belongs to another network namespace");
		err = -EXDEV;
	} else {
		err = evs_encap_attach(evs_net(net), sock, info->extack);
	}
	sockfd_put(sock);
	return err;
}

int evs_nl_encap_detach(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	int err;

	if (nla_get_flag(info->attrs[EVS_A_ENCAP_STANDIN])) {
		err = evs_encap_release(en);
		if (err == -ENOENT)
			NL_SET_ERR_MSG_MOD(info->extack, "the module holds no UDP socket");
		return err;
	}
	err = evs_encap_detach(en);
	if (err == -ENOENT)
		NL_SET_ERR_MSG_MOD(info->extack, "no UDP socket is attached");
	return err;
}
