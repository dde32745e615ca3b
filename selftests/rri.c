// SPDX-License-Identifier: GPL-2.0
/*
 * Connections, reverse route injection and proxy ARP (issue 4).
 *
 * The test process's own network namespace (unshared per test) is the
 * gateway: evs0, lan0 (192.168.77.1/24, veth to a LAN host namespace with
 * 192.168.77.10) and wan0 (198.51.100.1/24, veth to a client namespace
 * with 198.51.100.2 whose inner addresses live on lo and whose ESP is done
 * by Linux xfrm).  Routes are checked with `ip route`, ARP answers with
 * busybox arping from the LAN host, traffic with ping.
 *
 * evs-selftest-timeout: 900
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <kselftest_harness.h>

#include "evs_nl.h"
#include "evs_esp_util.h"
#include "lib/msg.h"

#define LAN "192.168.77"
#define GCM_KEY_IN  "0x0102030405060708090a0b0c0d0e0f1011121314"
#define GCM_KEY_OUT "0x2122232425262728292a2b2c2d2e2f3031323334"

/* --- small netlink helpers ----------------------------------------------- */

static int conn_add(struct evs_nl *nl, uint32_t id, const char *label)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, EVS_CMD_CONN_ADD, 0);
	struct nlattr *n = mnl_attr_nest_start(nlh, EVS_A_CONN);

	mnl_attr_put_u32(nlh, EVS_CONN_A_ID, id);
	if (label)
		mnl_attr_put_strz(nlh, EVS_CONN_A_LABEL, label);
	mnl_attr_nest_end(nlh, n);
	return evs_nl_talk(nl, nlh, NULL, NULL);
}

static int conn_cmd(struct evs_nl *nl, uint8_t cmd, uint32_t id)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, cmd, 0);
	struct nlattr *n;

	if (cmd != EVS_CMD_CONN_FLUSH) {
		n = mnl_attr_nest_start(nlh, EVS_A_CONN);
		mnl_attr_put_u32(nlh, EVS_CONN_A_ID, id);
		mnl_attr_nest_end(nlh, n);
	}
	return evs_nl_talk(nl, nlh, NULL, NULL);
}

struct route_spec {
	const char *dst;
	uint8_t plen;
	uint32_t conn, metric, table;
	const char *dev;	/* evs device, by name */
};

/* IPv4 or IPv6 @text into @a; its family, or 0. */
static int pton(const char *text, struct in6_addr *a)
{
	if (inet_pton(AF_INET, text, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, text, a) == 1)
		return AF_INET6;
	return 0;
}

static int route_cmd(struct evs_nl *nl, uint8_t cmd, const struct route_spec *r)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, cmd, 0);
	struct nlattr *n;
	struct in6_addr a;
	int f = pton(r->dst, &a);

	if (!f)
		return -EINVAL;
	if (r->dev)
		mnl_attr_put_strz(nlh, EVS_A_IFNAME, r->dev);
	n = mnl_attr_nest_start(nlh, EVS_A_ROUTE);
	mnl_attr_put_u16(nlh, EVS_ROUTE_A_FAMILY, f);
	mnl_attr_put(nlh, EVS_ROUTE_A_DST, f == AF_INET ? 4 : 16, &a);
	mnl_attr_put_u8(nlh, EVS_ROUTE_A_PLEN, r->plen);
	if (r->conn)
		mnl_attr_put_u32(nlh, EVS_ROUTE_A_CONN_ID, r->conn);
	if (r->metric)
		mnl_attr_put_u32(nlh, EVS_ROUTE_A_METRIC, r->metric);
	if (r->table)
		mnl_attr_put_u32(nlh, EVS_ROUTE_A_TABLE, r->table);
	mnl_attr_nest_end(nlh, n);
	return evs_nl_talk(nl, nlh, NULL, NULL);
}

static int route_add(struct evs_nl *nl, const char *dst, uint8_t plen,
		     uint32_t conn)
{
	struct route_spec r = { .dst = dst, .plen = plen, .conn = conn,
				.dev = "evs0" };

	return route_cmd(nl, EVS_CMD_ROUTE_ADD, &r);
}

static int parp_cmd(struct evs_nl *nl, uint8_t cmd, const char *addr,
		    const char *dev, uint32_t conn)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, cmd, 0);
	struct nlattr *n;
	struct in6_addr a;
	int f = pton(addr, &a);

	if (!f)
		return -EINVAL;
	n = mnl_attr_nest_start(nlh, EVS_A_PROXY_ARP);
	mnl_attr_put(nlh, EVS_PARP_A_ADDR, f == AF_INET ? 4 : 16, &a);
	if (f == AF_INET6)
		mnl_attr_put_u16(nlh, EVS_PARP_A_FAMILY, AF_INET6);
	mnl_attr_put_u32(nlh, EVS_PARP_A_IFINDEX, if_nametoindex(dev));
	if (conn)
		mnl_attr_put_u32(nlh, EVS_PARP_A_CONN_ID, conn);
	mnl_attr_nest_end(nlh, n);
	return evs_nl_talk(nl, nlh, NULL, NULL);
}

static int parp_set_family(struct evs_nl *nl, const char *dev, bool on,
			   int family)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, EVS_CMD_PROXY_ARP_SET, 0);
	struct nlattr *n = mnl_attr_nest_start(nlh, EVS_A_PROXY_ARP);

	mnl_attr_put_u32(nlh, EVS_PARP_A_IFINDEX, if_nametoindex(dev));
	if (family)
		mnl_attr_put_u16(nlh, EVS_PARP_A_FAMILY, family);
	mnl_attr_put_u8(nlh, EVS_PARP_A_ENABLE, on);
	mnl_attr_nest_end(nlh, n);
	return evs_nl_talk(nl, nlh, NULL, NULL);
}

static int parp_set(struct evs_nl *nl, const char *dev, bool on)
{
	return parp_set_family(nl, dev, on, 0);
}

/* What a dump of connections, routes or ARP entries returned. */
struct dump {
	int n;
	uint32_t conn_id[16];
	uint32_t n_sa[16], n_route[16], n_parp[16];
	char label[16][65];
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nlattr *nest, *a;

	if (d->n >= 16)
		return MNL_CB_OK;
	nest = evs_nl_attr(nlh, EVS_A_CONN);
	if (!nest)
		nest = evs_nl_attr(nlh, EVS_A_ROUTE);
	if (!nest)
		nest = evs_nl_attr(nlh, EVS_A_PROXY_ARP);
	if (!nest)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, nest) {
		uint16_t t = mnl_attr_get_type(a);

		if ((nest->nla_type & NLA_TYPE_MASK) == EVS_A_CONN) {
			if (t == EVS_CONN_A_ID)
				d->conn_id[d->n] = mnl_attr_get_u32(a);
			else if (t == EVS_CONN_A_N_SA)
				d->n_sa[d->n] = mnl_attr_get_u32(a);
			else if (t == EVS_CONN_A_N_ROUTE)
				d->n_route[d->n] = mnl_attr_get_u32(a);
			else if (t == EVS_CONN_A_N_PROXY_ARP)
				d->n_parp[d->n] = mnl_attr_get_u32(a);
			else if (t == EVS_CONN_A_LABEL)
				snprintf(d->label[d->n], 65, "%s",
					 mnl_attr_get_str(a));
		} else if ((t == EVS_ROUTE_A_CONN_ID &&
			    (nest->nla_type & NLA_TYPE_MASK) == EVS_A_ROUTE) ||
			   (t == EVS_PARP_A_CONN_ID &&
			    (nest->nla_type & NLA_TYPE_MASK) == EVS_A_PROXY_ARP)) {
			d->conn_id[d->n] = mnl_attr_get_u32(a);
		}
	}
	d->n++;
	return MNL_CB_OK;
}

static int dump(struct evs_nl *nl, uint8_t cmd, struct dump *d)
{
	memset(d, 0, sizeof(*d));
	return evs_nl_talk(nl, evs_nl_req(nl, cmd, NLM_F_DUMP), dump_cb, d);
}

/* --- SAs and policies (kernel-core's SAD/SPD) ------------------------------ */

/* An AES-GCM SA on evs0 (the kernel's default replay window), tagged with
 * connection @conn and hard time limit @time_hard (0: none). */
static int sa_add(struct evs_nl *nl, uint8_t dir, uint32_t spi,
		  const char *src, const char *dst, const char *key,
		  uint32_t conn, uint64_t time_hard)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, EVS_CMD_SA_ADD, 0);
	struct evs_sa_info sa = {
		.dev.ifname = "evs0", .dir = dir, .spi = spi,
		.aead_name = "rfc4106(gcm(aes))", .aead_icv_bits = 128,
		.conn_id = conn,
	};
	struct in_addr s, d;
	int n, ret;

	n = evs_t_unhex(key, sa.aead_key, sizeof(sa.aead_key));
	if (inet_pton(AF_INET, src, &s) != 1 || inet_pton(AF_INET, dst, &d) != 1 ||
	    evs_inaddr_from_raw(&sa.src, AF_INET, &s, 4, 32) ||
	    evs_inaddr_from_raw(&sa.dst, AF_INET, &d, 4, 32) || n < 0)
		return -EINVAL;
	sa.aead_key_len = n;
	sa.has = 1ULL << EVS_SA_A_DIR | 1ULL << EVS_SA_A_SPI |
		 1ULL << EVS_SA_A_SRC | 1ULL << EVS_SA_A_DST |
		 1ULL << EVS_SA_A_AEAD_NAME | 1ULL << EVS_SA_A_AEAD_KEY |
		 1ULL << EVS_SA_A_AEAD_ICV_BITS |
		 (conn ? 1ULL << EVS_SA_A_CONN_ID : 0);
	if (time_hard) {
		sa.limits.v[EVS_LFT_A_TIME_HARD] = time_hard;
		EVS_SET(&sa.limits, EVS_LFT_A_TIME_HARD);
		EVS_SET(&sa, EVS_SA_A_LIMITS);
	}
	evs_msg_put_sa(nlh, &sa);
	ret = evs_nl_talk(nl, nlh, NULL, NULL);
	evs_sa_info_wipe(&sa);
	return ret;
}

static int pol_add(struct evs_nl *nl, uint8_t dir, const char *src,
		   uint8_t splen, const char *dst, uint8_t dplen, uint32_t spi,
		   uint32_t conn)
{
	return evs_t_policy_add_conn(nl, dir, src, splen, dst, dplen, spi, conn);
}

/* --- events ---------------------------------------------------------------- */

struct evlog {
	int n;
	uint8_t cmd[32], op[32], reason[32];
};

static int ev_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct evlog *l = data;
	struct nlattr *a;

	if (l->n >= 32)
		return MNL_CB_OK;
	l->cmd[l->n] = g->cmd;
	a = evs_nl_attr(nlh, EVS_A_EVENT_OP);
	l->op[l->n] = a ? mnl_attr_get_u8(a) : 0;
	a = evs_nl_attr(nlh, EVS_A_REASON);
	l->reason[l->n] = a ? mnl_attr_get_u8(a) : 0xff;
	l->n++;
	return MNL_CB_OK;
}

/* Read every event that arrives within @ms of quiet. */
static void ev_collect(struct evs_nl *ev, struct evlog *l, int ms)
{
	struct pollfd p = { .fd = mnl_socket_get_fd(ev->sock), .events = POLLIN };

	while (poll(&p, 1, ms) == 1) {
		int len = mnl_socket_recvfrom(ev->sock, ev->buf, sizeof(ev->buf));

		if (len <= 0)
			break;
		mnl_cb_run(ev->buf, len, 0, 0, ev_cb, l);
	}
}

static int ev_count(const struct evlog *l, uint8_t cmd, uint8_t op)
{
	int i, n = 0;

	for (i = 0; i < l->n; i++)
		if (l->cmd[i] == cmd && (!op || l->op[i] == op))
			n++;
	return n;
}

/* --- topology -------------------------------------------------------------- */

FIXTURE(rri) {
	struct evs_nl nl;
	char lan[32], cl[32];	/* names of the LAN host and client netns */
	bool have_sa;
	bool rt_protos_installed;
};

/* Routes show as "proto evs" once iproute2 knows the name (the VM's /etc
 * is a throw-away overlay; make install ships the same file). */
static bool install_rt_protos(void)
{
	if (access("/etc/iproute2/rt_protos.d/evs.conf", F_OK) == 0)
		return false;
	evs_sh("mkdir -p /etc/iproute2/rt_protos.d && "
	       "echo '77 evs' > /etc/iproute2/rt_protos.d/evs.conf");
	return true;
}

/* Left as found: pkg_install meets the package's own copy as new. */
static void remove_rt_protos(bool installed)
{
	if (installed)
		unlink("/etc/iproute2/rt_protos.d/evs.conf");
}

FIXTURE_SETUP(rri)
{
	ASSERT_EQ(0, evs_ensure_module());
	self->rt_protos_installed = install_rt_protos();
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, evs_t_nl_open(&self->nl));
	snprintf(self->lan, sizeof(self->lan), "rri-lan-%d", getpid());
	snprintf(self->cl, sizeof(self->cl), "rri-cl-%d", getpid());
	ASSERT_EQ(0, evs_sh(
		"set -e; ip link set lo up; ip link add evs0 type evs; "
		"ip link set evs0 up; "
		"sysctl -qw net.ipv4.ip_forward=1; "
		"ip netns add %s; ip netns add %s; "
		"ip link add lan0 type veth peer name lanh netns %s; "
		"ip addr add " LAN ".1/24 dev lan0; ip link set lan0 up; "
		"ip link add wan0 type veth peer name wan netns %s; "
		"ip addr add 198.51.100.1/24 dev wan0; ip link set wan0 up",
		self->lan, self->cl, self->lan, self->cl));
	ASSERT_EQ(0, evs_sh(
		"set -e; ip -n %1$s link set lo up; "
		"ip -n %1$s addr add " LAN ".10/24 dev lanh; "
		"ip -n %1$s link set lanh up; "
		"ip -n %1$s route add default via " LAN ".1",
		self->lan));
	ASSERT_EQ(0, evs_sh(
		"set -e; ip -n %1$s link set lo up; "
		"ip -n %1$s addr add 198.51.100.2/24 dev wan; "
		"ip -n %1$s link set wan up",
		self->cl));
}

FIXTURE_TEARDOWN(rri)
{
	evs_t_nl_close(&self->nl);
	evs_sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null",
	       self->lan, self->cl);
	remove_rt_protos(self->rt_protos_installed);
}

/* `ip route show EXPR` in the gateway prints something. */
static bool route_shown(const char *expr)
{
	return evs_sh("test -n \"$(ip route show %s)\"", expr) == 0;
}

/* The LAN host's ARP request for @addr is answered with lan0's MAC. */
static bool arp_answered(const char *lan, const char *addr)
{
	return evs_sh("mac=$(ip -br link show lan0 | awk '{print $3}'); "
		      "ip netns exec %s busybox arping -f -c 3 -w 3 -I lanh %s "
		      "2>/dev/null | grep -qi \"reply from %s \\[$mac\\]\"",
		      lan, addr, addr) == 0;
}

/* --- connections ----------------------------------------------------------- */

TEST_F_TIMEOUT(rri, conn_lifecycle, 180)
{
	struct dump d;

	ASSERT_EQ(0, conn_add(&self->nl, 7, "alice"));
	EXPECT_EQ(-EEXIST, conn_add(&self->nl, 7, NULL));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	EXPECT_EQ(-ERANGE, conn_add(&self->nl, 0, NULL));	/* policy: min 1 */
	ASSERT_EQ(0, conn_add(&self->nl, 3, NULL));

	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_CONN_GET, &d));
	ASSERT_EQ(2, d.n);
	EXPECT_EQ(3, d.conn_id[0]);	/* dumped in id order */
	EXPECT_EQ(7, d.conn_id[1]);
	EXPECT_STREQ("alice", d.label[1]);
	EXPECT_EQ(0, d.n_sa[1]);

	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_DEL, 7));
	EXPECT_EQ(-ENOENT, conn_cmd(&self->nl, EVS_CMD_CONN_DEL, 7));
	EXPECT_EQ(-ENOENT, conn_cmd(&self->nl, EVS_CMD_CONN_GET, 7));
	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_GET, 3));
	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_FLUSH, 0));
	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_CONN_GET, &d));
	EXPECT_EQ(0, d.n);
}

TEST_F_TIMEOUT(rri, objects_need_their_connection, 180)
{
	EXPECT_EQ(-ENOENT, route_add(&self->nl, "10.77.0.5", 32, 99));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "connection does not exist"))
		TH_LOG("extack: %s", self->nl.err_msg);
	EXPECT_EQ(-ENOENT, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD,
				    LAN ".200", "lan0", 99));
	EXPECT_EQ(-EINVAL, route_add(&self->nl, "10.77.0.5", 32, 0));
	EXPECT_FALSE(route_shown("10.77.0.5/32"));
}

TEST_F_TIMEOUT(rri, bad_input_is_refused_with_a_reason, 180)
{
	struct route_spec r = { .dst = "10.77.0.5", .plen = 24, .conn = 1,
				.dev = "evs0" };

	ASSERT_EQ(0, conn_add(&self->nl, 1, NULL));
	EXPECT_EQ(-EINVAL, route_cmd(&self->nl, EVS_CMD_ROUTE_ADD, &r));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "beyond the prefix length"))
		TH_LOG("extack: %s", self->nl.err_msg);
	r.plen = 32;
	r.dev = "lan0";		/* not an evs device */
	EXPECT_NE(0, route_cmd(&self->nl, EVS_CMD_ROUTE_ADD, &r));
	EXPECT_EQ(-EINVAL, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD,
				    "224.0.0.1", "lan0", 1));
	EXPECT_EQ(-EINVAL, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD,
				    LAN ".200", "evs0", 1));
	EXPECT_EQ(-ENOENT, route_cmd(&self->nl, EVS_CMD_ROUTE_DEL,
				     &(struct route_spec){ .dst = "10.77.9.9",
							   .plen = 32 }));
}

/* --- RRI routes ------------------------------------------------------------ */

TEST_F_TIMEOUT(rri, client_route_lives_with_its_connection, 180)
{
	struct dump d;

	ASSERT_EQ(0, conn_add(&self->nl, 1, "bob"));
	ASSERT_EQ(0, route_add(&self->nl, "10.77.0.5", 32, 1))
		TH_LOG("route add: %s", self->nl.err_msg);
	EXPECT_EQ(0, evs_sh("ip route show 10.77.0.5/32 | "
			    "grep -q 'dev evs0 proto evs scope link'"));
	EXPECT_TRUE(route_shown("proto 77"));
	/* The same route twice is refused, by us and by the kernel. */
	EXPECT_EQ(-EEXIST, route_add(&self->nl, "10.77.0.5", 32, 1));

	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_ROUTE_GET, &d));
	ASSERT_EQ(1, d.n);
	EXPECT_EQ(1, d.conn_id[0]);
	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_CONN_GET, &d));
	ASSERT_EQ(1, d.n);
	EXPECT_EQ(1, d.n_route[0]);

	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_DEL, 1));
	EXPECT_FALSE(route_shown("10.77.0.5/32"));
	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_ROUTE_GET, &d));
	EXPECT_EQ(0, d.n);
}

TEST_F_TIMEOUT(rri, route_metric_table_and_delete, 180)
{
	struct route_spec r = { .dst = "10.77.1.0", .plen = 24, .conn = 2,
				.metric = 300, .table = 100, .dev = "evs0" };
	struct route_spec r2 = r;

	ASSERT_EQ(0, conn_add(&self->nl, 2, NULL));
	ASSERT_EQ(0, route_cmd(&self->nl, EVS_CMD_ROUTE_ADD, &r))
		TH_LOG("route add: %s", self->nl.err_msg);
	EXPECT_EQ(0, evs_sh("ip route show table 100 | grep -q "
			    "'10.77.1.0/24 dev evs0 proto evs scope link metric 300'"));
	EXPECT_FALSE(route_shown("10.77.1.0/24"));	/* not in main */
	/* Another metric is another route. */
	r2.metric = 400;
	ASSERT_EQ(0, route_cmd(&self->nl, EVS_CMD_ROUTE_ADD, &r2));
	/* A route somebody else owns is never taken over nor removed. */
	ASSERT_EQ(0, evs_sh("ip route add 10.77.3.0/24 dev evs0 metric 5"));
	r2.dst = "10.77.3.0";
	r2.metric = 5;
	r2.table = 0;
	EXPECT_EQ(-EEXIST, route_cmd(&self->nl, EVS_CMD_ROUTE_ADD, &r2));
	EXPECT_TRUE(route_shown("10.77.3.0/24 proto boot"));

	r.conn = 0;
	ASSERT_EQ(0, route_cmd(&self->nl, EVS_CMD_ROUTE_DEL, &r));
	EXPECT_EQ(0, evs_sh("test -z \"$(ip route show table 100 metric 300)\""));
	EXPECT_EQ(0, evs_sh("ip route show table 100 | grep -q 'metric 400'"));
	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_DEL, 2));
	EXPECT_EQ(0, evs_sh("test -z \"$(ip route show table 100)\""));
	EXPECT_TRUE(route_shown("10.77.3.0/24 proto boot"));
}

TEST_F_TIMEOUT(rri, device_down_up_and_gone, 180)
{
	struct dump d;

	ASSERT_EQ(0, conn_add(&self->nl, 1, NULL));
	ASSERT_EQ(0, route_add(&self->nl, "10.77.0.5", 32, 1));
	ASSERT_EQ(0, evs_sh("ip link set evs0 down"));
	EXPECT_FALSE(route_shown("10.77.0.5/32"));
	ASSERT_EQ(0, evs_sh("ip link set evs0 up"));
	/* Reinstalled from a work item: give it a moment. */
	EXPECT_EQ(0, evs_sh("for i in $(seq 50); do "
			    "ip route show 10.77.0.5/32 proto evs | grep -q evs0 "
			    "&& exit 0; sleep 0.1; done; exit 1"));
	ASSERT_EQ(0, evs_sh("ip link del evs0"));
	EXPECT_EQ(0, evs_sh("for i in $(seq 50); do "
			    "ip route show 10.77.0.5/32 | grep -q . || exit 0; "
			    "sleep 0.1; done; exit 1"));
	usleep(300 * 1000);
	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_ROUTE_GET, &d));
	EXPECT_EQ(0, d.n);
	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_CONN_GET, &d));
	ASSERT_EQ(1, d.n);
	EXPECT_EQ(0, d.n_route[0]);
}

/* --- proxy ARP ------------------------------------------------------------- */

TEST_F_TIMEOUT(rri, proxy_arp_only_while_connected, 180)
{
	struct dump d;

	ASSERT_EQ(0, conn_add(&self->nl, 5, NULL));
	ASSERT_EQ(0, route_add(&self->nl, LAN ".200", 32, 5));
	ASSERT_EQ(0, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD, LAN ".200",
			      "lan0", 5)) TH_LOG("%s", self->nl.err_msg);
	/* A connected client's neighbour, not ours: routed into evs0 but
	 * with no entry, it must not be answered. */
	ASSERT_EQ(0, conn_add(&self->nl, 6, NULL));
	ASSERT_EQ(0, route_add(&self->nl, LAN ".201", 32, 6));

	EXPECT_EQ(0, evs_sh("ip neigh show proxy " LAN ".200 | "
			    "grep -q 'dev lan0 proxy proto evs'"));
	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_PROXY_ARP_GET, &d));
	EXPECT_EQ(1, d.n);
	EXPECT_TRUE(arp_answered(self->lan, LAN ".200"));
	EXPECT_FALSE(arp_answered(self->lan, LAN ".201"));
	EXPECT_FALSE(arp_answered(self->lan, LAN ".202"));
	EXPECT_EQ(-EEXIST, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD,
				    LAN ".200", "lan0", 6));

	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_DEL, 5));
	EXPECT_EQ(0, evs_sh("test -z \"$(ip neigh show proxy " LAN ".200)\""));
	EXPECT_FALSE(arp_answered(self->lan, LAN ".200"));
}

TEST_F_TIMEOUT(rri, proxy_arp_entry_of_someone_else_is_left_alone, 180)
{
	ASSERT_EQ(0, conn_add(&self->nl, 1, NULL));
	ASSERT_EQ(0, evs_sh("ip neigh add proxy " LAN ".210 dev lan0"));
	EXPECT_EQ(-EEXIST, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD,
				    LAN ".210", "lan0", 1));
	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_DEL, 1));
	EXPECT_EQ(0, evs_sh("ip neigh show proxy " LAN ".210 | grep -q lan0"));
}

TEST_F_TIMEOUT(rri, proxy_arp_interface_toggle, 180)
{
	ASSERT_EQ(0, conn_add(&self->nl, 1, NULL));
	ASSERT_EQ(0, route_add(&self->nl, LAN ".220", 32, 1));
	EXPECT_EQ(0, evs_sh("grep -qx 0 /proc/sys/net/ipv4/conf/lan0/proxy_arp"));
	EXPECT_FALSE(arp_answered(self->lan, LAN ".220"));

	ASSERT_EQ(0, parp_set(&self->nl, "lan0", true));
	EXPECT_EQ(0, evs_sh("grep -qx 1 /proc/sys/net/ipv4/conf/lan0/proxy_arp"));
	EXPECT_TRUE(arp_answered(self->lan, LAN ".220"));

	ASSERT_EQ(0, parp_set(&self->nl, "lan0", false));
	EXPECT_EQ(0, evs_sh("grep -qx 0 /proc/sys/net/ipv4/conf/lan0/proxy_arp"));
	EXPECT_FALSE(arp_answered(self->lan, LAN ".220"));
}

TEST_F_TIMEOUT(rri, lan_device_down_up_reinstalls_proxy_entry, 180)
{
	ASSERT_EQ(0, conn_add(&self->nl, 1, NULL));
	ASSERT_EQ(0, route_add(&self->nl, LAN ".200", 32, 1));
	ASSERT_EQ(0, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD, LAN ".200",
			      "lan0", 1));
	ASSERT_EQ(0, evs_sh("ip link set lan0 down"));
	EXPECT_EQ(0, evs_sh("test -z \"$(ip neigh show proxy " LAN ".200)\""));
	ASSERT_EQ(0, evs_sh("ip link set lan0 up"));
	EXPECT_EQ(0, evs_sh("for i in $(seq 50); do "
			    "ip neigh show proxy " LAN ".200 | grep -q lan0 "
			    "&& exit 0; sleep 0.1; done; exit 1"));
	EXPECT_TRUE(arp_answered(self->lan, LAN ".200"));
}

/* Removing a device's last IPv4 address flushes its IPv4 routes and proxy
 * entries in the kernel; the module puts them back when an address comes
 * back (the LAN device renumbered, an address moved on evs0). */
TEST_F_TIMEOUT(rri, last_ipv4_address_removed_and_readded, 180)
{
	struct evs_nl ev;
	struct evlog l = {};

	ASSERT_EQ(0, evs_t_nl_open_events(&ev));
	ASSERT_EQ(0, evs_sh("ip addr add 10.77.255.1/32 dev evs0"));
	ASSERT_EQ(0, conn_add(&self->nl, 1, NULL));
	ASSERT_EQ(0, route_add(&self->nl, LAN ".200", 32, 1));
	ASSERT_EQ(0, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD, LAN ".200",
			      "lan0", 1));
	EXPECT_TRUE(arp_answered(self->lan, LAN ".200"));

	/* The LAN device loses its only address: the kernel drops the
	 * proxy entry. */
	ASSERT_EQ(0, evs_sh("ip addr del " LAN ".1/24 dev lan0"));
	EXPECT_EQ(0, evs_sh("test -z \"$(ip neigh show proxy " LAN ".200)\""));
	ASSERT_EQ(0, evs_sh("ip addr add " LAN ".1/24 dev lan0"));
	EXPECT_EQ(0, evs_sh("for i in $(seq 50); do "
			    "ip neigh show proxy " LAN ".200 | grep -q lan0 "
			    "&& exit 0; sleep 0.1; done; exit 1"));
	EXPECT_TRUE(arp_answered(self->lan, LAN ".200"));

	/* evs0 loses its only address: the kernel drops the routes through
	 * it. */
	ASSERT_EQ(0, evs_sh("ip addr del 10.77.255.1/32 dev evs0"));
	EXPECT_FALSE(route_shown(LAN ".200/32"));
	ASSERT_EQ(0, evs_sh("ip addr add 10.77.255.2/32 dev evs0"));
	EXPECT_EQ(0, evs_sh("for i in $(seq 50); do "
			    "ip route show " LAN ".200/32 proto evs | grep -q evs0 "
			    "&& exit 0; sleep 0.1; done; exit 1"));

	/* An address going that is not the last: nothing moves. */
	ASSERT_EQ(0, evs_sh("ip addr add " LAN ".2/24 dev lan0 && "
			    "ip addr del " LAN ".2/24 dev lan0"));
	EXPECT_EQ(0, evs_sh("ip neigh show proxy " LAN ".200 | grep -q lan0"));

	ev_collect(&ev, &l, 500);
	evs_t_nl_close(&ev);
	/* Each disappearance and return was announced. */
	EXPECT_EQ(2, ev_count(&l, EVS_CMD_EV_ROUTE, EVS_EVENT_OP_ADD));
	EXPECT_EQ(1, ev_count(&l, EVS_CMD_EV_ROUTE, EVS_EVENT_OP_DEL));
	EXPECT_EQ(2, ev_count(&l, EVS_CMD_EV_PROXY_ARP, EVS_EVENT_OP_ADD));
	EXPECT_EQ(1, ev_count(&l, EVS_CMD_EV_PROXY_ARP, EVS_EVENT_OP_DEL));
}

/* --- IPv6: routes and proxy NDP ------------------------------------------- */

#define LAN6 "2001:db8:77::"

/* IPv6 on the LAN (nodad: usable at once) and forwarding, which proxy NDP
 * needs as proxy ARP does. */
static int lan6_up(const char *lan)
{
	return evs_sh("set -e; sysctl -qw net.ipv6.conf.all.forwarding=1; "
		      "ip addr add " LAN6 "1/64 dev lan0 nodad; "
		      "ip -n %s addr add " LAN6 "10/64 dev lanh nodad", lan);
}

/* The LAN host's neighbour solicitation for @addr is answered with
 * lan0's MAC (the answer is delayed up to proxy_delay, 0.8 s). */
static bool ndp_answered(const char *lan, const char *addr)
{
	return evs_sh("mac=$(ip -br link show lan0 | awk '{print $3}'); "
		      "ip -n %1$s -6 neigh flush dev lanh; "
		      "ip netns exec %1$s ping -6 -c 2 -i 0.5 -W 1 %2$s "
		      ">/dev/null 2>&1; "
		      "ip -n %1$s -6 neigh show %2$s | grep -qi \"lladdr $mac\"",
		      lan, addr) == 0;
}

static bool proxy6_shown(const char *addr)
{
	return evs_sh("ip -6 neigh show proxy %s | "
		      "grep -q 'dev lan0 proxy proto evs'", addr) == 0;
}

TEST_F_TIMEOUT(rri, ipv6_route_and_proxy_ndp_live_with_the_connection, 180)
{
	struct dump d;

	ASSERT_EQ(0, lan6_up(self->lan));
	ASSERT_EQ(0, conn_add(&self->nl, 1, "v6"));
	ASSERT_EQ(0, route_add(&self->nl, LAN6 "200", 128, 1))
		TH_LOG("route add: %s", self->nl.err_msg);
	ASSERT_EQ(0, route_add(&self->nl, "2001:db8:99::", 48, 1))
		TH_LOG("route add: %s", self->nl.err_msg);
	EXPECT_EQ(0, evs_sh("ip -6 route show " LAN6 "200/128 | "
			    "grep -q 'dev evs0 proto evs'"));
	EXPECT_EQ(0, evs_sh("ip -6 route show 2001:db8:99::/48 | "
			    "grep -q 'dev evs0 proto evs'"));
	EXPECT_EQ(-EEXIST, route_add(&self->nl, LAN6 "200", 128, 1));
	/* Host bits beyond the prefix are refused. */
	EXPECT_EQ(-EINVAL, route_add(&self->nl, "2001:db8:99::1", 48, 1));

	ASSERT_EQ(0, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD, LAN6 "200",
			      "lan0", 1)) TH_LOG("%s", self->nl.err_msg);
	/* proxy_ndp is off: the module says so, and still adds. */
	ASSERT_EQ(0, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD, LAN6 "201",
			      "lan0", 1));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "proxy_ndp is off"))
		TH_LOG("warning: %s", self->nl.err_msg);
	EXPECT_TRUE(proxy6_shown(LAN6 "200"));
	EXPECT_EQ(-EINVAL, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD,
				    "ff02::1", "lan0", 1));
	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_PROXY_ARP_GET, &d));
	EXPECT_EQ(2, d.n);
	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_CONN_GET, &d));
	EXPECT_EQ(2, d.n_route[0]);
	EXPECT_EQ(2, d.n_parp[0]);

	EXPECT_FALSE(ndp_answered(self->lan, LAN6 "200"));
	ASSERT_EQ(0, parp_set_family(&self->nl, "lan0", true, AF_INET6));
	EXPECT_EQ(0, evs_sh("grep -qx 1 /proc/sys/net/ipv6/conf/lan0/proxy_ndp"));
	EXPECT_TRUE(ndp_answered(self->lan, LAN6 "200"));
	EXPECT_FALSE(ndp_answered(self->lan, LAN6 "202"));

	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_DEL, 1));
	EXPECT_EQ(0, evs_sh("test -z \"$(ip -6 route show proto 77)\""));
	EXPECT_EQ(0, evs_sh("test -z \"$(ip -6 neigh show proxy)\""));
	EXPECT_FALSE(ndp_answered(self->lan, LAN6 "200"));
	ASSERT_EQ(0, parp_set_family(&self->nl, "lan0", false, AF_INET6));
	EXPECT_EQ(0, evs_sh("grep -qx 0 /proc/sys/net/ipv6/conf/lan0/proxy_ndp"));
}

/* IPv6 going off on a device drops its IPv6 routes and proxy entries in
 * the kernel with no device event; the module puts them back when IPv6
 * (an address) comes back, and after down/up as for IPv4. */
TEST_F_TIMEOUT(rri, ipv6_off_and_on_and_down_up_reinstall, 180)
{
	ASSERT_EQ(0, lan6_up(self->lan));
	ASSERT_EQ(0, conn_add(&self->nl, 1, NULL));
	ASSERT_EQ(0, route_add(&self->nl, LAN6 "200", 128, 1));
	ASSERT_EQ(0, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD, LAN6 "200",
			      "lan0", 1));
	ASSERT_TRUE(proxy6_shown(LAN6 "200"));

	ASSERT_EQ(0, evs_sh("ip link set lan0 down"));
	EXPECT_FALSE(proxy6_shown(LAN6 "200"));
	ASSERT_EQ(0, evs_sh("ip link set lan0 up"));
	EXPECT_EQ(0, evs_sh("for i in $(seq 50); do "
			    "ip -6 neigh show proxy " LAN6 "200 | grep -q lan0 "
			    "&& exit 0; sleep 0.1; done; exit 1"));

	ASSERT_EQ(0, evs_sh("sysctl -qw net.ipv6.conf.lan0.disable_ipv6=1"));
	EXPECT_FALSE(proxy6_shown(LAN6 "200"));
	ASSERT_EQ(0, evs_sh("sysctl -qw net.ipv6.conf.lan0.disable_ipv6=0"));
	EXPECT_EQ(0, evs_sh("for i in $(seq 50); do "
			    "ip -6 neigh show proxy " LAN6 "200 | grep -q lan0 "
			    "&& exit 0; sleep 0.1; done; exit 1"))
		TH_LOG("proxy NDP entry not back after IPv6 came back");

	/* With an address, whose going tells the module. */
	ASSERT_EQ(0, evs_sh("ip addr add 2001:db8:10::1/128 dev evs0 nodad && "
			    "sysctl -qw net.ipv6.conf.evs0.disable_ipv6=1"));
	EXPECT_EQ(0, evs_sh("test -z \"$(ip -6 route show " LAN6 "200/128)\""));
	ASSERT_EQ(0, evs_sh("sysctl -qw net.ipv6.conf.evs0.disable_ipv6=0 && "
			    "ip addr add 2001:db8:10::1/128 dev evs0 nodad"));
	EXPECT_EQ(0, evs_sh("for i in $(seq 50); do "
			    "ip -6 route show " LAN6 "200/128 proto evs | "
			    "grep -q evs0 && exit 0; sleep 0.1; done; exit 1"))
		TH_LOG("route not back after IPv6 came back on evs0");
}

/* A proxy NDP entry for a LAN device without IPv6 yet (an MTU under 1280
 * leaves it no IPv6 configuration at all; disable_ipv6) is kept, not
 * refused, and goes on when the device gets IPv6 and an address; the
 * connection's removal takes it away even if it never went on. */
TEST_F_TIMEOUT(rri, proxy_ndp_waits_for_ipv6_on_the_lan_device, 180)
{
	struct dump d;

	ASSERT_EQ(0, evs_sh("sysctl -qw net.ipv6.conf.all.forwarding=1 && "
			    "ip link set lan0 mtu 1200"));
	ASSERT_EQ(0, conn_add(&self->nl, 1, NULL));
	ASSERT_EQ(0, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD, LAN6 "200",
			      "lan0", 1)) TH_LOG("%s", self->nl.err_msg);
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "IPv6 is off on this device"))
		TH_LOG("warning: %s", self->nl.err_msg);
	EXPECT_FALSE(proxy6_shown(LAN6 "200"));
	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_PROXY_ARP_GET, &d));
	EXPECT_EQ(1, d.n);
	/* IPv6 comes with the MTU, and an address */
	ASSERT_EQ(0, evs_sh("ip link set lan0 mtu 1500 && "
			    "ip addr add " LAN6 "1/64 dev lan0 nodad"));
	EXPECT_EQ(0, evs_sh("for i in $(seq 50); do "
			    "ip -6 neigh show proxy " LAN6 "200 | grep -q lan0 "
			    "&& exit 0; sleep 0.1; done; exit 1"))
		TH_LOG("proxy NDP entry not installed once lan0 had IPv6");
	EXPECT_TRUE(proxy6_shown(LAN6 "200"));

	/* disable_ipv6 at install time: the same */
	ASSERT_EQ(0, evs_sh("sysctl -qw net.ipv6.conf.lan0.disable_ipv6=1"));
	ASSERT_EQ(0, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD, LAN6 "201",
			      "lan0", 1)) TH_LOG("%s", self->nl.err_msg);
	EXPECT_FALSE(proxy6_shown(LAN6 "201"));
	ASSERT_EQ(0, evs_sh("sysctl -qw net.ipv6.conf.lan0.disable_ipv6=0 && "
			    "ip addr add " LAN6 "1/64 dev lan0 nodad"));
	EXPECT_EQ(0, evs_sh("for i in $(seq 50); do "
			    "ip -6 neigh show proxy " LAN6 "201 | grep -q lan0 "
			    "&& exit 0; sleep 0.1; done; exit 1"))
		TH_LOG("proxy NDP entry not installed once IPv6 came on");
	EXPECT_TRUE(proxy6_shown(LAN6 "200"));

	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_DEL, 1));
	EXPECT_EQ(0, evs_sh("test -z \"$(ip -6 neigh show proxy)\""));
	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_PROXY_ARP_GET, &d));
	EXPECT_EQ(0, d.n);

	/* one that never went on goes with its connection too */
	ASSERT_EQ(0, conn_add(&self->nl, 2, NULL));
	ASSERT_EQ(0, evs_sh("ip link set lan0 mtu 1200"));
	ASSERT_EQ(0, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD, LAN6 "202",
			      "lan0", 2));
	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_DEL, 2));
	ASSERT_EQ(0, evs_sh("ip link set lan0 mtu 1500 && "
			    "ip addr add " LAN6 "1/64 dev lan0 nodad"));
	usleep(500 * 1000);
	EXPECT_FALSE(proxy6_shown(LAN6 "202"));
	ASSERT_EQ(0, dump(&self->nl, EVS_CMD_PROXY_ARP_GET, &d));
	EXPECT_EQ(0, d.n);
}

/* --- events ---------------------------------------------------------------- */

TEST_F_TIMEOUT(rri, events_for_routes_arp_and_connections, 180)
{
	struct evs_nl ev;
	struct evlog l = {};

	ASSERT_EQ(0, evs_t_nl_open_events(&ev));
	ASSERT_EQ(0, conn_add(&self->nl, 9, NULL));
	ASSERT_EQ(0, route_add(&self->nl, "10.77.0.9", 32, 9));
	ASSERT_EQ(0, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD, LAN ".209",
			      "lan0", 9));
	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_DEL, 9));
	ev_collect(&ev, &l, 500);
	evs_t_nl_close(&ev);

	EXPECT_EQ(1, ev_count(&l, EVS_CMD_EV_ROUTE, EVS_EVENT_OP_ADD));
	EXPECT_EQ(1, ev_count(&l, EVS_CMD_EV_ROUTE, EVS_EVENT_OP_DEL));
	EXPECT_EQ(1, ev_count(&l, EVS_CMD_EV_PROXY_ARP, EVS_EVENT_OP_ADD));
	EXPECT_EQ(1, ev_count(&l, EVS_CMD_EV_PROXY_ARP, EVS_EVENT_OP_DEL));
	ASSERT_EQ(1, ev_count(&l, EVS_CMD_EV_CONN_DELETED, 0));
	/* The connection's event comes last, after what it owned. */
	EXPECT_EQ(EVS_CMD_EV_CONN_DELETED, l.cmd[l.n - 1]);
	EXPECT_EQ(EVS_REASON_USER, l.reason[l.n - 1]);
}

TEST_F_TIMEOUT(rri, flush_removes_every_connection, 180)
{
	char dst[32];
	int i;

	for (i = 1; i <= 5; i++) {
		ASSERT_EQ(0, conn_add(&self->nl, i, NULL));
		snprintf(dst, sizeof(dst), "10.77.0.%d", i);
		ASSERT_EQ(0, route_add(&self->nl, dst, 32, i));
	}
	EXPECT_EQ(0, evs_sh("test $(ip route show proto evs | wc -l) -eq 5"));
	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_FLUSH, 0));
	EXPECT_EQ(0, evs_sh("test -z \"$(ip route show proto evs)\""));
}

/* --- with SAs: the data path ------------------------------------------------ */

/* The client namespace: inner addresses on lo, ESP by Linux xfrm keyed
 * like the gateway's SA pair, covering @cover (its whole pool). */
static int client_xfrm(const char *cl, const char *cover)
{
	return evs_sh(
		"set -e; x='ip -n %1$s xfrm'; "
		"$x state add src 198.51.100.2 dst 198.51.100.1 proto esp spi 0x1001 "
		"mode tunnel aead 'rfc4106(gcm(aes))' " GCM_KEY_IN " 128; "
		"$x state add src 198.51.100.1 dst 198.51.100.2 proto esp spi 0x2001 "
		"mode tunnel aead 'rfc4106(gcm(aes))' " GCM_KEY_OUT " 128; "
		"$x policy add src %2$s dst " LAN ".0/24 dir out "
		"tmpl src 198.51.100.2 dst 198.51.100.1 proto esp mode tunnel; "
		"$x policy add src " LAN ".0/24 dst %2$s dir in "
		"tmpl src 198.51.100.1 dst 198.51.100.2 proto esp mode tunnel; "
		"ip -n %1$s route add " LAN ".0/24 via 198.51.100.1",
		cl, cover);
}

/* The gateway's SA pair for connection @conn; false when the module has
 * no SAD yet (then the data-path tests skip). */
static int gw_sas(struct evs_nl *nl, uint32_t conn, uint64_t time_hard)
{
	int err;

	err = sa_add(nl, EVS_DIR_IN, 0x1001, "198.51.100.2", "198.51.100.1",
		     GCM_KEY_IN, conn, time_hard);
	if (err)
		return err;
	return sa_add(nl, EVS_DIR_OUT, 0x2001, "198.51.100.1", "198.51.100.2",
		      GCM_KEY_OUT, conn, time_hard);
}

/* Policies binding @prefix (the client's) to the SA pair. */
static int gw_pols(struct evs_nl *nl, const char *prefix, uint8_t plen,
		   uint32_t conn)
{
	return pol_add(nl, EVS_DIR_OUT, LAN ".0", 24, prefix, plen, 0x2001, conn) ?:
	       pol_add(nl, EVS_DIR_IN, prefix, plen, LAN ".0", 24, 0x1001, conn);
}

/* Until the SAD lands the family answers SA_ADD with -EOPNOTSUPP. */
#define NEED_SAD(err)							\
	do {								\
		if ((err) == -EOPNOTSUPP)				\
			SKIP(return, "no SA support in the module yet");	\
	} while (0)

static bool lan_ping(const char *lan, const char *addr)
{
	return evs_sh("ip netns exec %s ping -c 1 -W 3 %s >/dev/null 2>&1",
		      lan, addr) == 0;
}

TEST_F_TIMEOUT(rri, client_mode_ping_through_sa_pair, 180)
{
	int err;

	ASSERT_EQ(0, conn_add(&self->nl, 1, "client"));
	err = gw_sas(&self->nl, 1, 0);
	NEED_SAD(err);
	ASSERT_EQ(0, err) TH_LOG("SA add: %s", self->nl.err_msg);
	ASSERT_EQ(0, gw_pols(&self->nl, "10.77.0.5", 32, 1))
		TH_LOG("policy add: %s", self->nl.err_msg);
	ASSERT_EQ(0, route_add(&self->nl, "10.77.0.5", 32, 1));
	ASSERT_EQ(0, evs_sh("ip -n %s addr add 10.77.0.5/32 dev lo", self->cl));
	ASSERT_EQ(0, client_xfrm(self->cl, "10.77.0.5/32"));

	EXPECT_EQ(0, evs_sh("ip route show 10.77.0.5/32 | grep -q 'proto evs'"));
	EXPECT_TRUE(lan_ping(self->lan, "10.77.0.5"));
	/* The answer came back through the SA: decrypted onto evs0. */
	EXPECT_EQ(0, evs_sh("awk -F'[: ]+' '$2 == \"evs0\" { n = $4 } END { exit !(n > 0) }' "
			    "/proc/net/dev"));

	ASSERT_EQ(0, conn_cmd(&self->nl, EVS_CMD_CONN_DEL, 1));
	EXPECT_FALSE(route_shown("10.77.0.5/32"));
	/* No route: the gateway answers "unreachable" at once, no hang. */
	EXPECT_EQ(0, evs_sh("ip netns exec %s ping -c 1 -W 3 10.77.0.5 2>&1 | "
			    "grep -qi unreachable", self->lan));
}

TEST_F_TIMEOUT(rri, network_extension_two_prefixes_reachable_third_not, 180)
{
	int err;

	ASSERT_EQ(0, conn_add(&self->nl, 4, "branch"));
	err = gw_sas(&self->nl, 4, 0);
	NEED_SAD(err);
	ASSERT_EQ(0, err) TH_LOG("SA add: %s", self->nl.err_msg);
	ASSERT_EQ(0, gw_pols(&self->nl, "10.77.1.0", 24, 4));
	ASSERT_EQ(0, gw_pols(&self->nl, "10.77.2.0", 24, 4));
	ASSERT_EQ(0, route_add(&self->nl, "10.77.1.0", 24, 4));
	ASSERT_EQ(0, route_add(&self->nl, "10.77.2.0", 24, 4));
	/* A third prefix routed into evs0 by mistake: no policy covers it. */
	ASSERT_EQ(0, route_add(&self->nl, "10.77.3.0", 24, 4));
	ASSERT_EQ(0, evs_sh("set -e; for n in 1 2 3; do "
			    "ip -n %s addr add 10.77.$n.1/32 dev lo; done",
			    self->cl));
	/* The client encrypts its whole pool, so spoofing reaches us. */
	ASSERT_EQ(0, client_xfrm(self->cl, "10.77.0.0/16"));

	EXPECT_TRUE(lan_ping(self->lan, "10.77.1.1"));
	EXPECT_TRUE(lan_ping(self->lan, "10.77.2.1"));
	EXPECT_FALSE(lan_ping(self->lan, "10.77.3.1"));
	/* Inbound source check: from the third prefix, dropped by evs. */
	EXPECT_NE(0, evs_sh("ip netns exec %s ping -c 1 -W 2 -I 10.77.3.1 "
			    LAN ".10 >/dev/null 2>&1", self->cl));
	EXPECT_EQ(0, evs_sh("ip netns exec %s ping -c 1 -W 3 -I 10.77.2.1 "
			    LAN ".10 >/dev/null 2>&1", self->cl));
}

/* Routes and ARP entries go when the SA hard-expires, even though the
 * process that installed them was killed long before. */
TEST_F_TIMEOUT(rri, hard_expiry_removes_route_and_arp_entry, 180)
{
	bool ready = false, exited = false;
	struct evlog l = {};
	int status = 0, i;
	struct evs_nl ev;
	pid_t pid;

	ASSERT_EQ(0, evs_t_nl_open_events(&ev));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct evs_nl nl;
		int err;

		if (evs_t_nl_open(&nl) || conn_add(&nl, 11, "short"))
			_exit(1);
		err = gw_sas(&nl, 11, 12);
		if (err)
			_exit(err == -EOPNOTSUPP ? 4 : 2);
		if (gw_pols(&nl, LAN ".200", 32, 11) ||
		    route_add(&nl, LAN ".200", 32, 11) ||
		    parp_cmd(&nl, EVS_CMD_PROXY_ARP_ADD, LAN ".200", "lan0", 11))
			_exit(3);
		pause();	/* killed below, with everything installed */
		_exit(0);
	}
	/* Wait for the child's objects, then kill it. */
	for (i = 0; i < 100; i++) {
		if (route_shown(LAN ".200/32 proto evs")) {
			ready = true;
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			break;
		}
		usleep(100 * 1000);
	}
	if (!ready) {
		if (!exited) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		evs_t_nl_close(&ev);
		if (exited && WIFEXITED(status) && WEXITSTATUS(status) == 4)
			SKIP(return, "no SA support in the module yet");
		ASSERT_TRUE(ready) TH_LOG("setup child failed: status %#x", status);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	EXPECT_TRUE(arp_answered(self->lan, LAN ".200"));

	/* Twelve seconds of lifetime: the set-up and the checks above must
	 * fit in it on a loaded emulated machine (four did not); then a
	 * generous margin for the expiry itself. */
	for (i = 0; i < 300 && route_shown(LAN ".200/32"); i++)
		usleep(100 * 1000);
	EXPECT_FALSE(route_shown(LAN ".200/32"));
	EXPECT_EQ(0, evs_sh("test -z \"$(ip neigh show proxy " LAN ".200)\""));
	EXPECT_FALSE(arp_answered(self->lan, LAN ".200"));
	EXPECT_EQ(-ENOENT, conn_cmd(&self->nl, EVS_CMD_CONN_GET, 11));
	ev_collect(&ev, &l, 500);
	evs_t_nl_close(&ev);
	ASSERT_EQ(1, ev_count(&l, EVS_CMD_EV_CONN_DELETED, 0));
	EXPECT_EQ(1, ev_count(&l, EVS_CMD_EV_ROUTE, EVS_EVENT_OP_DEL));
	EXPECT_EQ(1, ev_count(&l, EVS_CMD_EV_PROXY_ARP, EVS_EVENT_OP_DEL));
	for (i = 0; i < l.n; i++)
		if (l.cmd[i] == EVS_CMD_EV_CONN_DELETED)
			EXPECT_EQ(EVS_REASON_HARD_EXPIRE, l.reason[i]);
}

/* Last: unloading the module removes everything it installed, in every
 * namespace (then the module is loaded again for whoever runs next). */
TEST_F_TIMEOUT(rri, rmmod_removes_everything, 180)
{
	ASSERT_EQ(0, conn_add(&self->nl, 1, NULL));
	ASSERT_EQ(0, route_add(&self->nl, LAN ".200", 32, 1));
	ASSERT_EQ(0, parp_cmd(&self->nl, EVS_CMD_PROXY_ARP_ADD, LAN ".200",
			      "lan0", 1));
	ASSERT_EQ(0, route_add(&self->nl, "10.77.0.5", 32, 1));
	EXPECT_TRUE(arp_answered(self->lan, LAN ".200"));

	evs_t_nl_close(&self->nl);
	ASSERT_EQ(0, evs_sh("rmmod evs"));
	EXPECT_FALSE(route_shown("proto 77"));
	EXPECT_EQ(0, evs_sh("test -z \"$(ip neigh show proxy)\""));
	EXPECT_FALSE(arp_answered(self->lan, LAN ".200"));
	EXPECT_EQ(0, evs_ensure_module());
}

TEST_HARNESS_MAIN
