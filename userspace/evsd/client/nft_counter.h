/* SPDX-License-Identifier: MIT */
/*
 * nft_counter: the packets and bytes of a named counter object of an inet
 * nftables table, read over nfnetlink (NFT_MSG_GETOBJ) in the caller's
 * network namespace: no nft process for a `client show`.
 */
#ifndef EVSD_NFT_COUNTER_H
#define EVSD_NFT_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

/* 0, or -1 when the table or the counter is not there (or netlink fails). */
int nft_counter_read(const char *table, const char *name, uint64_t *packets, uint64_t *bytes);

#endif
