// SPDX-License-Identifier: MIT
/* ikeload/plan: the load generator's sources and latency figures. */
#include <arpa/inet.h>
#include <string.h>

#include "ikeload/plan.h"
#include "tests/unit/unit.h"

static const struct ikeload_plan plan = {
	.base = 0x0a5a0001,	/* 10.90.0.1 */
	.n_addrs = 250,
	.port0 = 10000,
	.n_clients = 1000,
};

UNIT_TEST(sources_spread_over_addresses_first)
{
	struct sockaddr_storage a;
	struct sockaddr_in *s = (struct sockaddr_in *)&a;

	ikeload_plan_addr(&plan, 0, &a);
	UNIT_ASSERT_EQ_INT(ntohl(s->sin_addr.s_addr), 0x0a5a0001);
	UNIT_ASSERT_EQ_INT(ntohs(s->sin_port), 10000);
	ikeload_plan_addr(&plan, 249, &a);
	UNIT_ASSERT_EQ_INT(ntohl(s->sin_addr.s_addr), 0x0a5a0001 + 249);
	UNIT_ASSERT_EQ_INT(ntohs(s->sin_port), 10000);
	ikeload_plan_addr(&plan, 250, &a);
	UNIT_ASSERT_EQ_INT(ntohl(s->sin_addr.s_addr), 0x0a5a0001);
	UNIT_ASSERT_EQ_INT(ntohs(s->sin_port), 10001);
}

UNIT_TEST(every_source_maps_back_to_its_client)
{
	struct sockaddr_storage a;

	for (unsigned i = 0; i < plan.n_clients; i++) {
		ikeload_plan_addr(&plan, i, &a);
		UNIT_ASSERT_EQ_INT(ikeload_plan_index(&plan, (struct sockaddr *)&a), (int)i);
	}
}

UNIT_TEST(foreign_sources_are_nobodys)
{
	struct sockaddr_storage a;
	struct sockaddr_in *s = (struct sockaddr_in *)&a;

	ikeload_plan_addr(&plan, 0, &a);
	s->sin_addr.s_addr = htonl(0x0a5a0000);		/* below the base */
	UNIT_ASSERT_EQ_INT(ikeload_plan_index(&plan, (struct sockaddr *)&a), -1);
	s->sin_addr.s_addr = htonl(0x0a5a0001 + 250);	/* past the last */
	UNIT_ASSERT_EQ_INT(ikeload_plan_index(&plan, (struct sockaddr *)&a), -1);
	s->sin_addr.s_addr = htonl(0x0a5a0001);
	s->sin_port = htons(9999);			/* below port0 */
	UNIT_ASSERT_EQ_INT(ikeload_plan_index(&plan, (struct sockaddr *)&a), -1);
	s->sin_port = htons(10004);			/* client 1000: none */
	UNIT_ASSERT_EQ_INT(ikeload_plan_index(&plan, (struct sockaddr *)&a), -1);
	a.ss_family = AF_INET6;
	UNIT_ASSERT_EQ_INT(ikeload_plan_index(&plan, (struct sockaddr *)&a), -1);
}

UNIT_TEST(plans_past_the_address_or_port_space_are_refused)
{
	struct ikeload_plan p = plan;
	struct evs_err err = { 0 };

	UNIT_ASSERT_EQ_INT(ikeload_plan_check(&p, &err), 0);
	p.port0 = 65535;
	p.n_clients = 251;	/* needs a second port */
	UNIT_ASSERT_EQ_INT(ikeload_plan_check(&p, &err), -1);
	UNIT_ASSERT(strstr(err.msg, "past 65535"));
	p.n_clients = 250;
	UNIT_ASSERT_EQ_INT(ikeload_plan_check(&p, &err), 0);
	p.base = 0xffffff80;	/* 250 addresses from here wrap */
	UNIT_ASSERT_EQ_INT(ikeload_plan_check(&p, &err), -1);
	p.base = plan.base;
	p.n_addrs = 0;
	UNIT_ASSERT_EQ_INT(ikeload_plan_check(&p, &err), -1);
	p.n_addrs = 1;
	p.port0 = 0;
	UNIT_ASSERT_EQ_INT(ikeload_plan_check(&p, &err), -1);
}

UNIT_TEST(latency_by_nearest_rank)
{
	uint32_t v[10] = { 90, 10, 100, 20, 80, 30, 70, 40, 60, 50 };
	uint32_t one[1] = { 7 };
	uint32_t three[3] = { 5, 1, 9 };
	struct ikeload_lat l;

	ikeload_latency(v, 10, &l);
	UNIT_ASSERT_EQ_INT(l.median, 50);
	UNIT_ASSERT_EQ_INT(l.p90, 90);
	UNIT_ASSERT_EQ_INT(l.max, 100);
	ikeload_latency(one, 1, &l);
	UNIT_ASSERT_EQ_INT(l.median, 7);
	UNIT_ASSERT_EQ_INT(l.p90, 7);
	UNIT_ASSERT_EQ_INT(l.max, 7);
	ikeload_latency(three, 3, &l);
	UNIT_ASSERT_EQ_INT(l.median, 5);
	UNIT_ASSERT_EQ_INT(l.p90, 9);
	ikeload_latency(NULL, 0, &l);
	UNIT_ASSERT_EQ_INT(l.max, 0);
}

UNIT_MAIN()
