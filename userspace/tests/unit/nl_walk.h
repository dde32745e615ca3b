/* SPDX-License-Identifier: MIT */
/*
 * nl_walk: read back a generic netlink message a test built, attribute
 * by attribute, with libmnl alone (independently of the codec under
 * test).
 */
#ifndef EVS_TEST_NL_WALK_H
#define EVS_TEST_NL_WALK_H

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "tests/unit/unit.h"

/* Find attribute @type in the payload area [start, start+len). */
static inline const struct nlattr *find_attr(const void *start, size_t len, uint16_t type)
{
	const struct nlattr *attr;

	mnl_attr_for_each_payload(start, len)
		if (mnl_attr_get_type(attr) == type)
			return attr;
	return NULL;
}

/* Attribute @type inside the nest @nest (NULL when there is no nest). */
static inline const struct nlattr *nested(const struct nlattr *nest, uint16_t type)
{
	return nest ? find_attr(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), type)
		    : NULL;
}

/* Top-level attribute @type after the genetlink header. */
static inline const struct nlattr *top(const struct nlmsghdr *nlh, uint16_t type)
{
	return find_attr(mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN),
			 mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN, type);
}

#define ASSERT_ATTR(a, len) do {					\
		UNIT_ASSERT((a) != NULL);				\
		UNIT_ASSERT_EQ_INT(mnl_attr_get_payload_len(a), (len));	\
	} while (0)

#endif
