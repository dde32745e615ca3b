// SPDX-License-Identifier: MIT
/* evsadm monitor: print the module's events (multicast group "events")
 * as they come: lifetime expiry, SA and connection deletion, NAT mapping
 * changes, policies, routes and proxy-ARP entries appearing and going. */
#include <errno.h>
#include <string.h>

#include "evsadm/evsadm.h"

const char evsadm_monitor_usage[] =
"Usage: evsadm monitor\n"
"       prints one line per event until interrupted; with -j one JSON object\n"
"       per line: {\"event\": \"expire\"|\"sa-deleted\"|\"sa-added\"|\"nat-mapping\"|\n"
"       \"conn-deleted\"|\"route\"|\"proxy-arp\"|\"policy\", ...}\n";

static void print_sa_brief(FILE *f, const struct evs_sa_info *sa)
{
	char s[EVS_INADDR_STRLEN], d[EVS_INADDR_STRLEN], dev[IF_NAMESIZE + 8];

	fprintf(f, " dev %s dir %s spi 0x%08x",
		sa->dev.ifname[0] ? sa->dev.ifname : evsadm_ifname(sa->dev.ifindex, dev),
		evs_dir_name(sa->dir), sa->spi);
	if (EVS_HAS(sa, EVS_SA_A_SRC))
		fprintf(f, " src %s", evs_inaddr_ntop(&sa->src, s, sizeof(s)));
	if (EVS_HAS(sa, EVS_SA_A_DST))
		fprintf(f, " dst %s", evs_inaddr_ntop(&sa->dst, d, sizeof(d)));
	if (sa->encap_type == EVS_ENCAP_ESPINUDP)
		fprintf(f, " encap espinudp %u %u", sa->encap_sport, sa->encap_dport);
	if (sa->conn_id)
		fprintf(f, " conn %u", sa->conn_id);
}

void evsadm_event_print(FILE *f, const struct evs_event *ev)
{
	const char *op = ev->op == EVS_EVENT_OP_ADD ? "add" :
			 ev->op == EVS_EVENT_OP_DEL ? "del" : "";

	switch (ev->cmd) {
	case EVS_CMD_EV_EXPIRE:
		fprintf(f, "[expire %s]", ev->hard ? "hard" : "soft");
		print_sa_brief(f, &ev->sa);
		break;
	case EVS_CMD_EV_SA_DELETED:
	case EVS_CMD_EV_SA_ADDED:
	case EVS_CMD_EV_NAT_MAPPING:
		fprintf(f, "[%s]", evs_event_name(ev->cmd));
		print_sa_brief(f, &ev->sa);
		break;
	case EVS_CMD_EV_CONN_DELETED:
		fprintf(f, "[conn-deleted] conn %u", ev->conn.id);
		if (EVS_HAS(&ev->conn, EVS_CONN_A_LABEL))
			fprintf(f, " label \"%s\"", ev->conn.label);
		break;
	case EVS_CMD_EV_ROUTE:
		fprintf(f, "[route %s] ", op);
		evsadm_route_print(f, &ev->route);
		break;
	case EVS_CMD_EV_PROXY_ARP:
		fprintf(f, "[proxy-arp %s] ", op);
		evsadm_parp_print(f, &ev->parp);
		break;
	case EVS_CMD_EV_POLICY: {
		char s[EVS_INADDR_STRLEN], d[EVS_INADDR_STRLEN];

		fprintf(f, "[policy %s] src %s dst %s dir %s", op,
			evs_prefix_ntop(&ev->policy.src, s, sizeof(s)),
			evs_prefix_ntop(&ev->policy.dst, d, sizeof(d)),
			evs_dir_name(ev->policy.dir));
		if (ev->policy.action == EVS_POL_IPSEC && EVS_HAS(&ev->policy, EVS_POL_A_SPI))
			fprintf(f, " spi 0x%08x", ev->policy.spi);
		else if (EVS_HAS(&ev->policy, EVS_POL_A_ACTION))
			fprintf(f, " %s", evs_pol_action_name(ev->policy.action));
		if (ev->policy.conn_id)
			fprintf(f, " conn %u", ev->policy.conn_id);
		break;
	}
	default:
		fprintf(f, "[event %u]", ev->cmd);
		break;
	}
	if (ev->has_reason)
		fprintf(f, " reason %s", evs_reason_name(ev->reason));
	fputc('\n', f);
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evsadm *ctx = data;
	struct evs_event ev;

	if (evs_msg_parse_event(nlh, &ev)) {
		fprintf(ctx->err, "evsadm: monitor: malformed event skipped\n");
		return MNL_CB_OK;
	}
	if (ctx->opt.json) {
		char r[IF_NAMESIZE + 8], p[IF_NAMESIZE + 8];
		const char *rn = ev.route.has ? evsadm_ifname(ev.route.ifindex, r) : NULL;
		const char *pn = ev.parp.has ? evsadm_ifname(ev.parp.ifindex, p) : NULL;
		struct json_object *o = evs_json_event(&ev, rn, pn);

		/* One object per line, always compact, so it can be piped. */
		evs_json_print(ctx->out, o, false);
		json_object_put(o);
	} else {
		evsadm_event_print(ctx->out, &ev);
	}
	fflush(ctx->out);
	return MNL_CB_OK;
}

int evsadm_monitor(struct evsadm *ctx, int argc, char **argv)
{
	struct evs_nl_err err;
	struct evs_err e;

	ctx->verb = NULL;
	if (argc > 1) {
		evs_errf(&e, "unexpected \"%s\"", argv[1]);
		return evsadm_usage_error(ctx, &e);
	}
	if (evsadm_nl(ctx))
		return EVSADM_EXIT_FAIL;
	if (evs_nl_subscribe(ctx->nl, &err))
		return evsadm_nl_error(ctx, &err);
	for (;;) {
		if (!evs_nl_recv_events(ctx->nl, event_cb, ctx, &err))
			continue;
		if (err.err == ENOBUFS || err.err == EINTR) {
			/* Keep going: say that events were lost, as ip monitor does. */
			if (err.err == ENOBUFS)
				fprintf(ctx->err, "evsadm: monitor: %s\n", err.msg);
			continue;
		}
		return evsadm_nl_error(ctx, &err);
	}
}
