/*
 * multipart.h: a small, strict multipart/form-data parser (RFC 7578), for the one form that
 * uploads a file (a scan). Pure functions on bytes: no web server needed to test them.
 *
 * Text parts go into a kvlist like an urlencoded form (so the CSRF check and web_form() work
 * unchanged); file parts (those whose Content-Disposition has a filename) are kept as pointers
 * into the body, which must outlive them. Anything unusual is refused rather than guessed: no
 * preamble, CRLF line ends only, one Content-Disposition "form-data" with a quoted name per part,
 * no NUL in names or text values, bounded header lines, parts and text sizes.
 */
#ifndef PILOTOMAIL_MULTIPART_H
#define PILOTOMAIL_MULTIPART_H

#include <stddef.h>

#include "http/form.h"

#define MULTIPART_MAX_PARTS 64
#define MULTIPART_MAX_FILES 4
#define MULTIPART_MAX_TEXT (64 * 1024)   /* one text field */
#define MULTIPART_MAX_HEADER_LINE 1024
#define MULTIPART_MAX_HEADERS 8

struct multipart_file {
	char *name;         /* the form field ("scan_file") */
	char *filename;     /* as sent, "" when the browser sent no file: never trusted */
	char *content_type; /* as sent, "" when absent: never trusted either */
	const char *data;   /* into the body */
	size_t len;
};

struct multipart_files {
	struct multipart_file items[MULTIPART_MAX_FILES];
	size_t n;
};

/* The first file part named name, or NULL. */
const struct multipart_file *multipart_file_get(const struct multipart_files *files, const char *name);
void multipart_files_free(struct multipart_files *files);

/*
 * The boundary of a "multipart/form-data; boundary=..." Content-Type (quoted or not), copied into
 * out (at least 71 bytes). 0, or -1 when the type is another one or the boundary is missing,
 * empty, longer than 70 or holds a character RFC 2046 does not allow.
 */
int multipart_boundary(const char *content_type, char *out, size_t size);

/*
 * Parses body[0..len) with boundary into fields (text parts, in order) and files. Returns 0, or
 * -1 on anything malformed or over a limit (fields and files may then hold a prefix: free both).
 */
int multipart_parse(const char *body, size_t len, const char *boundary, struct kvlist *fields,
		    struct multipart_files *files);

#endif
