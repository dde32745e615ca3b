// SPDX-License-Identifier: MIT
/* evs_nl_parse_attrs/_nested walk attributes in a loop of their own: they
 * must index exactly what libmnl's walk (mnl_attr_parse) would, on good
 * and on malformed input. */
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "lib/nl.h"
#include "tests/unit/unit.h"

#define MAXT 8

struct ref {
	const struct nlattr **tb;
	unsigned int max;
};

static int ref_cb(const struct nlattr *a, void *data)
{
	struct ref *r = data;
	unsigned int t = mnl_attr_get_type(a);

	if (t <= r->max && !r->tb[t])
		r->tb[t] = a;
	return MNL_CB_OK;
}

/* Both walks over the nest at @buf; every slot must point to the same
 * attribute. */
static void check_nested(const struct nlattr *nest)
{
	const struct nlattr *got[MAXT + 1], *want[MAXT + 1] = { 0 };
	struct ref r = { want, MAXT };

	mnl_attr_parse_nested(nest, ref_cb, &r);
	UNIT_ASSERT_EQ_INT(evs_nl_parse_nested(nest, got, MAXT), 0);
	for (int t = 0; t <= MAXT; t++)
		UNIT_ASSERT(got[t] == want[t]);
}

static void check_msg(const struct nlmsghdr *nlh)
{
	const struct nlattr *got[MAXT + 1], *want[MAXT + 1] = { 0 };
	struct ref r = { want, MAXT };

	mnl_attr_parse(nlh, GENL_HDRLEN, ref_cb, &r);
	UNIT_ASSERT_EQ_INT(evs_nl_parse_attrs(nlh, got, MAXT), 0);
	for (int t = 0; t <= MAXT; t++)
		UNIT_ASSERT(got[t] == want[t]);
}

UNIT_TEST(nested_known_unknown_repeated_and_flagged_types)
{
	char buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *nest;
	const struct nlattr *tb[MAXT + 1];

	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	nest = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, 2, 7);
	mnl_attr_put_u8(nlh, 3, 1);		/* unaligned length */
	mnl_attr_put_u32(nlh, 2, 8);		/* repeated: the first wins */
	mnl_attr_put_u16(nlh, MAXT + 5, 9);	/* unknown: skipped */
	mnl_attr_put_strz(nlh, 4 | NLA_F_NET_BYTEORDER, "x");
	mnl_attr_put(nlh, 5, 0, NULL);		/* empty */
	mnl_attr_nest_end(nlh, nest);
	check_nested(nest);
	check_msg(nlh);
	UNIT_ASSERT_EQ_INT(evs_nl_parse_nested(nest, tb, MAXT), 0);
	UNIT_ASSERT_EQ_INT((int)mnl_attr_get_u32(tb[2]), 7);
	UNIT_ASSERT(tb[4] && tb[5] && !tb[6] && !tb[0]);
}

/* Every truncation and every corrupted length of a nest: the walk stops
 * where libmnl's stops, never reads past the nest. */
UNIT_TEST(malformed_nests_stop_where_libmnl_stops)
{
	char buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *nest;
	uint16_t full;

	mnl_attr_put_u32(nlh, 9, 0);	/* room before the nest */
	nest = mnl_attr_nest_start(nlh, 1);
	for (int t = 1; t <= MAXT; t++)
		mnl_attr_put_u32(nlh, (uint16_t)t, (uint32_t)t);
	mnl_attr_put_strz(nlh, 3, "abc");
	mnl_attr_nest_end(nlh, nest);
	full = nest->nla_len;
	for (uint16_t len = 0; len <= full; len++) {
		nest->nla_len = len < NLA_HDRLEN ? NLA_HDRLEN : len;
		check_nested(nest);
	}
	nest->nla_len = full;
	for (size_t off = NLA_HDRLEN; off + NLA_HDRLEN <= full; off += NLA_HDRLEN) {
		struct nlattr *a = (struct nlattr *)((char *)nest + off);
		uint16_t keep = a->nla_len;

		for (uint16_t bad = 0; bad < 64; bad++) {
			a->nla_len = bad;
			check_nested(nest);
		}
		a->nla_len = keep;
	}
}

UNIT_TEST(message_shorter_than_its_genl_header_is_refused)
{
	char buf[64] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	const struct nlattr *tb[MAXT + 1];

	UNIT_ASSERT_EQ_INT(evs_nl_parse_attrs(nlh, tb, MAXT), -1);
	for (int t = 0; t <= MAXT; t++)
		UNIT_ASSERT(!tb[t]);
}

UNIT_MAIN()
