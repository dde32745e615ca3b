// SPDX-License-Identifier: MIT
/*
 * evsd: the evs IKEv1 daemon, server (Easy VPN gateway) or client.
 *
 *	evsd [-f] [-d] [-c FILE] [--client] [--check-config] [--version]
 *	     [--pid-file FILE] [--socket FILE] [--state-dir DIR] [--keep-sessions]
 *
 * Wiring only: configuration, sockets (net.c), kernel (kernel.c), the
 * engine (ike/engine/), the Easy VPN steps (ezv/), the
 * control socket (ctl.c), the metrics file (metrics.c), all on one event
 * loop (loop.c).  SIGTERM/SIGINT
 * end every session with delete notifies and remove its connections from
 * the kernel before exiting (unless --keep-sessions); SIGUSR2 exits
 * keeping them for the next evsd; SIGHUP and the control socket's "reload"
 * re-read the whole configuration (reload.c).  At start, a gateway
 * adopts the sessions an earlier evsd left records of (state.c) and
 * removes whatever else it left in the kernel.
 *
 * Start-up creates the configured evs device when it is missing and brings
 * it up; only once the sockets are bound and the kernel answers does evsd
 * say it is ready: READY=1 to systemd (Type=notify, -f), or, as a daemon,
 * the parent exits 0 (non-zero when set-up failed).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "evsd/client_ctl.h"
#include "evsd/client/client_host.h"
#include "evsd/config.h"
#include "evsd/ctl.h"
#include "evsd/ctl_cmds.h"
#include "evsd/dae.h"
#include "evsd/evsd.h"
#include "evsd/ha.h"
#include "ezv/easyvpn.h"
#include "ike/engine/ikesa.h"
#include "evsd/kernel.h"
#include "lib/daemon_log.h"
#include "evsd/loop.h"
#include "evsd/metrics.h"
#include "lib/log.h"
#include "evsd/net.h"
#include "evsd/rri.h"
#include "evsd/sdunit.h"
#include "evsd/state.h"
#include "lib/rtnl.h"
#include "lib/secret.h"

#define PID_FILE "/run/evs/evsd.pid"
#define RECONNECT_MS 10000

/* ---- engine ops: net + kernel ---------------------------------------------- */

static int op_send(void *arg, const struct ike_path *p, const uint8_t *b,
		   size_t n)
{
	return net_send(&((struct evsd *)arg)->net, p, b, n);
}

static int op_keepalive(void *arg, const struct ike_path *p)
{
	return net_keepalive(&((struct evsd *)arg)->net, p);
}

static int op_child_add(void *arg, const struct kernel_child *c)
{
	return kernel_child_add(((struct evsd *)arg)->kernel, c);
}

/* Accounting reads the SAs' counters before they leave the kernel. */
static int op_child_del_sas(void *arg, uint32_t conn, uint32_t in, uint32_t out)
{
	ezv_conn_closing(((struct evsd *)arg)->ezv, conn);
	return kernel_child_del_sas(((struct evsd *)arg)->kernel, conn, in, out);
}

static int op_conn_del(void *arg, uint32_t conn)
{
	ezv_conn_closing(((struct evsd *)arg)->ezv, conn);
	return kernel_conn_del(((struct evsd *)arg)->kernel, conn);
}

static int op_out_policy(void *arg, const struct kernel_child *c)
{
	return kernel_out_policy(((struct evsd *)arg)->kernel, c);
}

static void op_client_child_up(void *arg, struct ike_sa *sa, uint32_t conn_id)
{
	struct evsd *d = arg;
	struct ezv_client_info zi;

	client_host_child_up(d->host, sa, conn_id);
	if (d->ezv && sa->peer && !ezv_client_info(d->ezv, sa->peer->name, &zi)) {
		client_host_dns(d->host, sa, zi.pushed);
		client_ctl_session_up(d->client, sa, zi.pushed);
	} else if (d->client) {
		client_ctl_session_up(d->client, sa, NULL);
	}
}

static int op_client_ready(void *arg, struct ike_sa *sa)
{
	struct evsd *d = arg;
	struct ezv_client_info zi;

	if (!d->ezv || !sa->peer || ezv_client_info(d->ezv, sa->peer->name, &zi))
		return 0;
	return client_host_ready(d->host, sa, zi.pushed);
}

static void op_client_child_down(void *arg, struct ike_sa *sa, uint32_t conn_id)
{
	client_host_child_down(((struct evsd *)arg)->host, sa, conn_id);
}

static void op_client_end(void *arg, struct ike_sa *sa)
{
	struct evsd *d = arg;

	client_host_end(d->host, sa);
	if (d->client)
		client_ctl_session_end(d->client, sa);
}

static void op_sa_changed(void *arg, struct ike_sa *sa)
{
	struct evsd *d = arg;

	/* A standby's handover removes the records: the peer has them. */
	if (d->role == EVS_ROLE_SERVER)
		state_sa_changed(&d->state, sa);
	ha_sa_changed(d->ha, sa);
}

static const struct ike_engine_ops evsd_ops = {
	.out_policy = op_out_policy,
	.send = op_send,
	.child_add = op_child_add,
	.child_del_sas = op_child_del_sas,
	.conn_del = op_conn_del,
	.keepalive = op_keepalive,
	.client_child_up = op_client_child_up,
	.client_child_down = op_client_child_down,
	.client_end = op_client_end,
	.client_ready = op_client_ready,
	.sa_changed = op_sa_changed,
};

/* ---- loop callbacks -------------------------------------------------------- */

static void on_net(int fd, void *arg)
{
	struct evsd *d = arg;
	uint64_t now = loop_now_ms();

	ike_engine_set_time(d->eng, now);
	for (unsigned i = 0; i < d->net.n; i++)
		if (d->net.s[i].fd == fd) {
			/* A standby serves nobody (Documentation/ha.md). */
			if (!ha_active(d->ha))
				net_discard(&d->net, i);
			else if (net_read(&d->net, i, d->eng))
				d->net.s[i].read_until = now;
		}
}

static void on_kernel(int fd, void *arg)
{
	struct evsd *d = arg;

	(void)fd;
	ike_engine_set_time(d->eng, loop_now_ms());
	kernel_events(d->kernel, d->eng);
}

static void on_easyvpn(int fd, void *arg)
{
	struct evsd *d = arg;

	(void)fd;
	ike_engine_set_time(d->eng, loop_now_ms());
	ezv_process(d->ezv);
}

/* Client role: keep one ISAKMP SA per configured peer. */
static void client_keepup(struct evsd *d)
{
	uint64_t now = loop_now_ms();

	if (d->role != EVS_ROLE_CLIENT || now < d->next_connect)
		return;
	d->next_connect = now + RECONNECT_MS;
	for (size_t i = 0; i < d->cfg.ike.n_peers; i++) {
		const struct ike_peer *p = &d->cfg.ike.peers[i];
		struct sockaddr_storage local, gw;
		bool have = false;

		if (!client_ctl_wanted(d->client, p))
			continue;	/* connect manual, or disconnected */

		/* Client role: the SAs of its few configured peers (by name:
		 * those begun before a reload point into the old blocks). */
		for (struct ike_sa *sa = d->eng->sas; sa; sa = sa->next)
			have |= sa->peer && !strcmp(sa->peer->name, p->name) &&
				sa->state != IKE_S_DEAD;
		if (have)
			continue;
		if (!client_ctl_gateway(d->client, p, &gw))
			gw = p->server;
		if (net_local_for(&d->net, &gw,
				  d->cfg.ike.port ? d->cfg.ike.port : 500, &local) < 0) {
			log_warn("peer %s: no route to the server", p->name);
			continue;
		}
		ike_engine_connect_to(d->eng, p, &local, &gw);
	}
}

/* The client role's few SAs and its reconnect rounds, and a replaced
 * configuration waiting for its last SA, are looked at this often; a
 * gateway otherwise sleeps until the engine or ezv has something due. */
#define TICK_POLL_MS 250

static void on_tick(void *arg)
{
	struct evsd *d = arg;
	uint64_t now = loop_now_ms(), next;

	d->tick_id = 0;
	ike_engine_set_time(d->eng, now);
	ike_engine_input_read_until(d->eng, net_read_until(&d->net, now));
	next = ike_engine_tick(d->eng);
	if (d->ezv) {
		uint64_t n = ezv_tick(d->ezv, now);

		if (n < next)
			next = n;
	}
	if (d->role == EVS_ROLE_CLIENT)
		client_ctl_tick(d->client);
	client_keepup(d);
	evsd_retired_sweep(d, false);
	if ((d->role == EVS_ROLE_CLIENT || d->retired) && next > TICK_POLL_MS)
		next = TICK_POLL_MS;
	d->tick_at = now + (next ? next : 1);
	d->tick_id = loop_timer(d->loop, d->tick_at, on_tick, d);
}

/* Before the loop sleeps: sessions changed outside a datagram, tick or
 * kernel event (a login's verdict, a command) are recorded; and any of
 * those may have set a timer earlier than the tick's (a retransmission, a
 * new exchange's expiry): the tick comes forward to it. */
static void tick_rearm(void *arg)
{
	struct evsd *d = arg;
	uint64_t due = 0;

	if (d->eng) {
		ike_engine_report_changes(d->eng);
		due = ike_engine_next_due(d->eng);
	}

	if (d->ezv) {
		uint64_t z = ezv_next_due(d->ezv);

		if (z && (!due || z < due))
			due = z;
	}
	if (!d->tick_id || !due || due >= d->tick_at)
		return;
	loop_timer_cancel(d->loop, d->tick_id);
	d->tick_at = due;
	d->tick_id = loop_timer(d->loop, due, on_tick, d);
}

/* `evsadm client connect`: try at once rather than at the next round. */
static void client_kick(void *arg)
{
	struct evsd *d = arg;

	d->next_connect = 0;
	client_keepup(d);
}

/* The control socket's "reload". */
static int ctl_reload(void *arg, struct json_object *args, struct json_object *res,
		      struct evs_err *err)
{
	(void)res;
	if (ctl_args_check(args, NULL, err))
		return -1;
	return evsd_reload(arg, err);
}

/* The control socket's "ha": {"state": "master" | "backup"} sets the
 * role (keepalived's notify script), none shows it. */
static int ctl_ha(void *arg, struct json_object *args, struct json_object *res,
		  struct evs_err *err)
{
	struct evsd *d = arg;
	const char *want = NULL;

	if (ctl_args_check(args, (const char *const[]){ "state", NULL }, err) ||
	    ctl_arg_str(args, "state", &want, err))
		return -1;
	if (!d->ha)
		return evs_errf(err, "no ha section in %s", d->cfg.path);
	if (want && strcmp(want, "master") && strcmp(want, "backup"))
		return evs_errf(err, "state: master or backup, not \"%s\"", want);
	if (want && ha_set_role(d->ha, !strcmp(want, "master"), err) < 0)
		return -1;
	ha_show(d->ha, res);
	return 0;
}

static void on_signal(int fd, void *arg)
{
	struct evsd *d = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			struct evs_err err;

			/* evsd_reload logs what it did or why not. */
			log_notice("SIGHUP: reloading %s", d->cfg.path);
			evsd_reload(d, &err);
			continue;
		}
		/* SIGUSR2: a restart is coming; the sessions stay in the
		 * kernel and in their records for the next evsd. */
		if (si.ssi_signo == SIGUSR2) {
			d->keep_sessions = true;
		} else if (si.ssi_signo == SIGTERM && !d->keep_sessions &&
			   d->role == EVS_ROLE_SERVER) {
			const char *why;

			/* systemctl restart, a package upgrade: keep them;
			 * systemctl stop: end them. */
			d->keep_sessions = sdunit_restarting(&why);
			log_info("SIGTERM: %s", why);
		}
		log_notice("signal %u: shutting down%s", si.ssi_signo,
			   d->keep_sessions ? ", keeping the sessions for the next evsd" : "");
		loop_stop(d->loop);
	}
}

/* ---- start-up ------------------------------------------------------------------ */

static int pid_file(const char *path)
{
	char buf[32];
	int fd;

	mkdir("/run/evs", 0755);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		log_err("%s: another evsd is running", path);
		close(fd);
		return -1;
	}
	if (ftruncate(fd, 0) < 0)
		return -1;
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, strlen(buf)) < 0)
		return -1;
	return fd;		/* held open: the lock lives with it */
}

/* Detach, but keep the first process waiting until the daemon is set up:
 * it exits 0 once daemon_ready() was called, 1 when the daemon died
 * before.  Returns the pipe to daemon_ready(), or -1. */
static int daemonize(void)
{
	int p[2];
	pid_t pid;
	char c = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(c == 'R' ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -1;
	return p[1];
}

/* Set-up is done: release the waiting parent, drop the terminal. */
static void daemon_ready(int ready_fd)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (write(ready_fd, "R", 1) != 1)
		log_warn("cannot tell the parent process that evsd is ready");
	close(ready_fd);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: evsd [-f] [-d] [-c FILE] [--client] [--check-config]\n"
		"            [--version] [--pid-file FILE] [--socket FILE]\n"
		"  -f, --foreground   stay in the foreground, log to stderr (the\n"
		"                     journal under systemd); tells systemd READY=1\n"
		"  -d, --debug        log at debug level\n"
		"  -c, --config FILE  configuration (default %s)\n"
		"      --client       Easy VPN client: connect to every peer block\n"
		"      --check-config check the configuration and exit\n"
		"  -V, --version      print the version and exit\n"
		"      --pid-file FILE  (default %s)\n"
		"      --socket FILE    control socket (default %s)\n"
		"      --state-dir DIR  session records for restarts (default %s;\n"
		"                       --client: its gateway lists, default %s)\n"
		"      --keep-sessions  SIGTERM keeps the sessions for the next evsd\n"
		"                       (as SIGUSR2 always does); default: deleted\n",
		EVSD_CONF_PATH, PID_FILE, EVSD_CTL_PATH, EVSD_STATE_DIR, EVSD_CLIENT_STATE_DIR);
}

/* The signals the loop takes through a signalfd.  Blocked before any
 * thread starts (the AAA worker), or a thread would take them instead. */
static void evsd_signals(sigset_t *ss)
{
	sigemptyset(ss);
	sigaddset(ss, SIGTERM);
	sigaddset(ss, SIGINT);
	sigaddset(ss, SIGHUP);
	sigaddset(ss, SIGUSR2);
	sigprocmask(SIG_BLOCK, ss, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The configured evs device: created (link kind "evs") when missing, and
 * brought up, so that no other unit has to. */
static int device_ensure(const char *ifname)
{
	struct evs_err err;
	struct rtnl *r = rtnl_open(&err);
	bool created;
	int rc;

	if (!r) {
		log_err("%s", err.msg);
		return -1;
	}
	rc = rtnl_link_ensure(r, ifname, "evs", &created, &err);
	rtnl_close(r);
	if (rc < 0) {
		log_err("evs device %s: %s%s", ifname, err.msg,
			rc == -EOPNOTSUPP ? " (is the evs module loaded? modprobe evs)" : "");
		return -1;
	}
	if (created)
		log_notice("created evs device %s", ifname);
	return 0;
}

/* An earlier evsd's sessions whose records and connections are intact
 * are adopted (state.c, Documentation/restart.md); what else it left in
 * the kernel goes before this one serves anybody: a reissued pool
 * address would otherwise meet a stale route or proxy-ARP entry, and the
 * old SAs would live on until their hard lifetime. */
static int adopt_or_remove_leftovers(struct evsd *d)
{
	struct kernel_leftovers l;
	uint32_t *keep = NULL;
	size_t n_keep = 0;
	struct evs_err e;
	int rc;

	if (!d->state.ok)
		log_warn("state: no usable %s; sessions will not survive a restart",
			 d->state.dir);
	ike_engine_set_time(d->eng, loop_now_ms());
	/* An HA standby's kernel holds nothing: it adopts nothing. */
	if (ha_active(d->ha) &&
	    state_adopt(&d->state, d->eng, d->kernel, &keep, &n_keep, &e) < 0)
		log_err("%s; nothing adopted", e.msg);
	/* A standby sends no Accounting-On: it would tell the RADIUS server
	 * that the sessions the active carries (and it takes over) ended. */
	if (ha_active(d->ha))
		ezv_serve(d->ezv, (unsigned)n_keep);
	rc = kernel_remove_leftovers(d->kernel, keep, n_keep, &l, &e);
	free(keep);
	if (rc < 0) {
		log_err("%s", e.msg);
		return -1;
	}
	if (l.conns)
		log_notice("removed %u connection%s left by an earlier evsd (%u SAs, "
			   "%u policies, %u routes, %u proxy-ARP entries)",
			   l.conns, l.conns == 1 ? "" : "s", l.sas, l.policies,
			   l.routes, l.parps);
	return 0;
}

/* net_natt_hook: a new 4500 socket to evs.ko, before it is bound. */
static int natt_attach(void *arg, int fd, int family)
{
	struct evsd *d = arg;

	if (kernel_encap_attach(d->kernel, fd) >= 0)
		return 1;
	if (family != AF_INET6)
		return -1;
	/* IKE over IPv6 still works; NAT-T ESP over it does not */
	log_warn("the IPv6 NAT-T socket is not attached: ESP in UDP "
		 "over IPv6 is not decapsulated");
	return 0;
}

static void natt_release(void *arg)
{
	struct evsd *d = arg;

	kernel_encap_release(d->kernel);
}

static int setup(struct evsd *d, const char *ctl_path)
{
	const struct net_natt_hook natt_hook = { natt_attach, natt_release, d };
	const char *dev = d->cfg.ike.device[0] ? d->cfg.ike.device : "evs0";
	struct evs_err e;
	sigset_t ss;

	if (device_ensure(dev) < 0)
		return -1;
	d->kernel = kernel_open(dev, &e);
	if (!d->kernel) {
		log_err("%s", e.msg);
		return -1;
	}
	/* the client role keeps only its gateway lists there (client_ctl.h) */
	if (state_open(&d->state, d->state_dir, &e) < 0)
		log_warn("%s", e.msg);
	if (d->role == EVS_ROLE_SERVER && d->cfg.ha.enabled) {
		char role_file[sizeof(d->state.dir) + 16];

		snprintf(role_file, sizeof(role_file), "%s.ha-role", d->state_dir);
		d->ha = ha_open(d, &d->cfg.ha, role_file, &e);
		if (!d->ha) {
			log_err("%s", e.msg);
			return -1;
		}
	}
	/* Our 4500 sockets are attached before they are bound, next to
	 * evs.ko's stand-ins (net.h); only then do those go. */
	if (net_open(&d->net, &d->cfg.ike, &natt_hook, &e) < 0) {
		log_err("%s", e.msg);
		return -1;
	}
	kernel_encap_release(d->kernel);
	if (d->role == EVS_ROLE_CLIENT) {
		d->host = client_host_new(NULL);
		if (!d->host)
			return -1;
		client_host_dns_recover(d->host, dev);
	}
	d->eng = ike_engine_new(&d->cfg.ike, d->role, &evsd_ops, d);
	if (!d->eng)
		return -1;
	if (d->cfg.easyvpn || d->role == EVS_ROLE_CLIENT) {
		if (d->role == EVS_ROLE_SERVER && d->cfg.easyvpn &&
		    d->cfg.easyvpn->n_groups) {
			d->rri = rri_open(d->cfg.ike.device, &e);
			if (!d->rri) {
				log_err("easyvpn: %s", e.msg);
				return -1;
			}
		}
		d->ezv = ezv_init(&d->cfg.ike, d->cfg.easyvpn,
				  d->rri ? &rri_ezv_ops : NULL, d->rri, &e);
		if (!d->ezv) {
			log_err("easyvpn: %s", e.msg);
			return -1;
		}
		ezv_attach(d->ezv, d->eng);
	}
	/* After the steps are attached (an adopted session gets its Easy VPN
	 * part and its address back), before the first datagram is read. */
	if (d->role == EVS_ROLE_SERVER && adopt_or_remove_leftovers(d) < 0)
		return -1;
	d->loop = loop_new();
	if (!d->loop)
		return -1;
	if (d->ha)
		ha_start(d->ha);
	if (d->role == EVS_ROLE_CLIENT) {
		d->client_rri = rri_open(dev, &e);
		if (!d->client_rri)
			log_warn("client: %s (no byte counts in evsadm client show)", e.msg);
		d->client = client_ctl_new(d->eng, d->ezv, &d->cfg.ike, d->client_rri,
					   client_kick, d);
		if (!d->client)
			return -1;
		client_ctl_set_host(d->client, d->host);
		client_ctl_set_state(d->client, &d->state);
	}
	d->on_net = on_net;
	d->on_ezv = on_easyvpn;
	for (unsigned i = 0; i < d->net.n; i++)
		loop_add_fd(d->loop, d->net.s[i].fd, on_net, d);
	loop_add_fd(d->loop, kernel_event_fd(d->kernel), on_kernel, d);
	if (d->ezv && ezv_fd(d->ezv) >= 0)
		loop_add_fd(d->loop, ezv_fd(d->ezv), on_easyvpn, d);
	evsd_signals(&ss);
	d->sig_fd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sig_fd < 0)
		return -1;
	loop_add_fd(d->loop, d->sig_fd, on_signal, d);
	d->dae = evsd_dae_open(d->loop, d->ezv, d->cfg.easyvpn, d->eng, &e);
	if (!d->dae && e.msg[0]) {
		log_err("%s", e.msg);
		return -1;
	}
	d->ctl = ctl_open(d->loop, ctl_path, &e);
	if (!d->ctl) {
		log_warn("control socket: %s (evsadm cannot list sessions)", e.msg);
	} else {
		d->ctl_cmds = (struct ctl_cmds){
			.eng = d->eng, .ezv = d->ezv, .start_ms = loop_now_ms(),
			.start_wall = time(NULL),
			.role = d->role == EVS_ROLE_CLIENT ? "client" : "server",
		};
		if (ctl_cmds_register(d->ctl, &d->ctl_cmds) ||
		    ctl_register(d->ctl, "reload", ctl_reload, d) ||
		    ctl_register(d->ctl, "ha", ctl_ha, d) ||
		    (d->client && client_ctl_register(d->ctl, d->client)))
			log_warn("control socket: command table full");
	}
	d->metrics_src = (struct metrics_src){
		.eng = d->eng, .ezv = d->ezv, .kernel = d->kernel,
		.device = dev, .start_time = (uint64_t)time(NULL),
	};
	d->metrics = metrics_start(d->loop, &d->cfg.metrics, &d->metrics_src);
	d->tick_at = loop_now_ms();
	d->tick_id = loop_timer(d->loop, d->tick_at, on_tick, d);
	loop_set_prepoll(d->loop, tick_rearm, d);
	return 0;
}

/* Close a part and forget it: the parts closed after it must not reach it. */
#define DROP(close_fn, part)	\
	do {			\
		close_fn(part);	\
		(part) = NULL;	\
	} while (0)

static void teardown(struct evsd *d, const char *ctl_path)
{
	int fd;

	/* First: the file goes before the figures it shows stop. */
	DROP(metrics_stop, d->metrics);
	if (d->eng && d->keep_sessions) {
		/* Nothing said, nothing removed: the next evsd adopts them.
		 * The engine and its sessions are left to the exit. */
		log_notice("exiting with the sessions kept (%s)", d->state.dir);
		ezv_keep_sessions(d->ezv);
		ike_engine_report_changes(d->eng);
		d->eng = NULL;
	} else if (d->eng) {
		/* Deletes go out and connections leave the kernel here. */
		ike_engine_set_time(d->eng, loop_now_ms());
		DROP(ike_engine_free, d->eng);
	}
	DROP(client_ctl_free, d->client);
	DROP(rri_close, d->client_rri);
	DROP(client_host_free, d->host);
	DROP(evsd_dae_close, d->dae);
	DROP(ezv_shutdown, d->ezv);
	evsd_retired_sweep(d, true);
	DROP(rri_close, d->rri);
	/* Kept sessions' ESP-in-UDP goes on through evs.ko's stand-in
	 * sockets once ours close undetached (kernel/encap.c). */
	if (d->kernel && !d->keep_sessions)
		for (unsigned i = 0; (fd = net_natt_fd(&d->net, i)) >= 0; i++)
			kernel_encap_detach(d->kernel, fd);
	DROP(ha_close, d->ha);
	net_close(&d->net);
	kernel_close(d->kernel);
	DROP(ctl_close, d->ctl);
	loop_free(d->loop);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "client", no_argument, NULL, 'C' },
		{ "check-config", no_argument, NULL, 'K' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "socket", required_argument, NULL, 'S' },
		{ "state-dir", required_argument, NULL, 'D' },
		{ "keep-sessions", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = EVSD_CONF_PATH, *pidf = PID_FILE, *ctl = EVSD_CTL_PATH;
	bool foreground = false, debug = false, check = false;
	struct evsd d;
	struct evs_err err;
	int c, pid_fd, ready_fd = -1, rc = 1;
	bool state_dir_set = false;

	memset(&d, 0, sizeof(d));
	d.sig_fd = -1;
	d.role = EVS_ROLE_SERVER;
	d.state_dir = EVSD_STATE_DIR;
	while ((c = getopt_long(argc, argv, "fdc:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			foreground = true;
			break;
		case 'd':
			debug = true;
			d.debug = true;
			break;
		case 'c':
			conf = optarg;
			break;
		case 'C':
			d.role = EVS_ROLE_CLIENT;
			break;
		case 'K':
			check = true;
			break;
		case 'P':
			pidf = optarg;
			break;
		case 'S':
			ctl = optarg;
			break;
		case 'D':
			d.state_dir = optarg;
			state_dir_set = true;
			break;
		case 'k':
			d.keep_sessions = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("evsd %s\n", EVS_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (d.role == EVS_ROLE_CLIENT && !state_dir_set)
		d.state_dir = EVSD_CLIENT_STATE_DIR;
	if (check)
		return evsd_check_config(conf, d.role == EVS_ROLE_CLIENT, stdout,
					 stderr);
	if (secret_init() < 0) {
		fprintf(stderr, "evsd: libsodium failed to start\n");
		return 1;
	}
	/* A daemon logs to syslog, and to stderr too until it is set up, so
	 * that whoever started it sees why it failed. */
	evsd_log_open("evsd", !foreground);
	if (!foreground)
		evs_log_init("evsd", EVS_LOG_SYSLOG | EVS_LOG_STDERR, evs_log_level());
	if (evsd_config_load(conf, &d.cfg, &err) < 0) {
		log_err("%s", err.msg);
		return 1;
	}
	if (debug)
		evsd_log_set_level(EVSD_LOG_DEBUG);
	else if (d.cfg.ike.log_level)
		evsd_log_set_level((enum evsd_log_level)d.cfg.ike.log_level);
	if (evsd_config_check_role(&d.cfg, d.role == EVS_ROLE_CLIENT, &err) < 0) {
		log_err("%s", err.msg);
		goto out_cfg;
	}
	if (!foreground) {
		ready_fd = daemonize();
		if (ready_fd < 0) {
			log_err("cannot daemonize: %s", strerror(errno));
			goto out_cfg;
		}
	}
	pid_fd = pid_file(pidf);
	if (pid_fd < 0)
		goto out_cfg;
	{
		sigset_t ss;

		evsd_signals(&ss);
	}
	if (setup(&d, ctl) == 0) {
		log_notice("evsd %s started as %s", EVS_VERSION,
			   d.role == EVS_ROLE_CLIENT ? "client" : "server");
		if (ready_fd >= 0) {
			daemon_ready(ready_fd);
			evs_log_init("evsd", EVS_LOG_SYSLOG, evs_log_level());
		}
		sd_notifyf(0, "READY=1\nSTATUS=serving on %s as %s",
			   d.cfg.ike.device[0] ? d.cfg.ike.device : "evs0",
			   d.role == EVS_ROLE_CLIENT ? "client" : "server");
		rc = loop_run(d.loop) < 0;
		sd_notify(0, "STOPPING=1");
	}
	teardown(&d, ctl);
	unlink(pidf);
	close(pid_fd);
	log_notice("evsd stopped");
out_cfg:
	evsd_config_free(&d.cfg);
	return rc;
}
