// SPDX-License-Identifier: MIT
/*
 * The names of the engine's drop counters, shared by the control socket's
 * daemon-show and the metrics file so that they cannot drift apart.
 */
#include <stddef.h>
#include <string.h>

#include "ike/engine/ikesa.h"

#define DROP(n, f) { n, offsetof(struct ike_stats, f) }

const struct ike_drop_counter ike_drops[IKE_DROPS_COUNT] = {
	DROP("malformed", rx_malformed),
	DROP("duplicate", rx_dup),
	DROP("replay", rx_replay),
	DROP("unknown_sa", rx_unknown_sa),
	DROP("rate_limited", rx_rate_limited),
	DROP("half_open_full", rx_half_open_full),
	DROP("source_full", rx_source_full),
	DROP("unauthenticated_full", unauth_refused),
};

uint64_t ike_drop_value(const struct ike_stats *s, const struct ike_drop_counter *d)
{
	uint64_t v;

	memcpy(&v, (const char *)s + d->offset, sizeof(v));
	return v;
}
