// SPDX-License-Identifier: MIT
/* The ha { } section and its key file (evsd/ha.c, Documentation/ha.md). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evsd/ha.h"
#include "lib/daemon_log.h"
#include "lib/secret.h"
#include "tests/unit/unit.h"

static int load(const char *text, struct ha_config *hc, struct evs_err *err)
{
	struct cfg_node *root = cfg_parse_string(text, "evsd.conf", err);
	int rc;

	if (!root)
		return -1;
	rc = ha_config_load(root, hc, err);
	cfg_free(root);
	return rc;
}

UNIT_TEST(config_values_and_defaults)
{
	struct ha_config hc;
	struct evs_err err;

	UNIT_ASSERT_EQ_INT(load("listen 198.51.100.1\n", &hc, &err), 0);
	UNIT_ASSERT(!hc.enabled);
	UNIT_ASSERT_EQ_INT(load("ha {\n    peer 192.168.77.12\n    local 192.168.77.11\n"
				"    key-file /etc/evs/ha.key\n}\n", &hc, &err), 0);
	UNIT_ASSERT(hc.enabled);
	UNIT_ASSERT_EQ_INT(ntohs(((struct sockaddr_in *)&hc.peer)->sin_port), HA_PORT_DEFAULT);
	UNIT_ASSERT_EQ_INT(ntohs(((struct sockaddr_in *)&hc.local)->sin_port), HA_PORT_DEFAULT);
	UNIT_ASSERT_EQ_INT(hc.max_sessions, HA_MAX_SESSIONS_DEFAULT);
	UNIT_ASSERT_EQ_INT(hc.seq_rate, HA_SEQ_RATE_DEFAULT);
	UNIT_ASSERT_EQ_STR(hc.key_file, "/etc/evs/ha.key");
	UNIT_ASSERT_EQ_INT(load("ha {\n    peer 192.168.77.12\n    key-file /k\n    port 5000\n"
				"    max-sessions 10\n    seq-rate 5000\n}\n", &hc, &err), 0);
	UNIT_ASSERT_EQ_INT(ntohs(((struct sockaddr_in *)&hc.peer)->sin_port), 5000);
	UNIT_ASSERT_EQ_INT(hc.local.ss_family, AF_INET);	/* any, of the peer's family */
	UNIT_ASSERT_EQ_INT(hc.max_sessions, 10);
	UNIT_ASSERT_EQ_INT(hc.seq_rate, 5000);
}

UNIT_TEST(config_errors_carry_file_and_line)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "ha {\n    key-file /k\n}\n", "evsd.conf:1: ha needs peer" },
		{ "ha {\n    peer 192.168.77.12\n}\n", "evsd.conf:1: ha needs peer" },
		{ "ha {\n    peer 192.168.77.12\n    key-file k\n}\n", "evsd.conf:3:" },
		{ "ha {\n    peer 192.168.77.12\n    key-file /k\n    port 0\n}\n", "evsd.conf:4:" },
		{ "ha {\n    peer 192.168.77.12\n    key-file /k\n    colour blue\n}\n",
		  "evsd.conf:4: ha: unknown directive 'colour'" },
		{ "ha {\n    peer 192.168.77.12\n    local 2001:db8::1\n    key-file /k\n}\n",
		  "evsd.conf:1: ha: local and peer are of different families" },
		{ "ha {\n    peer 192.168.77.12\n    key-file /k\n}\nha {\n}\n",
		  "evsd.conf:5: ha given twice" },
		{ "ha {\n    peer 192.168.77.12\n    key-file /k\n    seq-rate 10\n}\n",
		  "evsd.conf:4:" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ha_config hc;
		struct evs_err err = { 0 };

		if (load(bad[i].text, &hc, &err) != -1 ||
		    strncmp(err.msg, bad[i].want, strlen(bad[i].want)))
			UNIT_FAIL("case %zu: \"%s\", want \"%s\"", i, err.msg, bad[i].want);
	}
}

static void key_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	UNIT_ASSERT(fd >= 0);
	UNIT_ASSERT_EQ_INT((int)write(fd, text, strlen(text)), (int)strlen(text));
	UNIT_ASSERT_EQ_INT(fchmod(fd, mode), 0);
	close(fd);
}

/* The key file is vetted as the other secret files, and stricter: one
 * that others may read is refused, not just warned about. */
UNIT_TEST(key_file_is_vetted)
{
	static const char key[] =
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
	char dir[] = "/tmp/evs-ha-XXXXXX", path[64], role[64];
	struct ha_config hc;
	struct evs_err err;
	struct ha *h;

	evsd_log_set_quiet(true);
	UNIT_ASSERT(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ha.key", dir);
	snprintf(role, sizeof(role), "%s/role", dir);
	UNIT_ASSERT_EQ_INT(load("ha {\n    peer 127.0.0.2\n    local 127.0.0.1\n    port 0\n"
				"    key-file /k\n}\n", &hc, &err), -1);
	UNIT_ASSERT_EQ_INT(load("ha {\n    peer 127.0.0.2\n    local 127.0.0.1\n    port 47519\n"
				"    key-file /k\n}\n", &hc, &err), 0);
	snprintf(hc.key_file, sizeof(hc.key_file), "%s", path);

	key_file(path, key, 0644);
	h = ha_open(NULL, &hc, role, &err);
	UNIT_ASSERT(!h);
	UNIT_ASSERT(strstr(err.msg, "readable by everyone") && strstr(err.msg, "refused"));

	key_file(path, key, 0622);
	UNIT_ASSERT(!ha_open(NULL, &hc, role, &err));
	UNIT_ASSERT(strstr(err.msg, "writable"));

	key_file(path, "00112233\n", 0600);
	UNIT_ASSERT(!ha_open(NULL, &hc, role, &err));
	UNIT_ASSERT(strstr(err.msg, "not 64 hexadecimal digits"));

	key_file(path, "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		 0600);
	UNIT_ASSERT(!ha_open(NULL, &hc, role, &err));

	key_file(path, key, 0600);
	h = ha_open(NULL, &hc, role, &err);
	if (!h)
		UNIT_FAIL("refused: %s", err.msg);
	UNIT_ASSERT(!ha_active(h));	/* no role file: the standby */
	ha_close(h);

	key_file(role, "master\n", 0600);
	h = ha_open(NULL, &hc, role, &err);
	UNIT_ASSERT(h && ha_active(h));	/* this boot's evsd was told so */

	/* A reload re-reads the key file, vetted the same way. */
	{
		struct ha_config nc = hc;
		uint8_t k[HA_KEY_BYTES];

		key_file(path, key, 0644);
		UNIT_ASSERT_EQ_INT(ha_reload_prepare(h, &nc, k, &err), -1);
		UNIT_ASSERT(strstr(err.msg, "refused"));
		key_file(path, key, 0600);
		nc.seq_rate = 5000;
		((struct sockaddr_in *)&nc.local)->sin_port = htons(47520);
		/* a new port: logged as needing a restart, the rest applies */
		UNIT_ASSERT_EQ_INT(ha_reload_prepare(h, &nc, k, &err), 0);
		UNIT_ASSERT_EQ_INT(k[0], 0x00);
		UNIT_ASSERT_EQ_INT(k[1], 0x11);
		ha_reload_commit(h, &nc, k);
		{
			struct json_object *o = json_object_new_object(), *v;

			ha_show(h, o);
			UNIT_ASSERT(json_object_object_get_ex(o, "seq_rate", &v));
			UNIT_ASSERT_EQ_INT(json_object_get_int(v), 5000);
			json_object_put(o);
		}
		nc.enabled = false;
		UNIT_ASSERT_EQ_INT(ha_reload_prepare(h, &nc, k, &err), 0);
		UNIT_ASSERT_EQ_INT(ha_reload_prepare(NULL, &hc, k, &err), 0);
	}
	ha_close(h);

	unlink(path);
	unlink(role);
	rmdir(dir);
}

UNIT_MAIN()

/* A standby whose request the active dropped (one request a second: a
 * request sent on a gap right after a full sync is dropped) asks again
 * on its next tick, even though it once synced with that run; before,
 * it asked only while it had synced with no run, and waited for the
 * next lost datagram to ask again, if ever. */
UNIT_TEST(standby_asks_again_until_answered)
{
	UNIT_ASSERT(ha_standby_asks(false, false, false));	/* never synced */
	UNIT_ASSERT(ha_standby_asks(false, false, true));
	UNIT_ASSERT(ha_standby_asks(false, true, true));	/* a request unanswered */
	UNIT_ASSERT(!ha_standby_asks(false, true, false));	/* synced, nothing asked */
	UNIT_ASSERT(!ha_standby_asks(true, false, false));	/* the active never asks */
	UNIT_ASSERT(!ha_standby_asks(true, true, true));
}
