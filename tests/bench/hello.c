/*
 * hello.fcgi: the bench's yardstick for "what a FastCGI + ClearSilver program costs behind this
 * lighttpd": one request, one small template parsed and rendered, one answer. Nothing else.
 * Built by `make bench` into build/bench/hello.fcgi.
 */
#include <ClearSilver.h>
#include <fcgiapp.h>
#include <stdlib.h>
#include <string.h>

static const char template_text[] = "<!doctype html><title>hello</title><p>Hello, <?cs var:who ?>!</p>\n";

static NEOERR *put(void *ctx, char *s)
{
	FCGX_PutS(s, ctx);
	return STATUS_OK;
}

static void render(FCGX_Stream *out)
{
	HDF *hdf = NULL;
	CSPARSE *cs = NULL;
	char *text = strdup(template_text); /* cs_parse_string takes ownership */
	NEOERR *err = hdf_init(&hdf);
	if (err == STATUS_OK)
		err = hdf_set_value(hdf, "who", "world");
	if (err == STATUS_OK)
		err = cs_init(&cs, hdf);
	if (err == STATUS_OK) {
		err = cs_parse_string(cs, text, strlen(text));
		text = NULL;
	}
	FCGX_PutS("Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n", out);
	if (err == STATUS_OK)
		err = cs_render(cs, out, put);
	nerr_ignore(&err);
	free(text);
	cs_destroy(&cs);
	hdf_destroy(&hdf);
}

int main(void)
{
	FCGX_Request req;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		render(req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
