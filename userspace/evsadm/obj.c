// SPDX-License-Identifier: MIT
/* The kernel objects' commands (sa, policy, conn, route, proxy-arp, link)
 * share their shape: a verb, the netlink request it sends, and for show a
 * dump whose objects are filtered here and printed as text or JSON.  The
 * tables below say what each object's verbs mean; evsadm_obj_run() does
 * the rest once the object's parser has read the words. */
#include <string.h>

#include "evsadm/evsadm.h"

#define N_OPS (EVSADM_OP_OFF + 1)

/* What each verb word means, whichever object it is given to. */
static const struct {
	const char *word;
	enum evsadm_op op;
} verb_ops[] = {
	{ "add", EVSADM_OP_ADD }, { "del", EVSADM_OP_DEL }, { "get", EVSADM_OP_GET },
	{ "show", EVSADM_OP_SHOW }, { "list", EVSADM_OP_SHOW }, { "flush", EVSADM_OP_FLUSH },
	{ "update", EVSADM_OP_UPDATE }, { "on", EVSADM_OP_ON }, { "off", EVSADM_OP_OFF },
};

/* OBJ(id, word, CMDS(CMD(OP, COMMAND)...), verbs...): evsadm_ID_obj, the
 * object called word in messages, its verbs and the netlink command of
 * each of their ops. */
#define CMD(op, cmd) [EVSADM_OP_##op] = EVS_CMD_##cmd
#define CMDS(...) { __VA_ARGS__ }
#define OBJ(id, word, cmds, ...)						\
	static const char *const id##_verbs[] = { __VA_ARGS__, NULL };		\
	static const uint8_t id##_cmds[N_OPS] = cmds;				\
	const struct evsadm_obj evsadm_##id##_obj = { word, id##_verbs, id##_cmds }

OBJ(sa, "sa", CMDS(CMD(ADD, SA_ADD), CMD(UPDATE, SA_UPDATE), CMD(DEL, SA_DEL), CMD(GET, SA_GET),
		   CMD(SHOW, SA_GET), CMD(FLUSH, SA_FLUSH)),
    "add", "update", "del", "get", "show", "list", "flush");
OBJ(policy, "policy", CMDS(CMD(ADD, POLICY_ADD), CMD(DEL, POLICY_DEL), CMD(SHOW, POLICY_GET),
			   CMD(FLUSH, POLICY_FLUSH)),
    "add", "del", "show", "list", "flush");
OBJ(conn, "conn", CMDS(CMD(ADD, CONN_ADD), CMD(DEL, CONN_DEL), CMD(SHOW, CONN_GET),
		       CMD(FLUSH, CONN_FLUSH)), "add", "del", "show", "list", "flush");
OBJ(route, "route", CMDS(CMD(ADD, ROUTE_ADD), CMD(DEL, ROUTE_DEL), CMD(SHOW, ROUTE_GET)),
    "add", "del", "show", "list");
OBJ(parp, "proxy-arp", CMDS(CMD(ADD, PROXY_ARP_ADD), CMD(DEL, PROXY_ARP_DEL),
			    CMD(SHOW, PROXY_ARP_GET), CMD(ON, PROXY_ARP_SET), CMD(OFF, PROXY_ARP_SET)),
    "add", "del", "show", "list", "on", "off");
OBJ(link, "link", CMDS(CMD(SHOW, LINK_GET)), "show", "list");

int evsadm_obj_op(const struct evsadm_obj *o, struct evsadm_args *a, enum evsadm_op *op,
		  struct evs_err *e)
{
	int v = evsadm_verb(evsadm_arg_next(a), o->verbs, o->name, e);

	if (v < 0)
		return -1;
	for (size_t i = 0; i < sizeof(verb_ops) / sizeof(verb_ops[0]); i++) {
		if (!strcmp(o->verbs[v], verb_ops[i].word)) {
			*op = verb_ops[i].op;
			return 0;
		}
	}
	return evs_errf(e, "\"%s\" has no meaning for \"%s\"", o->verbs[v], o->name);
}

int evsadm_obj_start(const struct evsadm_obj *o, struct evsadm_args *a, void *req, size_t len,
		     enum evsadm_op *op, struct evs_err *e)
{
	memset(req, 0, len);
	return evsadm_obj_op(o, a, op, e);
}

struct nlmsghdr *evsadm_obj_msg(const struct evsadm_obj *o, enum evsadm_op op,
				uint16_t family, void *buf, bool dump)
{
	return evs_nl_msg_start(buf, family, o->cmds[op], EVS_GENL_VERSION,
				dump ? NLM_F_DUMP : 0);
}

int evsadm_obj_dev(struct evsadm_show_ctx *sc, const char *dev, uint32_t *ifindex,
		   uint64_t *has, unsigned int bit)
{
	if (!dev[0])
		return 0;
	if (evsadm_ifindex(sc->ctx, dev, ifindex))
		return -1;
	if (has)
		*has |= 1ULL << bit;
	sc->ifindex = *ifindex;
	return 0;
}

bool evsadm_show_skip(const struct evsadm_show_ctx *sc, uint32_t ifindex, uint32_t conn_id)
{
	return (sc->ifindex && ifindex && ifindex != sc->ifindex) ||
	       (sc->conn_id && conn_id != sc->conn_id);
}

int evsadm_obj_run(struct evsadm *ctx, const struct evsadm_obj *o, int argc, char **argv,
		   const struct evs_err *bad, enum evsadm_op op, evsadm_obj_msg_fn msg,
		   void *req, evs_nl_cb show)
{
	struct evsadm_show_ctx sc = { .ctx = ctx };
	char buf[EVS_NL_BUFSZ];
	struct nlmsghdr *nlh;
	int ret;

	ctx->verb = evsadm_verb_name(argc > 1 ? argv[1] : NULL, o->verbs);
	if (bad)
		return evsadm_usage_error(ctx, bad);
	nlh = msg(&sc, req, buf);
	if (!nlh)
		return EVSADM_EXIT_FAIL;
	if (op == EVSADM_OP_SHOW || op == EVSADM_OP_GET)
		ret = evsadm_show(ctx, nlh, show, &sc, &sc.json, sc.single);
	else
		ret = evsadm_request(ctx, nlh, NULL, NULL);
	/* An SA's keys were in the request. */
	explicit_bzero(buf, sizeof(buf));
	return ret;
}
