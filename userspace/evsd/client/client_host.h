/* SPDX-License-Identifier: MIT */
/*
 * client_host: what the client role's sessions put on the host (the
 * assigned address, routes, PAT), driven by the engine's client hooks
 * (ike_engine_ops.client_child_up, client_child_down, client_end).
 */
#ifndef EVSD_CLIENT_HOST_H
#define EVSD_CLIENT_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/engine/ikesa.h"

struct client_host;
struct clientcfg_backend;
struct client_dns_backend;
struct modecfg;

/* b: how the host is reached (copied); NULL = the host's own, rtnetlink
 * and nft (tests and fuzz targets pass a fake). */
struct client_host *client_host_new(const struct clientcfg_backend *b);
/* Takes everything still applied off the host. */
void client_host_free(struct client_host *h);

void client_host_child_up(struct client_host *h, struct ike_sa *sa,
			  uint32_t conn_id);
void client_host_child_down(struct client_host *h, struct ike_sa *sa,
			    uint32_t conn_id);
void client_host_end(struct client_host *h, struct ike_sa *sa);
/* The DNS settings the gateway pushed (client_dns.h), once per session,
 * after its first connection is up; they go with the address. */
void client_host_dns(struct client_host *h, struct ike_sa *sa, const struct modecfg *pushed);
/* The session's steps are done, its quick modes not begun (the engine's
 * client_ready hook): with UNITY_FW_TYPE in pushed and the peer's
 * `firewall` on, the inbound filter (client_fw.h) goes on the evs device
 * now, before any SA of the session can deliver a packet, and stays
 * while a session of the peer lives.  -1 when it could not be put on:
 * the session must not go on. */
int client_host_ready(struct client_host *h, struct ike_sa *sa, const struct modecfg *pushed);
/* Is the inbound filter on for a session of peer block `peer` (by name)? */
bool client_host_fw_active(const struct client_host *h, const char *peer);
/* At start: what a killed evsd left in the resolver for device
 * (client_dns_recover) goes. */
void client_host_dns_recover(struct client_host *h, const char *device);
/* What the filter dropped since its table was last written: 0, or -1 when
 * it is not on or its counter cannot be read. */
int client_host_fw_drops(const struct client_host *h, uint64_t *packets, uint64_t *bytes);
/* Tests: where DNS goes instead of the host's resolver (copied). */
void client_host_set_dns_backend(struct client_host *h, const struct client_dns_backend *b);

#endif
