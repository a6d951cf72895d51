/*
 * util.h: allocation that never returns NULL, growable strings, small string helpers.
 *
 * Every x* allocator aborts the process on exhaustion: a FastCGI program that cannot allocate
 * a few bytes is better restarted by the web server than limping on with NULL pointers.
 * Whoever receives memory from an x* function or strbuf_detach() frees it with free().
 */
#ifndef PILOTOMAIL_UTIL_H
#define PILOTOMAIL_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/*
 * Makes room for element index n of an array of *cap elements of elem bytes, doubling the
 * capacity (16 at first) when full. Returns the array, which may have moved.
 */
void *array_grow(void *items, size_t n, size_t *cap, size_t elem);

/* A growable, always NUL-terminated byte buffer. Zero-initialise or strbuf_init() it. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

void strbuf_init(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_reset(struct strbuf *sb);
/* Hands the buffer to the caller (free() it); the strbuf is left empty and reusable. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_free(struct strbuf *sb);

/* Trims ASCII white space at both ends, in place; returns s. */
char *str_trim(char *s);
int str_starts_with(const char *s, const char *prefix);
/* Equal strings, NULL-safe. */
int str_eq(const char *a, const char *b);
/* Copies src into dst of size n, always terminating; returns 0, or -1 if it had to cut. */
int str_copy(char *dst, size_t n, const char *src);
/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void hex_encode(const unsigned char *data, size_t len, char *out);
/* Decodes exactly 2*outlen hex digits; returns 0, or -1 on a bad digit or length. */
int hex_decode(const char *hex, size_t hexlen, unsigned char *out, size_t outlen);
/* Strict base-10 parse of the whole string into [min, max]; returns 0 or -1. */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

#endif
