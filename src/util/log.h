/*
 * log.h: one line per event on stderr, "level component message key=value ...".
 * The request id (set per request by the FastCGI loop, per job by the worker) is appended as
 * rid=... so a line can be tied to its request. Never pass a secret to these functions.
 */
#ifndef PILOTOMAIL_LOG_H
#define PILOTOMAIL_LOG_H

#include "util/util.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_request_id(const char *rid);
void log_msg(enum log_level level, const char *component, const char *fmt, ...) PRINTF_LIKE(3, 4);

#define log_info(comp, ...) log_msg(LOG_INFO, comp, __VA_ARGS__)
#define log_warn(comp, ...) log_msg(LOG_WARN, comp, __VA_ARGS__)
#define log_error(comp, ...) log_msg(LOG_ERROR, comp, __VA_ARGS__)

#endif
