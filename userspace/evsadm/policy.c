// SPDX-License-Identifier: MIT
/* evsadm policy: add, del, show, flush SPD entries of an evs device. */
#include <string.h>

#include "evsadm/evsadm.h"

const char evsadm_policy_usage[] =
"Usage: evsadm policy add dev DEV dir {in|out} src PREFIX dst PREFIX\n"
"                     [proto PROTO [sport PORT] [dport PORT]]\n"
"                     { spi SPI | bypass | drop } [priority N] [conn ID]\n"
"       evsadm policy del dev DEV dir {in|out} src PREFIX dst PREFIX\n"
"                     [proto PROTO [sport PORT] [dport PORT]]\n"
"       evsadm policy show [dev DEV] [dir {in|out}]\n"
"       evsadm policy flush [dev DEV]\n"
"PREFIX := ADDR[/LEN] (inner addresses; host bits are cleared)\n"
"PROTO  := tcp | udp | icmp | ipv6-icmp | sctp | udplite | gre | esp | ah | any | 0..255\n"
"          (sport/dport only with tcp, udp, sctp or udplite)\n"
"SPI    := the SA, in the same direction, that carries matching traffic\n"
"priority: lower wins among entries with equal prefixes (default 0)\n";


static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "any", 0 }, { "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 },
	{ "esp", 50 }, { "ah", 51 }, { "ipv6-icmp", 58 }, { "icmpv6", 58 },
	{ "sctp", 132 }, { "udplite", 136 },
};

int evsadm_parse_proto(const char *kw, const char *word, uint8_t *proto, struct evs_err *e)
{
	if (!word)
		return evs_errf(e, "\"%s\" expects a protocol name or number", kw);
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcmp(word, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	}
	if (word[0] >= '0' && word[0] <= '9')
		return evs_parse_u8(kw, word, 0, 255, proto, e);
	return evs_errf(e, "\"%s\" expects a protocol name or number, got \"%s\"", kw, word);
}

const char *evsadm_proto_name(uint8_t proto, char buf[8])
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	snprintf(buf, 8, "%u", proto);
	return buf;
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

static int parse_one(const char *kw, struct evsadm_args *a, struct evsadm_policy_req *req,
		     struct evs_err *e)
{
	struct evs_policy_info *p = &req->pol;
	bool sel = req->op == EVSADM_OP_ADD || req->op == EVSADM_OP_DEL;
	bool add = req->op == EVSADM_OP_ADD;
	bool show = req->op == EVSADM_OP_SHOW;

	if (!strcmp(kw, "dev"))
		return evsadm_parse_dev(kw, a, req->dev, e);
	if (!strcmp(kw, "dir") && (sel || show)) {
		req->have_dir = true;
		return evsadm_once(&p->has, EVS_POL_A_DIR, kw, e) ?:
		       evsadm_parse_dir(evsadm_arg_next(a), &p->dir, e);
	}
	if (!strcmp(kw, "src") && sel)
		return evsadm_once(&p->has, EVS_POL_A_SRC, kw, e) ?:
		       evs_parse_prefix(kw, evsadm_arg_next(a), 0, false, &p->src, e);
	if (!strcmp(kw, "dst") && sel)
		return evsadm_once(&p->has, EVS_POL_A_DST, kw, e) ?:
		       evs_parse_prefix(kw, evsadm_arg_next(a), 0, false, &p->dst, e);
	if (!strcmp(kw, "proto") && sel)
		return evsadm_once(&p->has, EVS_POL_A_PROTO, kw, e) ?:
		       evsadm_parse_proto(kw, evsadm_arg_next(a), &p->proto, e);
	if ((!strcmp(kw, "sport") || !strcmp(kw, "dport")) && sel) {
		bool s = kw[0] == 's';

		if (!EVS_HAS(p, EVS_POL_A_PROTO) || !has_ports(p->proto))
			return evs_errf(e, "\"%s\" needs \"proto tcp\", \"udp\", \"sctp\" or \"udplite\" before it",
					kw);
		return evsadm_once(&p->has, s ? EVS_POL_A_SPORT : EVS_POL_A_DPORT, kw, e) ?:
		       evs_parse_u16(kw, evsadm_arg_next(a), 0, UINT16_MAX,
				     s ? &p->sport : &p->dport, e);
	}
	if (!strcmp(kw, "spi") && add) {
		if (EVS_HAS(p, EVS_POL_A_ACTION))
			return evs_errf(e, "give only one of \"spi\", \"bypass\" and \"drop\"");
		p->action = EVS_POL_IPSEC;
		EVS_SET(p, EVS_POL_A_ACTION);
		EVS_SET(p, EVS_POL_A_SPI);
		return evsadm_parse_spi(kw, evsadm_arg_next(a), &p->spi, e);
	}
	if ((!strcmp(kw, "bypass") || !strcmp(kw, "drop")) && add) {
		if (EVS_HAS(p, EVS_POL_A_ACTION))
			return evs_errf(e, "give only one of \"spi\", \"bypass\" and \"drop\"");
		p->action = kw[0] == 'b' ? EVS_POL_BYPASS : EVS_POL_DROP;
		EVS_SET(p, EVS_POL_A_ACTION);
		return 0;
	}
	if (!strcmp(kw, "priority") && add)
		return evsadm_once(&p->has, EVS_POL_A_PRIORITY, kw, e) ?:
		       evs_parse_u32(kw, evsadm_arg_next(a), 0, UINT32_MAX, &p->priority, e);
	if (!strcmp(kw, "conn") && add)
		return evsadm_once(&p->has, EVS_POL_A_CONN_ID, kw, e) ?:
		       evsadm_parse_conn_id(kw, evsadm_arg_next(a), &p->conn_id, e);
	return evs_errf(e, "unknown keyword \"%s\"", kw);
}

int evsadm_policy_parse(int argc, char **argv, struct evsadm_policy_req *req,
			struct evs_err *e)
{
	struct evsadm_args a = { argc, argv, 0 };
	struct evs_policy_info *p = &req->pol;
	const char *kw;

	if (evsadm_obj_start(&evsadm_policy_obj, &a, req, sizeof(*req), &req->op, e))
		return -1;
	while ((kw = evsadm_arg_next(&a)))
		if (parse_one(kw, &a, req, e))
			return -1;
	if (req->op != EVSADM_OP_ADD && req->op != EVSADM_OP_DEL)
		return 0;
	if (!req->dev[0])
		return evs_errf(e, "missing \"dev DEV\"");
	if (!EVS_HAS(p, EVS_POL_A_DIR))
		return evs_errf(e, "missing \"dir in|out\"");
	if (!EVS_HAS(p, EVS_POL_A_SRC))
		return evs_errf(e, "missing \"src PREFIX\"");
	if (!EVS_HAS(p, EVS_POL_A_DST))
		return evs_errf(e, "missing \"dst PREFIX\"");
	if (p->src.family != p->dst.family)
		return evs_errf(e, "\"src\" and \"dst\" must both be IPv4 or both IPv6");
	if (req->op == EVSADM_OP_ADD && !EVS_HAS(p, EVS_POL_A_ACTION))
		return evs_errf(e, "missing an action: \"spi SPI\", \"bypass\" or \"drop\"");
	return 0;
}

struct nlmsghdr *evsadm_policy_build(const struct evsadm_policy_req *req, uint16_t family,
				     void *buf)
{
	struct nlmsghdr *nlh = evsadm_obj_msg(&evsadm_policy_obj, req->op, family, buf,
					      req->op == EVSADM_OP_SHOW);

	if (req->op == EVSADM_OP_ADD || req->op == EVSADM_OP_DEL)
		evs_msg_put_policy(nlh, &req->pol);
	else
		evs_msg_put_dev(nlh, &req->pol.dev);
	return nlh;
}

void evsadm_policy_print(FILE *f, const struct evs_policy_info *p, int stats)
{
	char s[EVS_INADDR_STRLEN], d[EVS_INADDR_STRLEN], dev[IF_NAMESIZE + 8], pn[8];

	/* Always with the length, like `ip xfrm policy`. */
	fprintf(f, "src %s dst %s", evs_prefix_ntop(&p->src, s, sizeof(s)),
		evs_prefix_ntop(&p->dst, d, sizeof(d)));
	if (EVS_HAS(p, EVS_POL_A_PROTO) && p->proto) {
		fprintf(f, " proto %s", evsadm_proto_name(p->proto, pn));
		if (p->sport)
			fprintf(f, " sport %u", p->sport);
		if (p->dport)
			fprintf(f, " dport %u", p->dport);
	}
	fprintf(f, "\n\tdev %s dir %s",
		p->dev.ifname[0] ? p->dev.ifname : evsadm_ifname(p->dev.ifindex, dev),
		evs_dir_name(p->dir));
	if (p->action == EVS_POL_IPSEC)
		fprintf(f, " spi 0x%08x", p->spi);
	else
		fprintf(f, " %s", evs_pol_action_name(p->action));
	fprintf(f, " priority %u", p->priority);
	if (p->conn_id)
		fprintf(f, " conn %u", p->conn_id);
	if (stats && EVS_HAS(p, EVS_POL_A_HITS))
		fprintf(f, " hits %llu", (unsigned long long)p->hits);
	fputc('\n', f);
}

static int policy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evsadm_show_ctx *sc = data;
	struct evs_policy_info p;

	memset(&p, 0, sizeof(p));
	if (evs_msg_parse_policy(nlh, &p))
		return MNL_CB_ERROR;
	if (evsadm_show_skip(sc, p.dev.ifindex, 0) || (sc->have_dir && p.dir != sc->dir))
		return MNL_CB_OK;
	evsadm_dev_name(sc->ctx, &p.dev);
	if (sc->json)
		evs_json_list_add(sc->json, evs_json_policy(&p, sc->ctx->opt.stats));
	else
		evsadm_policy_print(sc->ctx->out, &p, sc->ctx->opt.stats);
	return MNL_CB_OK;
}

static struct nlmsghdr *policy_msg(struct evsadm_show_ctx *sc, void *r, void *buf)
{
	struct evsadm_policy_req *req = r;

	if (evsadm_obj_dev(sc, req->dev, &req->pol.dev.ifindex, NULL, 0))
		return NULL;
	sc->have_dir = req->have_dir;
	sc->dir = req->pol.dir;
	return evsadm_policy_build(req, 0, buf);
}

EVSADM_OBJ_CMD(policy, policy_msg, policy_cb)
