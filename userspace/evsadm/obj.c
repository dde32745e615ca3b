// SPDX-License-Identifier: MIT
/* The kernel objects' commands (sa, policy, conn, route, proxy-arp, link)
 * share their shape: a verb, the netlink request it sends, and for show a
 * dump whose objects are filtered here and printed as text or JSON.  The
 * tables below say what each object's verbs mean; evsadm_obj_run() does
 * the rest once the object's parser has read the words. */
#include <string.h>

#include "evsadm/evsadm.h"

#define N_OPS (EVSADM_OP_OFF + 1)

#define OBJ(id, word, ...)							\
	static const char *const id##_verbs[] = { __VA_ARGS__, NULL };	\
	const struct evsadm_obj evsadm_##id##_obj = { word, id##_verbs, id##_ops, id##_cmds }

/* Each object: the op of each verb, the netlink command of each op, then
 * the verbs themselves. */
static const enum evsadm_op sa_ops[] = { EVSADM_OP_ADD, EVSADM_OP_UPDATE, EVSADM_OP_DEL,
					 EVSADM_OP_GET, EVSADM_OP_SHOW, EVSADM_OP_SHOW,
					 EVSADM_OP_FLUSH };
static const uint8_t sa_cmds[N_OPS] = {
	[EVSADM_OP_ADD] = EVS_CMD_SA_ADD, [EVSADM_OP_UPDATE] = EVS_CMD_SA_UPDATE,
	[EVSADM_OP_DEL] = EVS_CMD_SA_DEL, [EVSADM_OP_GET] = EVS_CMD_SA_GET,
	[EVSADM_OP_SHOW] = EVS_CMD_SA_GET, [EVSADM_OP_FLUSH] = EVS_CMD_SA_FLUSH,
};
OBJ(sa, "sa", "add", "update", "del", "get", "show", "list", "flush");

static const enum evsadm_op policy_ops[] = { EVSADM_OP_ADD, EVSADM_OP_DEL, EVSADM_OP_SHOW,
					     EVSADM_OP_SHOW, EVSADM_OP_FLUSH };
static const uint8_t policy_cmds[N_OPS] = {
	[EVSADM_OP_ADD] = EVS_CMD_POLICY_ADD, [EVSADM_OP_DEL] = EVS_CMD_POLICY_DEL,
	[EVSADM_OP_SHOW] = EVS_CMD_POLICY_GET, [EVSADM_OP_FLUSH] = EVS_CMD_POLICY_FLUSH,
};
OBJ(policy, "policy", "add", "del", "show", "list", "flush");

static const enum evsadm_op conn_ops[] = { EVSADM_OP_ADD, EVSADM_OP_DEL, EVSADM_OP_SHOW,
					   EVSADM_OP_SHOW, EVSADM_OP_FLUSH };
static const uint8_t conn_cmds[N_OPS] = {
	[EVSADM_OP_ADD] = EVS_CMD_CONN_ADD, [EVSADM_OP_DEL] = EVS_CMD_CONN_DEL,
	[EVSADM_OP_SHOW] = EVS_CMD_CONN_GET, [EVSADM_OP_FLUSH] = EVS_CMD_CONN_FLUSH,
};
OBJ(conn, "conn", "add", "del", "show", "list", "flush");

static const enum evsadm_op route_ops[] = { EVSADM_OP_ADD, EVSADM_OP_DEL, EVSADM_OP_SHOW,
					    EVSADM_OP_SHOW };
static const uint8_t route_cmds[N_OPS] = {
	[EVSADM_OP_ADD] = EVS_CMD_ROUTE_ADD, [EVSADM_OP_DEL] = EVS_CMD_ROUTE_DEL,
	[EVSADM_OP_SHOW] = EVS_CMD_ROUTE_GET,
};
OBJ(route, "route", "add", "del", "show", "list");

static const enum evsadm_op parp_ops[] = { EVSADM_OP_ADD, EVSADM_OP_DEL, EVSADM_OP_SHOW,
					   EVSADM_OP_SHOW, EVSADM_OP_ON, EVSADM_OP_OFF };
static const uint8_t parp_cmds[N_OPS] = {
	[EVSADM_OP_ADD] = EVS_CMD_PROXY_ARP_ADD, [EVSADM_OP_DEL] = EVS_CMD_PROXY_ARP_DEL,
	[EVSADM_OP_SHOW] = EVS_CMD_PROXY_ARP_GET, [EVSADM_OP_ON] = EVS_CMD_PROXY_ARP_SET,
	[EVSADM_OP_OFF] = EVS_CMD_PROXY_ARP_SET,
};
OBJ(parp, "proxy-arp", "add", "del", "show", "list", "on", "off");

static const enum evsadm_op link_ops[] = { EVSADM_OP_SHOW, EVSADM_OP_SHOW };
static const uint8_t link_cmds[N_OPS] = { [EVSADM_OP_SHOW] = EVS_CMD_LINK_GET };
OBJ(link, "link", "show", "list");

int evsadm_obj_op(const struct evsadm_obj *o, struct evsadm_args *a, enum evsadm_op *op,
		  struct evs_err *e)
{
	int v = evsadm_verb(evsadm_arg_next(a), o->verbs, o->name, e);

	if (v < 0)
		return -1;
	*op = o->ops[v];
	return 0;
}

struct nlmsghdr *evsadm_obj_msg(const struct evsadm_obj *o, enum evsadm_op op,
				uint16_t family, void *buf, bool dump)
{
	return evs_nl_msg_start(buf, family, o->cmds[op], EVS_GENL_VERSION,
				dump ? NLM_F_DUMP : 0);
}

int evsadm_obj_dev(struct evsadm *ctx, const char *dev, uint32_t *ifindex, uint64_t *has,
		   unsigned int bit)
{
	if (!dev[0])
		return 0;
	if (evsadm_ifindex(ctx, dev, ifindex))
		return -1;
	if (has)
		*has |= 1ULL << bit;
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
		ret = evsadm_show(ctx, nlh, show, &sc, &sc.arr, sc.single);
	else
		ret = evsadm_request(ctx, nlh, NULL, NULL);
	/* An SA's keys were in the request. */
	explicit_bzero(buf, sizeof(buf));
	return ret;
}
