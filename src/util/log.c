/* log.c: see log.h. Lines are built whole and written with one call so processes don't interleave. */
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char request_id[40];

void log_set_request_id(const char *rid)
{
	str_copy(request_id, sizeof(request_id), rid ? rid : "");
}

void log_msg(enum log_level level, const char *component, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	if (level == LOG_DEBUG && !getenv("PILOTOMAIL_DEBUG"))
		return;
	struct strbuf sb = { 0 };
	strbuf_addf(&sb, "%s %s ", names[level], component);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (request_id[0])
		strbuf_addf(&sb, " rid=%s", request_id);
	strbuf_adds(&sb, "\n");
	ssize_t ignored = write(STDERR_FILENO, sb.buf, sb.len);
	(void)ignored;
	strbuf_free(&sb);
}
