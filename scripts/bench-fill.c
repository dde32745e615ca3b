// SPDX-License-Identifier: GPL-2.0
/*
 * bench-fill: install many filler SAs and policies on evs0 in the current
 * network namespace, for scripts/bench-dataplane's "1 vs 100,000 SAs" runs
 * (evsadm would need one process per object).  Built by bench-dataplane
 * with the selftests' netlink helpers.
 *
 *   bench-fill out|in COUNT SPI_BASE OUTER_SRC OUTER_DST LOCAL_ADDR
 *
 * Filler k uses remote inner address 10.77.a.b/32 (a.b = 256 + k mod
 * 65280, so 10.77.0.x stays free) and local LOCAL_ADDR/32, or the next
 * address for k >= 65280, so every selector is distinct and exact (/32 to
 * /32 is Linux xfrm's hashed fast path: the comparison is fair).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "evs_esp_util.h"

int main(int argc, char **argv)
{
	struct evs_t_sa sa = {
		.enc = "ecb(cipher_null)", .enc_key = "",
		.auth = "digest_null", .auth_key = "", .replay_window = 64,
	};
	char remote[32], local[32];
	struct in_addr la;
	struct evs_nl nl;
	long count, k;
	uint32_t base;
	int ret, plen;

	if (argc != 7 || (strcmp(argv[1], "out") && strcmp(argv[1], "in"))) {
		fprintf(stderr, "usage: bench-fill out|in COUNT SPI_BASE OUTER_SRC OUTER_DST LOCAL_ADDR\n");
		return 2;
	}
	count = strtol(argv[2], NULL, 0);
	base = strtoul(argv[3], NULL, 0);
	if (inet_pton(AF_INET, argv[6], &la) != 1) {
		fprintf(stderr, "bench-fill: bad LOCAL_ADDR\n");
		return 2;
	}
	sa.dir = strcmp(argv[1], "out") ? EVS_DIR_IN : EVS_DIR_OUT;
	sa.src = argv[4];
	sa.dst = argv[5];
	ret = evs_t_nl_open(&nl);
	if (ret) {
		fprintf(stderr, "bench-fill: evs family: %s\n", strerror(-ret));
		return 1;
	}
	for (k = 0; k < count; k++) {
		unsigned int j = 256 + k % 65280;

		snprintf(remote, sizeof(remote), "10.77.%u.%u", j >> 8, j & 255);
		plen = 32;
		if (k == 65280)
			la.s_addr = htonl(ntohl(la.s_addr) + 1);
		inet_ntop(AF_INET, &la, local, sizeof(local));
		sa.spi = base + k;
		ret = evs_t_sa_add(&nl, &sa);
		if (!ret && sa.dir == EVS_DIR_OUT)
			ret = evs_t_policy_add(&nl, EVS_DIR_OUT, local, plen,
					       remote, 32, sa.spi);
		else if (!ret)
			ret = evs_t_policy_add(&nl, EVS_DIR_IN, remote, 32,
					       local, plen, sa.spi);
		if (ret) {
			fprintf(stderr, "bench-fill: object %ld: %s (%s)\n", k,
				strerror(-ret), nl.err_msg);
			return 1;
		}
	}
	evs_t_nl_close(&nl);
	return 0;
}
