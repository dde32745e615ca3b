// SPDX-License-Identifier: MIT
/*
 * rtnl.c against the real kernel, inside a network namespace of its own
 * (unshare(CLONE_NEWNET): nothing of the host is touched), on lo: the
 * address, route, route-get and address-lookup requests the client role
 * uses, and the errors it relies on (EEXIST, ESRCH, a bad source).
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/rtnl.h"
#include "tests/unit/unit.h"

static bool in_own_netns(void)
{
	static int state;	/* 0 unknown, 1 yes, -1 no */
	struct ifreq ifr;
	int fd;

	if (state)
		return state > 0;
	state = -1;
	if (unshare(CLONE_NEWNET) < 0) {
		printf("# SKIP: no network namespace (%s): rtnl not exercised\n",
		       strerror(errno));
		return false;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return false;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return false;
	close(fd);
	state = 1;
	return true;
}

UNIT_TEST(rtnl_address_route_and_lookups_in_a_private_netns)
{
	static const uint8_t a[4] = { 10, 77, 0, 10 }, net[4] = { 10, 77, 0, 0 };
	static const uint8_t other[4] = { 10, 88, 0, 0 }, dst[4] = { 192, 168, 77, 2 };
	struct rtnl_route r = { .dst = { 192, 168, 77, 0 }, .plen = 24,
				.has_src = true, .src = { 10, 77, 0, 10 },
				.proto = EVSD_RTPROT_CLIENT };
	struct rtnl_route got;
	struct evs_err err;
	uint8_t found[4];
	struct rtnl *nl;
	unsigned lo;

	if (!in_own_netns())
		return;
	lo = if_nametoindex("lo");
	UNIT_ASSERT(lo > 0);
	r.oif = lo;
	nl = rtnl_open(&err);
	UNIT_ASSERT(nl != NULL);
	UNIT_ASSERT_EQ_INT(rtnl_addr(nl, true, lo, AF_INET, a, 32, &err), 0);
	UNIT_ASSERT_EQ_INT(rtnl_addr(nl, true, lo, AF_INET, a, 32, &err), -EEXIST);
	UNIT_ASSERT_EQ_INT(rtnl_route(nl, true, &r, &err), 0);
	UNIT_ASSERT_EQ_INT(rtnl_route(nl, true, &r, &err), -EEXIST);
	UNIT_ASSERT(strstr(err.msg, "exists") != NULL);

	UNIT_ASSERT_EQ_INT(rtnl_route_get(nl, AF_INET, dst, &got, &err), 0);
	UNIT_ASSERT_EQ_INT(got.oif, lo);
	UNIT_ASSERT(!got.has_gw);
	UNIT_ASSERT(got.has_src);
	UNIT_ASSERT_MEM_EQ(got.src, a, 4);

	UNIT_ASSERT_EQ_INT(rtnl_addr_within(nl, AF_INET, net, 16, found), 0);
	UNIT_ASSERT_MEM_EQ(found, a, 4);
	UNIT_ASSERT_EQ_INT(rtnl_addr_within(nl, AF_INET, other, 16, found), -1);

	UNIT_ASSERT_EQ_INT(rtnl_route(nl, false, &r, &err), 0);
	UNIT_ASSERT_EQ_INT(rtnl_route(nl, false, &r, &err), -ESRCH);
	/* a source address the host does not have is refused */
	r.src[3] = 99;
	UNIT_ASSERT(rtnl_route(nl, true, &r, &err) < 0);
	UNIT_ASSERT(err.msg[0] != '\0');
	printf("# bad source refused: %s\n", err.msg);
	UNIT_ASSERT_EQ_INT(rtnl_addr(nl, false, lo, AF_INET, a, 32, &err), 0);
	UNIT_ASSERT_EQ_INT(rtnl_addr_within(nl, AF_INET, net, 16, found), -1);
	rtnl_close(nl);
}

UNIT_MAIN()
