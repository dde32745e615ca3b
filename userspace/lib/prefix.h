/* SPDX-License-Identifier: MIT */
/*
 * prefix: an address and its prefix length, the one type for selectors,
 * pools, split networks and routes.
 */
#ifndef EVS_PREFIX_H
#define EVS_PREFIX_H

#include <stdint.h>

struct evs_prefix {
	uint8_t family;		/* AF_INET, AF_INET6 */
	uint8_t plen;
	uint8_t addr[16];
};

#endif
