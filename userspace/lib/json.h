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

#include "lib/jsonw.h"
#include "lib/msg.h"

/* Print @obj and a newline; compact unless @pretty.  Returns -1 on error. */
int evs_json_print(FILE *f, struct json_object *obj, bool pretty);

void evs_json_add_str(struct json_object *o, const char *key, const char *val);
void evs_json_add_u64(struct json_object *o, const char *key, uint64_t val);
void evs_json_add_bool(struct json_object *o, const char *key, bool val);

struct json_object *evs_json_inaddr(const struct evs_inaddr *a);
struct json_object *evs_json_counters(const struct evs_counters *c);

/* @stats: include the counters (evsadm -s).  evs_jsonw_sa()'s text
 * parsed: one writer for both; NULL when out of memory. */
struct json_object *evs_json_sa(const struct evs_sa_info *sa, bool stats);
struct json_object *evs_json_policy(const struct evs_policy_info *pol, bool stats);
struct json_object *evs_json_conn(const struct evs_conn_info *conn);
/* @ifname: name of rt->ifindex, or NULL. */
struct json_object *evs_json_route(const struct evs_route_info *rt, const char *ifname);
struct json_object *evs_json_parp(const struct evs_parp_info *parp, const char *ifname);
struct json_object *evs_json_link(const struct evs_link_info *link, bool stats);
/* An SA in json-c's plain form (as evs_json_print prints it without
 * @pretty), written without json-c: a listing of 100k SAs. */
void evs_jsonw_sa(struct jsonw *w, const struct evs_sa_info *sa, bool stats);
/* {"event": "expire", "hard": true, "sa": {...}} and so on. */
struct json_object *evs_json_event(const struct evs_event *ev, const char *route_ifname,
				   const char *parp_ifname);

/*
 * A JSON array printed element by element, in the bytes evs_json_print()
 * gives for the whole array: a listing of 100k objects neither waits for
 * the last nor holds them all.  Nothing is printed before the first
 * element, so a request that fails before any prints nothing; one that
 * fails later leaves the array unclosed (evs_json_list_abort), which no
 * JSON parser takes for a complete listing.  @single: exactly one element
 * is printed alone, not as an array (`sa get`), so the first is held
 * until a second comes or the end.  A failed print or allocation sticks:
 * later elements are dropped and evs_json_list_end() says -1.
 */
struct evs_json_list {
	FILE *f;
	bool pretty, single, failed;
	size_t n;			/* elements printed */
	struct json_object *held;	/* single: the first, not printed yet */
	struct jsonw text;		/* one element's text, the buffer reused */
};

void evs_json_list_start(struct evs_json_list *l, FILE *f, bool pretty, bool single);
/* Print @obj (taken; NULL, out of memory, fails the list). */
int evs_json_list_add(struct evs_json_list *l, struct json_object *obj);
/* The same for evs_json_sa(@sa, @stats), without json-c where it can. */
int evs_json_list_add_sa(struct evs_json_list *l, const struct evs_sa_info *sa, bool stats);
/* Close the array (or print the empty one, or the single element) and
 * free; -1 if anything failed (the array then left unclosed). */
int evs_json_list_end(struct evs_json_list *l);
/* The listing failed: free, print nothing more. */
void evs_json_list_abort(struct evs_json_list *l);

#endif
