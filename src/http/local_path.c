/* local_path.c: see local_path.h. */
#include "http/local_path.h"
#include "http/form.h"

#include <stdlib.h>
#include <string.h>

/* The rules on one form of the value (raw or decoded). */
static int plain_path(const char *s)
{
	if (s[0] != '/' || s[1] == '/')
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return 0;
	return 1;
}

int http_is_local_path(const char *s)
{
	if (!s || strlen(s) > LOCAL_PATH_MAX || !plain_path(s))
		return 0;
	/* A malformed escape is refused too: nothing we link to has one. */
	char *decoded = url_decode(s, strlen(s));
	int ok = decoded && plain_path(decoded);
	free(decoded);
	return ok;
}
