/* SPDX-License-Identifier: MIT */
/*
 * info: informational exchanges (RFC 2408 §4.8, RFC 2409 §5.7): protected
 * notifies and deletes (HASH(1) = prf(SKEYID_a, M-ID | N/D)), unprotected
 * notifies before keys exist (logged, never trusted), and dead peer
 * detection (RFC 3706): after dpd_interval seconds without an
 * authenticated message from the peer, R-U-THERE with a sequence number;
 * dpd_retries unanswered ones in a row mean the peer is dead: its
 * connections leave the kernel and the ISAKMP SA is deleted.
 */
#ifndef EVSD_INFO_H
#define EVSD_INFO_H

#include "ike/engine/ikesa.h"

/* A received informational message (decrypted when keys exist). */
void info_input(struct ike_sa *sa, const struct isakmp_msg *m, bool protected_);
/* Protected notify (proto ISAKMP with both cookies as SPI unless spi). */
int info_send_notify(struct ike_sa *sa, uint16_t type, uint8_t proto,
		     const void *spi, uint8_t spi_size, const void *data,
		     size_t len);
/* Unprotected notify for errors before Phase 1 keys exist. */
int info_send_notify_clear(struct ike_engine *e, const struct ike_path *path,
			   const struct isakmp_hdr *hdr, uint16_t type);
int info_send_delete_isakmp(struct ike_sa *sa);
int info_send_delete_esp(struct ike_sa *sa, const uint32_t *spis, unsigned n);
/* DPD timer work for an established SA. */
void dpd_tick(struct ike_sa *sa);

#endif
