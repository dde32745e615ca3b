// SPDX-License-Identifier: MIT
/*
 * evsd_reload (evsd/reload.c) on a daemon without engine, kernel or loop:
 * a configuration with an error changes nothing and says file:line; the
 * device cannot change; a good one replaces the configuration and the
 * listen sockets (those that stay are kept, the others closed), and the
 * replaced configuration is freed once nothing uses it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "evsd/dae.h"
#include "evsd/evsd.h"
#include "ezv/easyvpn.h"
#include "lib/daemon_log.h"
#include "tests/unit/conf_text.h"
#include "tests/unit/unit.h"
#include "tests/unit/log_capture.h"

static const char conf_fmt[] =
	"device evs0\n"
	"listen 127.0.0.1\n"
	"ports %u %u\n"
	CONF_IKE_POLICY_10
	"%s";

static void write_conf(const char *path, unsigned port, const char *extra)
{
	FILE *f = fopen(path, "w");

	UNIT_ASSERT(f);
	fprintf(f, conf_fmt, port, port + 1, extra);
	fclose(f);
}

/* A daemon as far as a reload sees it: its configuration loaded and its
 * sockets open, nothing else. */
static void daemon_up(struct evsd *d, const char *path)
{
	struct evs_err err;

	memset(d, 0, sizeof(*d));
	d->role = EVS_ROLE_SERVER;
	if (evsd_config_load(path, &d->cfg, &err) < 0)
		UNIT_FAIL("%s", err.msg);
	if (net_open(&d->net, &d->cfg.ike, NULL, &err) < 0)
		UNIT_FAIL("%s", err.msg);
}

static void daemon_down(struct evsd *d)
{
	net_close(&d->net);
	evsd_retired_sweep(d, true);
	evsd_config_free(&d->cfg);
}

static unsigned base_port(void)
{
	return 20000 + (unsigned)getpid() % 20000;
}

UNIT_TEST(a_configuration_with_an_error_changes_nothing)
{
	char *path = unit_tmpfile("");
	struct evsd *d = calloc(1, sizeof(*d));
	struct cfg_node *tree;
	struct p1_policy *pol;
	struct evs_err err;
	int fd;

	UNIT_ASSERT(d);
	evsd_log_set_quiet(true);
	write_conf(path, base_port(), "");
	daemon_up(d, path);
	tree = d->cfg.tree;
	pol = d->cfg.ike.policies;
	fd = d->net.s[0].fd;
	/* line 11: a group block never closed */
	write_conf(path, base_port() + 10, "pool p 10.77.0.10 10.77.0.20\ngroup g {\n");
	unit_logged[0] = '\0';
	evsd_log_set_hook(unit_log_hook, NULL);
	UNIT_ASSERT_EQ_INT(evsd_reload(d, &err), -1);
	evsd_log_set_hook(NULL, NULL);
	UNIT_ASSERT(!strncmp(err.msg, path, strlen(path)));
	UNIT_ASSERT(err.msg[strlen(path)] == ':' && strstr(err.msg, ":11:"));
	UNIT_ASSERT(strstr(unit_logged, "the running configuration stays"));
	UNIT_ASSERT(strstr(unit_logged, err.msg));
	/* nothing moved: the same configuration, the same sockets */
	UNIT_ASSERT(d->cfg.tree == tree && d->cfg.ike.policies == pol);
	UNIT_ASSERT(d->retired == NULL);
	UNIT_ASSERT_EQ_INT(d->net.n, 2);
	UNIT_ASSERT_EQ_INT(d->net.s[0].fd, fd);
	/* an unknown directive: refused the same way */
	write_conf(path, base_port() + 10, "no-such-directive 1\n");
	UNIT_ASSERT_EQ_INT(evsd_reload(d, &err), -1);
	UNIT_ASSERT(strstr(err.msg, ":10:"));
	UNIT_ASSERT(d->cfg.tree == tree && d->retired == NULL);
	daemon_down(d);
	free(d);
	unlink(path);
	free(path);
}

UNIT_TEST(the_device_cannot_change_on_reload)
{
	char *path = unit_tmpfile("");
	struct evsd *d = calloc(1, sizeof(*d));
	struct cfg_node *tree;
	struct evs_err err;
	FILE *f;

	UNIT_ASSERT(d);
	evsd_log_set_quiet(true);
	write_conf(path, base_port() + 20, "");
	daemon_up(d, path);
	tree = d->cfg.tree;
	f = fopen(path, "w");
	UNIT_ASSERT(f);
	fprintf(f, "device evs9\n");
	fprintf(f, conf_fmt + strlen("device evs0\n"), base_port() + 20, base_port() + 21, "");
	fclose(f);
	UNIT_ASSERT_EQ_INT(evsd_reload(d, &err), -1);
	UNIT_ASSERT(strstr(err.msg, "cannot change from evs0 to evs9"));
	UNIT_ASSERT(d->cfg.tree == tree && d->retired == NULL);
	daemon_down(d);
	free(d);
	unlink(path);
	free(path);
}

UNIT_TEST(a_good_configuration_replaces_the_old_and_its_sockets)
{
	char *path = unit_tmpfile("");
	struct evsd *d = calloc(1, sizeof(*d));
	struct evs_err err;
	int fd500, fd4500;

	UNIT_ASSERT(d);
	evsd_log_set_quiet(true);
	write_conf(path, base_port() + 30, "");
	daemon_up(d, path);
	fd500 = d->net.s[0].fd;
	fd4500 = d->net.s[1].fd;
	/* the same listen address and ports, one more policy */
	write_conf(path, base_port() + 30,
		   "crypto isakmp policy 20 {\n    encryption 3des\n    hash sha\n"
		   "    authentication pre-share\n    group 14\n}\n");
	UNIT_ASSERT_EQ_INT(evsd_reload(d, &err), 0);
	UNIT_ASSERT_EQ_INT(d->cfg.ike.n_policies, 2);
	UNIT_ASSERT_EQ_INT(d->net.n, 2);
	UNIT_ASSERT_EQ_INT(d->net.s[0].fd, fd500);
	UNIT_ASSERT_EQ_INT(d->net.s[1].fd, fd4500);
	/* no engine: nothing holds the old one, the reload freed it */
	UNIT_ASSERT(d->retired == NULL);
	/* other ports: new sockets, the old ones closed */
	write_conf(path, base_port() + 40, "");
	UNIT_ASSERT_EQ_INT(evsd_reload(d, &err), 0);
	UNIT_ASSERT_EQ_INT(d->cfg.ike.n_policies, 1);
	UNIT_ASSERT_EQ_INT(d->net.n, 2);
	UNIT_ASSERT_EQ_INT(d->cfg.ike.port, base_port() + 40);
	/* the new ones were bound before the old ones closed */
	UNIT_ASSERT(d->net.s[0].fd != fd500 && d->net.s[1].fd != fd4500);
	UNIT_ASSERT(fcntl(fd500, F_GETFD) < 0 && errno == EBADF);
	UNIT_ASSERT(fcntl(fd4500, F_GETFD) < 0 && errno == EBADF);
	daemon_down(d);
	free(d);
	unlink(path);
	free(path);
}

/* Whether UDP port on 127.0.0.1 is free (bound, no SO_REUSEADDR, closed);
 * hold: keep it bound and return the descriptor instead. */
static int udp_free(unsigned port, bool hold)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ok;

	UNIT_ASSERT(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (hold && ok)
		return fd;
	close(fd);
	return ok;
}

static void write_dae_conf(const char *path, unsigned port, unsigned dae_port)
{
	char extra[512];

	snprintf(extra, sizeof(extra),
		 "user-database /nonexistent/evs-reload-users\n"
		 "aaa {\n  dynamic-authorization {\n    port %u\n    listen 127.0.0.1\n"
		 "    client 127.0.0.1 {\n      key \"dae-Secret-4711\"\n    }\n  }\n}\n",
		 dae_port);
	write_conf(path, port, extra);
}

/* The RFC 5176 socket follows its port on reload: kept when it stays, a
 * new one bound before the old one closes, and a port that cannot be
 * bound refuses the reload with the running socket kept. */
UNIT_TEST(the_dynamic_authorization_socket_follows_a_reload)
{
	char *path = unit_tmpfile("");
	struct evsd *d = calloc(1, sizeof(*d));
	unsigned p = base_port() + 50, dp = base_port() + 60;
	struct evsd_dae *first;
	struct evs_err err;
	int busy;

	UNIT_ASSERT(d);
	evsd_log_set_quiet(true);
	write_dae_conf(path, p, dp);
	daemon_up(d, path);
	d->ezv = ezv_init(&d->cfg.ike, d->cfg.easyvpn, NULL, NULL, &err);
	UNIT_ASSERT(d->ezv);
	d->dae = evsd_dae_open(NULL, d->ezv, d->cfg.easyvpn, NULL, &err);
	UNIT_ASSERT(d->dae);
	first = d->dae;
	UNIT_ASSERT(!udp_free(dp, false));
	/* unchanged: the same socket */
	UNIT_ASSERT_EQ_INT(evsd_reload(d, &err), 0);
	UNIT_ASSERT(d->dae == first);
	/* another port that is taken: refused, the running socket stays */
	busy = udp_free(dp + 1, true);
	UNIT_ASSERT(busy > 1);
	write_dae_conf(path, p, dp + 1);
	UNIT_ASSERT_EQ_INT(evsd_reload(d, &err), -1);
	UNIT_ASSERT(strstr(err.msg, "dynamic-authorization socket"));
	UNIT_ASSERT(d->dae == first);
	UNIT_ASSERT(!udp_free(dp, false));
	close(busy);
	/* now free: a new socket there, the old port let go */
	UNIT_ASSERT_EQ_INT(evsd_reload(d, &err), 0);
	UNIT_ASSERT(d->dae && !udp_free(dp + 1, false));
	UNIT_ASSERT(udp_free(dp, false));
	/* the block removed: no socket */
	write_conf(path, p, "user-database /nonexistent/evs-reload-users\n");
	UNIT_ASSERT_EQ_INT(evsd_reload(d, &err), 0);
	UNIT_ASSERT(d->dae == NULL);
	UNIT_ASSERT(udp_free(dp + 1, false));
	ezv_shutdown(d->ezv);
	daemon_down(d);
	free(d);
	unlink(path);
	free(path);
}

UNIT_MAIN()
