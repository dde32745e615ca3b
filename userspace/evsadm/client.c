// SPDX-License-Identifier: MIT
/*
 * evsadm client: the client role of evsd (`evsd --client`) through its
 * control socket (Documentation/control-socket.md):
 *
 *	evsadm client show [PEER] [-j]
 *	evsadm client connect PEER
 *	evsadm client disconnect PEER
 *	evsadm client xauth PEER [timeout SECONDS]
 *
 * xauth waits until the peer's gateway asks, shows its prompt, reads the
 * user name and the password (echo off on a terminal; one line each from
 * stdin otherwise), passes them on and waits for the verdict; a gateway
 * that asks again (a wrong password) gets another try.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "evsadm/evsadm.h"
#include "lib/ctlsock.h"

#define CLIENT_CALL_MS		10000
#define XAUTH_WAIT_S		120	/* default: for the gateway to ask, then to answer */
#define XAUTH_POLL_MS		200

const char evsadm_client_usage[] =
"Usage: evsadm client show [PEER] [-j]\n"
"       evsadm client connect PEER\n"
"       evsadm client disconnect PEER\n"
"       evsadm client xauth PEER [timeout SECONDS]\n"
"  show:       each peer block of evsd --client: state, its servers (configured\n"
"              and pushed, the one in use), the firewall (setting, pushed type,\n"
"              whether the inbound filter is on, what it dropped), gateway,\n"
"              assigned address, what the gateway pushed (DNS, domain, split\n"
"              networks, banner, save-password, backup servers), bytes each\n"
"              way, since when\n"
"  connect:    bring the peer up now and keep it up (connect manual peers too)\n"
"  disconnect: take it down (address, routes, PAT removed) and keep it down\n"
"  xauth:      type the user name and password the gateway asks for (echo off;\n"
"              from stdin, one line each, when it is not a terminal)\n";

static const char *const client_verbs[] = { "show", "list", "connect", "disconnect",
					    "xauth", "help", NULL };

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "";
}

static unsigned long long jnum(struct json_object *o, const char *k)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, k, &v) ? (unsigned long long)json_object_get_uint64(v) :
	       0;
}

static struct json_object *jget(struct json_object *o, const char *k)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* argv -> command and args (pure; the unit tests call it). */
int evsadm_client_parse(int argc, char **argv, struct evsadm_ctl_req *req, unsigned *timeout,
			struct evs_err *e)
{
	struct evsadm_args a = { argc, argv, 1 };
	const char *w;
	int v;

	memset(req, 0, sizeof(*req));
	*timeout = XAUTH_WAIT_S;
	req->args = json_object_new_object();
	if (!req->args)
		return evs_errf(e, "out of memory");
	v = evsadm_verb(evsadm_arg_next(&a), client_verbs, "client", e);
	if (v < 0)
		return -1;
	if (v == 5) {
		req->help = true;
		return 0;
	}
	req->command = v < 2 ? "client-show" : v == 2 ? "client-connect" :
		       v == 3 ? "client-disconnect" : "client-xauth";
	while ((w = evsadm_arg_next(&a))) {
		if (!strcmp(w, "-j") || !strcmp(w, "-json") || !strcmp(w, "--json")) {
			req->opt.json = true;
		} else if (!strcmp(w, "-p") || !strcmp(w, "--pretty")) {
			req->opt.json = req->opt.pretty = true;
		} else if (v == 4 && !strcmp(w, "timeout")) {
			const char *s = evsadm_arg_next(&a);

			if (!s)
				return evs_errf(e, "\"timeout\" expects a value");
			if (evs_parse_u32("timeout", s, 1, 3600, timeout, e))
				return -1;
		} else if (w[0] != '-' && w[0] && !jget(req->args, "peer")) {
			json_object_object_add(req->args, "peer", json_object_new_string(w));
		} else {
			return evs_errf(e, "unexpected \"%s\"", w);
		}
	}
	if (v >= 2 && !jget(req->args, "peer"))
		return evs_errf(e, "name the peer block");
	return 0;
}

static void print_list(FILE *f, const char *label, struct json_object *arr)
{
	size_t n = arr && json_object_is_type(arr, json_type_array) ?
		   json_object_array_length(arr) : 0;

	if (!n)
		return;
	fprintf(f, "  %s", label);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : " ",
			json_object_get_string(json_object_array_get_idx(arr, i)));
	fputc('\n', f);
}

/* "servers 198.51.100.1 (in use), 198.51.100.5 (pushed)" */
static void print_servers(FILE *f, struct json_object *arr)
{
	size_t n = arr && json_object_is_type(arr, json_type_array) ?
		   json_object_array_length(arr) : 0;

	if (!n)
		return;
	fprintf(f, "  servers");
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);
		bool cur = json_object_get_boolean(jget(s, "current"));
		bool pushed = !strcmp(jstr(s, "from"), "gateway");

		fprintf(f, "%s%s", i ? ", " : " ", jstr(s, "address"));
		if (jnum(s, "port") != 500)
			fprintf(f, " port %llu", jnum(s, "port"));
		if (cur || pushed)
			fprintf(f, " (%s%s%s)", pushed ? "pushed" : "", cur && pushed ? ", " : "",
				cur ? "in use" : "");
	}
	fputc('\n', f);
}

static void print_firewall(FILE *f, struct json_object *fw)
{
	unsigned long long n = jnum(fw, "allow_rules");

	if (!fw)
		return;
	fprintf(f, "  firewall %s, filter %s", jstr(fw, "setting"),
		json_object_get_boolean(jget(fw, "filter")) ? "on (table inet evs_client_fw)" :
		"off");
	if (n)
		fprintf(f, ", %llu firewall-allow rule%s", n, n == 1 ? "" : "s");
	if (jget(fw, "dropped_packets"))
		fprintf(f, ", %llu packet%s (%llu bytes) dropped", jnum(fw, "dropped_packets"),
			jnum(fw, "dropped_packets") == 1 ? "" : "s", jnum(fw, "dropped_bytes"));
	if (json_object_get_boolean(jget(fw, "pushed")))
		fprintf(f, "; gateway pushed %s", jstr(fw, "pushed_type"));
	fputc('\n', f);
}

static void print_peer(FILE *f, struct json_object *p)
{
	struct json_object *m = jget(p, "pushed");
	char when[32] = "";
	time_t t = (time_t)jnum(p, "since");
	struct tm tm;

	fprintf(f, "peer %s (connect %s): %s\n", jstr(p, "peer"), jstr(p, "connect"),
		jstr(p, "state"));
	print_servers(f, jget(p, "servers"));
	print_firewall(f, jget(p, "firewall"));
	if (!jstr(p, "gateway")[0])
		return;
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "  gateway %s port %llu%s, since %s (%llus)\n", jstr(p, "gateway"),
		jnum(p, "port"), json_object_get_boolean(jget(p, "natt")) ? " NAT-T" : "",
		when, jnum(p, "uptime"));
	if (jstr(p, "address")[0])
		fprintf(f, "  address %s\n", jstr(p, "address"));
	if (jstr(p, "xauth_message")[0])
		fprintf(f, "  gateway asks: %s\n", jstr(p, "xauth_message"));
	if (jstr(p, "xauth_challenge")[0])
		fprintf(f, "  challenge: %s\n", jstr(p, "xauth_challenge"));
	if (jstr(p, "xauth_ask")[0])
		fprintf(f, "  to type: %s%s\n", json_object_get_boolean(jget(p, "xauth_user_asked")) ?
			"user name and " : "", jstr(p, "xauth_ask"));
	if (m) {
		print_list(f, "dns", jget(m, "dns"));
		print_list(f, "dns6", jget(m, "dns6"));
		print_list(f, "wins", jget(m, "wins"));
		if (jstr(m, "domain")[0])
			fprintf(f, "  domain %s\n", jstr(m, "domain"));
		print_list(f, "split-dns", jget(m, "split_dns"));
		print_list(f, "split-include", jget(m, "split_include"));
		print_list(f, "backup-servers", jget(m, "backup_servers"));
		fprintf(f, "  save-password %s%s\n", jstr(m, "save_password"),
			json_object_get_boolean(jget(m, "pfs")) ? ", pfs" : "");
		if (jstr(m, "banner")[0])
			fprintf(f, "  banner: %s\n", jstr(m, "banner"));
	}
	fprintf(f, "  bytes in %llu (%llu packets), out %llu (%llu packets)\n",
		jnum(p, "rx_bytes"), jnum(p, "rx_packets"), jnum(p, "tx_bytes"),
		jnum(p, "tx_packets"));
}

/* --socket, else evsd-client.service's socket when it runs, else evsd's. */
static const char *socket_path(const struct evsadm *ctx)
{
	if (ctx->opt.socket)
		return ctx->opt.socket;
	return access(EVS_CLIENT_CTL_PATH, F_OK) ? EVS_CTL_PATH : EVS_CLIENT_CTL_PATH;
}

/* One call; the result (put it) or NULL after printing why. */
static struct json_object *call(struct evsadm *ctx, const char *cmd, struct json_object *args,
				struct json_object **ans)
{
	struct json_object *res;
	struct evs_err e;

	*ans = evs_ctl_call(socket_path(ctx), cmd, args, CLIENT_CALL_MS, &e);
	if (!*ans) {
		evsadm_fail(ctx, "%s", e.msg);
		return NULL;
	}
	res = evs_ctl_result(*ans, &e);
	if (!res)
		evsadm_fail(ctx, "evsd: %s", e.msg);
	return res;
}

/* ---- xauth -------------------------------------------------------------------- */

/* A line from stdin, echo off on a terminal; the newline is dropped.
 * -1 at end of input. */
static int read_line(struct evsadm *ctx, const char *prompt, bool secret, char *buf,
		     size_t len)
{
	bool tty = isatty(STDIN_FILENO);
	struct termios old, quiet;
	bool restore = false;
	char *r;

	if (tty) {
		fputs(prompt, ctx->err);
		fflush(ctx->err);
	}
	if (tty && secret && !tcgetattr(STDIN_FILENO, &old)) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		restore = !tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	r = fgets(buf, (int)len, stdin);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (!r)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static void sleep_ms(unsigned ms)
{
	poll(NULL, 0, (int)ms);
}

static uint64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* The peer's entry of client-show; NULL after printing why. */
static struct json_object *peer_state(struct evsadm *ctx, const char *peer,
				      struct json_object **ans)
{
	struct json_object *args = json_object_new_object(), *res, *arr;

	json_object_object_add(args, "peer", json_object_new_string(peer));
	res = call(ctx, "client-show", args, ans);
	json_object_put(args);
	arr = jget(res, "peers");
	if (!arr || !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) != 1) {
		if (res)
			evsadm_fail(ctx, "evsd sent no peer \"%s\"", peer);
		json_object_put(*ans);
		*ans = NULL;
		return NULL;
	}
	return json_object_array_get_idx(arr, 0);
}

/* The prompt for what the gateway asks (evsd's xauth_ask). */
static const char *ask_prompt(const char *ask)
{
	return !strcmp(ask, "passcode") ? "Passcode: " : !strcmp(ask, "next-pin") ? "Next PIN: " :
	       !strcmp(ask, "answer") ? "Answer: " : "Password: ";
}

/* Send one login (p: the peer's client-show entry); 0 or the exit
 * status. */
static int send_login(struct evsadm *ctx, const char *peer, struct json_object *p)
{
	const char *msg = jstr(p, "xauth_message"), *ask = jstr(p, "xauth_ask");
	bool want_user = !jget(p, "xauth_user_asked") ||
			 json_object_get_boolean(jget(p, "xauth_user_asked"));
	char user[256] = "", pass[512];
	struct json_object *args, *ans, *pw;
	int rc = EVSADM_EXIT_OK;

	if (msg[0])
		fprintf(ctx->err, "gateway: %s\n", msg);
	if (jstr(p, "xauth_challenge")[0])
		fprintf(ctx->err, "challenge: %s\n", jstr(p, "xauth_challenge"));
	if ((want_user && read_line(ctx, "Username: ", false, user, sizeof(user))) ||
	    read_line(ctx, ask_prompt(ask), true, pass, sizeof(pass))) {
		explicit_bzero(pass, sizeof(pass));
		return evsadm_fail(ctx, "no user name and password on the input");
	}
	args = json_object_new_object();
	json_object_object_add(args, "peer", json_object_new_string(peer));
	json_object_object_add(args, "user", json_object_new_string(user));
	pw = json_object_new_string(pass);
	json_object_object_add(args, "password", pw);
	explicit_bzero(pass, sizeof(pass));
	if (!call(ctx, "client-xauth", args, &ans))
		rc = EVSADM_EXIT_FAIL;
	explicit_bzero((char *)json_object_get_string(pw), (size_t)json_object_get_string_len(pw));
	json_object_put(args);
	json_object_put(ans);
	return rc;
}

static int client_xauth(struct evsadm *ctx, const char *peer, unsigned timeout)
{
	uint64_t deadline = mono_s() + timeout, serial = 0;
	unsigned long long asked = 0;

	for (;;) {
		struct json_object *ans, *p = peer_state(ctx, peer, &ans);
		const char *st;
		bool same;

		if (!p)
			return EVSADM_EXIT_FAIL;
		st = jstr(p, "state");
		same = !serial || jnum(p, "ike_sa") == serial;
		if (!strcmp(st, "waiting for XAUTH") && (jnum(p, "xauth_asks") > asked || !same)) {
			int rc;

			/* a challenge (next PIN, token code) is a question, not
			 * a refusal */
			if (asked && same && !strcmp(jstr(p, "xauth_ask"), "password"))
				fprintf(ctx->err, "the gateway asks again (wrong user name or "
					"password?)\n");
			serial = jnum(p, "ike_sa");
			asked = jnum(p, "xauth_asks");
			rc = send_login(ctx, peer, p);
			json_object_put(ans);
			if (rc)
				return rc;
			continue;
		}
		if (serial && same && (!strcmp(st, "mode config") || !strcmp(st, "phase 2") ||
				       !strcmp(st, "connected"))) {
			fprintf(ctx->out, "peer %s: XAUTH accepted (%s)\n", peer, st);
			json_object_put(ans);
			return EVSADM_EXIT_OK;
		}
		if (serial && !same && strcmp(st, "waiting for XAUTH")) {
			json_object_put(ans);
			return evsadm_fail(ctx, "peer %s: the gateway refused the login", peer);
		}
		if (!serial && (!strcmp(st, "connected") || !strcmp(st, "down"))) {
			json_object_put(ans);
			return evsadm_fail(ctx, "peer %s is %s, not waiting for XAUTH", peer, st);
		}
		json_object_put(ans);
		if (mono_s() >= deadline)
			return evsadm_fail(ctx, "peer %s: no XAUTH %s within %u s", peer,
					   serial ? "verdict" : "request", timeout);
		sleep_ms(XAUTH_POLL_MS);
	}
}

int evsadm_client(struct evsadm *ctx, int argc, char **argv)
{
	struct evsadm_ctl_req req;
	struct json_object *ans, *res, *arr;
	unsigned timeout;
	struct evs_err e;
	int rc;

	ctx->verb = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
	rc = evsadm_ctl_parsed(ctx, evsadm_client_parse(argc, argv, &req, &timeout, &e), &req,
			       evsadm_client_usage, &e);
	if (rc >= 0)
		return rc;
	rc = EVSADM_EXIT_OK;
	ctx->opt.json |= req.opt.json;
	ctx->opt.pretty |= req.opt.pretty;
	if (!strcmp(req.command, "client-xauth")) {
		rc = client_xauth(ctx, jstr(req.args, "peer"), timeout);
		json_object_put(req.args);
		return rc;
	}
	res = call(ctx, req.command, req.args, &ans);
	if (!res) {
		json_object_put(req.args);
		json_object_put(ans);
		return EVSADM_EXIT_FAIL;
	}
	if (!strcmp(req.command, "client-show")) {
		arr = jget(res, "peers");
		if (ctx->opt.json) {
			evsadm_json_emit(ctx, json_object_get(arr));
		} else {
			for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
				print_peer(ctx->out, json_object_array_get_idx(arr, i));
		}
	} else if (!strcmp(req.command, "client-disconnect")) {
		if (!ctx->opt.json)
			fprintf(ctx->out, "peer %s: disconnected (%llu ISAKMP SA%s ended)\n",
				jstr(req.args, "peer"), jnum(res, "ended"),
				jnum(res, "ended") == 1 ? "" : "s");
	} else if (!ctx->opt.json) {
		fprintf(ctx->out, "peer %s: %s\n", jstr(req.args, "peer"),
			json_object_get_boolean(jget(res, "already")) ? "already connecting or up" :
			"connecting");
	}
	json_object_put(req.args);
	json_object_put(ans);
	return rc;
}
