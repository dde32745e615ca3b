// SPDX-License-Identifier: MIT
/* The local user database file; see userdb.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/log.h"
#include "lib/secfile.h"
#include "lib/userdb.h"

#define USERDB_FILE_MAX (16u << 20)	/* 16 MiB: ~100k users */

static int uerr(struct evs_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int uerr(struct evs_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int userdb_cost_parse(const char *word)
{
	static const char *const names[] = {
		[USERDB_COST_INTERACTIVE] = "interactive",
		[USERDB_COST_MODERATE] = "moderate",
		[USERDB_COST_SENSITIVE] = "sensitive",
		[USERDB_COST_MIN] = "min",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(word, names[i]))
			return (int)i;
	return -1;
}

void userdb_init(struct userdb *db)
{
	memset(db, 0, sizeof(*db));
}

void userdb_free(struct userdb *db)
{
	if (db->users)
		sodium_memzero(db->users, db->cap * sizeof(*db->users));
	free(db->users);
	userdb_init(db);
}

bool userdb_name_valid(const char *name, bool is_group)
{
	size_t n = strlen(name);

	if (n == 0 || n > USERDB_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' || c == '+')
			continue;
		if (c == '@' && !is_group)
			continue;
		return false;
	}
	return true;
}

struct userdb_user *userdb_find(const struct userdb *db, const char *name)
{
	for (size_t i = 0; i < db->n; i++)
		if (!strcmp(db->users[i].name, name))
			return &db->users[i];
	return NULL;
}

static struct userdb_user *userdb_append(struct userdb *db)
{
	if (db->n == db->cap) {
		size_t cap = db->cap ? db->cap * 2 : 16;
		struct userdb_user *u = calloc(cap, sizeof(*u));

		if (!u)
			return NULL;
		if (db->users) {
			memcpy(u, db->users, db->n * sizeof(*u));
			sodium_memzero(db->users, db->cap * sizeof(*u));
			free(db->users);
		}
		db->users = u;
		db->cap = cap;
	}
	memset(&db->users[db->n], 0, sizeof(db->users[0]));
	return &db->users[db->n++];
}

/* An argon2id string as crypto_pwhash_str_alg() writes it. */
static bool hash_valid(const char *h)
{
	unsigned v, m, t, p;
	int n = 0;

	if (strlen(h) >= USERDB_HASH_MAX)
		return false;
	if (sscanf(h, "$argon2id$v=%u$m=%u,t=%u,p=%u$%n", &v, &m, &t, &p, &n) != 4 || !n)
		return false;
	/* salt$hash: base64 without padding, exactly one more '$' */
	const char *rest = h + n, *dollar = strchr(rest, '$');

	if (!dollar || dollar == rest || !dollar[1] || strchr(dollar + 1, '$'))
		return false;
	for (const char *c = rest; *c; c++)
		if (*c != '$' && *c != '+' && *c != '/' &&
		    !(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9'))
			return false;
	return v == 19 && t >= 1 && m >= 8 && p >= 1;
}

/* Split the next blank-separated field off *p (within one line). */
static char *next_field(char **p)
{
	char *s = *p, *start;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	start = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return start;
}

static int parse_line(struct userdb *db, char *line, const char *name,
		      unsigned lineno, struct evs_err *err)
{
	char *p = line, *user, *group, *hash, *extra;
	struct userdb_user *u, *dup;

	user = next_field(&p);
	if (!user || user[0] == '#')
		return 0;
	group = next_field(&p);
	hash = group ? next_field(&p) : NULL;
	extra = hash ? next_field(&p) : NULL;
	if (!group)
		return uerr(err, "%s:%u: user \"%.63s\" has no group and no password hash", name,
			    lineno, user);
	if (!hash)
		return uerr(err, "%s:%u: user \"%.63s\" has no password hash", name, lineno, user);
	if (extra && extra[0] != '#')
		return uerr(err, "%s:%u: unexpected fourth field (expected NAME GROUP HASH)",
			    name, lineno);
	if (!userdb_name_valid(user, false))
		return uerr(err, "%s:%u: invalid user name \"%.63s\" (1-63 of A-Z a-z 0-9 . _ - + @)",
			    name, lineno, user);
	if (!userdb_name_valid(group, true))
		return uerr(err, "%s:%u: invalid group name \"%.63s\" (1-63 of A-Z a-z 0-9 . _ - +)",
			    name, lineno, group);
	if (!hash_valid(hash))
		return uerr(err, "%s:%u: password of \"%s\" is not an argon2id hash "
			    "(set it with: evsadm user passwd %s)", name, lineno, user, user);
	dup = userdb_find(db, user);
	if (dup)
		return uerr(err, "%s:%u: user \"%s\" already defined on line %u", name, lineno,
			    user, dup->line);
	u = userdb_append(db);
	if (!u)
		return uerr(err, "%s:%u: out of memory", name, lineno);
	strcpy(u->name, user);
	strcpy(u->group, group);
	strcpy(u->hash, hash);
	u->line = lineno;
	return 0;
}

int userdb_parse(struct userdb *db, const char *text, size_t len,
		 const char *name, struct evs_err *err)
{
	char line[1024];
	unsigned lineno = 0;
	size_t pos = 0;

	userdb_free(db);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (n >= sizeof(line)) {
			uerr(err, "%s:%u: line too long (more than %zu bytes)", name, lineno,
			     sizeof(line) - 1);
			goto fail;
		}
		if (memchr(text + pos, '\0', n)) {
			uerr(err, "%s:%u: NUL byte in line", name, lineno);
			goto fail;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (parse_line(db, line, name, lineno, err))
			goto fail;
		pos += n + (nl ? 1 : 0);
	}
	sodium_memzero(line, sizeof(line));
	return 0;
fail:
	sodium_memzero(line, sizeof(line));
	userdb_free(db);
	return -1;
}

int userdb_load(struct userdb *db, const char *path, bool missing_ok,
		struct evs_err *err)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t len = 0;
	int fd, ret;

	userdb_free(db);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && missing_ok)
			return 0;
		return uerr(err, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return uerr(err, "%s: not a regular file", path);
	}
	if (evs_secret_file_vet(fd, path, err)) {
		close(fd);
		return -1;
	}
	if ((unsigned long long)st.st_size > USERDB_FILE_MAX) {
		close(fd);
		return uerr(err, "%s: larger than %u bytes", path, USERDB_FILE_MAX);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return uerr(err, "%s: out of memory", path);
	}
	while (len < (size_t)st.st_size) {
		got = read(fd, buf + len, (size_t)st.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	ret = userdb_parse(db, buf, len, path, err);
	sodium_memzero(buf, len);
	free(buf);
	return ret;
}

int userdb_save(const struct userdb *db, const char *path,
		struct evs_err *err)
{
	char tmp[4096];
	FILE *f;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return uerr(err, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return uerr(err, "%s: %s", tmp, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return uerr(err, "%s: %s", tmp, strerror(errno));
	}
	fprintf(f, "# evs XAUTH users: NAME GROUP ARGON2ID-HASH (managed by evsadm user)\n");
	for (size_t i = 0; i < db->n; i++)
		fprintf(f, "%s %s %s\n", db->users[i].name, db->users[i].group,
			db->users[i].hash);
	if (fflush(f) || fsync(fileno(f)) || ferror(f)) {
		int e = errno;

		fclose(f);
		unlink(tmp);
		return uerr(err, "%s: %s", tmp, strerror(e));
	}
	if (fclose(f)) {
		unlink(tmp);
		return uerr(err, "%s: %s", tmp, strerror(errno));
	}
	if (rename(tmp, path)) {
		int e = errno;

		unlink(tmp);
		return uerr(err, "%s: %s", path, strerror(e));
	}
	return 0;
}

static void cost_limits(enum userdb_cost cost, unsigned long long *ops, size_t *mem)
{
	switch (cost) {
	case USERDB_COST_MODERATE:
		*ops = crypto_pwhash_OPSLIMIT_MODERATE;
		*mem = crypto_pwhash_MEMLIMIT_MODERATE;
		break;
	case USERDB_COST_SENSITIVE:
		*ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
		*mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
		break;
	case USERDB_COST_MIN:
		*ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
		*mem = 64 * 1024;
		break;
	default:
		*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		*mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
		break;
	}
}

static int hash_password(char out[USERDB_HASH_MAX], const char *password,
			 enum userdb_cost cost, struct evs_err *err)
{
	unsigned long long ops;
	size_t mem, plen = strlen(password);

	if (sodium_init() < 0)
		return uerr(err, "libsodium failed to start");
	if (plen == 0)
		return uerr(err, "empty password");
	if (plen > USERDB_PASS_MAX)
		return uerr(err, "password longer than %d bytes", USERDB_PASS_MAX);
	cost_limits(cost, &ops, &mem);
	if (crypto_pwhash_str_alg(out, password, plen, ops, mem,
				  crypto_pwhash_ALG_ARGON2ID13))
		return uerr(err, "hashing the password failed (out of memory?)");
	return 0;
}

int userdb_add(struct userdb *db, const char *name, const char *group,
	       const char *password, enum userdb_cost cost,
	       struct evs_err *err)
{
	char hash[USERDB_HASH_MAX];
	struct userdb_user *u;

	if (!userdb_name_valid(name, false))
		return uerr(err, "invalid user name \"%.63s\" (1-63 of A-Z a-z 0-9 . _ - + @)", name);
	if (!userdb_name_valid(group, true))
		return uerr(err, "invalid group name \"%.63s\" (1-63 of A-Z a-z 0-9 . _ - +)", group);
	if (userdb_find(db, name))
		return uerr(err, "user \"%s\" exists (use: evsadm user passwd %s)", name, name);
	if (hash_password(hash, password, cost, err))
		return -1;
	u = userdb_append(db);
	if (!u)
		return uerr(err, "out of memory");
	strcpy(u->name, name);
	strcpy(u->group, group);
	strcpy(u->hash, hash);
	return 0;
}

int userdb_set_password(struct userdb *db, const char *name,
			const char *password, enum userdb_cost cost,
			struct evs_err *err)
{
	struct userdb_user *u = userdb_find(db, name);
	char hash[USERDB_HASH_MAX];

	if (!u)
		return uerr(err, "no user \"%.63s\"", name);
	if (hash_password(hash, password, cost, err))
		return -1;
	strcpy(u->hash, hash);
	return 0;
}

int userdb_set_group(struct userdb *db, const char *name, const char *group,
		     struct evs_err *err)
{
	struct userdb_user *u = userdb_find(db, name);

	if (!u)
		return uerr(err, "no user \"%.63s\"", name);
	if (!userdb_name_valid(group, true))
		return uerr(err, "invalid group name \"%.63s\"", group);
	strcpy(u->group, group);
	return 0;
}

int userdb_del(struct userdb *db, const char *name, struct evs_err *err)
{
	struct userdb_user *u = userdb_find(db, name);
	size_t i;

	if (!u)
		return uerr(err, "no user \"%.63s\"", name);
	i = (size_t)(u - db->users);
	memmove(&db->users[i], &db->users[i + 1], (db->n - i - 1) * sizeof(*u));
	db->n--;
	sodium_memzero(&db->users[db->n], sizeof(*u));
	return 0;
}

/* A hash string with the database's usual cost (its first user's),
 * random salt and random hash bytes: verified for unknown users so that
 * "no such user" and "wrong password" take the same time (argon2 runs
 * with the string's cost; the result matches no password).  Made per
 * call from the stack: nothing shared between the AAA threads. */
void userdb_dummy_hash(const struct userdb *db, char out[USERDB_HASH_MAX])
{
	const char *like = db->n ? db->users[0].hash : "";
	unsigned char salt[crypto_pwhash_SALTBYTES], hash[32];
	char salt64[sodium_base64_ENCODED_LEN(sizeof(salt),
		sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
	char hash64[sodium_base64_ENCODED_LEN(sizeof(hash),
		sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
	unsigned m = 0, t = 0;

	if (sscanf(like, "$argon2id$v=19$m=%u,t=%u", &m, &t) != 2 || !m || !t) {
		m = crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024;
		t = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	}
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(hash, sizeof(hash));
	sodium_bin2base64(salt64, sizeof(salt64), salt, sizeof(salt),
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	sodium_bin2base64(hash64, sizeof(hash64), hash, sizeof(hash),
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	snprintf(out, USERDB_HASH_MAX, "$argon2id$v=19$m=%u,t=%u,p=1$%s$%s", m, t,
		 salt64, hash64);
}

bool userdb_verify(const struct userdb *db, const char *name,
		   const char *password, size_t pass_len, const char **group)
{
	const struct userdb_user *u = userdb_find(db, name);
	char dummy[USERDB_HASH_MAX];
	const char *h = dummy;
	bool ok;

	if (sodium_init() < 0)
		return false;
	if (u)
		h = u->hash;
	else
		userdb_dummy_hash(db, dummy);
	if (!h[0] || pass_len > USERDB_PASS_MAX)
		return false;
	ok = crypto_pwhash_str_verify(h, password, pass_len) == 0;
	if (!u)
		return false;
	if (ok && group)
		*group = u->group;
	return ok;
}
