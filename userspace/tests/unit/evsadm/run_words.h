/* SPDX-License-Identifier: MIT */
/* Run an evsadm grammar on one command line split as a shell would (the
 * grammar has parentheses in ALGO names). */
#ifndef EVS_TEST_RUN_WORDS_H
#define EVS_TEST_RUN_WORDS_H

#include <wordexp.h>

#include "evsadm/evsadm.h"
#include "tests/unit/unit.h"

typedef int (*parse_fn)(int argc, char **argv, void *req, struct evs_err *e);

static inline int run_parse(parse_fn fn, const char *line, void *req, struct evs_err *e)
{
	wordexp_t w;
	int ret;

	if (wordexp(line, &w, WRDE_NOCMD))
		UNIT_FAIL("wordexp failed on %s", line);
	ret = fn((int)w.we_wordc, w.we_wordv, req, e);
	wordfree(&w);
	return ret;
}

#endif
