// SPDX-License-Identifier: MIT
/* evsadm link show: the evs devices of this namespace (and their counters). */
#include <string.h>

#include "evsadm/evsadm.h"

const char evsadm_link_usage[] =
"Usage: evsadm link show [dev DEV]\n"
"       (create and delete devices with: ip link add evs0 type evs; ip link del evs0)\n"
"       -s adds the packet counters and one drop counter per reason\n";


int evsadm_link_parse(int argc, char **argv, struct evsadm_link_req *req, struct evs_err *e)
{
	struct evsadm_args a = { argc, argv, 0 };
	const char *kw;

	memset(req, 0, sizeof(*req));
	req->op = EVSADM_OP_SHOW;
	/* `evsadm link` alone means show, as with ip. */
	if (argc > 0 && evsadm_obj_op(&evsadm_link_obj, &a, &req->op, e))
		return -1;
	while ((kw = evsadm_arg_next(&a))) {
		if (strcmp(kw, "dev"))
			return evs_errf(e, "unknown keyword \"%s\"", kw);
		if (req->dev[0])
			return evs_errf(e, "\"dev\" given twice");
		if (evs_parse_ifname(kw, evsadm_arg_next(&a), req->dev, e))
			return -1;
	}
	return 0;
}

struct nlmsghdr *evsadm_link_build(const struct evsadm_link_req *req, uint16_t family,
				   void *buf)
{
	struct nlmsghdr *nlh;

	/* With a device, a doit: the kernel says if it is not an evs device. */
	nlh = evsadm_obj_msg(&evsadm_link_obj, EVSADM_OP_SHOW, family, buf, !req->ifindex);
	if (req->ifindex)
		mnl_attr_put_u32(nlh, EVS_A_IFINDEX, req->ifindex);
	return nlh;
}

void evsadm_link_print(FILE *f, const struct evs_link_info *link, int stats)
{
	fprintf(f, "%u: %s: kind %s\n", link->dev.ifindex, link->dev.ifname, EVS_LINK_KIND);
	if (stats && link->has_stats)
		evsadm_print_counters(f, &link->stats, "    ");
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evsadm_show_ctx *sc = data;
	struct evs_link_info link;

	if (evs_msg_parse_link(nlh, &link))
		return MNL_CB_ERROR;
	/* evs_msg_parse_link() requires the index. */
	evsadm_dev_name(sc->ctx, &link.dev);
	if (sc->json)
		evs_json_list_add(sc->json, evs_json_link(&link, sc->ctx->opt.stats));
	else
		evsadm_link_print(sc->ctx->out, &link, sc->ctx->opt.stats);
	return MNL_CB_OK;
}

static struct nlmsghdr *link_msg(struct evsadm_show_ctx *sc, void *r, void *buf)
{
	struct evsadm_link_req *req = r;

	if (evsadm_obj_dev(sc, req->dev, &req->ifindex, NULL, 0))
		return NULL;
	/* JSON is always an array, like `ip -j link show dev X`. */
	return evsadm_link_build(req, 0, buf);
}

EVSADM_OBJ_CMD(link, link_msg, link_cb)
