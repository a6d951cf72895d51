/*
 * check_helpers.h: shared by every Check program in tests/unit.
 *
 *   static Suite *thing_suite(void) { ... }
 *   CHECK_MAIN(thing_suite)
 *
 * CHECK_MAIN defines main(): runs the suite with CK_NORMAL output (tests/unit/run.sh reads its
 * "Checks: N, Failures: F, Errors: E" line) and exits nonzero when any test failed.
 * CK_FORK=no in the environment runs the tests in-process (for valgrind and debuggers).
 * A test's timeout defaults to 60 s, not Check's 4 s: store fixtures hash passwords at the
 * production scrypt cost (128 MiB each), which a busy 2-core machine can stretch past 4 s.
 * CK_DEFAULT_TIMEOUT in the environment still overrides it.
 */
#ifndef PILOTOMAIL_CHECK_HELPERS_H
#define PILOTOMAIL_CHECK_HELPERS_H

#include <check.h>
#include <stdlib.h>

#define CHECK_MAIN(suite_fn)                                                   \
	int main(void)                                                         \
	{                                                                      \
		setenv("CK_DEFAULT_TIMEOUT", "60", 0);                         \
		SRunner *check_main_runner = srunner_create(suite_fn());       \
		srunner_run_all(check_main_runner, CK_NORMAL);                 \
		int check_main_failed = srunner_ntests_failed(check_main_runner); \
		srunner_free(check_main_runner);                               \
		return check_main_failed ? EXIT_FAILURE : EXIT_SUCCESS;        \
	}

#endif
