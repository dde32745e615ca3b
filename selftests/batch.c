// SPDX-License-Identifier: GPL-2.0
/*
 * EVS_CMD_BATCH_ADD at the netlink level: a batch adds exactly its items
 * and says so in the ACK cookie; a failing item stops it, the cookie is
 * its index and the extack offset points into it; bad attributes and item
 * types are refused by strict validation before anything is added; more
 * than EVS_BATCH_MAX items are refused.  Each test runs in a network
 * namespace of its own.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <kselftest_harness.h>

#include "evs_nl.h"

FIXTURE(batch) {
	struct evs_nl nl;
	uint32_t ifindex;
};

FIXTURE_SETUP(batch)
{
	ASSERT_EQ(0, evs_ensure_module());
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, evs_sh("ip link add evs0 type evs && ip link set evs0 up"));
	self->ifindex = if_nametoindex("evs0");
	ASSERT_NE(0, self->ifindex);
	ASSERT_EQ(0, evs_t_nl_open(&self->nl)) TH_LOG("evs family not found");
}

FIXTURE_TEARDOWN(batch)
{
	evs_t_nl_close(&self->nl);
}

static struct nlmsghdr *batch_start(struct evs_nl *nl, uint32_t ifindex,
				    struct nlattr **nest)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, EVS_CMD_BATCH_ADD, 0);

	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, ifindex);
	*nest = mnl_attr_nest_start(nlh, EVS_A_BATCH);
	return nlh;
}

static void put_in(struct nlmsghdr *nlh, int type, const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	mnl_attr_put(nlh, type, 4, &a);
}

/* An outbound null SA item; returns its offset in the message. */
static uint32_t put_sa(struct nlmsghdr *nlh, uint32_t spi)
{
	uint32_t at = nlh->nlmsg_len;
	struct nlattr *n = mnl_attr_nest_start(nlh, EVS_A_SA);

	mnl_attr_put_u8(nlh, EVS_SA_A_DIR, EVS_DIR_OUT);
	mnl_attr_put_u32(nlh, EVS_SA_A_SPI, spi);
	mnl_attr_put_u16(nlh, EVS_SA_A_FAMILY, AF_INET);
	put_in(nlh, EVS_SA_A_SRC, "198.51.100.1");
	put_in(nlh, EVS_SA_A_DST, "198.51.100.2");
	mnl_attr_put_strz(nlh, EVS_SA_A_ENC_NAME, "ecb(cipher_null)");
	mnl_attr_put_strz(nlh, EVS_SA_A_AUTH_NAME, "digest_null");
	mnl_attr_nest_end(nlh, n);
	return at;
}

/* An outbound /32 policy item for SA @spi. */
static uint32_t put_pol(struct nlmsghdr *nlh, uint32_t spi, const char *dst)
{
	uint32_t at = nlh->nlmsg_len;
	struct nlattr *n = mnl_attr_nest_start(nlh, EVS_A_POLICY);

	mnl_attr_put_u8(nlh, EVS_POL_A_DIR, EVS_DIR_OUT);
	mnl_attr_put_u16(nlh, EVS_POL_A_FAMILY, AF_INET);
	put_in(nlh, EVS_POL_A_SRC, "192.168.77.1");
	mnl_attr_put_u8(nlh, EVS_POL_A_SRC_PLEN, 32);
	put_in(nlh, EVS_POL_A_DST, dst);
	mnl_attr_put_u8(nlh, EVS_POL_A_DST_PLEN, 32);
	mnl_attr_put_u32(nlh, EVS_POL_A_SPI, spi);
	mnl_attr_nest_end(nlh, n);
	return at;
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(*(int *)data)++;
	return MNL_CB_OK;
}

static int count(struct evs_nl *nl, uint8_t cmd)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, cmd, NLM_F_DUMP);
	int n = 0;

	if (evs_nl_talk(nl, nlh, count_cb, &n))
		return -1;
	return n;
}

/* Is @offs inside the item that starts at @at? */
static bool in_item(const struct nlmsghdr *nlh, uint32_t at, uint32_t offs)
{
	const struct nlattr *item = (const void *)((const char *)nlh + at);

	return offs >= at && offs < at + item->nla_len;
}

/* Send a batch of one item of @type holding the u32 attribute @attr. */
static int lone_item(struct evs_nl *nl, uint32_t ifindex, uint16_t type, uint16_t attr)
{
	struct nlattr *nest, *n;
	struct nlmsghdr *nlh = batch_start(nl, ifindex, &nest);

	n = mnl_attr_nest_start(nlh, type);
	mnl_attr_put_u32(nlh, attr, 1);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, nest);
	return evs_nl_talk(nl, nlh, NULL, NULL);
}

TEST_F(batch, adds_exactly_its_items)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = batch_start(&self->nl, self->ifindex, &nest);
	char dst[32];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(dst, sizeof(dst), "10.77.1.%d", i + 1);
		put_sa(nlh, 0x1000 + i);
		put_pol(nlh, 0x1000 + i, dst);
	}
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, evs_nl_talk(&self->nl, nlh, NULL, NULL)) TH_LOG("%s", self->nl.err_msg);
	EXPECT_TRUE(self->nl.has_cookie);
	EXPECT_EQ(200, self->nl.cookie);
	EXPECT_EQ(100, count(&self->nl, EVS_CMD_SA_GET));
	EXPECT_EQ(100, count(&self->nl, EVS_CMD_POLICY_GET));
}

TEST_F(batch, failing_item_named_by_cookie_and_offset)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = batch_start(&self->nl, self->ifindex, &nest);
	uint32_t bad;

	put_sa(nlh, 0x2000);
	put_pol(nlh, 0x2000, "10.77.2.1");
	put_sa(nlh, 0x2001);
	bad = put_sa(nlh, 0x2000);		/* item 3: the SPI is taken */
	put_sa(nlh, 0x2002);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EEXIST, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_STREQ("an SA with this SPI already exists in this direction", self->nl.err_msg);
	EXPECT_TRUE(self->nl.has_cookie);
	EXPECT_EQ(3, self->nl.cookie);
	EXPECT_TRUE(in_item(nlh, bad, self->nl.err_offset))
		TH_LOG("offset %u, item at %u", self->nl.err_offset, bad);
	/* The three before it stay; the one after it was not tried. */
	EXPECT_EQ(2, count(&self->nl, EVS_CMD_SA_GET));
	EXPECT_EQ(1, count(&self->nl, EVS_CMD_POLICY_GET));

	/* A failure the module names no attribute for: the item's nest. */
	nlh = batch_start(&self->nl, self->ifindex, &nest);
	put_sa(nlh, 0x3000);
	bad = put_pol(nlh, 0x2001, "10.77.2.1");	/* selector taken */
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EEXIST, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_STREQ("a policy with this selector and direction already exists",
		     self->nl.err_msg);
	EXPECT_EQ(1, self->nl.cookie);
	EXPECT_TRUE(in_item(nlh, bad, self->nl.err_offset));
}

TEST_F(batch, bad_attributes_refused_before_any_item)
{
	struct nlattr *nest, *n;
	struct nlmsghdr *nlh = batch_start(&self->nl, self->ifindex, &nest);
	uint32_t at;

	/* Item 1 has its SPI as a u8: nothing of the batch goes in. */
	put_sa(nlh, 0x4000);
	at = nlh->nlmsg_len;
	n = mnl_attr_nest_start(nlh, EVS_A_SA);
	mnl_attr_put_u8(nlh, EVS_SA_A_DIR, EVS_DIR_OUT);
	mnl_attr_put_u8(nlh, EVS_SA_A_SPI, 7);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EINVAL, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	EXPECT_TRUE(in_item(nlh, at, self->nl.err_offset));
	EXPECT_FALSE(self->nl.has_cookie);
	TH_LOG("short SPI: \"%s\"", self->nl.err_msg);
	EXPECT_EQ(0, count(&self->nl, EVS_CMD_SA_GET));

	/* A reply-only attribute in an item. */
	EXPECT_EQ(-EINVAL, lone_item(&self->nl, self->ifindex, EVS_A_POLICY, EVS_POL_A_HITS));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	TH_LOG("HITS in an item: \"%s\"", self->nl.err_msg);

	/* An item that is neither a connection, an SA nor a policy. */
	EXPECT_EQ(-EINVAL, lone_item(&self->nl, self->ifindex, EVS_A_ROUTE, EVS_ROUTE_A_CONN_ID));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	TH_LOG("EVS_A_ROUTE in a batch: \"%s\"", self->nl.err_msg);

	/* No batch at all. */
	nlh = evs_nl_req(&self->nl, EVS_CMD_BATCH_ADD, 0);
	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, self->ifindex);
	EXPECT_EQ(-EINVAL, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_STREQ("missing EVS_A_BATCH", self->nl.err_msg);
}

static void put_conn(struct nlmsghdr *nlh, uint32_t id)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, EVS_A_CONN);

	mnl_attr_put_u32(nlh, EVS_CONN_A_ID, id);
	mnl_attr_nest_end(nlh, n);
}

/* The last item's nest gets one more u32 attribute. */
static void item_add_u32(struct nlmsghdr *nlh, uint32_t at, uint16_t type, uint32_t v)
{
	struct nlattr *item = (void *)((char *)nlh + at);

	mnl_attr_put_u32(nlh, type, v);
	item->nla_len = (uint16_t)(nlh->nlmsg_len - at);
}

/* What evsd sends for a new connection: the connection, its SA and its
 * policy in one request, the connection first; CONN_DEL takes them all.
 * A connection item fails as CONN_ADD would. */
TEST_F(batch, connection_with_its_sas_and_policies)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = batch_start(&self->nl, self->ifindex, &nest);
	struct nlattr *n;
	uint32_t at;

	put_conn(nlh, 77);
	at = put_sa(nlh, 0x5000);
	item_add_u32(nlh, at, EVS_SA_A_CONN_ID, 77);
	at = put_pol(nlh, 0x5000, "10.77.5.1");
	item_add_u32(nlh, at, EVS_POL_A_CONN_ID, 77);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, evs_nl_talk(&self->nl, nlh, NULL, NULL)) TH_LOG("%s", self->nl.err_msg);
	EXPECT_EQ(3, self->nl.cookie);
	EXPECT_EQ(1, count(&self->nl, EVS_CMD_CONN_GET));
	EXPECT_EQ(1, count(&self->nl, EVS_CMD_SA_GET));
	EXPECT_EQ(1, count(&self->nl, EVS_CMD_POLICY_GET));

	nlh = batch_start(&self->nl, self->ifindex, &nest);
	put_conn(nlh, 77);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EEXIST, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_STREQ("connection already exists", self->nl.err_msg);
	EXPECT_EQ(0, self->nl.cookie);

	nlh = batch_start(&self->nl, self->ifindex, &nest);
	put_conn(nlh, 0);
	mnl_attr_nest_end(nlh, nest);
	/* refused by the attribute policy, before any item */
	EXPECT_EQ(-ERANGE, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	EXPECT_FALSE(self->nl.has_cookie);

	nlh = evs_nl_req(&self->nl, EVS_CMD_CONN_DEL, 0);
	n = mnl_attr_nest_start(nlh, EVS_A_CONN);
	mnl_attr_put_u32(nlh, EVS_CONN_A_ID, 77);
	mnl_attr_nest_end(nlh, n);
	ASSERT_EQ(0, evs_nl_talk(&self->nl, nlh, NULL, NULL)) TH_LOG("%s", self->nl.err_msg);
	EXPECT_EQ(0, count(&self->nl, EVS_CMD_CONN_GET));
	EXPECT_EQ(0, count(&self->nl, EVS_CMD_SA_GET));
	EXPECT_EQ(0, count(&self->nl, EVS_CMD_POLICY_GET));
}

TEST_F(batch, at_most_evs_batch_max_items)
{
	struct nlattr *nest, *n;
	struct nlmsghdr *nlh = batch_start(&self->nl, self->ifindex, &nest);
	int i;

	/* Empty policy items are 4 bytes: EVS_BATCH_MAX + 1 fit easily. */
	for (i = 0; i <= EVS_BATCH_MAX; i++) {
		n = mnl_attr_nest_start(nlh, EVS_A_POLICY);
		mnl_attr_nest_end(nlh, n);
	}
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-E2BIG, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_STREQ("a batch holds at most EVS_BATCH_MAX (4096) items", self->nl.err_msg);
	EXPECT_EQ(0, self->nl.cookie);
	EXPECT_EQ(0, count(&self->nl, EVS_CMD_POLICY_GET));
}

TEST_HARNESS_MAIN
