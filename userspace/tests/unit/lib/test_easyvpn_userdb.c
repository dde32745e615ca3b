// SPDX-License-Identifier: MIT
/* The local user file: parsing errors with file:line, round trip, verify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/userdb.h"
#include "tests/unit/unit.h"

static int parse(struct userdb *db, const char *text, struct evs_err *err)
{
	return userdb_parse(db, text, strlen(text), "users", err);
}

UNIT_TEST(errors_name_file_and_line)
{
	struct userdb db;
	struct evs_err err;
	char good[USERDB_HASH_MAX];
	char text[1024];

	userdb_init(&db);
	/* a real hash to put around the broken lines */
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "x", "g", "pw", USERDB_COST_MIN, &err), 0);
	strcpy(good, db.users[0].hash);
	userdb_free(&db);

	snprintf(text, sizeof(text), "# users\n\nalice sales %s\nbob\n", good);
	UNIT_ASSERT_EQ_INT(parse(&db, text, &err), -1);
	UNIT_ASSERT_EQ_STR(err.msg, "users:4: user \"bob\" has no group and no password hash");

	snprintf(text, sizeof(text), "alice sales %s\nbob sales\n", good);
	UNIT_ASSERT_EQ_INT(parse(&db, text, &err), -1);
	UNIT_ASSERT_EQ_STR(err.msg, "users:2: user \"bob\" has no password hash");

	snprintf(text, sizeof(text), "alice sales %s\n  alice other %s\n", good, good);
	UNIT_ASSERT_EQ_INT(parse(&db, text, &err), -1);
	UNIT_ASSERT_EQ_STR(err.msg, "users:2: user \"alice\" already defined on line 1");

	UNIT_ASSERT_EQ_INT(parse(&db, "\n\ncarol sales plaintext\n", &err), -1);
	UNIT_ASSERT(!strncmp(err.msg, "users:3: password of \"carol\" is not an argon2id hash", 52));

	UNIT_ASSERT_EQ_INT(parse(&db, "c$rol sales x\n", &err), -1);
	UNIT_ASSERT(!strncmp(err.msg, "users:1: invalid user name \"c$rol\"", 34));

	snprintf(text, sizeof(text), "dave sa@les %s\n", good);
	UNIT_ASSERT_EQ_INT(parse(&db, text, &err), -1);
	UNIT_ASSERT(!strncmp(err.msg, "users:1: invalid group name", 27));

	snprintf(text, sizeof(text), "dave sales %s extra\n", good);
	UNIT_ASSERT_EQ_INT(parse(&db, text, &err), -1);
	UNIT_ASSERT(!strncmp(err.msg, "users:1: unexpected fourth field", 32));

	/* argon2i (not id) is refused */
	UNIT_ASSERT_EQ_INT(parse(&db, "erin g $argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA\n", &err), -1);
	UNIT_ASSERT(strstr(err.msg, "users:1:"));
	UNIT_ASSERT_EQ_INT(db.n, 0);

	UNIT_ASSERT_EQ_INT(userdb_parse(&db, "a\0b", 3, "users", &err), -1);
	UNIT_ASSERT_EQ_STR(err.msg, "users:1: NUL byte in line");

	/* comments, CRLF and a trailing comment field are fine */
	snprintf(text, sizeof(text), "# x\r\nalice sales %s # boss\r\n", good);
	UNIT_ASSERT_EQ_INT(parse(&db, text, &err), 0);
	UNIT_ASSERT_EQ_INT(db.n, 1);
	UNIT_ASSERT_EQ_INT(db.users[0].line, 2);
	userdb_free(&db);
}

UNIT_TEST(add_save_load_verify)
{
	char dir[] = "/tmp/evs-userdb-XXXXXX", path[64];
	struct userdb db, db2;
	struct evs_err err;
	const char *group = NULL;
	struct stat st;

	UNIT_ASSERT(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/users", dir);
	userdb_init(&db);
	userdb_init(&db2);
	UNIT_ASSERT_EQ_INT(userdb_load(&db, path, true, &err), 0);
	UNIT_ASSERT_EQ_INT(userdb_load(&db, path, false, &err), -1);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "alice", "sales", "correct horse", USERDB_COST_MIN, &err), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "bob@corp", "eng", "battery", USERDB_COST_MIN, &err), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "alice", "x", "y", USERDB_COST_MIN, &err), -1);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "zed", "x", "", USERDB_COST_MIN, &err), -1);
	UNIT_ASSERT(!strncmp(db.users[0].hash, "$argon2id$", 10));
	UNIT_ASSERT_EQ_INT(userdb_save(&db, path, &err), 0);
	UNIT_ASSERT_EQ_INT(stat(path, &st), 0);
	UNIT_ASSERT_EQ_INT(st.st_mode & 0777, 0600);

	UNIT_ASSERT_EQ_INT(userdb_load(&db2, path, false, &err), 0);
	UNIT_ASSERT_EQ_INT(db2.n, 2);
	UNIT_ASSERT(userdb_verify(&db2, "alice", "correct horse", 13, &group));
	UNIT_ASSERT_EQ_STR(group, "sales");
	UNIT_ASSERT(!userdb_verify(&db2, "alice", "correct horsf", 13, NULL));
	UNIT_ASSERT(!userdb_verify(&db2, "nobody", "correct horse", 13, NULL));
	{
		/* an unknown user costs an argon2 run of the database's cost */
		char dummy[USERDB_HASH_MAX];
		unsigned long long t;
		size_t m;

		UNIT_ASSERT(sscanf(db2.users[0].hash, "$argon2id$v=19$m=%zu,t=%llu", &m,
				   &t) == 2);
		userdb_dummy_hash(&db2, dummy);
		UNIT_ASSERT_EQ_INT(crypto_pwhash_str_needs_rehash(dummy, t, m * 1024), 0);
		UNIT_ASSERT(crypto_pwhash_str_verify(dummy, "correct horse", 13) != 0);
	}
	UNIT_ASSERT(userdb_verify(&db2, "bob@corp", "battery", 7, NULL));

	UNIT_ASSERT_EQ_INT(userdb_set_password(&db2, "bob@corp", "staple", USERDB_COST_MIN, &err), 0);
	UNIT_ASSERT(!userdb_verify(&db2, "bob@corp", "battery", 7, NULL));
	UNIT_ASSERT(userdb_verify(&db2, "bob@corp", "staple", 6, NULL));
	UNIT_ASSERT_EQ_INT(userdb_del(&db2, "alice", &err), 0);
	UNIT_ASSERT_EQ_INT(userdb_del(&db2, "alice", &err), -1);
	UNIT_ASSERT_EQ_STR(err.msg, "no user \"alice\"");
	UNIT_ASSERT_EQ_INT(db2.n, 1);
	UNIT_ASSERT_EQ_INT(userdb_save(&db2, path, &err), 0);
	UNIT_ASSERT_EQ_INT(userdb_load(&db, path, false, &err), 0);
	UNIT_ASSERT_EQ_INT(db.n, 1);
	UNIT_ASSERT(!userdb_find(&db, "alice"));
	userdb_free(&db);
	userdb_free(&db2);
	unlink(path);
	rmdir(dir);
}

UNIT_TEST(cost_names)
{
	UNIT_ASSERT_EQ_INT(userdb_cost_parse("interactive"), USERDB_COST_INTERACTIVE);
	UNIT_ASSERT_EQ_INT(userdb_cost_parse("min"), USERDB_COST_MIN);
	UNIT_ASSERT_EQ_INT(userdb_cost_parse("huge"), -1);
	UNIT_ASSERT(userdb_name_valid("a.b-c_d+e@f", false));
	UNIT_ASSERT(!userdb_name_valid("a@b", true));
	UNIT_ASSERT(!userdb_name_valid("", false));
}

UNIT_MAIN()
