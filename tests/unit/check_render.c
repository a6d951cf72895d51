/*
 * check_render.c: web_render with templates parsed once per process. Each render shows its own
 * request's data, escaped, through loops and includes, however many renders came before; and
 * the template file is read once (an edit is seen after a restart, not half-way).
 */
#include "check_helpers.h"
#include "util/util.h"
#include "web/web.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static struct config cfg;

static void write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pm-check-render-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_null(nerr_init());
	cfg.template_dir = dir;
	write_file("head.cs", "[<?cs var:Page.title ?>]");
	write_file("list.cs", "<?cs include:\"head.cs\" ?><?cs each:i = Items ?><li><?cs var:i.name ?></li><?cs /each ?>"
			      "<?cs if:Empty ?>none<?cs /if ?>");
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* Renders name with the items given (NULL-terminated); returns the body (free()). */
static char *render(const char *name, const char *title, const char *const *items)
{
	struct http_request req;
	struct http_response resp;
	struct web_ctx ctx;
	memset(&req, 0, sizeof(req));
	memset(&ctx, 0, sizeof(ctx));
	req.method = "GET";
	req.path = "/list";
	http_response_init(&resp);
	ctx.req = &req;
	ctx.resp = &resp;
	ctx.cfg = &cfg;
	ck_assert_ptr_null(hdf_init(&ctx.hdf));
	int n = 0;
	for (; items && items[n]; n++) {
		char key[32];
		snprintf(key, sizeof(key), "Items.%d.name", n);
		web_set(&ctx, key, items[n]);
	}
	if (!n)
		web_set(&ctx, "Empty", "1");
	web_render(&ctx, name, title);
	hdf_destroy(&ctx.hdf);
	ck_assert_int_eq(resp.status, 200);
	char *body = xstrdup(resp.body.buf ? resp.body.buf : "");
	http_response_free(&resp);
	return body;
}

START_TEST(test_each_render_its_own_data)
{
	const char *first[] = { "Ada", "Grace", NULL };
	const char *second[] = { "<script>x</script>", NULL };
	char *a = render("list.cs", "One", first);
	char *b = render("list.cs", "Two & more", second);
	char *c = render("list.cs", "Three", NULL);
	ck_assert_str_eq(a, "[One]<li>Ada</li><li>Grace</li>");
	ck_assert_str_eq(b, "[Two &amp; more]<li>&lt;script&gt;x&lt;/script&gt;</li>");
	ck_assert_str_eq(c, "[Three]none");
	free(a);
	free(b);
	free(c);
}
END_TEST

/* Parsed once: an edit of the file does not reach a running process. */
START_TEST(test_template_read_once)
{
	write_file("once.cs", "first <?cs var:Page.title ?>");
	char *a = render("once.cs", "A", NULL);
	write_file("once.cs", "second <?cs var:Page.title ?>");
	char *b = render("once.cs", "B", NULL);
	ck_assert_str_eq(a, "first A");
	ck_assert_str_eq(b, "first B");
	free(a);
	free(b);
}
END_TEST

/* A template that fails to parse is an error page each time, and the next good one still works. */
START_TEST(test_broken_template)
{
	write_file("broken.cs", "<?cs if:x ?>never closed");
	struct http_request req;
	struct http_response resp;
	struct web_ctx ctx;
	memset(&req, 0, sizeof(req));
	memset(&ctx, 0, sizeof(ctx));
	req.method = "GET";
	req.path = "/broken";
	for (int i = 0; i < 2; i++) {
		http_response_init(&resp);
		ctx.req = &req;
		ctx.resp = &resp;
		ctx.cfg = &cfg;
		ck_assert_ptr_null(hdf_init(&ctx.hdf));
		web_render(&ctx, "broken.cs", "Broken");
		ck_assert_int_eq(resp.status, 500);
		ck_assert_ptr_null(strstr(resp.body.buf, "never closed"));
		hdf_destroy(&ctx.hdf);
		http_response_free(&resp);
	}
	const char *items[] = { "ok", NULL };
	char *body = render("list.cs", "T", items);
	ck_assert_str_eq(body, "[T]<li>ok</li>");
	free(body);
}
END_TEST

/* Numbers and formatted values as the template sees them, long ones included. */
START_TEST(test_set_values)
{
	HDF *hdf = NULL;
	struct web_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ck_assert_ptr_null(hdf_init(&hdf));
	ctx.hdf = hdf;
	web_set_int(&ctx, "A", 0);
	web_set_int(&ctx, "B", -42);
	web_set_int(&ctx, "C", INT64_MAX);
	web_set_int(&ctx, "D", INT64_MIN);
	char longer[600];
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	web_setf(&ctx, "E", "%s-%d", longer, 7);
	web_setf(&ctx, "F", "%05.1f", 2.25);
	ck_assert_str_eq(hdf_get_value(hdf, "A", ""), "0");
	ck_assert_str_eq(hdf_get_value(hdf, "B", ""), "-42");
	ck_assert_str_eq(hdf_get_value(hdf, "C", ""), "9223372036854775807");
	ck_assert_str_eq(hdf_get_value(hdf, "D", ""), "-9223372036854775808");
	ck_assert_int_eq(strlen(hdf_get_value(hdf, "E", "")), sizeof(longer) - 1 + 2);
	ck_assert_str_eq(hdf_get_value(hdf, "E", "") + sizeof(longer) - 1, "-7");
	ck_assert_str_eq(hdf_get_value(hdf, "F", ""), "002.2");
	hdf_destroy(&hdf);
}
END_TEST

static Suite *render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_each_render_its_own_data);
	tcase_add_test(tc, test_template_read_once);
	tcase_add_test(tc, test_broken_template);
	tcase_add_test(tc, test_set_values);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(render_suite)
