// SPDX-License-Identifier: GPL-2.0
/*
 * Security Association Database: SA objects, the per-netns SPI hash,
 * reference counts, lifetimes and deletion.
 */
#include "evs.h"

static const struct rhashtable_params evs_sa_ht_params = {
	.key_len		= sizeof(u32),
	.key_offset		= offsetof(struct evs_sa, spi),
	.head_offset		= offsetof(struct evs_sa, spi_node),
	.automatic_shrinking	= true,
};

int evs_sad_init(struct evs_net *en)
{
	int ret;

	ret = rhashtable_init(&en->sa_by_spi[EVS_DIR_IN], &evs_sa_ht_params);
	if (ret)
		return ret;
	ret = rhashtable_init(&en->sa_by_spi[EVS_DIR_OUT], &evs_sa_ht_params);
	if (ret)
		rhashtable_destroy(&en->sa_by_spi[EVS_DIR_IN]);
	return ret;
}

void evs_sad_exit(struct evs_net *en)
{
	rhashtable_destroy(&en->sa_by_spi[EVS_DIR_IN]);
	rhashtable_destroy(&en->sa_by_spi[EVS_DIR_OUT]);
}
