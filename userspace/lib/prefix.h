/* SPDX-License-Identifier: MIT */
/*
 * prefix: an address and its prefix length, the one type for selectors,
 * pools, split networks and routes; and the one way to write addresses
 * and prefixes as text.
 */
#ifndef EVS_PREFIX_H
#define EVS_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;

struct evs_prefix {
	uint8_t family;		/* AF_INET, AF_INET6 */
	uint8_t plen;
	uint8_t addr[16];
};

/* Room for any text below: an IPv6 address, "/" and a length. */
#define EVS_PREFIX_STRLEN 52

/* "192.0.2.1" of an IPv4 address in host byte order.  Returns buf. */
const char *evs_ip4_ntop(uint32_t addr, char *buf, size_t len);
/* "192.0.2.0/24", "::/0": network-order bytes of family (AF_INET: 4,
 * AF_INET6: 16) and the length, always written; "?/LEN" for another
 * family.  Returns buf. */
const char *evs_net_ntop(int family, const uint8_t *addr, unsigned plen,
			 char *buf, size_t len);
/* evs_net_ntop() of a prefix; a family other than AF_INET6 is IPv4. */
const char *evs_prefix_str(const struct evs_prefix *p, char *buf, size_t len);
/* A socket address: "192.0.2.1", "2001:db8::1", with_port "192.0.2.1[500]";
 * "?" for a family other than AF_INET and AF_INET6.  Returns buf. */
const char *evs_sockaddr_str(const struct sockaddr *sa, bool with_port, char *buf,
			     size_t len);

/* The IPv4 prefix addr/plen, addr in host byte order. */
struct evs_prefix evs_prefix_ip4(uint32_t addr, unsigned plen);
/* An IPv4 prefix's address in host byte order. */
uint32_t evs_prefix_ip4_addr(const struct evs_prefix *p);

/* Either family (anything but AF_INET6 is IPv4): the address's bytes (4
 * or 16); host bits cleared; the same prefix; p inside net (same family,
 * at least as long, the same first net->plen bits). */
size_t evs_prefix_addr_len(const struct evs_prefix *p);
void evs_prefix_clear_host(struct evs_prefix *p);
bool evs_prefix_eq(const struct evs_prefix *a, const struct evs_prefix *b);
bool evs_prefix_within(const struct evs_prefix *p, const struct evs_prefix *net);

#endif
