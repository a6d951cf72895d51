/*
 * local_path.h: is a user-supplied "next" address a plain path on this site?
 *
 * Browsers are lenient with what follows a redirect: they drop tabs and newlines, read '\' as
 * '/', and take "//host" as another site. So only a plain local path passes: it starts with one
 * '/', holds no control byte (< 0x20 or 0x7f) and no backslash, and the same holds once its
 * %XX escapes are decoded.
 */
#ifndef PILOTOMAIL_HTTP_LOCAL_PATH_H
#define PILOTOMAIL_HTTP_LOCAL_PATH_H

/* Longest "next" followed; longer ones are refused rather than cut. */
#define LOCAL_PATH_MAX 1024

/* 1 when s is safe to send as a redirect Location on this site, else 0 (NULL included). */
int http_is_local_path(const char *s);

#endif
