// SPDX-License-Identifier: MIT
/* Reading a named nftables counter over nfnetlink; see nft_counter.h. */
#include "evsd/client/nft_counter.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

struct counter_reply {
	bool found;
	uint64_t packets, bytes;
};

static int data_cb(const struct nlattr *a, void *arg)
{
	struct counter_reply *r = arg;
	int type = mnl_attr_get_type(a);

	if ((type == NFTA_COUNTER_PACKETS || type == NFTA_COUNTER_BYTES) &&
	    mnl_attr_validate(a, MNL_TYPE_U64) == 0) {
		uint64_t v = be64toh(mnl_attr_get_u64(a));

		if (type == NFTA_COUNTER_PACKETS)
			r->packets = v;
		else
			r->bytes = v;
		r->found = true;
	}
	return MNL_CB_OK;
}

static int obj_cb(const struct nlattr *a, void *arg)
{
	if (mnl_attr_get_type(a) == NFTA_OBJ_DATA && mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
		mnl_attr_parse_nested(a, data_cb, arg);
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *arg)
{
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), obj_cb, arg);
	return MNL_CB_OK;
}

int nft_counter_read(const char *table, const char *name, uint64_t *packets, uint64_t *bytes)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct counter_reply r = { 0 };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct nfgenmsg *g;
	/* a socket of its own per call: any sequence number will do */
	unsigned seq = 1, port;
	ssize_t k;
	int rc = -1;

	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	port = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETOBJ;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = NFPROTO_INET;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_OBJ_NAME, name);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_COUNTER));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	/* the reply, then the ACK (or an error: no such table or counter) */
	while ((k = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		int cb = mnl_cb_run(buf, (size_t)k, seq, port, msg_cb, &r);

		if (cb <= MNL_CB_STOP) {
			rc = cb == MNL_CB_STOP && r.found ? 0 : -1;
			break;
		}
	}
out:
	mnl_socket_close(nl);
	if (rc == 0) {
		*packets = r.packets;
		*bytes = r.bytes;
	}
	return rc;
}
