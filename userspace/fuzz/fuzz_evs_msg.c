// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for what evsd and evsadm parse from the kernel: evs
 * generic netlink replies and events (lib/msg.c decoders, and the JSON
 * built from them) and netlink ACKs with extack TLVs (lib/nl.c).  The
 * input is taken as one netlink message; its genl command picks the
 * decoder, so one corpus covers them all.  An SA's text written without
 * json-c (evsadm -j sa show) must be json-c's, byte for byte.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/msg.h"
#include "lib/nl.h"

static void json_done(struct json_object *o)
{
	json_object_to_json_string(o);
	json_object_put(o);
}

/* evs_json_sa() is json-c's parse of evs_jsonw_sa()'s text: what any
 * message makes of an SA, json-c must print back byte for byte. */
static void sa_text_as_json_c(const struct evs_sa_info *sa)
{
	struct jsonw w = { .keep_slash = true };
	struct json_object *o = evs_json_sa(sa, true);
	const char *want = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len;
	char *text;

	evs_jsonw_sa(&w, sa, true);
	text = jsonw_finish(&w, &len);
	if (text && want && strcmp(text, want))
		__builtin_trap();
	free(text);
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t buf[16384];	/* aligned, as a recv buffer is */
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	const struct genlmsghdr *g;

	if (size < sizeof(*nlh) || size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	/* The kernel never sends a length beyond what recv returned. */
	if (nlh->nlmsg_len > size || nlh->nlmsg_len < sizeof(*nlh))
		nlh->nlmsg_len = (uint32_t)size;

	if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE) {
		struct evs_nl_err err;

		evs_nl_parse_ack(nlh, &err);
		return 0;
	}
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return 0;
	g = mnl_nlmsg_get_payload(nlh);
	switch (g->cmd) {
	case EVS_CMD_GET_VERSION: {
		char v[64];
		uint32_t gv;

		evs_msg_parse_version(nlh, v, sizeof(v), &gv);
		break;
	}
	case EVS_CMD_LINK_GET: {
		struct evs_link_info l;

		if (!evs_msg_parse_link(nlh, &l))
			json_done(evs_json_link(&l, true));
		break;
	}
	case EVS_CMD_SA_GET: {
		static struct evs_sa_info sa;

		memset(&sa, 0, sizeof(sa));
		if (!evs_msg_parse_sa(nlh, &sa))
			sa_text_as_json_c(&sa);
		break;
	}
	case EVS_CMD_POLICY_GET: {
		struct evs_policy_info p;

		memset(&p, 0, sizeof(p));
		if (!evs_msg_parse_policy(nlh, &p))
			json_done(evs_json_policy(&p, true));
		break;
	}
	case EVS_CMD_CONN_GET: {
		struct evs_conn_info c;

		if (!evs_msg_parse_conn(nlh, &c))
			json_done(evs_json_conn(&c));
		break;
	}
	case EVS_CMD_ROUTE_GET: {
		struct evs_route_info r;

		if (!evs_msg_parse_route(nlh, &r))
			json_done(evs_json_route(&r, "evs0"));
		break;
	}
	case EVS_CMD_PROXY_ARP_GET: {
		struct evs_parp_info p;

		if (!evs_msg_parse_parp(nlh, &p))
			json_done(evs_json_parp(&p, "lan0"));
		break;
	}
	default: {
		static struct evs_event ev;

		if (!evs_msg_parse_event(nlh, &ev))
			json_done(evs_json_event(&ev, "evs0", "lan0"));
		break;
	}
	}
	return 0;
}
