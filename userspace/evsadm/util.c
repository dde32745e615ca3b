// SPDX-License-Identifier: MIT
/* Helpers shared by the evsadm object modules; see evsadm.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "evsadm/evsadm.h"

int evsadm_verb(const char *word, const char *const *verbs, const char *object,
		struct evs_err *e)
{
	char list[160] = "";
	size_t off = 0;
	int i;

	if (!word)
		goto missing;
	i = evs_match_word(word, verbs);
	if (i >= 0)
		return i;
missing:
	for (int j = 0; verbs[j] && off < sizeof(list); j++)
		off += snprintf(list + off, sizeof(list) - off, "%s%s",
				j ? (verbs[j + 1] ? ", " : " or ") : "", verbs[j]);
	if (!word)
		return evs_errf(e, "missing command; one of %s", list);
	if (i == -2)
		return evs_errf(e, "\"%s\" is ambiguous; one of %s", word, list);
	return evs_errf(e, "unknown command \"%s\" for \"%s\"; one of %s", word, object, list);
}

const char *evsadm_verb_name(const char *word, const char *const *verbs)
{
	int i = word ? evs_match_word(word, verbs) : -1;

	return i >= 0 ? verbs[i] : NULL;
}

int evsadm_once(uint64_t *has, unsigned int bit, const char *kw, struct evs_err *e)
{
	if ((*has >> bit) & 1)
		return evs_errf(e, "\"%s\" given twice", kw);
	*has |= 1ULL << bit;
	return 0;
}

int evsadm_parse_dev(const char *kw, struct evsadm_args *a, char *dev, struct evs_err *e)
{
	if (dev[0])
		return evs_errf(e, "\"%s\" given twice", kw);
	return evs_parse_ifname(kw, evsadm_arg_next(a), dev, e);
}

int evsadm_parse_dir(const char *word, uint8_t *dir, struct evs_err *e)
{
	if (!word)
		return evs_errf(e, "\"dir\" expects \"in\" or \"out\"");
	if (!strcmp(word, "in"))
		*dir = EVS_DIR_IN;
	else if (!strcmp(word, "out"))
		*dir = EVS_DIR_OUT;
	else
		return evs_errf(e, "\"dir\" expects \"in\" or \"out\", got \"%s\"", word);
	return 0;
}

int evsadm_parse_spi(const char *kw, const char *word, uint32_t *spi, struct evs_err *e)
{
	if (evs_parse_u32(kw, word, 0, UINT32_MAX, spi, e))
		return -1;
	if (*spi < 256)
		return evs_errf(e, "\"%s\" %s is reserved (SPIs 0 to 255, RFC 4303); use 256 or more",
				kw, word);
	return 0;
}

int evsadm_parse_conn_id(const char *kw, const char *word, uint32_t *id, struct evs_err *e)
{
	return evs_parse_u32(kw, word, 1, UINT32_MAX, id, e);
}

int evsadm_parse_text(const char *kw, const char *word, char *out, size_t max,
		      struct evs_err *e)
{
	size_t n;

	if (!word)
		return evs_errf(e, "\"%s\" expects a text", kw);
	n = strlen(word);
	if (n == 0 || n > max)
		return evs_errf(e, "\"%s\" expects 1 to %zu characters, got %zu", kw, max, n);
	for (size_t i = 0; i < n; i++)
		if (iscntrl((unsigned char)word[i]))
			return evs_errf(e, "\"%s\" text contains a control character", kw);
	memcpy(out, word, n + 1);
	return 0;
}

static void prefix(struct evsadm *ctx)
{
	fprintf(ctx->err, "evsadm: ");
	if (ctx->object) {
		if (ctx->verb)
			fprintf(ctx->err, "%s %s: ", ctx->object, ctx->verb);
		else
			fprintf(ctx->err, "%s: ", ctx->object);
	}
}

int evsadm_usage_error(struct evsadm *ctx, const struct evs_err *e)
{
	prefix(ctx);
	fprintf(ctx->err, "%s\n", e->msg);
	return EVSADM_EXIT_USAGE;
}

int evsadm_fail(struct evsadm *ctx, const char *fmt, ...)
{
	va_list ap;

	prefix(ctx);
	va_start(ap, fmt);
	vfprintf(ctx->err, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->err);
	return EVSADM_EXIT_FAIL;
}

/* CLI words for attributes, so an extack offset can name what we sent. */
static const char *const top_words[EVS_A_MAX + 1] = {
	[EVS_A_IFINDEX] = "dev", [EVS_A_IFNAME] = "dev",
};
static const char *const sa_words[EVS_SA_A_MAX + 1] = {
	[EVS_SA_A_DIR] = "dir", [EVS_SA_A_SPI] = "spi", [EVS_SA_A_FAMILY] = "src/dst family",
	[EVS_SA_A_SRC] = "src", [EVS_SA_A_DST] = "dst", [EVS_SA_A_AEAD_NAME] = "aead",
	[EVS_SA_A_AEAD_KEY] = "aead KEY", [EVS_SA_A_AEAD_ICV_BITS] = "aead ICVBITS",
	[EVS_SA_A_ENC_NAME] = "enc", [EVS_SA_A_ENC_KEY] = "enc KEY",
	[EVS_SA_A_AUTH_NAME] = "auth", [EVS_SA_A_AUTH_KEY] = "auth KEY",
	[EVS_SA_A_AUTH_TRUNC_BITS] = "trunc", [EVS_SA_A_ENCAP_TYPE] = "encap",
	[EVS_SA_A_ENCAP_SPORT] = "encap SPORT", [EVS_SA_A_ENCAP_DPORT] = "encap DPORT",
	[EVS_SA_A_REPLAY_WINDOW] = "replay-window", [EVS_SA_A_FLAGS] = "esn/allow-weak",
	[EVS_SA_A_LIMITS] = "limit", [EVS_SA_A_CONN_ID] = "conn", [EVS_SA_A_OSEQ] = "oseq",
	[EVS_SA_A_SEQ_HI] = "seq-hi",
};
static const char *const pol_words[EVS_POL_A_MAX + 1] = {
	[EVS_POL_A_DIR] = "dir", [EVS_POL_A_FAMILY] = "src/dst family",
	[EVS_POL_A_SRC] = "src", [EVS_POL_A_SRC_PLEN] = "src", [EVS_POL_A_DST] = "dst",
	[EVS_POL_A_DST_PLEN] = "dst", [EVS_POL_A_PROTO] = "proto", [EVS_POL_A_SPORT] = "sport",
	[EVS_POL_A_DPORT] = "dport", [EVS_POL_A_ACTION] = "spi/bypass/drop",
	[EVS_POL_A_SPI] = "spi", [EVS_POL_A_PRIORITY] = "priority", [EVS_POL_A_CONN_ID] = "conn",
};
static const char *const conn_words[EVS_CONN_A_MAX + 1] = {
	[EVS_CONN_A_ID] = "ID", [EVS_CONN_A_LABEL] = "label",
};
static const char *const route_words[EVS_ROUTE_A_MAX + 1] = {
	[EVS_ROUTE_A_FAMILY] = "PREFIX", [EVS_ROUTE_A_DST] = "PREFIX",
	[EVS_ROUTE_A_PLEN] = "PREFIX", [EVS_ROUTE_A_METRIC] = "metric",
	[EVS_ROUTE_A_TABLE] = "table", [EVS_ROUTE_A_CONN_ID] = "conn",
	[EVS_ROUTE_A_IFINDEX] = "dev",
};
static const char *const parp_words[EVS_PARP_A_MAX + 1] = {
	[EVS_PARP_A_ADDR] = "ADDR", [EVS_PARP_A_IFINDEX] = "dev",
	[EVS_PARP_A_CONN_ID] = "conn", [EVS_PARP_A_ENABLE] = "on/off",
};

static const char *word_in(const struct nlattr *nest, uint32_t rel, const char *const *words,
			   unsigned int max, char *buf, size_t len)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest) {
		uint32_t at = (uint32_t)((const char *)attr - (const char *)nest);
		uint16_t type = mnl_attr_get_type(attr);

		if (rel < at || rel >= at + attr->nla_len)
			continue;
		if (!words) {	/* inside "limit": name the limit */
			const char *n = evs_lft_name(type);

			if (!n)
				return NULL;
			snprintf(buf, len, "limit %s", n);
			return buf;
		}
		if (type > max || !words[type])
			return NULL;
		if (words == sa_words && type == EVS_SA_A_LIMITS && rel != at) {
			const char *l = word_in(attr, rel - at, NULL, 0, buf, len);

			return l ? l : words[type];
		}
		return words[type];
	}
	return NULL;
}

static const char *batch_word(const struct nlattr *batch, uint32_t rel, char *buf, size_t len)
{
	const struct nlattr *item;

	mnl_attr_for_each_nested(item, batch) {
		uint32_t at = (uint32_t)((const char *)item - (const char *)batch);
		uint16_t type = mnl_attr_get_type(item);

		if (rel < at || rel >= at + item->nla_len || rel == at)
			continue;
		if (type == EVS_A_SA)
			return word_in(item, rel - at, sa_words, EVS_SA_A_MAX, buf, len);
		if (type == EVS_A_POLICY)
			return word_in(item, rel - at, pol_words, EVS_POL_A_MAX, buf, len);
	}
	return NULL;
}

const char *evsadm_attr_word(const struct nlmsghdr *req, uint32_t offs, char *buf, size_t len)
{
	const char *base = (const char *)req;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, req, GENL_HDRLEN) {
		uint32_t at = (uint32_t)((const char *)attr - base);
		uint16_t type = mnl_attr_get_type(attr);
		const char *const *words = NULL;
		unsigned int max = 0;

		if (offs < at || offs >= at + attr->nla_len)
			continue;
		if (offs == at || type > EVS_A_MAX)
			return type <= EVS_A_MAX ? top_words[type] : NULL;
		if (type == EVS_A_BATCH)	/* the item the offset is in */
			return batch_word(attr, offs - at, buf, len);
		switch (type) {
		case EVS_A_SA: words = sa_words; max = EVS_SA_A_MAX; break;
		case EVS_A_POLICY: words = pol_words; max = EVS_POL_A_MAX; break;
		case EVS_A_CONN: words = conn_words; max = EVS_CONN_A_MAX; break;
		case EVS_A_ROUTE: words = route_words; max = EVS_ROUTE_A_MAX; break;
		case EVS_A_PROXY_ARP: words = parp_words; max = EVS_PARP_A_MAX; break;
		default: return top_words[type];
		}
		return word_in(attr, offs - at, words, max, buf, len);
	}
	return NULL;
}

int evsadm_nl_error(struct evsadm *ctx, const struct evs_nl_err *err)
{
	if (!err->kernel) {
		fprintf(ctx->err, "evsadm: %s\n", err->msg);
		return EVSADM_EXIT_FAIL;
	}
	/* The kernel's own words first; a hint where it gave none. */
	if (!err->has_msg && (err->err == EPERM || err->err == EACCES))
		fprintf(ctx->err, "evsadm: kernel: %s (CAP_NET_ADMIN is required)\n", err->msg);
	else if (!err->has_msg && err->err == EOPNOTSUPP)
		fprintf(ctx->err, "evsadm: kernel: %s (the loaded evs module lacks this command)\n",
			err->msg);
	else
		fprintf(ctx->err, "evsadm: kernel: %s\n", err->msg);
	return EVSADM_EXIT_FAIL;
}

int evsadm_nl(struct evsadm *ctx)
{
	struct evs_nl_err err;

	if (ctx->nl)
		return 0;
	if (evs_nl_open(&ctx->nl, EVS_GENL_NAME, EVS_GENL_MCGRP_EVENTS, &err)) {
		evsadm_nl_error(ctx, &err);
		return -1;
	}
	return 0;
}

int evsadm_request(struct evsadm *ctx, struct nlmsghdr *nlh, evs_nl_cb cb, void *data)
{
	struct evs_nl_err err;

	if (evsadm_nl(ctx))
		return EVSADM_EXIT_FAIL;
	/* Our builders start with the family id 0; fill in the resolved one. */
	nlh->nlmsg_type = evs_nl_family(ctx->nl);
	if (evs_nl_request(ctx->nl, nlh, cb, data, &err)) {
		char word[48];
		const char *w = err.has_offs ?
			evsadm_attr_word(nlh, err.offs, word, sizeof(word)) : NULL;

		/* Say which of the user's words the kernel objected to. */
		if (w && err.has_msg) {
			size_t n = strlen(err.msg);

			snprintf(err.msg + n, sizeof(err.msg) - n, " (\"%s\")", w);
		}
		return evsadm_nl_error(ctx, &err);
	}
	if (err.warning[0])
		fprintf(ctx->err, "evsadm: kernel: %s%s\n",
			strncmp(err.warning, "warning:", 8) ? "warning: " : "", err.warning);
	return EVSADM_EXIT_OK;
}

int evsadm_show(struct evsadm *ctx, struct nlmsghdr *nlh, evs_nl_cb cb, void *data,
		struct evs_json_list **json, bool single)
{
	struct evs_json_list list;
	int ret;

	if (!ctx->opt.json)
		return evsadm_request(ctx, nlh, cb, data);
	/* Streamed: a dump of 100k objects is never held whole. */
	evs_json_list_start(&list, ctx->out, ctx->opt.pretty, single);
	*json = &list;
	ret = evsadm_request(ctx, nlh, cb, data);
	*json = NULL;
	if (ret) {
		evs_json_list_abort(&list);
		return ret;
	}
	if (evs_json_list_end(&list))
		return evsadm_fail(ctx, "printing the JSON listing failed");
	return ret;
}

int evsadm_ifindex(struct evsadm *ctx, const char *name, uint32_t *ifindex)
{
	unsigned int idx = if_nametoindex(name);

	if (!idx) {
		evsadm_fail(ctx, "device \"%s\" does not exist", name);
		return -1;
	}
	*ifindex = idx;
	return 0;
}

const char *evsadm_ifname(uint32_t ifindex, char buf[IF_NAMESIZE + 8])
{
	if (!ifindex || !if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE + 8, "if%u", ifindex);
	return buf;
}

const char *evsadm_ifname_cached(struct evsadm *ctx, uint32_t ifindex)
{
	if (!ctx->name_ifindex || ctx->name_ifindex != ifindex) {
		evsadm_ifname(ifindex, ctx->name);
		ctx->name_ifindex = ifindex;
	}
	return ctx->name;
}

void evsadm_dev_name(struct evsadm *ctx, struct evs_msg_dev *dev)
{
	/* Once per object of a dump: a copy, not snprintf. */
	if (!dev->ifname[0] && dev->ifindex) {
		const char *name = evsadm_ifname_cached(ctx, dev->ifindex);
		size_t n = strnlen(name, IF_NAMESIZE - 1);

		memcpy(dev->ifname, name, n);
		dev->ifname[n] = '\0';
	}
}

void evsadm_json_emit(struct evsadm *ctx, struct json_object *obj)
{
	evs_json_print(ctx->out, obj, ctx->opt.pretty);
	json_object_put(obj);
}

void evsadm_print_counters(FILE *f, const struct evs_counters *c, const char *indent)
{
	static const struct {
		unsigned int type;
		const char *label;
	} drops[] = {
		{ EVS_STATS_A_DROP_NO_SA, "no-sa" },
		{ EVS_STATS_A_DROP_REPLAY, "replay" },
		{ EVS_STATS_A_DROP_AUTH, "auth" },
		{ EVS_STATS_A_DROP_BAD_LEN, "bad-len" },
		{ EVS_STATS_A_DROP_POLICY, "policy" },
		{ EVS_STATS_A_DROP_NO_POLICY, "no-policy" },
		{ EVS_STATS_A_DROP_EXPIRED, "expired" },
		{ EVS_STATS_A_DROP_ENCAP, "encap" },
		{ EVS_STATS_A_DROP_CIPHER, "cipher" },
		{ EVS_STATS_A_DROP_OTHER, "other" },
	};
	const uint64_t *v = c->v;

	/* dummy: authentic chaff (RFC 4303 2.6), discarded, not a drop */
	fprintf(f, "%sRX: packets %llu bytes %llu dummy %llu  TX: packets %llu bytes %llu\n",
		indent, (unsigned long long)v[EVS_STATS_A_RX_PACKETS],
		(unsigned long long)v[EVS_STATS_A_RX_BYTES],
		(unsigned long long)v[EVS_STATS_A_RX_DUMMY],
		(unsigned long long)v[EVS_STATS_A_TX_PACKETS],
		(unsigned long long)v[EVS_STATS_A_TX_BYTES]);
	fprintf(f, "%sdrops:", indent);
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		fprintf(f, " %s %llu", drops[i].label, (unsigned long long)v[drops[i].type]);
	fputc('\n', f);
}
