// SPDX-License-Identifier: GPL-2.0
/*
 * The "evs" generic netlink family: version, link listing, privilege
 * checks and attribute validation.  Each test runs in a network namespace
 * of its own (the harness forks per test; the fixture unshares).
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/wait.h>

#include <kselftest_harness.h>

#include "evs_nl.h"

FIXTURE(evs) {
	struct evs_nl nl;
};

FIXTURE_SETUP(evs)
{
	ASSERT_EQ(0, evs_ensure_module());
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, evs_t_nl_open(&self->nl)) TH_LOG("evs family not found");
}

FIXTURE_TEARDOWN(evs)
{
	evs_t_nl_close(&self->nl);
}

struct version_reply {
	char version[128];
	uint32_t genl_version;
	int n;
};

static int version_cb(const struct nlmsghdr *nlh, void *data)
{
	struct version_reply *r = data;
	struct nlattr *a;

	r->n++;
	a = evs_nl_attr(nlh, EVS_A_VERSION);
	if (a && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(r->version, sizeof(r->version), "%s", mnl_attr_get_str(a));
	a = evs_nl_attr(nlh, EVS_A_GENL_VERSION);
	if (a && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		r->genl_version = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

TEST_F(evs, version)
{
	struct version_reply r = {};
	struct nlmsghdr *nlh;

	EXPECT_EQ(EVS_GENL_VERSION, self->nl.version);
	EXPECT_NE(0, self->nl.events_group);

	nlh = evs_nl_req(&self->nl, EVS_CMD_GET_VERSION, 0);
	ASSERT_EQ(0, evs_nl_talk(&self->nl, nlh, version_cb, &r))
		TH_LOG("GET_VERSION: %s", self->nl.err_msg);
	EXPECT_EQ(1, r.n);
	EXPECT_EQ(EVS_GENL_VERSION, r.genl_version);
	EXPECT_NE(0, strlen(r.version));
	TH_LOG("module version \"%s\", genl version %u", r.version, r.genl_version);
}

struct link_list {
	char names[8][IFNAMSIZ];
	uint32_t ifindex[8];
	bool stats[8];
	int n;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_list *l = data;
	struct nlattr *name = evs_nl_attr(nlh, EVS_A_IFNAME);
	struct nlattr *idx = evs_nl_attr(nlh, EVS_A_IFINDEX);

	if (l->n >= 8 || !name || !idx)
		return MNL_CB_OK;
	snprintf(l->names[l->n], IFNAMSIZ, "%s", mnl_attr_get_str(name));
	l->ifindex[l->n] = mnl_attr_get_u32(idx);
	l->stats[l->n] = evs_nl_attr(nlh, EVS_A_STATS) != NULL;
	l->n++;
	return MNL_CB_OK;
}

static int link_dump(struct evs_nl *nl, struct link_list *l)
{
	memset(l, 0, sizeof(*l));
	return evs_nl_talk(nl, evs_nl_req(nl, EVS_CMD_LINK_GET, NLM_F_DUMP),
			   link_cb, l);
}

TEST_F(evs, link_dump_follows_devices)
{
	struct link_list l;
	struct nlmsghdr *nlh;

	ASSERT_EQ(0, link_dump(&self->nl, &l));
	EXPECT_EQ(0, l.n);

	ASSERT_EQ(0, evs_sh("ip link add evs0 type evs && ip link add evs1 type evs"));
	/* A device of another kind must not show up. */
	ASSERT_EQ(0, evs_sh("ip link add dummy0 type dummy 2>/dev/null || "
			    "ip link add d0 type veth peer name d1"));
	ASSERT_EQ(0, link_dump(&self->nl, &l));
	ASSERT_EQ(2, l.n);
	EXPECT_STREQ("evs0", l.names[0]);
	EXPECT_STREQ("evs1", l.names[1]);
	EXPECT_EQ(if_nametoindex("evs0"), l.ifindex[0]);
	EXPECT_TRUE(l.stats[0]);

	/* doit by name */
	memset(&l, 0, sizeof(l));
	nlh = evs_nl_req(&self->nl, EVS_CMD_LINK_GET, 0);
	mnl_attr_put_strz(nlh, EVS_A_IFNAME, "evs1");
	ASSERT_EQ(0, evs_nl_talk(&self->nl, nlh, link_cb, &l));
	ASSERT_EQ(1, l.n);
	EXPECT_EQ(if_nametoindex("evs1"), l.ifindex[0]);

	ASSERT_EQ(0, evs_sh("ip link del evs0"));
	ASSERT_EQ(0, link_dump(&self->nl, &l));
	ASSERT_EQ(1, l.n);
	EXPECT_STREQ("evs1", l.names[0]);
}

TEST_F(evs, link_get_errors_explained)
{
	struct nlmsghdr *nlh;

	/* no device named */
	nlh = evs_nl_req(&self->nl, EVS_CMD_LINK_GET, 0);
	EXPECT_GT(0, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	TH_LOG("no device: \"%s\"", self->nl.err_msg);

	/* no such device */
	nlh = evs_nl_req(&self->nl, EVS_CMD_LINK_GET, 0);
	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, 9999);
	EXPECT_EQ(-ENODEV, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	EXPECT_NE(0, self->nl.err_offset);
	TH_LOG("bad ifindex: \"%s\"", self->nl.err_msg);

	/* a device that is not an evs device */
	nlh = evs_nl_req(&self->nl, EVS_CMD_LINK_GET, 0);
	mnl_attr_put_strz(nlh, EVS_A_IFNAME, "lo");
	EXPECT_EQ(-ENODEV, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	TH_LOG("lo: \"%s\"", self->nl.err_msg);
}

TEST_F(evs, unknown_attribute_rejected)
{
	struct nlmsghdr *nlh;

	/* A type beyond EVS_A_MAX. */
	nlh = evs_nl_req(&self->nl, EVS_CMD_GET_VERSION, 0);
	mnl_attr_put_u32(nlh, EVS_A_MAX + 1, 1);
	EXPECT_EQ(-EINVAL, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	EXPECT_NE(0, self->nl.err_offset);
	TH_LOG("type %d: \"%s\"", EVS_A_MAX + 1, self->nl.err_msg);

	/* A reply-only attribute in a request. */
	nlh = evs_nl_req(&self->nl, EVS_CMD_LINK_GET, NLM_F_DUMP);
	mnl_attr_put_strz(nlh, EVS_A_VERSION, "1.0");
	EXPECT_EQ(-EINVAL, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	TH_LOG("EVS_A_VERSION in a request: \"%s\"", self->nl.err_msg);
}

TEST_F(evs, malformed_attribute_rejected)
{
	char longname[64];
	struct nlmsghdr *nlh;

	/* u32 attribute sent as u8 */
	nlh = evs_nl_req(&self->nl, EVS_CMD_LINK_GET, 0);
	mnl_attr_put_u8(nlh, EVS_A_IFINDEX, 1);
	EXPECT_EQ(-EINVAL, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	TH_LOG("short IFINDEX: \"%s\"", self->nl.err_msg);

	/* a name longer than IFNAMSIZ - 1 */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	nlh = evs_nl_req(&self->nl, EVS_CMD_LINK_GET, 0);
	mnl_attr_put_strz(nlh, EVS_A_IFNAME, longname);
	EXPECT_EQ(-EINVAL, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	TH_LOG("long IFNAME: \"%s\"", self->nl.err_msg);

	/* a command the family does not have */
	nlh = evs_nl_req(&self->nl, __EVS_CMD_MAX + 10, 0);
	EXPECT_EQ(-EOPNOTSUPP, evs_nl_talk(&self->nl, nlh, NULL, NULL));
}

/* Run @fn in a child with the given privileges and return what it
 * returned (0 or -errno).
 */
enum who { ROOT, NOBODY, USERNS_ROOT };

static int run_as(enum who who, int (*fn)(struct evs_nl *nl))
{
	struct evs_nl nl;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (who == NOBODY &&
		    (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)))
			_exit(100);
		/* root in a new user namespace, but the network namespace still
		 * belongs to the initial one */
		if (who == USERNS_ROOT && unshare(CLONE_NEWUSER))
			_exit(101);
		if (evs_t_nl_open(&nl))
			_exit(102);
		_exit(-fn(&nl));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1000;
	return -WEXITSTATUS(status);
}

/* SA_FLUSH changes state. */
static int sa_flush(struct evs_nl *nl)
{
	return evs_nl_talk(nl, evs_nl_req(nl, EVS_CMD_SA_FLUSH, 0), NULL, NULL);
}

static int flush_as(enum who who)
{
	return run_as(who, sa_flush);
}

TEST_F(evs, state_change_needs_net_admin)
{
	/* Root may flush (so the refusals below are about privilege, not a
	 * missing command). */
	int ret = flush_as(ROOT);

	EXPECT_EQ(0, ret) TH_LOG("SA_FLUSH as root: %s", strerror(-ret));
	EXPECT_EQ(-EPERM, flush_as(NOBODY));
	EXPECT_EQ(-EPERM, flush_as(USERNS_ROOT));
}

static int join_events_as(enum who who)
{
	return run_as(who, evs_t_nl_join_events);
}

/* Events carry user names, SPIs, peers and routes: listening needs
 * CAP_NET_ADMIN over the network namespace.
 */
TEST_F(evs, events_need_net_admin)
{
	EXPECT_EQ(0, join_events_as(ROOT));
	EXPECT_EQ(-EPERM, join_events_as(NOBODY));
	EXPECT_EQ(-EPERM, join_events_as(USERNS_ROOT));
}

TEST_F(evs, unprivileged_may_read)
{
	pid_t pid;
	int status;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct version_reply r = {};
		struct evs_nl nl;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(100);
		if (evs_t_nl_open(&nl))
			_exit(101);
		if (evs_nl_talk(&nl, evs_nl_req(&nl, EVS_CMD_GET_VERSION, 0),
				version_cb, &r) || r.genl_version != EVS_GENL_VERSION)
			_exit(102);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
