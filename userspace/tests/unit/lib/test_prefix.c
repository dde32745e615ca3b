// SPDX-License-Identifier: MIT
/* lib/prefix: the one way addresses and prefixes are written. */
#include <arpa/inet.h>
#include <string.h>

#include "lib/prefix.h"
#include "tests/unit/unit.h"

UNIT_TEST(sockaddr_with_and_without_port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(4500) };
	struct sockaddr_in6 b = { .sin6_family = AF_INET6, .sin6_port = htons(500) };
	struct sockaddr_storage other = { .ss_family = AF_UNIX };
	char buf[64];

	inet_pton(AF_INET, "198.51.100.7", &a.sin_addr);
	inet_pton(AF_INET6, "2001:db8::1", &b.sin6_addr);
	UNIT_ASSERT_EQ_STR(evs_sockaddr_str((struct sockaddr *)&a, false, buf, sizeof(buf)),
			   "198.51.100.7");
	UNIT_ASSERT_EQ_STR(evs_sockaddr_str((struct sockaddr *)&a, true, buf, sizeof(buf)),
			   "198.51.100.7[4500]");
	UNIT_ASSERT_EQ_STR(evs_sockaddr_str((struct sockaddr *)&b, true, buf, sizeof(buf)),
			   "2001:db8::1[500]");
	UNIT_ASSERT_EQ_STR(evs_sockaddr_str((struct sockaddr *)&other, false, buf, sizeof(buf)),
			   "?");
	UNIT_ASSERT_EQ_STR(evs_sockaddr_str((struct sockaddr *)&other, true, buf, sizeof(buf)),
			   "?[0]");
	/* a short buffer is cut, never overrun */
	UNIT_ASSERT_EQ_STR(evs_sockaddr_str((struct sockaddr *)&a, true, buf, 8), "198.51.");
}

UNIT_TEST(prefixes)
{
	struct evs_prefix p = evs_prefix_ip4(0xc0a84d00, 24);
	char buf[EVS_PREFIX_STRLEN];

	UNIT_ASSERT_EQ_STR(evs_prefix_str(&p, buf, sizeof(buf)), "192.168.77.0/24");
	UNIT_ASSERT_EQ_INT(evs_prefix_ip4_addr(&p), 0xc0a84d00);
	UNIT_ASSERT_EQ_STR(evs_ip4_ntop(0x0a4d0101, buf, sizeof(buf)), "10.77.1.1");
}

UNIT_MAIN()
