/* check_claims.c: worker ids and telling a dead local worker from a live or remote one. */
#include "check_helpers.h"
#include "util/util.h"
#include "worker/claims.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void id_with_pid(const char *like, long pid, char *out, size_t size)
{
	/* Same host and suffix shape as `like`, another pid. */
	const char *last = strrchr(like, '-');
	const char *p = last;
	while (p > like && p[-1] != '-')
		p--;
	snprintf(out, size, "%.*s%ld%s", (int)(p - like), like, pid, last);
}

static long dead_pid(void)
{
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	return (long)child;
}

START_TEST(test_id_names_host_and_pid)
{
	char id[64], host[64] = "";
	worker_id_make(id, sizeof(id));
	gethostname(host, sizeof(host) - 1);
	char expect[96];
	snprintf(expect, sizeof(expect), "-%ld-", (long)getpid());
	ck_assert_msg(strstr(id, expect) != NULL, "id %s", id);
	ck_assert(str_starts_with(id, host));
	ck_assert_uint_eq(strlen(strrchr(id, '-') + 1), 8);
	char other[64];
	worker_id_make(other, sizeof(other));
	ck_assert_str_ne(id, other); /* two workers in one process still differ */
}
END_TEST

START_TEST(test_dead_local_worker_is_recognised)
{
	char mine[64], theirs[96];
	worker_id_make(mine, sizeof(mine));
	id_with_pid(mine, dead_pid(), theirs, sizeof(theirs));
	ck_assert_int_eq(worker_id_dead(mine, theirs), 1);
}
END_TEST

START_TEST(test_live_or_own_or_remote_workers_keep_their_claims)
{
	char mine[64], theirs[96];
	worker_id_make(mine, sizeof(mine));
	id_with_pid(mine, (long)getppid(), theirs, sizeof(theirs));
	ck_assert_int_eq(worker_id_dead(mine, theirs), 0);       /* alive */
	ck_assert_int_eq(worker_id_dead(mine, mine), 0);         /* ourselves */
	snprintf(theirs, sizeof(theirs), "other-host-%ld-0123abcd", dead_pid());
	ck_assert_int_eq(worker_id_dead(mine, theirs), 0);       /* another machine: only its lease tells */
	const char *bad[] = { "", "-", "host", "host-12", "host-x-0123abcd", "host-12-0123", "-12-0123abcd" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(worker_id_dead(mine, bad[i]) == 0, "%s", bad[i]);
}
END_TEST

static Suite *claims_suite(void)
{
	Suite *s = suite_create("claims");
	TCase *tc = tcase_create("ids");
	tcase_add_test(tc, test_id_names_host_and_pid);
	tcase_add_test(tc, test_dead_local_worker_is_recognised);
	tcase_add_test(tc, test_live_or_own_or_remote_workers_keep_their_claims);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(claims_suite)
