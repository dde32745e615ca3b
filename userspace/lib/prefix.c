// SPDX-License-Identifier: MIT
/* Addresses and prefixes as text; see prefix.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "lib/prefix.h"

const char *evs_ip4_ntop(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		 a & 255);
	return buf;
}

const char *evs_net_ntop(int family, const uint8_t *addr, unsigned plen,
			 char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if ((family != AF_INET && family != AF_INET6) ||
	    !inet_ntop(family, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, plen);
	return buf;
}

const char *evs_prefix_str(const struct evs_prefix *p, char *buf, size_t len)
{
	return evs_net_ntop(p->family == AF_INET6 ? AF_INET6 : AF_INET, p->addr,
			    p->plen, buf, len);
}

const char *evs_sockaddr_str(const struct sockaddr *sa, bool with_port, char *buf,
			     size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		port = ntohs(s->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		port = ntohs(s->sin6_port);
	}
	if (with_port)
		snprintf(buf, len, "%s[%u]", a, port);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

struct evs_prefix evs_prefix_ip4(uint32_t addr, unsigned plen)
{
	struct evs_prefix p = { .family = AF_INET, .plen = (uint8_t)plen };

	p.addr[0] = (uint8_t)(addr >> 24);
	p.addr[1] = (uint8_t)(addr >> 16);
	p.addr[2] = (uint8_t)(addr >> 8);
	p.addr[3] = (uint8_t)addr;
	return p;
}

uint32_t evs_prefix_ip4_addr(const struct evs_prefix *p)
{
	return (uint32_t)p->addr[0] << 24 | p->addr[1] << 16 | p->addr[2] << 8 |
	       p->addr[3];
}

size_t evs_prefix_addr_len(const struct evs_prefix *p)
{
	return p->family == AF_INET6 ? 16 : 4;
}

/* Bit i (from the top) of addr. */
static bool addr_bit(const uint8_t *addr, unsigned i)
{
	return addr[i / 8] & (0x80u >> (i % 8));
}

void evs_prefix_clear_host(struct evs_prefix *p)
{
	unsigned bits = (unsigned)evs_prefix_addr_len(p) * 8;

	for (unsigned b = p->plen; b < bits; b++)
		p->addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
}

bool evs_prefix_eq(const struct evs_prefix *a, const struct evs_prefix *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(a->addr, b->addr, evs_prefix_addr_len(a));
}

bool evs_prefix_within(const struct evs_prefix *p, const struct evs_prefix *net)
{
	if (p->family != net->family || p->plen < net->plen ||
	    net->plen > evs_prefix_addr_len(net) * 8)
		return false;
	for (unsigned i = 0; i < net->plen; i++)
		if (addr_bit(p->addr, i) != addr_bit(net->addr, i))
			return false;
	return true;
}
