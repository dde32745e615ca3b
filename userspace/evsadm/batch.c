// SPDX-License-Identifier: MIT
/*
 * evsadm -batch FILE: one command per line, as `ip -batch`.  Consecutive
 * "sa add" and "policy add" lines for one device go to the kernel as
 * EVS_CMD_BATCH_ADD requests (many objects, one acknowledgement); any
 * other line runs as the command it is.  Errors name FILE:LINE; the first
 * one stops the run unless -force is given.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evsadm/evsadm.h"

/* The batch nest's length is 16 bits: stop adding items well before. */
#define BATCH_BUFSZ	(72 * 1024)
#define BATCH_FILL	(56 * 1024)
#define BATCH_MAX_ARGS	128

struct batch {
	struct evsadm *ctx;
	const char *name;		/* FILE as given, "-" for stdin */
	bool force;
	bool failed;			/* a line failed (where() was called) */
	char *buf;			/* the request being filled */
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t ifindex;		/* the pending items' device */
	unsigned int n;			/* pending items */
	unsigned long line[EVS_BATCH_MAX];	/* FILE line of each item */
	uint32_t at[EVS_BATCH_MAX];	/* offset of each item in the request */
	char dev[IF_NAMESIZE];		/* last device name resolved ... */
	uint32_t dev_ifindex;		/* ... and its index */
};

/*
 * Split @line into words in place: blanks separate, "..." quotes (for the
 * empty word), '#' at the start of a word comments out the rest.
 */
static int split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			return argc;
		if (argc == max)
			return -1;
		if (*p == '"') {
			char *end = strchr(++p, '"');

			if (!end)
				return -2;
			argv[argc++] = p;
			*end = '\0';
			p = end + 1;
			continue;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static void where(struct batch *b, unsigned long line)
{
	b->failed = true;
	fprintf(b->ctx->err, "evsadm: %s:%lu: ", b->name, line);
}

static int dev_index(struct batch *b, const char *dev, uint32_t *ifindex)
{
	if (!strcmp(b->dev, dev)) {
		*ifindex = b->dev_ifindex;
		return 0;
	}
	*ifindex = if_nametoindex(dev);
	if (!*ifindex)
		return -1;
	snprintf(b->dev, sizeof(b->dev), "%s", dev);
	b->dev_ifindex = *ifindex;
	return 0;
}

static void batch_start(struct batch *b, uint32_t ifindex)
{
	b->nlh = evs_nl_msg_start(b->buf, evs_nl_family(b->ctx->nl), EVS_CMD_BATCH_ADD,
				  EVS_GENL_VERSION, 0);
	mnl_attr_put_u32(b->nlh, EVS_A_IFINDEX, ifindex);
	b->nest = mnl_attr_nest_start(b->nlh, EVS_A_BATCH);
	b->ifindex = ifindex;
	b->n = 0;
}

/* The item the kernel's cookie or bad-attribute offset points at. */
static unsigned int failed_item(const struct batch *b, const struct evs_nl_err *err)
{
	unsigned int i;

	if (err->has_cookie && err->cookie < b->n)
		return err->cookie;
	for (i = b->n; i-- > 0;)
		if (err->has_offs && err->offs >= b->at[i])
			return i;
	return 0;
}

/* Send the pending items; on a failure with -force, the ones after the
 * failing item go again in a new request.  Returns -1 if the run stops. */
static int batch_send(struct batch *b)
{
	struct evs_nl_err err;
	char word[48];
	const char *w;
	unsigned int bad, i;

	while (b->n) {
		mnl_attr_nest_end(b->nlh, b->nest);
		if (!evs_nl_request(b->ctx->nl, b->nlh, NULL, NULL, &err)) {
			b->n = 0;
			break;
		}
		bad = failed_item(b, &err);
		w = err.has_offs ? evsadm_attr_word(b->nlh, err.offs, word, sizeof(word)) : NULL;
		where(b, b->line[bad]);
		fprintf(b->ctx->err, "kernel: %s", err.msg);
		if (w && err.has_msg)
			fprintf(b->ctx->err, " (\"%s\")", w);
		fputc('\n', b->ctx->err);
		if (!b->force || !err.kernel) {
			b->n = 0;
			return -1;
		}
		/* Move the items after the failing one to a new request. */
		{
			struct nlmsghdr *old = b->nlh;
			char *copy = malloc(old->nlmsg_len);
			unsigned int n = b->n;

			if (!copy) {
				fprintf(b->ctx->err, "evsadm: out of memory\n");
				return -1;
			}
			memcpy(copy, old, old->nlmsg_len);
			batch_start(b, b->ifindex);
			for (i = bad + 1; i < n; i++) {
				const struct nlattr *item = (const void *)(copy + b->at[i]);
				unsigned long line = b->line[i];
				uint32_t at = b->nlh->nlmsg_len;

				memcpy((char *)b->nlh + at, item, NLA_ALIGN(item->nla_len));
				b->nlh->nlmsg_len += NLA_ALIGN(item->nla_len);
				b->at[b->n] = at;
				b->line[b->n++] = line;
			}
			explicit_bzero(copy, old->nlmsg_len);
			free(copy);
		}
	}
	explicit_bzero(b->buf, BATCH_BUFSZ);
	return 0;
}

/* A parsed add: flush if it needs another device or there is no room,
 * then append its nest.  @put adds the nest (no device attributes). */
static int batch_add(struct batch *b, unsigned long line, uint32_t ifindex,
		     void (*put)(struct nlmsghdr *nlh, const void *obj), const void *obj)
{
	if (b->n && (ifindex != b->ifindex || b->n == EVS_BATCH_MAX ||
		     b->nlh->nlmsg_len > BATCH_FILL))
		if (batch_send(b))
			return -1;
	if (!b->n)
		batch_start(b, ifindex);
	b->at[b->n] = b->nlh->nlmsg_len;
	b->line[b->n++] = line;
	put(b->nlh, obj);
	return 0;
}

static void put_sa(struct nlmsghdr *nlh, const void *obj)
{
	evs_msg_put_sa(nlh, obj);
}

static void put_policy(struct nlmsghdr *nlh, const void *obj)
{
	evs_msg_put_policy(nlh, obj);
}

/* "sa add ..." or "policy add ...": 1 if batched, 0 if not such a line,
 * -1 if it failed. */
static int try_add(struct batch *b, unsigned long line, int argc, char **argv)
{
	struct evsadm_policy_req preq;
	struct evsadm_sa_req sreq;
	bool sa;
	const char *dev;
	uint32_t ifindex;
	struct evs_err e;
	int ret;

	if (argc < 2 || strcmp(argv[1], "add"))
		return 0;
	if (!strcmp(argv[0], "sa"))
		sa = true;
	else if (!strcmp(argv[0], "policy"))
		sa = false;
	else
		return 0;
	ret = sa ? evsadm_sa_parse(argc - 1, argv + 1, &sreq, &e) :
		   evsadm_policy_parse(argc - 1, argv + 1, &preq, &e);
	if (ret) {
		where(b, line);
		fprintf(b->ctx->err, "%s add: %s\n", argv[0], e.msg);
		return -1;
	}
	dev = sa ? sreq.dev : preq.dev;
	if (dev_index(b, dev, &ifindex)) {
		where(b, line);
		fprintf(b->ctx->err, "device \"%s\" does not exist\n", dev);
		ret = -1;
	} else if (sa) {
		/* The device is the request's, not the item's. */
		memset(&sreq.sa.dev, 0, sizeof(sreq.sa.dev));
		ret = batch_add(b, line, ifindex, put_sa, &sreq.sa);
	} else {
		memset(&preq.pol.dev, 0, sizeof(preq.pol.dev));
		ret = batch_add(b, line, ifindex, put_policy, &preq.pol);
	}
	if (sa)
		evs_sa_info_wipe(&sreq.sa);
	return ret ? -1 : 1;
}

/* Any other line: the command it is, with the run's options. */
static int run_line(struct batch *b, unsigned long line, int argc, char **argv)
{
	struct evsadm sub = { .opt = b->ctx->opt, .out = b->ctx->out, .err = b->ctx->err };
	char *args[BATCH_MAX_ARGS + 2] = { "evsadm" };
	int ret;

	memcpy(args + 1, argv, (size_t)argc * sizeof(*argv));
	sub.in_batch = true;
	ret = evsadm_run(&sub, argc + 1, args);
	if (ret != EVSADM_EXIT_OK) {
		where(b, line);
		fprintf(b->ctx->err, "command failed\n");
		return -1;
	}
	return 0;
}

static int batch_line(struct batch *b, unsigned long line, char *text)
{
	char *argv[BATCH_MAX_ARGS + 1];
	int argc = split(text, argv, BATCH_MAX_ARGS), ret;

	if (argc < 0) {
		where(b, line);
		fprintf(b->ctx->err, "%s\n", argc == -1 ? "too many words" : "unterminated quote");
		return -1;
	}
	if (!argc)
		return 0;
	argv[argc] = NULL;
	ret = try_add(b, line, argc, argv);
	if (ret)
		return ret < 0 ? -1 : 0;
	/* Keep the order: what is pending goes first. */
	if (batch_send(b))
		return -1;
	return run_line(b, line, argc, argv);
}

int evsadm_batch(struct evsadm *ctx, const char *name, bool force)
{
	struct batch *b;
	unsigned long line = 0;
	char *text = NULL;
	size_t cap = 0;
	FILE *f;
	int ret = EVSADM_EXIT_OK;

	f = strcmp(name, "-") ? fopen(name, "re") : stdin;
	if (!f)
		return evsadm_fail(ctx, "%s: %s", name, strerror(errno));
	b = calloc(1, sizeof(*b));
	if (b)
		b->buf = calloc(1, BATCH_BUFSZ);
	if (!b || !b->buf) {
		ret = evsadm_fail(ctx, "out of memory");
		goto out;
	}
	b->ctx = ctx;
	b->name = name;
	b->force = force;
	if (evsadm_nl(ctx)) {
		ret = EVSADM_EXIT_FAIL;
		goto out;
	}
	while (getline(&text, &cap, f) >= 0) {
		line++;
		if (batch_line(b, line, text) && !force)
			break;
	}
	/* What is pending came before any failure: it goes in. */
	batch_send(b);
	if (ferror(f)) {
		where(b, line);
		fprintf(ctx->err, "read error: %s\n", strerror(errno));
	}
	if (b->failed)
		ret = EVSADM_EXIT_FAIL;
out:
	if (text)
		explicit_bzero(text, cap);
	free(text);
	if (b)
		free(b->buf);
	free(b);
	if (f != stdin)
		fclose(f);
	return ret;
}
