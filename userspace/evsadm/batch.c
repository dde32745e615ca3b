// SPDX-License-Identifier: MIT
/*
 * evsadm -batch FILE: one command per line, as `ip -batch`.  Consecutive
 * "sa add" and "policy add" lines for one device go to the kernel as
 * EVS_CMD_BATCH_ADD requests (many objects, one acknowledgement); any
 * other line runs as the command it is.  Errors name FILE:LINE; the first
 * one stops the run unless -force is given.
 *
 * A sender thread hands each request to the kernel while the next one is
 * parsed: the module adds the objects in the sending thread, so parsing
 * and adding otherwise take turns on one CPU.  At most one request is in
 * flight; the parser waits for it before anything whose order matters
 * (another command, an error message, the end of the run).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "evsadm/evsadm.h"

/* The batch nest's length is 16 bits: stop adding items well before. */
#define BATCH_BUFSZ	(72 * 1024)
#define BATCH_FILL	(56 * 1024)
#define BATCH_MAX_ARGS	128

/* One EVS_CMD_BATCH_ADD request and where each of its items came from. */
struct batch_req {
	char *buf;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t ifindex;		/* the items' device */
	unsigned int n;			/* items */
	unsigned long line[EVS_BATCH_MAX];	/* FILE line of each item */
	uint32_t at[EVS_BATCH_MAX];	/* offset of each item in the request */
};

struct batch {
	struct evsadm *ctx;
	const char *name;		/* FILE as given, "-" for stdin */
	bool force;
	bool failed;			/* a line failed (where() was called) */
	struct batch_req req[2];
	struct batch_req *fill;		/* being filled by the parser */
	struct batch_req *flight;	/* being sent by the sender thread */
	pthread_t sender;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool busy;			/* flight is being sent */
	bool stop;			/* flight failed and the run stops */
	bool quit;			/* the sender thread ends */
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

static int batch_wait(struct batch *b);

/* A line of the parser's failed: true if its message is to be printed.
 * The errors of earlier lines, still in flight, come first; after one
 * that stops the run, this line was never reached. */
static bool line_fails(struct batch *b, unsigned long line)
{
	if (batch_wait(b))
		return false;
	where(b, line);
	return true;
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

static void batch_start(struct batch *b, struct batch_req *r, uint32_t ifindex)
{
	r->nlh = evs_nl_msg_start(r->buf, evs_nl_family(b->ctx->nl), EVS_CMD_BATCH_ADD,
				  EVS_GENL_VERSION, 0);
	mnl_attr_put_u32(r->nlh, EVS_A_IFINDEX, ifindex);
	r->nest = mnl_attr_nest_start(r->nlh, EVS_A_BATCH);
	r->ifindex = ifindex;
	r->n = 0;
}

/* The item the kernel's cookie or bad-attribute offset points at. */
static unsigned int failed_item(const struct batch_req *r, const struct evs_nl_err *err)
{
	unsigned int i;

	if (err->has_cookie && err->cookie < r->n)
		return err->cookie;
	for (i = r->n; i-- > 0;)
		if (err->has_offs && err->offs >= r->at[i])
			return i;
	return 0;
}

/* Send the items of @r (in the sender thread); on a failure with -force,
 * the ones after the failing item go again in a new request.  Returns -1
 * if the run stops. */
static int batch_send_req(struct batch *b, struct batch_req *r)
{
	struct evs_nl_err err;
	char word[48];
	const char *w;
	unsigned int bad, i;

	while (r->n) {
		mnl_attr_nest_end(r->nlh, r->nest);
		if (!evs_nl_request(b->ctx->nl, r->nlh, NULL, NULL, &err)) {
			r->n = 0;
			break;
		}
		bad = failed_item(r, &err);
		w = err.has_offs ? evsadm_attr_word(r->nlh, err.offs, word, sizeof(word)) : NULL;
		where(b, r->line[bad]);
		fprintf(b->ctx->err, "kernel: %s", err.msg);
		if (w && err.has_msg)
			fprintf(b->ctx->err, " (\"%s\")", w);
		fputc('\n', b->ctx->err);
		if (!b->force || !err.kernel) {
			r->n = 0;
			explicit_bzero(r->buf, BATCH_BUFSZ);
			return -1;
		}
		/* Move the items after the failing one to a new request. */
		{
			struct nlmsghdr *old = r->nlh;
			char *copy = malloc(old->nlmsg_len);
			unsigned int n = r->n;

			if (!copy) {
				fprintf(b->ctx->err, "evsadm: out of memory\n");
				r->n = 0;
				return -1;
			}
			memcpy(copy, old, old->nlmsg_len);
			batch_start(b, r, r->ifindex);
			for (i = bad + 1; i < n; i++) {
				const struct nlattr *item = (const void *)(copy + r->at[i]);
				unsigned long line = r->line[i];
				uint32_t at = r->nlh->nlmsg_len;

				memcpy((char *)r->nlh + at, item, NLA_ALIGN(item->nla_len));
				r->nlh->nlmsg_len += NLA_ALIGN(item->nla_len);
				r->at[r->n] = at;
				r->line[r->n++] = line;
			}
			explicit_bzero(copy, old->nlmsg_len);
			free(copy);
		}
	}
	explicit_bzero(r->buf, BATCH_BUFSZ);
	return 0;
}

static void *batch_sender(void *arg)
{
	struct batch *b = arg;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (!b->busy && !b->quit)
			pthread_cond_wait(&b->cond, &b->lock);
		if (!b->busy)
			break;
		pthread_mutex_unlock(&b->lock);
		/* The parser touches neither flight nor the socket meanwhile. */
		bool stop = batch_send_req(b, b->flight) != 0;

		pthread_mutex_lock(&b->lock);
		b->stop = b->stop || stop;
		b->busy = false;
		pthread_cond_broadcast(&b->cond);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* Wait for the request in flight; -1 if it failed and the run stops. */
static int batch_wait(struct batch *b)
{
	bool stop;

	pthread_mutex_lock(&b->lock);
	while (b->busy)
		pthread_cond_wait(&b->cond, &b->lock);
	stop = b->stop;
	pthread_mutex_unlock(&b->lock);
	return stop ? -1 : 0;
}

/* Hand the items being filled to the sender; the parser goes on.  When
 * the run stops, items parsed after the failure are dropped unsent. */
static int batch_submit(struct batch *b)
{
	struct batch_req *r = b->fill;

	if (!r->n)
		return 0;
	if (batch_wait(b)) {
		r->n = 0;
		explicit_bzero(r->buf, BATCH_BUFSZ);
		return -1;
	}
	pthread_mutex_lock(&b->lock);
	b->fill = b->flight;
	b->flight = r;
	b->busy = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

/* Everything parsed so far is in the kernel (or failed). */
static int batch_send(struct batch *b)
{
	return batch_submit(b) ? -1 : batch_wait(b);
}

/* A parsed add: flush if it needs another device or there is no room,
 * then append its nest.  @put adds the nest (no device attributes). */
static int batch_add(struct batch *b, unsigned long line, uint32_t ifindex,
		     void (*put)(struct nlmsghdr *nlh, const void *obj), const void *obj)
{
	struct batch_req *r = b->fill;

	if (r->n && (ifindex != r->ifindex || r->n == EVS_BATCH_MAX ||
		     r->nlh->nlmsg_len > BATCH_FILL)) {
		if (batch_submit(b))
			return -1;
		r = b->fill;
	}
	if (!r->n)
		batch_start(b, r, ifindex);
	r->at[r->n] = r->nlh->nlmsg_len;
	r->line[r->n++] = line;
	put(r->nlh, obj);
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
		if (line_fails(b, line))
			fprintf(b->ctx->err, "%s add: %s\n", argv[0], e.msg);
		return -1;
	}
	dev = sa ? sreq.dev : preq.dev;
	if (dev_index(b, dev, &ifindex)) {
		if (line_fails(b, line))
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
		if (line_fails(b, line))
			fprintf(b->ctx->err, "%s\n",
				argc == -1 ? "too many words" : "unterminated quote");
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
	bool thread = false;

	f = strcmp(name, "-") ? fopen(name, "re") : stdin;
	if (!f)
		return evsadm_fail(ctx, "%s: %s", name, strerror(errno));
	b = calloc(1, sizeof(*b));
	if (b) {
		b->req[0].buf = calloc(1, BATCH_BUFSZ);
		b->req[1].buf = calloc(1, BATCH_BUFSZ);
	}
	if (!b || !b->req[0].buf || !b->req[1].buf) {
		ret = evsadm_fail(ctx, "out of memory");
		goto out;
	}
	b->ctx = ctx;
	b->name = name;
	b->force = force;
	b->fill = &b->req[0];
	b->flight = &b->req[1];
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	if (evsadm_nl(ctx)) {
		ret = EVSADM_EXIT_FAIL;
		goto out;
	}
	errno = pthread_create(&b->sender, NULL, batch_sender, b);
	if (errno) {
		ret = evsadm_fail(ctx, "cannot start the sender thread: %s", strerror(errno));
		goto out;
	}
	thread = true;
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
	if (thread) {
		pthread_mutex_lock(&b->lock);
		b->quit = true;
		pthread_cond_broadcast(&b->cond);
		pthread_mutex_unlock(&b->lock);
		pthread_join(b->sender, NULL);
	}
	if (b && b->fill) {
		pthread_cond_destroy(&b->cond);
		pthread_mutex_destroy(&b->lock);
	}
	if (text)
		explicit_bzero(text, cap);
	free(text);
	if (b) {
		free(b->req[0].buf);
		free(b->req[1].buf);
	}
	free(b);
	if (f != stdin)
		fclose(f);
	return ret;
}
