// SPDX-License-Identifier: MIT
/* IPv6 pools: a /128 per client, exhaustion, release by the owner only,
 * transfer, overlap and bad prefixes refused. */
#include <arpa/inet.h>
#include <string.h>

#include "ezv/pool6.h"
#include "tests/unit/unit.h"

static struct evs_prefix pfx(const char *a, unsigned plen)
{
	struct evs_prefix p = { .family = AF_INET6, .plen = (uint8_t)plen };

	UNIT_ASSERT(inet_pton(AF_INET6, a, p.addr) == 1);
	return p;
}

static void expect_addr(const struct evs_prefix *p, const char *want)
{
	char s[EVS_PREFIX_STRLEN], w[EVS_PREFIX_STRLEN];

	snprintf(w, sizeof(w), "%s/128", want);
	UNIT_ASSERT_EQ_STR(evs_prefix_str(p, s, sizeof(s)), w);
}

UNIT_TEST(lease_release_and_exhaustion)
{
	struct pool6_set *ps = pool6_set_new();
	struct evs_prefix net = pfx("2001:db8:77::", 126), a, b, c, d;
	struct evs_err err;
	struct pool6_info info;

	UNIT_ASSERT(ps);
	UNIT_ASSERT_EQ_INT(pool6_add(ps, "v6", &net, NULL, &err), -1);	/* /126 > 120 */
	net = pfx("2001:db8:77::", 120);
	UNIT_ASSERT_EQ_INT(pool6_add(ps, "v6", &net, NULL, &err), 0);
	UNIT_ASSERT_EQ_INT(pool6_get_info_at(ps, 0, &info), 0);
	UNIT_ASSERT_EQ_INT(info.size, 255);	/* ::1 .. ::ff, never ::0 */
	expect_addr(&info.first, "2001:db8:77::1");	/* what pool-show prints */
	expect_addr(&info.last, "2001:db8:77::ff");
	UNIT_ASSERT_EQ_INT(pool6_lease(ps, "v6", 7, &a), POOL_OK);
	expect_addr(&a, "2001:db8:77::1");
	UNIT_ASSERT_EQ_INT(pool6_lease(ps, "v6", 8, &b), POOL_OK);
	expect_addr(&b, "2001:db8:77::2");
	UNIT_ASSERT_EQ_INT(pool6_owner(ps, &a), 7);
	/* only the owner releases; next-fit: ::1 comes back last */
	UNIT_ASSERT_EQ_INT(pool6_release(ps, &a, 8), -1);
	UNIT_ASSERT_EQ_INT(pool6_release(ps, &a, 7), 0);
	UNIT_ASSERT_EQ_INT(pool6_owner(ps, &a), 0);
	UNIT_ASSERT_EQ_INT(pool6_lease(ps, "v6", 9, &c), POOL_OK);
	expect_addr(&c, "2001:db8:77::3");
	UNIT_ASSERT_EQ_INT(pool6_transfer(ps, &c, 8, 10), -1);
	UNIT_ASSERT_EQ_INT(pool6_transfer(ps, &c, 9, 10), 0);
	UNIT_ASSERT_EQ_INT(pool6_owner(ps, &c), 10);
	for (uint32_t o = 100; o < 100 + 253; o++)
		UNIT_ASSERT_EQ_INT(pool6_lease(ps, "v6", o, &d), POOL_OK);
	UNIT_ASSERT_EQ_INT(pool6_lease(ps, "v6", 999, &d), POOL_EXHAUSTED);
	UNIT_ASSERT_EQ_INT(pool6_get_info_at(ps, 0, &info), 0);
	UNIT_ASSERT_EQ_INT(info.in_use, 255);
	UNIT_ASSERT_EQ_INT(pool6_lease(ps, "nope", 1, &d), POOL_NO_POOL);
	UNIT_ASSERT_EQ_INT(pool6_lease(ps, "v6", 0, &d), POOL_BAD);
	/* outside the pool, or the anycast address: nobody's */
	d = pfx("2001:db8:77::", 128);
	UNIT_ASSERT_EQ_INT(pool6_owner(ps, &d), 0);
	UNIT_ASSERT_EQ_INT(pool6_release(ps, &d, 7), -1);
	d = pfx("2001:db8:78::1", 128);
	UNIT_ASSERT_EQ_INT(pool6_owner(ps, &d), 0);
	pool6_set_free(ps);
}

UNIT_TEST(wide_prefixes_are_capped_and_pools_do_not_overlap)
{
	struct pool6_set *ps = pool6_set_new();
	struct pool_set *v4 = pool_set_new();
	struct evs_prefix net = pfx("2001:db8:1::", 64), a, x;
	struct pool6_info info;
	struct evs_err err;

	UNIT_ASSERT_EQ_INT(pool_add_prefix(v4, "four", 0x0a4d0000, 24, &err), 0);
	UNIT_ASSERT_EQ_INT(pool6_add(ps, "big", &net, v4, &err), 0);
	UNIT_ASSERT_EQ_INT(pool6_get_info_at(ps, 0, &info), 0);
	UNIT_ASSERT_EQ_INT(info.size, POOL_MAX_SIZE);
	/* the last of the 65536: 2001:db8:1::1:0 */
	for (uint32_t o = 1; o <= POOL_MAX_SIZE; o++)
		UNIT_ASSERT_EQ_INT(pool6_lease(ps, "big", o, &a), POOL_OK);
	expect_addr(&a, "2001:db8:1::1:0");
	UNIT_ASSERT_EQ_INT(pool6_owner(ps, &a), POOL_MAX_SIZE);
	UNIT_ASSERT_EQ_INT(pool6_lease(ps, "big", 1, &a), POOL_EXHAUSTED);
	/* inside the /64 but past the 65536 used: nobody's, not releasable */
	x = pfx("2001:db8:1::1:1", 128);
	UNIT_ASSERT_EQ_INT(pool6_owner(ps, &x), 0);
	x = pfx("2001:db8:1:0:1::1", 128);
	UNIT_ASSERT_EQ_INT(pool6_release(ps, &x, 1), -1);
	net = pfx("2001:db8:1::", 80);
	UNIT_ASSERT_EQ_INT(pool6_add(ps, "inside", &net, v4, &err), -1);
	UNIT_ASSERT(strstr(err.msg, "overlaps pool \"big\""));
	net = pfx("2001:db8:2::", 64);
	UNIT_ASSERT_EQ_INT(pool6_add(ps, "four", &net, v4, &err), -1);
	UNIT_ASSERT(strstr(err.msg, "defined twice"));
	net = pfx("2001:db8:2::1", 64);
	UNIT_ASSERT_EQ_INT(pool6_add(ps, "hostbits", &net, v4, &err), -1);
	UNIT_ASSERT(strstr(err.msg, "host bits"));
	net = pfx("2001:db8::", 40);
	UNIT_ASSERT_EQ_INT(pool6_add(ps, "huge", &net, v4, &err), -1);
	UNIT_ASSERT(pool6_overlaps(ps, &(struct evs_prefix){ .family = AF_INET6 }));
	pool_set_free(v4);
	pool6_set_free(ps);
}

UNIT_MAIN()
