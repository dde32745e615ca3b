/* SPDX-License-Identifier: MIT */
/* evsadm user: the command line, parsed without I/O (unit-tested). */
#ifndef EVSADM_USER_H
#define EVSADM_USER_H

#include "lib/parse.h"
#include "lib/userdb.h"

enum evsadm_user_op {
	EVSADM_USER_ADD,
	EVSADM_USER_PASSWD,
	EVSADM_USER_DEL,
	EVSADM_USER_SHOW,
	EVSADM_USER_HELP,
};

struct evsadm_user_req {
	enum evsadm_user_op op;
	char name[USERDB_NAME_MAX + 1];		/* "" = all (show) */
	char group[USERDB_NAME_MAX + 1];
	char file[4096];
	enum userdb_cost cost;
};

/* argv[0] is "user", argv[1] the verb. */
int evsadm_user_parse(int argc, char **argv, struct evsadm_user_req *req,
		      struct evs_err *e);

#endif
