// SPDX-License-Identifier: MIT
/* evsadm: global options, the object dispatch table, help. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evsadm/evsadm.h"
#include "lib/ctlsock.h"

static const struct evsadm_cmd {
	const char *name;
	int (*fn)(struct evsadm *ctx, int argc, char **argv);
	const char *usage;	/* NULL: the handler prints its own help */
	/* Shortest abbreviation taken: objects added later must not make
	 * an older one's abbreviation ambiguous ("s" stays sa). */
	size_t min_abbrev;
} evsadm_cmds[] = {
	{ "version",	evsadm_version,	evsadm_version_usage, 1 },
	{ "link",	evsadm_link,	evsadm_link_usage, 1 },
	{ "sa",		evsadm_sa,	evsadm_sa_usage, 1 },
	{ "policy",	evsadm_policy,	evsadm_policy_usage, 1 },
	{ "conn",	evsadm_conn,	evsadm_conn_usage, 1 },
	{ "route",	evsadm_route,	evsadm_route_usage, 1 },
	{ "proxy-arp",	evsadm_parp,	evsadm_parp_usage, 1 },
	{ "monitor",	evsadm_monitor,	evsadm_monitor_usage, 1 },
	{ "user",	evsadm_user,	NULL, 1 },
	{ "session",	evsadm_ctl,	NULL, 2 },
	{ "daemon",	evsadm_ctl,	NULL, 1 },
	{ "pool",	evsadm_ctl,	NULL, 3 },
	{ "reload",	evsadm_ctl,	NULL, 3 },
	{ "ike",	evsadm_ctl,	NULL, 1 },
	{ "import-ios",	evsadm_import_ios, NULL, 2 },
	{ "client",	evsadm_client,	NULL, 2 },
};

#define N_CMDS (sizeof(evsadm_cmds) / sizeof(evsadm_cmds[0]))

static const char main_usage[] =
"Usage: evsadm [OPTIONS] OBJECT { COMMAND | help }\n"
"OBJECT  := { version | link | sa | policy | conn | route | proxy-arp | monitor | user |\n"
"             session | daemon | pool | reload | ike | import-ios | client }\n"
"OPTIONS := { -j[son] | -p[retty] | -s[tatistics] | -h[elp] | -V[ersion] |\n"
"             -n[etns] NAME | --socket PATH | -b[atch] FILE | -force }\n"
"  -j  JSON output          -p  pretty JSON (implies -j)\n"
"  -s  counters and current lifetimes\n"
"  -n NAME  run in network namespace NAME (/run/netns/NAME), as ip -n\n"
"  --socket PATH  evsd's control socket (default " EVS_CTL_PATH ")\n"
"  -batch FILE  commands from FILE (- for stdin), one per line, as ip -batch;\n"
"               sa and policy adds go to the kernel many per request\n"
"  -force       with -batch: go on after a failed line (exit 1 at the end)\n"
"session, daemon, pool, reload, ike and client ask evsd (its control socket,\n"
"root only).\n"
"Objects and commands may be abbreviated to a unique prefix (evsadm sa sh).\n"
"`evsadm OBJECT help` shows an object's grammar.\n";

/* -n NAME: the named network namespace of `ip netns`, entered before any
 * socket is opened (cheaper than `ip netns exec`, which starts a process). */
static int enter_netns(const char *name)
{
	char path[sizeof("/run/netns/") + 256];
	int fd;

	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strlen(name) > 255) {
		fprintf(stderr, "evsadm: \"%s\" is not a network namespace name\n", name);
		return -1;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		int err = errno;

		fprintf(stderr, "evsadm: network namespace \"%s\": %s\n", name, strerror(err));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static bool is_help(const char *w)
{
	return w && (!strcmp(w, "help") || !strcmp(w, "-h") || !strcmp(w, "--help"));
}

/* -j, -json, --json, -s, -stats ... as ip accepts them. */
static int parse_option(const char *arg, struct evsadm_opts *o)
{
	const char *w = arg + 1;

	if (*w == '-')
		w++;
	if (!*w)
		return -1;
	if (!strncmp("json", w, strlen(w)))
		o->json = true;
	else if (!strncmp("pretty", w, strlen(w)))
		o->json = o->pretty = true;
	else if (!strncmp("statistics", w, strlen(w)) || !strcmp(w, "stats"))
		o->stats++;
	else if (!strcmp(w, "ss"))	/* -ss, like ip */
		o->stats += 2;
	else
		return -1;
	return 0;
}

int evsadm_main(int argc, char **argv)
{
	struct evsadm ctx = { .out = stdout, .err = stderr };
	/* A listing of 100,000 SAs is about 20 MB: through stdio's default
	 * buffer for a file or pipe (its block size, 4 KiB) that was 5,000
	 * write()s.  Never freed: stdout uses it until exit.  A terminal
	 * keeps its line buffering. */
	enum { OUT_BUF = 256 * 1024 };
	char *out = isatty(STDOUT_FILENO) ? NULL : malloc(OUT_BUF);

	if (out && setvbuf(stdout, out, _IOFBF, OUT_BUF))
		free(out);
	return evsadm_run(&ctx, argc, argv);
}

int evsadm_run(struct evsadm *ctx, int argc, char **argv)
{
	const struct evsadm_cmd *cmd = NULL;
	const char *batch = NULL;
	bool force = false;
	char names[160] = "";
	size_t off = 0;
	int i = 1, ret, match = -1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (is_help(a)) {
			fputs(main_usage, stdout);
			return EVSADM_EXIT_OK;
		}
		if (!strcmp(a, "--socket") || !strcmp(a, "-socket")) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				fprintf(stderr, "evsadm: \"%s\" expects a path\n", a);
				return EVSADM_EXIT_USAGE;
			}
			ctx->opt.socket = argv[++i];
			continue;
		}
		if (!strcmp(a, "-batch") || !strcmp(a, "--batch") || !strcmp(a, "-b")) {
			if (i + 1 >= argc || !argv[i + 1][0] || ctx->in_batch) {
				fprintf(stderr, ctx->in_batch ?
					"evsadm: \"%s\" is not valid inside a batch\n" :
					"evsadm: \"%s\" expects a file name (- for standard input)\n", a);
				return EVSADM_EXIT_USAGE;
			}
			batch = argv[++i];
			continue;
		}
		if (!strcmp(a, "-n") || !strcmp(a, "-netns") || !strcmp(a, "--netns")) {
			if (i + 1 >= argc || ctx->in_batch) {
				fprintf(stderr, ctx->in_batch ?
					"evsadm: \"%s\" is not valid inside a batch\n" :
					"evsadm: \"%s\" expects a network namespace name\n", a);
				return EVSADM_EXIT_USAGE;
			}
			if (enter_netns(argv[++i]))
				return EVSADM_EXIT_FAIL;
			continue;
		}
		if (!strcmp(a, "-force") || !strcmp(a, "--force")) {
			force = true;
			continue;
		}
		if (!strncmp(a, "--socket=", 9)) {
			ctx->opt.socket = a + 9;
			continue;
		}
		if (!strcmp(a, "-V") || !strcmp(a, "--version") || !strcmp(a, "-Version")) {
			printf("evsadm %s\n", EVS_VERSION);
			return EVSADM_EXIT_OK;
		}
		if (parse_option(a, &ctx->opt)) {
			fprintf(stderr, "evsadm: unknown option \"%s\"; try \"evsadm -h\"\n", a);
			return EVSADM_EXIT_USAGE;
		}
	}
	if (batch) {
		if (i < argc) {
			fprintf(stderr, "evsadm: -batch takes no command (\"%s\")\n", argv[i]);
			return EVSADM_EXIT_USAGE;
		}
		ret = evsadm_batch(ctx, batch, force);
		evs_nl_close(ctx->nl);
		ctx->nl = NULL;
		return ret;
	}
	if (i >= argc) {
		fputs(main_usage, stderr);
		return EVSADM_EXIT_USAGE;
	}
	if (is_help(argv[i])) {
		fputs(main_usage, stdout);
		return EVSADM_EXIT_OK;
	}
	for (size_t c = 0; c < N_CMDS; c++) {
		const char *name = evsadm_cmds[c].name;

		off += snprintf(names + off, off < sizeof(names) ? sizeof(names) - off : 0,
				"%s%s", c ? ", " : "", name);
		if (!strcmp(argv[i], name)) {
			match = (int)c;
			break;
		}
		if (!strncmp(argv[i], name, strlen(argv[i])) &&
		    strlen(argv[i]) >= evsadm_cmds[c].min_abbrev)
			match = match == -1 ? (int)c : -2;
	}
	if (match < 0) {
		/* Finish the list for the message. */
		names[0] = '\0';
		off = 0;
		for (size_t c = 0; c < N_CMDS; c++)
			off += snprintf(names + off, sizeof(names) - off, "%s%s", c ? ", " : "",
					evsadm_cmds[c].name);
		fprintf(stderr, "evsadm: %s object \"%s\"; one of %s\n",
			match == -2 ? "ambiguous" : "unknown", argv[i], names);
		return EVSADM_EXIT_USAGE;
	}
	cmd = &evsadm_cmds[match];
	ctx->object = cmd->name;
	/* `evsadm sa help`, `evsadm sa -h`, `evsadm sa add --help`. */
	if (cmd->usage && (is_help(i + 1 < argc ? argv[i + 1] : NULL) ||
			   (i + 2 < argc && is_help(argv[i + 2]) && strcmp(argv[i + 2], "help")))) {
		fputs(cmd->usage, stdout);
		return EVSADM_EXIT_OK;
	}
	ret = cmd->fn(ctx, argc - i, argv + i);
	evs_nl_close(ctx->nl);
	ctx->nl = NULL;
	if (fflush(stdout) == EOF && ret == EVSADM_EXIT_OK) {
		fprintf(stderr, "evsadm: write error on standard output\n");
		ret = EVSADM_EXIT_FAIL;
	}
	return ret;
}
