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
struct ike_engine;

/* The socket cfg's dynamic-authorization block asks for, its requests
 * decided by z.  NULL with err->msg empty when cfg has no such block;
 * NULL with err on failure (the port taken, ...).  Before each request
 * the engine's clock is set. */
struct evsd_dae *evsd_dae_open(struct loop *l, struct ezv *z,
			       const struct easyvpn_config *cfg, struct ike_engine *eng,
			       struct evs_err *err);
/* d (NULL: none) listens where cfg asks (none when cfg has no
 * dynamic-authorization block): a reload can keep it. */
bool evsd_dae_same(const struct evsd_dae *d, const struct easyvpn_config *cfg);
void evsd_dae_close(struct evsd_dae *d);

#endif
