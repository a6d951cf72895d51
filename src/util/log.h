/*
 * log.h: one line per event on stderr, "level component message key=value ...".
 * The request id (set per request by the FastCGI loop, per job by the worker) is appended as
 * rid=... so a line can be tied to its request. Never pass a secret to these functions.
 *
 * A line is always one line: every %s argument (and %c) is escaped before it is written, so a
 * value a client chose (a decoded path, an email, an OfficeRnD error text) cannot start a forged
 * line or close a quoted value early. Escapes: \n \r \t, \xNN for the other control bytes and
 * 0x7f, \\ and \" (so key="value" stays one value). The format's own text is written as is,
 * except control bytes, which are escaped the same way.
 */
#ifndef PILOTOMAIL_LOG_H
#define PILOTOMAIL_LOG_H

#include "util/util.h"

#include <stdarg.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_request_id(const char *rid);
void log_msg(enum log_level level, const char *component, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Appends s (at most max bytes of it) to sb, escaped as above. */
void log_escape(struct strbuf *sb, const char *s, size_t max);
/* Appends fmt formatted with ap to sb, arguments escaped as above: what log_msg writes between
 * the component and rid=. The printf conversions C11 defines are understood, except %n. */
void log_vformat(struct strbuf *sb, const char *fmt, va_list ap);

#define log_info(comp, ...) log_msg(LOG_INFO, comp, __VA_ARGS__)
#define log_warn(comp, ...) log_msg(LOG_WARN, comp, __VA_ARGS__)
#define log_error(comp, ...) log_msg(LOG_ERROR, comp, __VA_ARGS__)

#endif
