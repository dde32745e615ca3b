/* SPDX-License-Identifier: MIT */
/*
 * JSON output through json-c for evsadm (-j) and evsd's control socket:
 * one function per evs object, so both tools print the same shape.
 * Keys use underscores; numbers are JSON numbers (u64 as unsigned).
 * Key material is never printed -- only key lengths.
 */
#ifndef EVS_LIB_JSON_H
#define EVS_LIB_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

#include "lib/msg.h"

/* Print @obj and a newline; compact unless @pretty.  Returns -1 on error. */
int evs_json_print(FILE *f, struct json_object *obj, bool pretty);

void evs_json_add_str(struct json_object *o, const char *key, const char *val);
void evs_json_add_u64(struct json_object *o, const char *key, uint64_t val);
void evs_json_add_bool(struct json_object *o, const char *key, bool val);

struct json_object *evs_json_inaddr(const struct evs_inaddr *a);
struct json_object *evs_json_counters(const struct evs_counters *c);
struct json_object *evs_json_lft(const struct evs_lft *l);

/* @stats: include the counters (evsadm -s). */
struct json_object *evs_json_sa(const struct evs_sa_info *sa, bool stats);
struct json_object *evs_json_policy(const struct evs_policy_info *pol, bool stats);
struct json_object *evs_json_conn(const struct evs_conn_info *conn);
/* @ifname: name of rt->ifindex, or NULL. */
struct json_object *evs_json_route(const struct evs_route_info *rt, const char *ifname);
struct json_object *evs_json_parp(const struct evs_parp_info *parp, const char *ifname);
struct json_object *evs_json_link(const struct evs_link_info *link, bool stats);
/* {"event": "expire", "hard": true, "sa": {...}} and so on. */
struct json_object *evs_json_event(const struct evs_event *ev, const char *route_ifname,
				   const char *parp_ifname);

#endif
