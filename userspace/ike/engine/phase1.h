/* SPDX-License-Identifier: MIT */
/*
 * phase1: main mode (PSK, RSA signatures with CERT/CR) and aggressive mode
 * (PSK with the group name as ID_KEY_ID), initiator and responder
 * (RFC 2409 §5).  States and transitions (ikesa.h enum ike_state):
 *
 *  main mode initiator   NEW -MM1-> MM_I_SA_SENT -MM2/MM3-> MM_I_KE_SENT
 *                        -MM4/MM5-> MM_I_AUTH_SENT -MM6-> STEPS|READY
 *  main mode responder   NEW -MM1/MM2-> MM_R_SA_SENT -MM3/MM4-> MM_R_KE_SENT
 *                        -MM5/MM6-> STEPS|READY
 *  aggressive initiator  NEW -AM1-> AM_I_SENT -AM2/AM3-> STEPS|READY
 *  aggressive responder  NEW -AM1/AM2-> AM_R_SENT -AM3-> STEPS|READY
 *
 * Any failure: DEAD (with a notify where the RFC allows one).
 */
#ifndef EVSD_PHASE1_H
#define EVSD_PHASE1_H

#include "ike/engine/ikesa.h"

/* Client: start Phase 1 (MM1 or AM1) on a fresh initiator SA. */
int p1_initiate(struct ike_sa *sa, const struct ike_peer *peer);
/* Responder: the first message of a new exchange (rcookie zero). */
int p1_respond(struct ike_sa *sa, const struct isakmp_msg *m);
/* A later Phase 1 message of an existing SA (decrypted if it was). */
void p1_input(struct ike_sa *sa, const struct isakmp_msg *m);

#endif
