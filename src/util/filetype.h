/*
 * filetype.h: what a scan file is, told by its first bytes (its "magic"), never by its name or
 * the type a browser claims. Only the types a scan may be: PDF, PNG, JPEG and WebP.
 */
#ifndef PILOTOMAIL_FILETYPE_H
#define PILOTOMAIL_FILETYPE_H

#include <stddef.h>

struct filetype {
	const char *mime;      /* "application/pdf" */
	const char *extension; /* "pdf": for the download's file name */
	const char *label;     /* "PDF" */
};

/* The type of data[0..len), or NULL when it is none of the four. */
const struct filetype *filetype_sniff(const void *data, size_t len);
/* The type with that MIME name (as stored), or NULL. */
const struct filetype *filetype_by_mime(const char *mime);

/* "20 MiB", "1.5 MiB", "300 KiB", "12 bytes": a size for a person. Returns buf. */
#include <stdint.h>
char *filetype_size_words(int64_t bytes, char *buf, size_t size);

#endif
