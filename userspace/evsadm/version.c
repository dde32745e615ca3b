// SPDX-License-Identifier: MIT
/* evsadm version: this tool's version and the loaded module's. */
#include <string.h>

#include "evsadm/evsadm.h"

const char evsadm_version_usage[] =
"Usage: evsadm version\n"
"       prints the evsadm version and the evs module version (and its\n"
"       generic netlink interface version); fails if the module is not loaded\n";

struct version_ctx {
	char module[128];
	uint32_t genl_version;
	bool got;
};

static int version_cb(const struct nlmsghdr *nlh, void *data)
{
	struct version_ctx *v = data;

	if (evs_msg_parse_version(nlh, v->module, sizeof(v->module), &v->genl_version))
		return MNL_CB_ERROR;
	v->got = true;
	return MNL_CB_OK;
}

int evsadm_version(struct evsadm *ctx, int argc, char **argv)
{
	struct version_ctx v = { .got = false };
	char buf[EVS_NL_BUFSZ];
	struct nlmsghdr *nlh;
	struct evs_err e;
	int ret;

	ctx->verb = NULL;
	if (argc > 1) {
		evs_errf(&e, "unexpected \"%s\"", argv[1]);
		return evsadm_usage_error(ctx, &e);
	}
	/* Our own version first: useful even when the module is missing. */
	if (!ctx->opt.json)
		fprintf(ctx->out, "evsadm %s\n", EVS_VERSION);
	nlh = evs_nl_msg_start(buf, 0, EVS_CMD_GET_VERSION, EVS_GENL_VERSION, 0);
	ret = evsadm_request(ctx, nlh, version_cb, &v);
	if (ret)
		return ret;
	if (!v.got)
		return evsadm_fail(ctx, "the kernel sent no version");
	if (ctx->opt.json) {
		struct json_object *o = json_object_new_object();

		evs_json_add_str(o, "evsadm", EVS_VERSION);
		evs_json_add_str(o, "module", v.module);
		evs_json_add_u64(o, "genl_version", v.genl_version);
		evsadm_json_emit(ctx, o);
	} else {
		fprintf(ctx->out, "evs module %s (generic netlink version %u)\n",
			v.module, v.genl_version);
	}
	if (v.genl_version != EVS_GENL_VERSION)
		fprintf(ctx->err, "evsadm: warning: module speaks interface version %u, evsadm %u\n",
			v.genl_version, EVS_GENL_VERSION);
	return EVSADM_EXIT_OK;
}
