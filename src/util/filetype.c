/* filetype.c: see filetype.h. */
#include "util/filetype.h"

#include <stdio.h>
#include <string.h>

static const struct filetype types[] = {
	{ "application/pdf", "pdf", "PDF" },
	{ "image/png", "png", "PNG image" },
	{ "image/jpeg", "jpg", "JPEG image" },
	{ "image/webp", "webp", "WebP image" },
};

static int starts_with(const unsigned char *d, size_t len, size_t at, const char *magic, size_t mlen)
{
	return len >= at + mlen && memcmp(d + at, magic, mlen) == 0;
}

const struct filetype *filetype_sniff(const void *data, size_t len)
{
	const unsigned char *d = data;
	if (!d)
		return NULL;
	/* A PDF's header line must come first: readers that skip leading junk are the lenient ones. */
	if (starts_with(d, len, 0, "%PDF-", 5))
		return &types[0];
	if (starts_with(d, len, 0, "\x89PNG\r\n\x1a\n", 8))
		return &types[1];
	if (starts_with(d, len, 0, "\xff\xd8\xff", 3))
		return &types[2];
	if (starts_with(d, len, 0, "RIFF", 4) && starts_with(d, len, 8, "WEBP", 4))
		return &types[3];
	return NULL;
}

const struct filetype *filetype_by_mime(const char *mime)
{
	for (size_t i = 0; mime && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].mime, mime) == 0)
			return &types[i];
	return NULL;
}

char *filetype_size_words(int64_t bytes, char *buf, size_t size)
{
	const int64_t kib = 1024, mib = 1024 * 1024;
	if (bytes >= mib && bytes % mib == 0)
		snprintf(buf, size, "%lld MiB", (long long)(bytes / mib));
	else if (bytes >= mib)
		snprintf(buf, size, "%.1f MiB", (double)bytes / (double)mib);
	else if (bytes >= kib)
		snprintf(buf, size, "%lld KiB", (long long)((bytes + kib - 1) / kib));
	else
		snprintf(buf, size, "%lld bytes", (long long)bytes);
	return buf;
}
