/* SPDX-License-Identifier: MIT */
/*
 * natt: NAT traversal for IKEv1 (RFC 3947, RFC 3948, and the draft
 * vendor ids real clients still send).
 *  - vendor ids: we send RFC 3947 and drafts 02/02n/03; the responder
 *    answers with the best one the initiator sent (natt_level 2 = RFC,
 *    1 = draft: payload 130 and encapsulation 61443 instead of 20 and 3);
 *  - NAT-D in MM3/MM4 and AM2/AM3: HASH(CKY-I | CKY-R | IP | port) of the
 *    destination first, then of the source; a mismatch tells which side
 *    is behind a NAT;
 *  - float: with a NAT, the initiator moves to port 4500 for MM5/AM3 and
 *    everything after; the responder follows the peer's address and port
 *    of the last authenticated message (NAT mappings change);
 *  - keepalives: the side behind the NAT sends a 0xff byte to the peer's
 *    port 4500 every nat_keepalive seconds.
 */
#ifndef EVSD_NATT_H
#define EVSD_NATT_H

#include "ike/engine/ikesa.h"

/* Our vendor ids (and the peer's NAT-T level) into/from messages. */
void natt_add_vids(struct ike_sa *sa, struct isakmp_bld *b);
void natt_note_vids(struct ike_sa *sa, const struct isakmp_msg *m);
/* NAT-D payloads for the current path (needs chosen hash + both cookies). */
void natt_add_natd(struct ike_sa *sa, struct isakmp_bld *b);
/* Check the peer's NAT-D payloads; sets nat_local/nat_remote. */
void natt_check_natd(struct ike_sa *sa, const struct isakmp_msg *m);
/* Initiator: move to port 4500 if a NAT was detected. */
void natt_float(struct ike_sa *sa);
/* A new message authenticated on path p: follow the peer's mapping,
 * when NAT-T is in use (negotiated, and a NAT seen or port 4500). */
void natt_update_path(struct ike_sa *sa, const struct ike_path *p);
void natt_tick(struct ike_sa *sa);
/* Encapsulation mode for quick mode, 0 if not NAT-ed. */
bool natt_active(const struct ike_sa *sa);

#endif
