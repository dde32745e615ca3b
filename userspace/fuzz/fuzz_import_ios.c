// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for evsadm import-ios (ios_tree.c, import_ios.c): the
 * running-config an administrator got from somewhere.  Any input must
 * convert without a crash or leak, the output must be as long as it says
 * and end in a newline, and no user may come out without a name, a group
 * and either a password or the reason it needs a new one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evsadm/import_ios.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ios_import_opts o = { .source = "fuzz", .users_path = "/etc/evs/users" };
	struct ios_import imp;
	struct evs_err e;

	if (ios_import((const char *)data, size, &o, &imp, &e))
		return 0;
	if (!imp.conf || strlen(imp.conf) != imp.conf_len || !imp.conf_len ||
	    imp.conf[imp.conf_len - 1] != '\n')
		abort();
	for (size_t i = 0; i < imp.n_users; i++) {
		const struct ios_user *u = &imp.users[i];

		if (!u->name[0] || !u->group[0] || (!u->password && !u->why[0]))
			abort();
	}
	ios_import_free(&imp);
	return 0;
}
