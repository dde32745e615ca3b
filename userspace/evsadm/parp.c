// SPDX-License-Identifier: MIT
/* evsadm proxy-arp: per-address proxy-ARP entries on a LAN interface,
 * owned by a connection, and the interface-wide proxy_arp toggle. */
#include <string.h>

#include "evsadm/evsadm.h"

const char evsadm_parp_usage[] =
"Usage: evsadm proxy-arp add ADDR dev LANDEV conn ID\n"
"       evsadm proxy-arp del ADDR dev LANDEV\n"
"       evsadm proxy-arp show [dev LANDEV]\n"
"       evsadm proxy-arp {on|off} dev LANDEV [family {inet|inet6}]\n"
"ADDR := an address given to a client, answered for on LANDEV while\n"
"        connection ID exists: IPv4 by proxy ARP, IPv6 by proxy NDP\n"
"on|off sets LANDEV's proxy_arp (inet, the default) or proxy_ndp (inet6)\n";

static const char *const parp_verbs[] = { "add", "del", "show", "list", "on", "off", NULL };
static const enum evsadm_op parp_ops[] = { EVSADM_OP_ADD, EVSADM_OP_DEL, EVSADM_OP_SHOW,
					   EVSADM_OP_SHOW, EVSADM_OP_ON, EVSADM_OP_OFF };

static int parse_family(const char *kw, const char *word, uint16_t *family,
			struct evs_err *e)
{
	if (word && !strcmp(word, "inet"))
		*family = AF_INET;
	else if (word && !strcmp(word, "inet6"))
		*family = AF_INET6;
	else
		return evs_errf(e, "\"%s\" expects inet or inet6", kw);
	return 0;
}

int evsadm_parp_parse(int argc, char **argv, struct evsadm_parp_req *req, struct evs_err *e)
{
	struct evsadm_args a = { argc, argv, 0 };
	struct evs_parp_info *p = &req->parp;
	uint64_t seen = 0;
	const char *kw;
	int v;

	memset(req, 0, sizeof(*req));
	v = evsadm_verb(evsadm_arg_next(&a), parp_verbs, "proxy-arp", e);
	if (v < 0)
		return -1;
	req->op = parp_ops[v];
	if (req->op == EVSADM_OP_ADD || req->op == EVSADM_OP_DEL) {
		if (evs_parse_addr("ADDR", evsadm_arg_next(&a), 0, &p->addr, e))
			return -1;
		EVS_SET(p, EVS_PARP_A_ADDR);
	}
	while ((kw = evsadm_arg_next(&a))) {
		if (!strcmp(kw, "dev")) {
			if (evsadm_once(&seen, 0, kw, e) ||
			    evs_parse_ifname(kw, evsadm_arg_next(&a), req->dev, e))
				return -1;
		} else if (!strcmp(kw, "family") &&
			   (req->op == EVSADM_OP_ON || req->op == EVSADM_OP_OFF)) {
			if (evsadm_once(&p->has, EVS_PARP_A_FAMILY, kw, e) ||
			    parse_family(kw, evsadm_arg_next(&a), &p->family, e))
				return -1;
		} else if (!strcmp(kw, "conn") && req->op == EVSADM_OP_ADD) {
			if (evsadm_once(&p->has, EVS_PARP_A_CONN_ID, kw, e) ||
			    evsadm_parse_conn_id(kw, evsadm_arg_next(&a), &p->conn_id, e))
				return -1;
		} else {
			return evs_errf(e, "unknown keyword \"%s\"", kw);
		}
	}
	if (req->op == EVSADM_OP_SHOW)
		return 0;
	if (!req->dev[0])
		return evs_errf(e, "missing \"dev LANDEV\"");
	if (req->op == EVSADM_OP_ADD && !EVS_HAS(p, EVS_PARP_A_CONN_ID))
		return evs_errf(e, "missing \"conn ID\" (an entry lives and dies with its connection)");
	if (req->op == EVSADM_OP_ON || req->op == EVSADM_OP_OFF) {
		p->enable = req->op == EVSADM_OP_ON;
		EVS_SET(p, EVS_PARP_A_ENABLE);
	}
	return 0;
}

struct nlmsghdr *evsadm_parp_build(const struct evsadm_parp_req *req, uint16_t family,
				   void *buf)
{
	static const uint8_t cmds[] = {
		[EVSADM_OP_ADD] = EVS_CMD_PROXY_ARP_ADD,
		[EVSADM_OP_DEL] = EVS_CMD_PROXY_ARP_DEL,
		[EVSADM_OP_SHOW] = EVS_CMD_PROXY_ARP_GET,
		[EVSADM_OP_ON] = EVS_CMD_PROXY_ARP_SET,
		[EVSADM_OP_OFF] = EVS_CMD_PROXY_ARP_SET,
	};
	bool show = req->op == EVSADM_OP_SHOW;
	struct nlmsghdr *nlh = evs_nl_msg_start(buf, family, cmds[req->op], EVS_GENL_VERSION,
						 show ? NLM_F_DUMP : 0);

	if (!show)
		evs_msg_put_parp(nlh, &req->parp);
	return nlh;
}

void evsadm_parp_print(FILE *f, const struct evs_parp_info *p)
{
	char a[EVS_INADDR_STRLEN], dev[IF_NAMESIZE + 8];

	fprintf(f, "%s dev %s conn %u", evs_inaddr_ntop(&p->addr, a, sizeof(a)),
		evsadm_ifname(p->ifindex, dev), p->conn_id);
}

struct show_ctx {
	struct evsadm *ctx;
	uint32_t ifindex;
	struct json_object *arr;
};

static int parp_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show_ctx *sc = data;
	struct evs_parp_info p;
	char dev[IF_NAMESIZE + 8];

	if (evs_msg_parse_parp(nlh, &p))
		return MNL_CB_ERROR;
	if (sc->ifindex && p.ifindex != sc->ifindex)
		return MNL_CB_OK;
	if (sc->arr) {
		json_object_array_add(sc->arr, evs_json_parp(&p, evsadm_ifname(p.ifindex, dev)));
	} else {
		evsadm_parp_print(sc->ctx->out, &p);
		fputc('\n', sc->ctx->out);
	}
	return MNL_CB_OK;
}

int evsadm_parp(struct evsadm *ctx, int argc, char **argv)
{
	struct evsadm_parp_req req;
	struct show_ctx sc = { .ctx = ctx };
	char buf[EVS_NL_BUFSZ];
	struct nlmsghdr *nlh;
	struct evs_err e;

	ctx->verb = evsadm_verb_name(argc > 1 ? argv[1] : NULL, parp_verbs);
	if (evsadm_parp_parse(argc - 1, argv + 1, &req, &e))
		return evsadm_usage_error(ctx, &e);
	if (req.dev[0]) {
		if (evsadm_ifindex(ctx, req.dev, &req.parp.ifindex))
			return EVSADM_EXIT_FAIL;
		EVS_SET(&req.parp, EVS_PARP_A_IFINDEX);
	}
	nlh = evsadm_parp_build(&req, 0, buf);
	if (req.op != EVSADM_OP_SHOW)
		return evsadm_request(ctx, nlh, NULL, NULL);
	sc.ifindex = req.parp.ifindex;
	return evsadm_show(ctx, nlh, parp_cb, &sc, &sc.arr, false);
}
