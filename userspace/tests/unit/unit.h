/* SPDX-License-Identifier: MIT */
/*
 * Minimal TAP unit-test harness for evs userspace.  Each test_*.c is one
 * binary:
 *
 *	UNIT_TEST(name) { UNIT_ASSERT(x == 1); UNIT_ASSERT_EQ_INT(a, b); }
 *	UNIT_MAIN()
 *
 * Tests register themselves through a constructor; UNIT_MAIN runs them in
 * order of definition and prints TAP ("ok N - name" / "not ok N - name").
 * A failed assertion ends that test only.  scripts/run-unit sums the lines.
 */
#ifndef EVS_UNIT_H
#define EVS_UNIT_H

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
};

#define UNIT_MAX_CASES 512
extern struct unit_case unit_cases[UNIT_MAX_CASES];
extern int unit_ncases;
extern jmp_buf unit_jmp;
extern int unit_failed_here;

#define UNIT_TEST(name_)						\
	static void unit_fn_##name_(void);				\
	__attribute__((constructor)) static void unit_reg_##name_(void)	\
	{								\
		if (unit_ncases < UNIT_MAX_CASES)			\
			unit_cases[unit_ncases++] =			\
				(struct unit_case){ #name_, unit_fn_##name_ }; \
	}								\
	static void unit_fn_##name_(void)

#define UNIT_FAIL(...) do {						\
		printf("#   %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		unit_failed_here = 1;					\
		longjmp(unit_jmp, 1);					\
	} while (0)

#define UNIT_ASSERT(cond) do {						\
		if (!(cond))						\
			UNIT_FAIL("assertion failed: %s", #cond);	\
	} while (0)

#define UNIT_ASSERT_EQ_INT(a, b) do {					\
		long long unit_a_ = (long long)(a), unit_b_ = (long long)(b); \
		if (unit_a_ != unit_b_)					\
			UNIT_FAIL("%s == %lld, expected %s == %lld",	\
				  #a, unit_a_, #b, unit_b_);		\
	} while (0)

#define UNIT_ASSERT_EQ_STR(a, b) do {					\
		const char *unit_a_ = (a), *unit_b_ = (b);		\
		if (!unit_a_ || !unit_b_ || strcmp(unit_a_, unit_b_))	\
			UNIT_FAIL("%s == \"%s\", expected \"%s\"", #a,	\
				  unit_a_ ? unit_a_ : "(null)",		\
				  unit_b_ ? unit_b_ : "(null)");	\
	} while (0)

#define UNIT_ASSERT_MEM_EQ(a, b, n) do {				\
		if (memcmp((a), (b), (n)))				\
			UNIT_FAIL("%s differs from %s (%zu bytes)", #a, #b, (size_t)(n)); \
	} while (0)

/* text in a new file under /tmp; the caller unlinks and frees the path */
static inline char *unit_tmpfile(const char *text)
{
	char *path = strdup("/tmp/evs-unit-XXXXXX");
	int fd = path ? mkstemp(path) : -1;
	size_t n = strlen(text);

	if (fd < 0 || write(fd, text, n) != (ssize_t)n) {
		fprintf(stderr, "unit_tmpfile: cannot write a temporary file\n");
		abort();
	}
	close(fd);
	return path;
}

/* the same, with the file's mode set to @mode */
static inline char *unit_tmpfile_mode(const char *text, mode_t mode)
{
	char *path = unit_tmpfile(text);

	UNIT_ASSERT_EQ_INT(chmod(path, mode), 0);
	return path;
}

/* Every string of @want (@n of them) is in @text. */
static inline void unit_assert_has_all(const char *text, const char *const *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!text || !strstr(text, want[i]))
			UNIT_FAIL("\"%s\" not found in:\n%s", want[i], text ? text : "(null)");
}

#define UNIT_MAIN()							\
	struct unit_case unit_cases[UNIT_MAX_CASES];			\
	int unit_ncases;						\
	jmp_buf unit_jmp;						\
	int unit_failed_here;						\
	int main(void)							\
	{								\
		volatile int failed = 0;				\
		setvbuf(stdout, NULL, _IOLBF, 0);			\
		printf("TAP version 13\n1..%d\n", unit_ncases);		\
		for (volatile int i = 0; i < unit_ncases; i++) {			\
			unit_failed_here = 0;				\
			if (!setjmp(unit_jmp))				\
				unit_cases[i].fn();			\
			printf("%sok %d - %s\n", unit_failed_here ? "not " : "", \
			       i + 1, unit_cases[i].name);		\
			failed += unit_failed_here;			\
		}							\
		return failed ? 1 : 0;					\
	}

#endif
