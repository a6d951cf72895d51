/* jobs.c: the worker's job list. Each job lives in its own file in worker/. */
#include "worker/worker.h"

#include <stddef.h>

const struct worker_job worker_jobs[] = {
	{ NULL, NULL },
};
