/* claims.c: see claims.h. */
#include "worker/claims.h"
#include "crypto/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define DEAD_CHECK_INTERVAL_S 5
#define SUFFIX_HEX 8

void worker_id_make(char *out, size_t size)
{
	char host[33] = "host";
	unsigned char rnd[SUFFIX_HEX / 2];
	char hex[SUFFIX_HEX + 1];
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	random_bytes(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), hex);
	snprintf(out, size, "%s-%ld-%s", host, (long)getpid(), hex);
}

/* Splits "<host>-<pid>-<hex>" from the right (a host name may hold '-'). 0 or -1. */
static int worker_id_split(const char *id, size_t *host_len, long *pid)
{
	const char *last = strrchr(id, '-');
	if (!last || strlen(last + 1) != SUFFIX_HEX || last == id)
		return -1;
	const char *p = last;
	while (p > id && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (p == last || p - id < 2 || p[-1] != '-')
		return -1;
	*pid = strtol(p, NULL, 10);
	*host_len = (size_t)(p - 1 - id);
	return *pid > 0 ? 0 : -1;
}

int worker_id_dead(const char *mine, const char *holder)
{
	size_t my_host, their_host;
	long my_pid, their_pid;
	if (worker_id_split(mine, &my_host, &my_pid) < 0 || worker_id_split(holder, &their_host, &their_pid) < 0)
		return 0;
	if (my_host != their_host || memcmp(mine, holder, my_host) != 0 || their_pid == my_pid)
		return 0;
	return kill((pid_t)their_pid, 0) < 0 && errno == ESRCH;
}

void worker_release_dead_claims(struct worker *w, const struct worker_claims *c, int64_t *last_check)
{
	int64_t now = time_now();
	if (*last_check && now - *last_check < DEAD_CHECK_INTERVAL_S && now >= *last_check)
		return;
	*last_check = now;
	char **ids = NULL;
	size_t n = 0;
	if (c->holders(w->db, now, &ids, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ids[i], w->id) != 0 && worker_id_dead(w->id, ids[i])) {
			int released = c->release(w->db, ids[i]);
			log_info("worker", "released claims of a stopped worker queue=%s worker=%s count=%d",
				 c->queue, ids[i], released);
		}
		free(ids[i]);
	}
	free(ids);
}
