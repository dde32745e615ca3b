/* SPDX-License-Identifier: MIT */
/*
 * dae: the UDP socket of RADIUS dynamic authorization (RFC 5176, port
 * 3799): datagrams in, ezv_dae_input decides, answers out.  Nothing here
 * reads a packet: an unknown source or a bad signature gets no answer.
 */
#ifndef EVSD_DAE_H
#define EVSD_DAE_H

#include "evsd/loop.h"
#include "ezv/easyvpn.h"
#include "lib/err.h"

struct evsd_dae;

/* NULL with err->msg empty when z has no dynamic-authorization block;
 * NULL with err on failure (the port taken, ...).  Before each request
 * the engine's clock is set (set_time(arg, now)). */
struct evsd_dae *evsd_dae_open(struct loop *l, struct ezv *z,
			       void (*set_time)(void *arg, uint64_t now_ms), void *arg,
			       struct evs_err *err);
void evsd_dae_close(struct evsd_dae *d);

#endif
