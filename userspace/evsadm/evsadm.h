/* SPDX-License-Identifier: MIT */
/*
 * evsadm: the ip-style administration tool for evs.
 *
 * One module per object (sa.c, policy.c, conn.c, route.c, parp.c, link.c,
 * monitor.c, version.c; user.c by the evsd side).  Each object splits its
 * work in three steps so the first two are unit-testable on the host:
 *
 *	evsadm_X_parse()  argv -> request struct       (pure, no I/O)
 *	evsadm_X_build()  request -> netlink message   (pure, no I/O)
 *	evsadm_X()        resolve devices, talk to the kernel, print
 *
 * Exit status: 0 success, 1 the kernel or the system said no (the extack
 * text is printed), 2 bad command line (the message names the bad word).
 */
#ifndef EVSADM_H
#define EVSADM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>

#include "lib/json.h"
#include "lib/msg.h"
#include "lib/nl.h"
#include "lib/parse.h"

enum {
	EVSADM_EXIT_OK = 0,
	EVSADM_EXIT_FAIL = 1,
	EVSADM_EXIT_USAGE = 2,
};

/* Global options (before the object, like ip). */
struct evsadm_opts {
	bool json;		/* -j */
	bool pretty;		/* -p (implies -j) */
	int stats;		/* -s, counted */
	const char *socket;	/* --socket: evsd's control socket */
};

/* One run of a command: options, where output goes, the netlink handle. */
struct evsadm {
	struct evsadm_opts opt;
	const char *object;	/* "sa", for messages */
	const char *verb;	/* "add", for messages; may be NULL */
	FILE *out;
	FILE *err;
	struct evs_nl *nl;	/* opened on first use by evsadm_nl() */
	bool in_batch;		/* a line of -batch: no -batch again */
	/* The last index -> name lookup: a dump of many objects names the
	 * same device over and over, and each lookup costs syscalls. */
	uint32_t name_ifindex;
	char name[IF_NAMESIZE + 8];
};

/* Entry point (main.c just calls it); returns the exit status. */
int evsadm_main(int argc, char **argv);
/* The same with the caller's context (out, err set; the rest zero); the
 * global options it ran with stay in ctx->opt. */
int evsadm_run(struct evsadm *ctx, int argc, char **argv);

/*
 * Object handlers: argv[0] is the object word as typed ("sa"), argv[1]
 * the verb.  They return an exit status.
 */
int evsadm_version(struct evsadm *ctx, int argc, char **argv);
int evsadm_link(struct evsadm *ctx, int argc, char **argv);
int evsadm_sa(struct evsadm *ctx, int argc, char **argv);
int evsadm_policy(struct evsadm *ctx, int argc, char **argv);
int evsadm_conn(struct evsadm *ctx, int argc, char **argv);
int evsadm_route(struct evsadm *ctx, int argc, char **argv);
int evsadm_parp(struct evsadm *ctx, int argc, char **argv);
int evsadm_monitor(struct evsadm *ctx, int argc, char **argv);
/* `evsadm user ...`: argv[1] the verb (add|del|passwd|show). */
int evsadm_user(struct evsadm *ctx, int argc, char **argv);
/* `evsadm -batch FILE` ("-" = stdin); -force goes on after errors. */
int evsadm_batch(struct evsadm *ctx, const char *name, bool force);
/* `evsadm import-ios FILE ...`: a Cisco IOS configuration to evsd.conf. */
int evsadm_import_ios(struct evsadm *ctx, int argc, char **argv);
/* session, daemon, pool, reload, ike: through evsd's control socket. */
int evsadm_ctl(struct evsadm *ctx, int argc, char **argv);
/* `evsadm client ...`: evsd --client's peers through the control socket. */
int evsadm_client(struct evsadm *ctx, int argc, char **argv);
extern const char evsadm_client_usage[];

extern const char evsadm_version_usage[], evsadm_link_usage[], evsadm_sa_usage[],
	evsadm_policy_usage[], evsadm_conn_usage[], evsadm_route_usage[],
	evsadm_parp_usage[], evsadm_monitor_usage[];

/* --- helpers (util.c) --------------------------------------------------- */

/* Walks argv; words are consumed left to right. */
struct evsadm_args {
	int argc;
	char **argv;
	int i;
};

static inline const char *evsadm_arg_next(struct evsadm_args *a)
{
	return a->i < a->argc ? a->argv[a->i++] : NULL;
}

static inline const char *evsadm_arg_peek(const struct evsadm_args *a)
{
	return a->i < a->argc ? a->argv[a->i] : NULL;
}

/* Resolve a verb by unique prefix; message names the bad word. */
int evsadm_verb(const char *word, const char *const *verbs, const char *object,
		struct evs_err *e);
/* The verb as messages name it ("add" for "a"); NULL if it names none. */
const char *evsadm_verb_name(const char *word, const char *const *verbs);
/* "\"spi\" given twice" when the bit for @attr is already set in @has. */
int evsadm_once(uint64_t *has, unsigned int bit, const char *kw, struct evs_err *e);
int evsadm_parse_dir(const char *word, uint8_t *dir, struct evs_err *e);
/* "dev DEV", at most once: the next word into @dev (IF_NAMESIZE bytes,
 * "" until given). */
int evsadm_parse_dev(const char *kw, struct evsadm_args *a, char *dev, struct evs_err *e);
/* SPI: decimal or 0x hex, 256..0xffffffff (0-255 are reserved). */
int evsadm_parse_spi(const char *kw, const char *word, uint32_t *spi, struct evs_err *e);
/* Connection id: 1..0xffffffff. */
int evsadm_parse_conn_id(const char *kw, const char *word, uint32_t *id, struct evs_err *e);
/* An argument that is text (label): present, 1..@max bytes, printable. */
int evsadm_parse_text(const char *kw, const char *word, char *out, size_t max,
		      struct evs_err *e);

/* Print "evsadm: OBJECT VERB: msg" on ctx->err; return EVSADM_EXIT_USAGE. */
int evsadm_usage_error(struct evsadm *ctx, const struct evs_err *e);
/* Print an error (kernel or local) for a failed request; return EVSADM_EXIT_FAIL. */
int evsadm_nl_error(struct evsadm *ctx, const struct evs_nl_err *err);
/* Print a non-netlink runtime error; returns EVSADM_EXIT_FAIL. */
int evsadm_fail(struct evsadm *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open the evs family on first use; prints the error itself. */
int evsadm_nl(struct evsadm *ctx);
/* Send, run @cb on the replies; prints errors/warnings; returns exit status. */
int evsadm_request(struct evsadm *ctx, struct nlmsghdr *nlh, evs_nl_cb cb, void *data);
/* A show request: with -j, *json is the list cb adds each object to,
 * printed as it comes (the object alone when single and there is exactly
 * one: `show ID`); without -j, *json stays NULL and cb prints. */
int evsadm_show(struct evsadm *ctx, struct nlmsghdr *nlh, evs_nl_cb cb, void *data,
		struct evs_json_list **json, bool single);

/* The CLI word for the attribute at byte offset @offs of request @req
 * (from an extack NLMSGERR_ATTR_OFFS), or NULL. */
const char *evsadm_attr_word(const struct nlmsghdr *req, uint32_t offs, char *buf, size_t len);
/* Interface name -> index; prints 'device "x" does not exist' on failure. */
int evsadm_ifindex(struct evsadm *ctx, const char *name, uint32_t *ifindex);
/* The same, remembering the last answer in @ctx (dumps). */
const char *evsadm_ifname_cached(struct evsadm *ctx, uint32_t ifindex);
/* Index -> name for printing ("if7" if unknown). */
const char *evsadm_ifname(uint32_t ifindex, char buf[IF_NAMESIZE + 8]);
/* A dumped object's device: its name looked up when the kernel sent only
 * its index. */
void evsadm_dev_name(struct evsadm *ctx, struct evs_msg_dev *dev);

/* JSON output of a command that prints one object (listings: evsadm_show). */
void evsadm_json_emit(struct evsadm *ctx, struct json_object *obj);

/* Text: "0x%08x" SPI, a counters block, lifetimes. */
void evsadm_print_counters(FILE *f, const struct evs_counters *c, const char *indent);

/* --- per-object requests (pure parse/build, unit-tested) ---------------- */

enum evsadm_op {
	EVSADM_OP_ADD,
	EVSADM_OP_DEL,
	EVSADM_OP_GET,
	EVSADM_OP_SHOW,
	EVSADM_OP_FLUSH,
	EVSADM_OP_UPDATE,
	EVSADM_OP_ON,
	EVSADM_OP_OFF,
};

/* --- the kernel objects' commands, table-driven (obj.c) ----------------- */

/* What sets one object's commands apart: its verbs (each word means the
 * same op for every object), the netlink command each op sends. */
struct evsadm_obj {
	const char *name;		/* "proxy-arp": for messages */
	const char *const *verbs;	/* NULL-ended */
	const uint8_t *cmds;		/* the netlink command of each op */
};
extern const struct evsadm_obj evsadm_sa_obj, evsadm_policy_obj, evsadm_conn_obj,
	evsadm_route_obj, evsadm_parp_obj, evsadm_link_obj;

/* The next word as @o's verb, into *op. */
int evsadm_obj_op(const struct evsadm_obj *o, struct evsadm_args *a, enum evsadm_op *op,
		  struct evs_err *e);
/* An object parser's start: its request (@req, @len bytes) zeroed, then
 * the verb into *op (a member of *req). */
int evsadm_obj_start(const struct evsadm_obj *o, struct evsadm_args *a, void *req, size_t len,
		     enum evsadm_op *op, struct evs_err *e);
/* A request for @op (a dump when @dump), its attributes to follow. */
struct nlmsghdr *evsadm_obj_msg(const struct evsadm_obj *o, enum evsadm_op op,
				uint16_t family, void *buf, bool dump);

/* A show in progress: the filters the kernel's dump does not apply. */
struct evsadm_show_ctx {
	struct evsadm *ctx;
	struct evs_json_list *json;	/* -j: where each object goes */
	uint32_t ifindex, conn_id;	/* 0: any */
	bool have_dir;
	uint8_t dir;
	bool single;			/* one object, not a list (with -j) */
};
/* The index of device @dev when one was named ("" = none) in *ifindex and
 * as the show filter, and the attribute @bit in *has (when has is not
 * NULL); prints the error. */
int evsadm_obj_dev(struct evsadm_show_ctx *sc, const char *dev, uint32_t *ifindex,
		   uint64_t *has, unsigned int bit);
/* Whether an object of @ifindex and @conn_id is filtered out (an object
 * that names no device, ifindex 0, passes the device filter). */
bool evsadm_show_skip(const struct evsadm_show_ctx *sc, uint32_t ifindex, uint32_t conn_id);

/* An object's parsed request to its message: resolves the names in *req,
 * sets the show filters in *sc; NULL (the error printed) on failure. */
typedef struct nlmsghdr *(*evsadm_obj_msg_fn)(struct evsadm_show_ctx *sc, void *req,
					      void *buf);
/* Run an object command whose words were parsed into @req (@bad: the
 * parse failed, this error): a show or get prints each object through
 * @show, anything else only asks.  Returns the exit status. */
int evsadm_obj_run(struct evsadm *ctx, const struct evsadm_obj *o, int argc, char **argv,
		   const struct evs_err *bad, enum evsadm_op op, evsadm_obj_msg_fn msg,
		   void *req, evs_nl_cb show);
/* evsadm_ID(): `evsadm OBJECT ...` for object ID, with its request type
 * struct evsadm_ID_req, parser evsadm_ID_parse() and table evsadm_ID_obj. */
#define EVSADM_OBJ_CMD(id, msg, show)						\
int evsadm_##id(struct evsadm *ctx, int argc, char **argv)			\
{										\
	struct evsadm_##id##_req req;						\
	struct evs_err e;							\
	bool bad = evsadm_##id##_parse(argc - 1, argv + 1, &req, &e);		\
										\
	return evsadm_obj_run(ctx, &evsadm_##id##_obj, argc, argv, bad ? &e : NULL, \
			      req.op, msg, &req, show);				\
}

struct evsadm_sa_req {
	enum evsadm_op op;
	char dev[IF_NAMESIZE];		/* "" = not given */
	struct evs_sa_info sa;		/* sa.dev.ifindex: filled before build */
};
int evsadm_sa_parse(int argc, char **argv, struct evsadm_sa_req *req, struct evs_err *e);
struct nlmsghdr *evsadm_sa_build(const struct evsadm_sa_req *req, uint16_t family, void *buf);
void evsadm_sa_print(FILE *f, const struct evs_sa_info *sa, int stats);

struct evsadm_policy_req {
	enum evsadm_op op;
	char dev[IF_NAMESIZE];
	bool have_dir;			/* show filter */
	struct evs_policy_info pol;
};
int evsadm_policy_parse(int argc, char **argv, struct evsadm_policy_req *req,
			struct evs_err *e);
struct nlmsghdr *evsadm_policy_build(const struct evsadm_policy_req *req, uint16_t family,
				     void *buf);
void evsadm_policy_print(FILE *f, const struct evs_policy_info *pol, int stats);
/* "tcp" -> 6, "17" -> 17; "any" -> 0. */
int evsadm_parse_proto(const char *kw, const char *word, uint8_t *proto, struct evs_err *e);
const char *evsadm_proto_name(uint8_t proto, char buf[8]);

struct evsadm_conn_req {
	enum evsadm_op op;
	struct evs_conn_info conn;
};
int evsadm_conn_parse(int argc, char **argv, struct evsadm_conn_req *req, struct evs_err *e);
struct nlmsghdr *evsadm_conn_build(const struct evsadm_conn_req *req, uint16_t family,
				   void *buf);
void evsadm_conn_print(FILE *f, const struct evs_conn_info *conn);

struct evsadm_route_req {
	enum evsadm_op op;
	char dev[IF_NAMESIZE];
	struct evs_route_info rt;	/* rt.ifindex: filled before build */
};
int evsadm_route_parse(int argc, char **argv, struct evsadm_route_req *req,
		       struct evs_err *e);
struct nlmsghdr *evsadm_route_build(const struct evsadm_route_req *req, uint16_t family,
				    void *buf);
/* One route (one proxy-ARP entry below), without the line's end: the
 * listing and the monitor's events print it alike. */
void evsadm_route_print(FILE *f, const struct evs_route_info *rt);

struct evsadm_parp_req {
	enum evsadm_op op;
	char dev[IF_NAMESIZE];
	struct evs_parp_info parp;	/* parp.ifindex: filled before build */
};
int evsadm_parp_parse(int argc, char **argv, struct evsadm_parp_req *req, struct evs_err *e);
struct nlmsghdr *evsadm_parp_build(const struct evsadm_parp_req *req, uint16_t family,
				   void *buf);
void evsadm_parp_print(FILE *f, const struct evs_parp_info *parp);

struct evsadm_link_req {
	enum evsadm_op op;
	char dev[IF_NAMESIZE];
	uint32_t ifindex;		/* filled before build when dev is given */
};
int evsadm_link_parse(int argc, char **argv, struct evsadm_link_req *req, struct evs_err *e);
struct nlmsghdr *evsadm_link_build(const struct evsadm_link_req *req, uint16_t family,
				   void *buf);
void evsadm_link_print(FILE *f, const struct evs_link_info *link, int stats);

/* monitor: one line per event (text), or the JSON object. */
void evsadm_event_print(FILE *f, const struct evs_event *ev);

/* A control-socket request from argv (argv[0] the object: session,
 * daemon, pool, reload, ike). */
struct evsadm_ctl_req {
	const char *command;		/* "session-show", ... */
	struct json_object *args;	/* owned: json_object_put it */
	struct evsadm_opts opt;		/* -s/-j given after the words */
	bool help;
};
int evsadm_ctl_parse(int argc, char **argv, struct evsadm_ctl_req *req, struct evs_err *e);
/* After a control command's parse (@bad: it failed): the usage error,
 * or the help on @usage, with req->args released; -1 when the command
 * goes on. */
int evsadm_ctl_parsed(struct evsadm *ctx, bool bad, struct evsadm_ctl_req *req,
		      const char *usage, const struct evs_err *e);
/* One session of session-show's answer, as text (stats: -s). */
void evsadm_session_print(FILE *f, struct json_object *s, int stats);
/* `evsadm client` argv -> request (timeout: xauth's, in seconds). */
int evsadm_client_parse(int argc, char **argv, struct evsadm_ctl_req *req, unsigned *timeout,
			struct evs_err *e);

#endif
