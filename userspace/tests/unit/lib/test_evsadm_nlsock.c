// SPDX-License-Identifier: MIT
/* lib/nl.c against a real kernel on the host: generic netlink's own
 * controller ("nlctrl") is always there, so family and group resolution,
 * doit replies, multi-part dumps, ACKs and errors are exercised without
 * evs.ko (which the host cannot load). */
#include <errno.h>

#include "tests/unit/unit.h"
#include "lib/nl.h"

struct fam_ctx {
	int n;
	bool saw_nlctrl;
};

static int fam_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct fam_ctx *c = data;

	if (evs_nl_parse_attrs(nlh, tb, CTRL_ATTR_MAX) < 0 || !tb[CTRL_ATTR_FAMILY_NAME])
		return MNL_CB_ERROR;
	c->n++;
	if (!strcmp(mnl_attr_get_str(tb[CTRL_ATTR_FAMILY_NAME]), "nlctrl"))
		c->saw_nlctrl = true;
	return MNL_CB_OK;
}

UNIT_TEST(resolve_nlctrl_and_its_group)
{
	struct evs_nl_err err;
	struct evs_nl *nl;

	UNIT_ASSERT_EQ_INT(evs_nl_open(&nl, "nlctrl", "notify", &err), 0);
	UNIT_ASSERT_EQ_INT(evs_nl_family(nl), GENL_ID_CTRL);
	UNIT_ASSERT(evs_nl_mcgrp(nl) != 0);
	UNIT_ASSERT(evs_nl_fd(nl) >= 0);
	UNIT_ASSERT_EQ_INT(evs_nl_subscribe(nl, &err), 0);
	evs_nl_close(nl);
}

UNIT_TEST(unknown_family_says_module_not_loaded)
{
	struct evs_nl_err err;
	struct evs_nl *nl = (void *)1;

	UNIT_ASSERT_EQ_INT(evs_nl_open(&nl, "evsnosuchfam", NULL, &err), -1);
	UNIT_ASSERT(nl == NULL);
	UNIT_ASSERT_EQ_INT(err.err, ENOENT);
	UNIT_ASSERT_EQ_STR(err.msg, "evsnosuchfam kernel module not loaded (try: modprobe evsnosuchfam)");
	UNIT_ASSERT_EQ_INT(evs_nl_open(&nl, "nlctrl", "no-such-group", &err), -1);
	UNIT_ASSERT_EQ_STR(err.msg, "generic netlink family nlctrl has no \"no-such-group\" multicast group");
}

/* A test's socket to the controller, the buffer its requests are built
 * in and the error of the last one. */
struct ctl {
	struct evs_nl *nl;
	char buf[EVS_NL_BUFSZ];
	struct evs_nl_err err;
};

static void ctl_open(struct ctl *t)
{
	UNIT_ASSERT_EQ_INT(evs_nl_open(&t->nl, "nlctrl", NULL, &t->err), 0);
}

/* Controller command @cmd: a dump with NLM_F_DUMP, a doit without. */
static struct nlmsghdr *ctl_msg(struct ctl *t, uint8_t cmd, uint16_t flags)
{
	return evs_nl_msg_start(t->buf, evs_nl_family(t->nl), cmd, 1, flags);
}

/* The doit that asks for the controller's own family. */
static struct nlmsghdr *ctl_get_nlctrl(struct ctl *t)
{
	struct nlmsghdr *nlh = ctl_msg(t, CTRL_CMD_GETFAMILY, 0);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	return nlh;
}

static int ctl_request(struct ctl *t, struct nlmsghdr *nlh, evs_nl_cb cb, void *data)
{
	return evs_nl_request(t->nl, nlh, cb, data, &t->err);
}

UNIT_TEST(dump_runs_callback_per_message_until_done)
{
	struct fam_ctx c = { 0 };
	struct ctl t;

	ctl_open(&t);
	UNIT_ASSERT_EQ_INT(ctl_request(&t, ctl_msg(&t, CTRL_CMD_GETFAMILY, NLM_F_DUMP), fam_cb, &c), 0);
	UNIT_ASSERT(c.n >= 2);
	UNIT_ASSERT(c.saw_nlctrl);
	/* The socket is clean for the next request: a doit. */
	c = (struct fam_ctx){ 0 };
	UNIT_ASSERT_EQ_INT(ctl_request(&t, ctl_get_nlctrl(&t), fam_cb, &c), 0);
	UNIT_ASSERT_EQ_INT(c.n, 1);
	UNIT_ASSERT(c.saw_nlctrl);
	evs_nl_close(t.nl);
}

UNIT_TEST(kernel_error_is_reported_and_socket_stays_usable)
{
	struct fam_ctx c = { 0 };
	struct nlmsghdr *nlh;
	struct ctl t;

	ctl_open(&t);
	nlh = ctl_msg(&t, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0xfff0);
	UNIT_ASSERT_EQ_INT(ctl_request(&t, nlh, fam_cb, &c), -1);
	UNIT_ASSERT(t.err.kernel);
	UNIT_ASSERT_EQ_INT(t.err.err, ENOENT);
	UNIT_ASSERT(t.err.msg[0]);
	UNIT_ASSERT_EQ_INT(c.n, 0);
	/* An unknown command of the controller. */
	UNIT_ASSERT_EQ_INT(ctl_request(&t, ctl_msg(&t, 200, 0), NULL, NULL), -1);
	UNIT_ASSERT(t.err.kernel);
	UNIT_ASSERT_EQ_INT(t.err.err, EOPNOTSUPP);
	/* Still usable. */
	UNIT_ASSERT_EQ_INT(ctl_request(&t, ctl_get_nlctrl(&t), fam_cb, &c), 0);
	UNIT_ASSERT_EQ_INT(c.n, 1);
	evs_nl_close(t.nl);
}

static int stop_cb(const struct nlmsghdr *nlh, void *data)
{
	int *n = data;

	(*n)++;
	return MNL_CB_STOP;
}

static int fail_cb(const struct nlmsghdr *nlh, void *data)
{
	errno = EPROTO;
	return MNL_CB_ERROR;
}

UNIT_TEST(callback_stop_and_error_drain_the_reply)
{
	struct ctl t;
	int n = 0;

	ctl_open(&t);
	UNIT_ASSERT_EQ_INT(ctl_request(&t, ctl_msg(&t, CTRL_CMD_GETFAMILY, NLM_F_DUMP), stop_cb, &n), 0);
	UNIT_ASSERT_EQ_INT(n, 1);
	UNIT_ASSERT_EQ_INT(ctl_request(&t, ctl_msg(&t, CTRL_CMD_GETFAMILY, NLM_F_DUMP), fail_cb, NULL), -1);
	UNIT_ASSERT_EQ_INT(t.err.err, EPROTO);
	UNIT_ASSERT(!t.err.kernel);
	/* The rest of that dump was read and dropped: a new request works. */
	n = 0;
	UNIT_ASSERT_EQ_INT(ctl_request(&t, ctl_msg(&t, CTRL_CMD_GETFAMILY, NLM_F_DUMP), stop_cb, &n), 0);
	UNIT_ASSERT_EQ_INT(n, 1);
	evs_nl_close(t.nl);
}

UNIT_MAIN()
