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
	const char *kw;

	if (evsadm_obj_start(&evsadm_parp_obj, &a, req, sizeof(*req), &req->op, e))
		return -1;
	if (req->op == EVSADM_OP_ADD || req->op == EVSADM_OP_DEL) {
		if (evs_parse_addr("ADDR", evsadm_arg_next(&a), 0, &p->addr, e))
			return -1;
		EVS_SET(p, EVS_PARP_A_ADDR);
	}
	while ((kw = evsadm_arg_next(&a))) {
		if (!strcmp(kw, "dev")) {
			if (evsadm_parse_dev(kw, &a, req->dev, e))
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
	bool show = req->op == EVSADM_OP_SHOW;
	struct nlmsghdr *nlh = evsadm_obj_msg(&evsadm_parp_obj, req->op, family, buf, show);

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

static struct nlmsghdr *parp_msg(struct evsadm_show_ctx *sc, void *r, void *buf)
{
	struct evsadm_parp_req *req = r;

	if (evsadm_obj_dev(sc, req->dev, &req->parp.ifindex, &req->parp.has,
			   EVS_PARP_A_IFINDEX))
		return NULL;
	return evsadm_parp_build(req, 0, buf);
}

static int parp_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evsadm_show_ctx *sc = data;
	struct evs_parp_info p;
	char dev[IF_NAMESIZE + 8];

	if (evs_msg_parse_parp(nlh, &p))
		return MNL_CB_ERROR;
	if (evsadm_show_skip(sc, p.ifindex, 0))
		return MNL_CB_OK;
	if (sc->json) {
		evs_json_list_add(sc->json, evs_json_parp(&p, evsadm_ifname(p.ifindex, dev)));
	} else {
		evsadm_parp_print(sc->ctx->out, &p);
		fputc('\n', sc->ctx->out);
	}
	return MNL_CB_OK;
}

EVSADM_OBJ_CMD(parp, parp_msg, parp_cb)
