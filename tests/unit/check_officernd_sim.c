/*
 * check_officernd_sim.c: the OfficeRnD client against the simulator (tests/sim/officernd_sim.py).
 *
 * One simulator process serves the whole run: started in an unchecked fixture, stopped at the
 * end (and, should this program die, by PR_SET_PDEATHSIG: no stray processes). Every test
 * starts from the seed (POST /_sim/reset) and reads what reached the simulator from
 * GET /_sim/stats. Run from the top of the tree, as make does.
 */
#include "check_helpers.h"
#include "check_db.h"
#include "crypto/crypto.h"
#include "officernd/officernd.h"
#include "store/officernd_account.h"
#include "store/db.h"
#include "util/config.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIM_SCRIPT "tests/sim/officernd_sim.py"
#define SIM_SEED "tests/sim/seed.json"
#define SLUG "acme-spaces"
#define CLIENT_ID "demo-client"
#define CLIENT_SECRET "demo-secret"
#define LOC1 "65a1f0c2e4b0a1b2c3d4e001"
#define PLAN_MAIL "65a1f0c2e4b0a1b2c3d4e105"
#define COMPANY1 "65a1f0c2e4b0a1b2c3d4e201"
#define MEMBER_ADA "65a1f0c2e4b0a1b2c3d4e301"
#define MEMBER_HANK "65a1f0c2e4b0a1b2c3d4e303"

static pid_t sim_pid;
static char sim_dir[PATH_MAX];
static char sim_url[64];
static char *seed_json;

/* ---- the simulator process ------------------------------------------------------------------ */

static char *file_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct strbuf sb = { 0 };
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb, NULL);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void sim_child(char *port_file, pid_t parent)
{
	/* Dies with us, even when we crash under CK_FORK=no. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	int devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0) {
		dup2(devnull, STDOUT_FILENO);
		if (!getenv("PILOTOMAIL_SIM_VERBOSE"))
			dup2(devnull, STDERR_FILENO);
	}
	/* PILOTOMAIL_SIM_VERBOSE=1 shows the simulator's request log. */
	char *argv[] = { "python3", SIM_SCRIPT, "--port", "0", "--port-file", port_file,
			 "--seed", SIM_SEED, getenv("PILOTOMAIL_SIM_VERBOSE") ? NULL : "--quiet", NULL };
	execv("/usr/bin/python3", argv);
	_exit(127);
}

static void sim_start(void)
{
	seed_json = file_slurp(SIM_SEED);
	ck_assert_msg(seed_json != NULL, "cannot read %s: run from the top of the tree", SIM_SEED);
	snprintf(sim_dir, sizeof(sim_dir), "%s/orn-sim-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(sim_dir));
	char port_file[PATH_MAX + 16];
	snprintf(port_file, sizeof(port_file), "%s/port", sim_dir);

	pid_t parent = getpid();
	sim_pid = fork();
	ck_assert_int_ge(sim_pid, 0);
	if (sim_pid == 0)
		sim_child(port_file, parent);

	int port = 0;
	for (int i = 0; i < 500 && port <= 0; i++) {
		char *text = file_slurp(port_file);
		if (text)
			port = atoi(text);
		free(text);
		if (port <= 0) {
			ck_assert_msg(waitpid(sim_pid, NULL, WNOHANG) == 0, "the simulator exited at start");
			sleep_ms(20);
		}
	}
	ck_assert_msg(port > 0, "the simulator did not write its port");
	snprintf(sim_url, sizeof(sim_url), "http://127.0.0.1:%d", port);
	char api[96];
	snprintf(api, sizeof(api), "%s/api/v2", sim_url);
	setenv("PILOTOMAIL_OFFICERND_IDENTITY_URL", sim_url, 1);
	setenv("PILOTOMAIL_OFFICERND_API_URL", api, 1);
	config_reload();
}

static void sim_stop(void)
{
	if (sim_pid > 0) {
		kill(sim_pid, SIGTERM);
		int status;
		for (int i = 0; i < 250 && waitpid(sim_pid, &status, WNOHANG) == 0; i++)
			sleep_ms(20);
		if (kill(sim_pid, 0) == 0) {
			kill(sim_pid, SIGKILL);
			waitpid(sim_pid, &status, 0);
		}
		sim_pid = 0;
	}
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/port", sim_dir);
	unlink(path);
	rmdir(sim_dir);
	free(seed_json);
	seed_json = NULL;
	orn_global_cleanup();
}

/* ---- the control API ------------------------------------------------------------------------ */

static size_t sink(char *data, size_t size, size_t nmemb, void *arg)
{
	strbuf_add(arg, data, size * nmemb);
	return size * nmemb;
}

/* A control call; the parsed answer (json_decref), asserting a 2xx. */
static json_t *sim_call(const char *method, const char *path, const char *body)
{
	orn_global_init();
	CURL *h = curl_easy_init();
	ck_assert_ptr_nonnull(h);
	char *url = xasprintf("%s%s", sim_url, path);
	struct strbuf out = { 0 };
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	free(url);
	ck_assert_msg(rc == CURLE_OK && status >= 200 && status < 300, "control %s %s: curl %d http %ld %s",
		      method, path, (int)rc, status, out.buf ? out.buf : "");
	json_t *v = json_loadb(out.buf ? out.buf : "null", out.buf ? out.len : 4, JSON_DECODE_ANY, NULL);
	strbuf_free(&out);
	ck_assert_ptr_nonnull(v);
	return v;
}

static void sim_do(const char *method, const char *path, const char *body)
{
	json_decref(sim_call(method, path, body));
}

static void sim_fault(const char *spec)
{
	sim_do("POST", "/_sim/faults", spec);
}

/* "token" for token requests, else a key of requests ("GET /plans"). */
static long sim_stat(const char *key)
{
	json_t *stats = sim_call("GET", "/_sim/stats", NULL);
	const json_t *v = str_eq(key, "token") ? json_object_get(stats, "token_requests")
					       : json_object_get(json_object_get(stats, "requests"), key);
	long n = json_is_integer(v) ? (long)json_integer_value(v) : 0;
	json_decref(stats);
	return n;
}

static void setup(void)
{
	unsetenv("PILOTOMAIL_HTTP_TIMEOUT_MS");
	unsetenv("PILOTOMAIL_FAKE_NOW");
	config_reload();
	sim_do("POST", "/_sim/reset", seed_json);
}

static void teardown(void)
{
	orn_global_cleanup();
}

static struct orn_client *demo_client(void)
{
	return orn_client_new(SLUG, CLIENT_ID, CLIENT_SECRET);
}

/* ---- tokens --------------------------------------------------------------------------------- */

START_TEST(token_fetched_once_and_reused)
{
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_location *locs;
	struct orn_plan *plans;
	size_t nl, np;
	ck_assert_int_eq(orn_list_locations(c, &locs, &nl, &err), 0);
	ck_assert_int_eq(nl, 3);
	ck_assert_str_eq(locs[0].id, LOC1);
	ck_assert_str_eq(locs[0].name, "Downtown Hub");
	ck_assert_int_eq(locs[0].is_open, 1);
	ck_assert_int_eq(locs[2].is_open, 0);
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &err), 0);
	ck_assert_int_eq(np, 5);
	ck_assert_str_eq(plans[0].name, "Virtual Office");
	ck_assert_str_eq(plans[0].code, "VO");
	ck_assert_str_eq(plans[0].interval_length, "month");
	ck_assert_int_eq(plans[0].price_minor, 9900);
	orn_locations_free(locs, nl);
	orn_plans_free(plans, np);

	struct orn_member m;
	struct orn_company co;
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(orn_get_member(c, MEMBER_HANK, &m, &err), 0);
		ck_assert_str_eq(m.name, "Hank Scorpio");
		ck_assert_str_eq(m.email, "hank@globex.example.com");
		ck_assert_str_eq(m.company, COMPANY1);
		ck_assert_str_eq(m.status, "active");
		orn_member_clear(&m);
	}
	ck_assert_int_eq(orn_get_member(c, MEMBER_ADA, &m, &err), 0);
	ck_assert_ptr_null(m.company);
	orn_member_clear(&m);
	ck_assert_int_eq(orn_get_company(c, COMPANY1, &co, &err), 0);
	ck_assert_str_eq(co.name, "Globex Corporation");
	orn_company_clear(&co);

	ck_assert_int_eq(sim_stat("token"), 1);
	ck_assert_int_eq(sim_stat("GET /members/{id}"), 6);
	orn_client_free(c);
}
END_TEST

START_TEST(token_refreshed_after_401)
{
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_plan *plans;
	size_t np;
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &err), 0);
	orn_plans_free(plans, np);
	ck_assert_int_eq(sim_stat("token"), 1);

	/* OfficeRnD forgets the token: the next call gets 401, refreshes once, succeeds. */
	sim_fault("{\"kind\":\"expire_tokens\",\"path\":\"/plans\"}");
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &err), 0);
	ck_assert_int_eq(np, 5);
	orn_plans_free(plans, np);
	ck_assert_int_eq(sim_stat("token"), 2);
	ck_assert_int_eq(sim_stat("GET /plans"), 3);

	/* A token refused again right after the refresh is reported, not looped on. */
	sim_fault("{\"kind\":\"expire_tokens\",\"path\":\"/plans\",\"count\":2}");
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_AUTH);
	ck_assert_int_eq(err.http_status, 401);
	ck_assert_int_eq(sim_stat("token"), 3);
	orn_client_free(c);
}
END_TEST

START_TEST(token_replaced_before_expiry)
{
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_company co;
	ck_assert_int_eq(orn_get_company(c, COMPANY1, &co, &err), 0);
	orn_company_clear(&co);
	char now[32];
	/* 3599 s tokens: 3500 s later it is still good, 3540 s later it is replaced. */
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL) + 3500);
	setenv("PILOTOMAIL_FAKE_NOW", now, 1);
	ck_assert_int_eq(orn_get_company(c, COMPANY1, &co, &err), 0);
	orn_company_clear(&co);
	ck_assert_int_eq(sim_stat("token"), 1);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL) + 3545);
	setenv("PILOTOMAIL_FAKE_NOW", now, 1);
	ck_assert_int_eq(orn_get_company(c, COMPANY1, &co, &err), 0);
	orn_company_clear(&co);
	ck_assert_int_eq(sim_stat("token"), 2);
	unsetenv("PILOTOMAIL_FAKE_NOW");
	orn_client_free(c);

	/* The lifetime comes from expires_in: a 120 s token is replaced after 61 s. */
	sim_do("POST", "/_sim/config", "{\"token_ttl\":120}");
	c = demo_client();
	ck_assert_int_eq(orn_get_company(c, COMPANY1, &co, &err), 0);
	orn_company_clear(&co);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL) + 50);
	setenv("PILOTOMAIL_FAKE_NOW", now, 1);
	ck_assert_int_eq(orn_get_company(c, COMPANY1, &co, &err), 0);
	orn_company_clear(&co);
	ck_assert_int_eq(sim_stat("token"), 3);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL) + 61);
	setenv("PILOTOMAIL_FAKE_NOW", now, 1);
	ck_assert_int_eq(orn_get_company(c, COMPANY1, &co, &err), 0);
	orn_company_clear(&co);
	ck_assert_int_eq(sim_stat("token"), 4);
	unsetenv("PILOTOMAIL_FAKE_NOW");
	orn_client_free(c);
}
END_TEST

/* A store with one operator connected to the simulator's demo client. */
struct store {
	char dir[PATH_MAX];
	char db_path[PATH_MAX + 16];
	char key_path[PATH_MAX + 16];
	struct db *db;
	int64_t op;
};

static int64_t store_add_operator(struct store *s, const char *email, const char *slug, const char *secret)
{
	struct db_stmt *st = db_prepare(s->db, "INSERT INTO operators(email, password_hash, created_at) "
					     "VALUES (?, 'x', 0) RETURNING id");
	db_bind_text(st, 1, email);
	int64_t op = db_insert_returning(st, NULL);
	ck_assert_int_gt(op, 0);
	unsigned char *blob = NULL;
	size_t blob_len = 0;
	if (secret)
		ck_assert_int_eq(secretbox_seal(secret, strlen(secret), &blob, &blob_len), 0);
	st = db_prepare(s->db, "INSERT INTO officernd_settings(operator_id, org_slug, client_id, "
			       "client_secret_enc, webhook_token, updated_at) VALUES (?, ?, ?, ?, ?, 0)");
	db_bind_int64(st, 1, op);
	db_bind_text(st, 2, slug);
	db_bind_text(st, 3, CLIENT_ID);
	if (blob)
		db_bind_blob(st, 4, blob, blob_len);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, email);
	ck_assert_int_eq(db_step_done(st), 0);
	free(blob);
	return op;
}

static void store_open(struct store *s)
{
	snprintf(s->dir, sizeof(s->dir), "%s/orn-store-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	snprintf(s->db_path, sizeof(s->db_path), "%s/test.db", s->dir);
	snprintf(s->key_path, sizeof(s->key_path), "%s/secret.key", s->dir);
	ck_assert_int_eq(secretbox_init(s->key_path), 0);
	s->db = test_db_open(s->db_path);
	ck_assert_ptr_nonnull(s->db);
	ck_assert_int_eq(db_migrate(s->db), 0);
	s->op = store_add_operator(s, "op@example.com", SLUG, CLIENT_SECRET);
}

static void store_close(struct store *s)
{
	test_db_close(s->db);
	static const char *const names[] = { "test.db", "test.db-wal", "test.db-shm", "secret.key" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char path[PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/%s", s->dir, names[i]);
		unlink(path);
	}
	rmdir(s->dir);
}

/* Another worker is asking OfficeRnD for the operator's token (its lease in the store): this one
 * asks for none and waits, at most to its deadline, for the token the other stores. Once the
 * other is done, the next worker asks. OfficeRnD allows 5 token requests a minute in all. */
START_TEST(token_asked_by_one_worker_at_a_time)
{
	struct store s;
	store_open(&s);
	struct orn_error err;
	struct orn_location *locs;
	size_t nl;
	int64_t now = time_now();
	ck_assert_int_eq(officernd_account_token_lease(s.db, s.op, now, now + 15), 1);
	ck_assert_int_eq(officernd_account_token_lease(s.db, s.op, now, now + 15), 0); /* held */
	setenv("PILOTOMAIL_HTTP_TIMEOUT_MS", "200", 1);
	config_reload();
	struct orn_client *a = orn_client_open(s.db, s.op, &err);
	ck_assert_ptr_nonnull(a);
	/* Time enough for a token request (200 ms), not for the other's lease (15 s). */
	orn_client_set_deadline(a, time_mono_ms() + 1500);
	ck_assert_int_eq(orn_list_locations(a, &locs, &nl, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_DEADLINE);
	ck_assert_int_eq(sim_stat("token"), 0);
	ck_assert_int_eq(officernd_account_token_lease_end(s.db, s.op), 0);
	orn_client_set_deadline(a, 0);
	ck_assert_int_eq(orn_list_locations(a, &locs, &nl, &err), 0);
	orn_locations_free(locs, nl);
	ck_assert_int_eq(sim_stat("token"), 1);
	/* It ended its asking: another worker finds the token, or asks without waiting. */
	ck_assert_int_eq(officernd_account_token_lease(s.db, s.op, now, now + 15), 1);
	orn_client_free(a);
	store_close(&s);
}
END_TEST

START_TEST(token_shared_through_store)
{
	struct store s;
	store_open(&s);
	struct orn_error err;
	struct orn_location *locs;
	size_t nl;

	struct orn_client *a = orn_client_open(s.db, s.op, &err);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(orn_list_locations(a, &locs, &nl, &err), 0);
	orn_locations_free(locs, nl);
	orn_client_free(a);

	/* Stored encrypted with its expiry. */
	struct db_stmt *st = db_prepare(s.db, "SELECT access_token_enc, access_token_expires_at "
					    "FROM officernd_settings WHERE operator_id = ?");
	db_bind_int64(st, 1, s.op);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_gt(db_col_bytes(st, 0), 16);
	ck_assert_int_ge(db_col_int64(st, 1), time_now() + 3500);
	db_finalize(st);

	/* Another process (a new client on the same store) reuses it. */
	struct orn_client *b = orn_client_open(s.db, s.op, &err);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(orn_list_locations(b, &locs, &nl, &err), 0);
	orn_locations_free(locs, nl);
	ck_assert_int_eq(sim_stat("token"), 1);

	/* A 401 drops the stored token too; the new one is stored for the others. */
	sim_fault("{\"kind\":\"expire_tokens\",\"path\":\"/locations\"}");
	ck_assert_int_eq(orn_list_locations(b, &locs, &nl, &err), 0);
	orn_locations_free(locs, nl);
	ck_assert_int_eq(sim_stat("token"), 2);
	orn_client_free(b);
	struct orn_client *c = orn_client_open(s.db, s.op, &err);
	ck_assert_int_eq(orn_list_locations(c, &locs, &nl, &err), 0);
	orn_locations_free(locs, nl);
	ck_assert_int_eq(sim_stat("token"), 2);
	orn_client_free(c);

	/* Not configured: no row, an empty slug, no secret. */
	ck_assert_ptr_null(orn_client_open(s.db, 999, &err));
	ck_assert_int_eq(err.status, ORN_ERR_NOT_CONFIGURED);
	int64_t op2 = store_add_operator(&s, "two@example.com", "", CLIENT_SECRET);
	ck_assert_ptr_null(orn_client_open(s.db, op2, &err));
	ck_assert_int_eq(err.status, ORN_ERR_NOT_CONFIGURED);
	int64_t op3 = store_add_operator(&s, "three@example.com", SLUG, NULL);
	ck_assert_ptr_null(orn_client_open(s.db, op3, &err));
	ck_assert_int_eq(err.status, ORN_ERR_NOT_CONFIGURED);
	ck_assert_msg(strstr(err.message, "not connected") != NULL, "%s", err.message);
	store_close(&s);
}
END_TEST

/* ---- lists and objects ---------------------------------------------------------------------- */

START_TEST(pagination_120_plans)
{
	for (int i = 0; i < 120; i++) {
		char body[160];
		snprintf(body, sizeof(body), "{\"org\":\"%s\",\"name\":\"Extra plan %03d\",\"price\":%d.25}", SLUG, i, i);
		sim_do("POST", "/_sim/plans", body);
	}
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_plan *plans;
	size_t np;
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &err), 0);
	ck_assert_int_eq(np, 125);
	ck_assert_int_eq(sim_stat("GET /plans"), 3);
	int seen[120] = { 0 };
	for (size_t i = 0; i < np; i++) {
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(plans[i].id, plans[j].id);
		int k;
		if (sscanf(plans[i].name, "Extra plan %d", &k) == 1) {
			ck_assert_int_ge(k, 0);
			ck_assert_int_lt(k, 120);
			ck_assert_int_eq(plans[i].price_minor, (int64_t)k * 100 + 25);
			seen[k]++;
		}
	}
	for (int k = 0; k < 120; k++)
		ck_assert_int_eq(seen[k], 1);
	orn_plans_free(plans, np);
	orn_client_free(c);
}
END_TEST

START_TEST(membership_fetched)
{
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"org\":\"%s\",\"_id\":\"m-1\",\"name\":\"Mailbox\",\"member\":\"%s\",\"company\":null,"
		 "\"plan\":\"%s\",\"location\":\"%s\",\"startDate\":\"2026-01-01T00:00:00.000Z\","
		 "\"status\":\"approved\",\"isPersonal\":true}", SLUG, MEMBER_ADA, PLAN_MAIL, LOC1);
	sim_do("POST", "/_sim/memberships", body);
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_membership m;
	ck_assert_int_eq(orn_get_membership(c, "m-1", &m, &err), 0);
	ck_assert_str_eq(m.id, "m-1");
	ck_assert_str_eq(m.member, MEMBER_ADA);
	ck_assert_ptr_null(m.company);
	ck_assert_str_eq(m.plan, PLAN_MAIL);
	ck_assert_str_eq(m.location, LOC1);
	ck_assert_ptr_null(m.end_date);
	ck_assert_str_eq(m.status, "approved");
	ck_assert_int_eq(m.is_personal, 1);
	ck_assert_str_ne(m.modified_at, "");
	orn_membership_clear(&m);

	ck_assert_int_eq(orn_get_membership(c, "no such/id?x", &m, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_NOT_FOUND);
	ck_assert_int_eq(err.http_status, 404);
	ck_assert_int_eq(orn_error_retryable(&err), 0);
	ck_assert_msg(strstr(err.message, "Membership not found") != NULL, "%s", err.message);
	struct orn_member u;
	ck_assert_int_eq(orn_get_member(c, "", &u, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_INVALID);
	ck_assert_int_eq(err.request_sent, 0);
	orn_client_free(c);
}
END_TEST

/* The modifiedAt the simulator gave membership m-<i>. */
static char *sim_modified_at(int i)
{
	char path[64];
	snprintf(path, sizeof(path), "/_sim/memberships/m-%03d", i);
	json_t *m = sim_call("GET", path, NULL);
	char *at = xstrdup(json_string_value(json_object_get(m, "modifiedAt")));
	json_decref(m);
	return at;
}

START_TEST(memberships_paged_and_filtered)
{
	for (int i = 0; i < 120; i++) {
		char body[512];
		snprintf(body, sizeof(body),
			 "{\"org\":\"%s\",\"_id\":\"m-%03d\",\"member\":\"%s\",\"plan\":\"%s\",\"location\":\"%s\","
			 "\"startDate\":\"2026-01-01\",\"status\":\"approved\"}", SLUG, i, MEMBER_ADA, PLAN_MAIL, LOC1);
		sim_do("POST", "/_sim/memberships?webhooks=0", body);
	}
	/* One OfficeRnD cannot vouch for (no member): left out, the others still listed. */
	sim_do("POST", "/_sim/memberships?webhooks=0",
	       "{\"org\":\"" SLUG "\",\"_id\":\"m-odd\",\"plan\":\"" PLAN_MAIL "\",\"member\":null}");
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_membership *ms;
	size_t n;
	ck_assert_int_eq(orn_list_memberships(c, NULL, &ms, &n, &err), 0);
	ck_assert_int_eq(n, 120);
	ck_assert_int_eq(sim_stat("GET /memberships"), 3);
	int seen[120] = { 0 };
	for (size_t i = 0; i < n; i++) {
		int k;
		ck_assert_int_eq(sscanf(ms[i].id, "m-%d", &k), 1);
		ck_assert_int_ge(k, 0);
		ck_assert_int_lt(k, 120);
		seen[k]++;
		ck_assert_str_eq(ms[i].member, MEMBER_ADA);
		ck_assert_str_eq(ms[i].plan, PLAN_MAIL);
		ck_assert_str_ne(ms[i].modified_at, "");
	}
	for (int k = 0; k < 120; k++)
		ck_assert_int_eq(seen[k], 1);
	orn_memberships_free(ms, n);

	/* Page by page: 50, 50, then 20 and the unreadable one. */
	char *next = NULL, *cursor = NULL;
	size_t skipped, pages = 0, total = 0, total_skipped = 0;
	do {
		ck_assert_int_eq(orn_list_memberships_page(c, NULL, cursor, &ms, &n, &next, &skipped, &err), 0);
		ck_assert_int_eq(n, pages < 2 ? 50 : 20);
		total += n;
		total_skipped += skipped;
		orn_memberships_free(ms, n);
		free(cursor);
		cursor = next;
		pages++;
	} while (cursor);
	ck_assert_int_eq(pages, 3);
	ck_assert_int_eq(total, 120);
	ck_assert_int_eq(total_skipped, 1);

	/* Only those modified after the 100th: m-100 .. m-119 (m-odd, later still, is unreadable). */
	char *after = sim_modified_at(99);
	ck_assert_int_eq(orn_list_memberships_page(c, after, NULL, &ms, &n, &next, &skipped, &err), 0);
	ck_assert_int_eq(n, 20);
	ck_assert_int_eq(skipped, 1);
	ck_assert_ptr_null(next);
	for (size_t i = 0; i < n; i++) {
		char want[16];
		snprintf(want, sizeof(want), "m-%03zu", 100 + i);
		ck_assert_str_eq(ms[i].id, want);
		ck_assert_int_gt(strcmp(ms[i].modified_at, after), 0);
	}
	orn_memberships_free(ms, n);

	/* A change to an older one makes it newer than the filter: listed again. */
	sim_do("PATCH", "/_sim/memberships/m-050?webhooks=0", "{\"plan\":\"" PLAN_MAIL "\",\"name\":\"Renamed\"}");
	ck_assert_int_eq(orn_list_memberships(c, after, &ms, &n, &err), 0);
	ck_assert_int_eq(n, 21);
	ck_assert_str_eq(ms[0].id, "m-050"); /* creation order, as OfficeRnD's default sort */
	ck_assert_str_eq(ms[0].name, "Renamed");
	orn_memberships_free(ms, n);
	free(after);

	/* The bracketed filter reached OfficeRnD as a filter: a time after everything lists nothing. */
	ck_assert_int_eq(orn_list_memberships(c, "2999-01-01T00:00:00.000Z", &ms, &n, &err), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(ms);

	/* A failing page fails the whole list. */
	sim_fault("{\"kind\":\"status\",\"status\":500,\"path\":\"/memberships\",\"count\":10}");
	ck_assert_int_eq(orn_list_memberships(c, NULL, &ms, &n, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_SERVER);
	ck_assert_ptr_null(ms);
	ck_assert_int_eq(n, 0);
	orn_client_free(c);
}
END_TEST

/* Existing members (issue 10): members and companies a page at a time, 50 each, to the end. */
START_TEST(members_and_companies_paged)
{
	sim_do("POST", "/_sim/seed_memberships", "{\"org\":\"" SLUG "\",\"count\":120,\"with_company\":60}");
	struct orn_client *c = demo_client();
	struct orn_error err;
	char *next = NULL, *cursor = NULL;
	size_t n, skipped, pages = 0, members = 0, with_email = 0;
	do {
		struct orn_member *ms;
		ck_assert_int_eq(orn_list_members_page(c, cursor, &ms, &n, &next, &skipped, &err), 0);
		ck_assert_int_le(n, 50);
		ck_assert_int_eq(skipped, 0);
		for (size_t i = 0; i < n; i++)
			with_email += strstr(ms[i].email, "@example.com") != NULL;
		members += n;
		orn_members_free(ms, n);
		free(cursor);
		cursor = next;
		pages++;
	} while (cursor);
	ck_assert_int_eq(members, 125); /* the seed's five and the 120 */
	ck_assert_int_eq(with_email, 123); /* all but the two @globex.example.com */
	ck_assert_int_eq(pages, 3);
	ck_assert_int_eq(sim_stat("GET /members"), 3);
	struct orn_company *cs;
	ck_assert_int_eq(orn_list_companies_page(c, NULL, &cs, &n, &next, NULL, &err), 0);
	ck_assert_int_eq(n, 50);
	ck_assert_ptr_nonnull(next);
	orn_companies_free(cs, n);
	ck_assert_int_eq(orn_list_companies_page(c, next, &cs, &n, &cursor, NULL, &err), 0);
	ck_assert_int_eq(n, 11);
	ck_assert_ptr_null(cursor);
	ck_assert_str_eq(cs[n - 1].name, "Existing 0120 Ltd");
	orn_companies_free(cs, n);
	free(next);
	/* A failing page is the caller's to retry: nothing half given. */
	sim_fault("{\"kind\":\"status\",\"status\":403,\"path\":\"/members\"}");
	struct orn_member *ms = (struct orn_member *)1;
	ck_assert_int_eq(orn_list_members_page(c, NULL, &ms, &n, &next, NULL, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_FORBIDDEN);
	ck_assert_ptr_null(ms);
	ck_assert_ptr_null(next);
	ck_assert_int_eq(n, 0);
	orn_client_free(c);
}
END_TEST

/* ---- faults --------------------------------------------------------------------------------- */

START_TEST(fault_503_recovered_quickly)
{
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_plan *plans;
	size_t np;
	sim_fault("{\"kind\":\"status\",\"status\":503,\"path\":\"/plans\"}");
	int64_t t0 = time_mono_ms();
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &err), 0);
	ck_assert_int_lt(time_mono_ms() - t0, 1500);
	ck_assert_int_eq(np, 5);
	orn_plans_free(plans, np);
	ck_assert_int_eq(sim_stat("GET /plans"), 2);

	/* Still failing after the quick retries: reported as retryable. */
	sim_fault("{\"kind\":\"status\",\"status\":502,\"path\":\"/plans\",\"count\":10}");
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_SERVER);
	ck_assert_int_eq(err.http_status, 502);
	ck_assert_int_eq(orn_error_retryable(&err), 1);
	ck_assert_ptr_null(plans);
	ck_assert_int_eq(np, 0);
	ck_assert_int_eq(sim_stat("GET /plans"), 5);
	orn_client_free(c);
}
END_TEST

START_TEST(fault_429_reported_with_retry_after)
{
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_member m;
	sim_fault("{\"kind\":\"429\",\"retry_after\":7,\"path\":\"/members/{id}\"}");
	ck_assert_int_eq(orn_get_member(c, MEMBER_ADA, &m, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_RATE_LIMITED);
	ck_assert_int_eq(err.http_status, 429);
	ck_assert_int_eq(err.retry_after_s, 7);
	ck_assert_int_eq(orn_error_retryable(&err), 1);
	ck_assert_int_eq(orn_retry_delay_ms(&err, 3), 7000);
	ck_assert_int_eq(sim_stat("GET /members/{id}"), 1); /* no quick retry: we were asked to wait */

	/* A 503 asking to wait is not retried quickly either; Retry-After is clamped. */
	sim_fault("{\"kind\":\"status\",\"status\":503,\"retry_after\":9999,\"path\":\"/members/{id}\"}");
	ck_assert_int_eq(orn_get_member(c, MEMBER_ADA, &m, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_SERVER);
	ck_assert_int_eq(err.retry_after_s, 300);
	ck_assert_int_eq(sim_stat("GET /members/{id}"), 2);

	/* The simulator's own rate limit. */
	sim_do("POST", "/_sim/config", "{\"read_limit_per_minute\":2}");
	struct orn_company co;
	int rc = 0;
	for (int i = 0; i < 3 && rc == 0; i++) {
		rc = orn_get_company(c, COMPANY1, &co, &err);
		if (rc == 0)
			orn_company_clear(&co);
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(err.status, ORN_ERR_RATE_LIMITED);
	ck_assert_int_ge(err.retry_after_s, 1);
	ck_assert_int_le(err.retry_after_s, 60);
	orn_client_free(c);
}
END_TEST

START_TEST(fault_delay_times_out)
{
	setenv("PILOTOMAIL_HTTP_TIMEOUT_MS", "1000", 1);
	config_reload();
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_plan *plans;
	size_t np;
	sim_fault("{\"kind\":\"delay\",\"delay_ms\":3000,\"path\":\"/plans\"}");
	int64_t t0 = time_mono_ms();
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &err), -1);
	int64_t took = time_mono_ms() - t0;
	ck_assert_int_eq(err.status, ORN_ERR_TIMEOUT);
	ck_assert_int_eq(err.request_sent, 1);
	ck_assert_int_eq(orn_error_retryable(&err), 1);
	ck_assert_str_eq(err.message, "OfficeRnD could not be reached (timeout after 1 s)");
	ck_assert_int_ge(took, 900);
	ck_assert_int_lt(took, 2500);
	ck_assert_int_eq(sim_stat("GET /plans"), 1);
	orn_client_free(c);
}
END_TEST

START_TEST(fault_drop_is_network_error)
{
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_location *locs;
	size_t nl;
	/* Enough drops to outlast curl's own resend on a reused connection and our quick retries. */
	sim_fault("{\"kind\":\"drop\",\"path\":\"/locations\",\"count\":10}");
	ck_assert_int_eq(orn_list_locations(c, &locs, &nl, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_NETWORK);
	ck_assert_int_eq(err.http_status, 0);
	ck_assert_int_eq(err.request_sent, 1);
	ck_assert_int_eq(orn_error_retryable(&err), 1);
	sim_do("DELETE", "/_sim/faults", NULL);
	ck_assert_int_eq(orn_list_locations(c, &locs, &nl, &err), 0);
	ck_assert_int_eq(nl, 3);
	orn_locations_free(locs, nl);

	/* One drop: the quick retry hides it. */
	sim_fault("{\"kind\":\"drop\",\"path\":\"/locations\",\"count\":1}");
	ck_assert_int_eq(orn_list_locations(c, &locs, &nl, &err), 0);
	orn_locations_free(locs, nl);
	orn_client_free(c);
}
END_TEST

START_TEST(unreachable_is_network_error)
{
	setenv("PILOTOMAIL_OFFICERND_IDENTITY_URL", "http://127.0.0.1:1", 1);
	setenv("PILOTOMAIL_OFFICERND_API_URL", "http://127.0.0.1:1/api/v2", 1);
	config_reload();
	struct orn_client *c = demo_client();
	struct orn_error err;
	size_t nl, np;
	ck_assert_int_eq(orn_test_connection(c, &nl, &np, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_NETWORK);
	ck_assert_int_eq(err.request_sent, 0);
	ck_assert_int_eq(orn_error_retryable(&err), 1);
	ck_assert_msg(str_starts_with(err.message, "OfficeRnD could not be reached ("), "%s", err.message);
	orn_client_free(c);
	char api[96];
	snprintf(api, sizeof(api), "%s/api/v2", sim_url);
	setenv("PILOTOMAIL_OFFICERND_IDENTITY_URL", sim_url, 1);
	setenv("PILOTOMAIL_OFFICERND_API_URL", api, 1);
	config_reload();
}
END_TEST

/* ---- fees ----------------------------------------------------------------------------------- */

static struct orn_fee_request fee_request(const char *reference, int64_t price_minor)
{
	struct orn_fee_request rq = {
		.name = "Mail scan 2026-03-01", .issue_date = "2026-03-01", .location = LOC1, .plan = PLAN_MAIL,
		.member = MEMBER_ADA, .description = "pilotomail charge", .reference = reference,
		.price_minor = price_minor, .minor_digits = 2, .quantity = 1, .is_personal = 1,
	};
	return rq;
}

START_TEST(fee_created_once)
{
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_fee fee;
	struct orn_fee_request rq = fee_request("ch_1", 1250);
	ck_assert_int_eq(orn_create_fee(c, &rq, &fee, &err), 0);
	ck_assert_str_ne(fee.id, "");
	ck_assert_str_eq(fee.status, "approved");
	ck_assert_str_eq(fee.reference, "ch_1");
	ck_assert_str_eq(fee.member, MEMBER_ADA);
	ck_assert_int_eq(fee.price_minor, 1250);
	ck_assert_int_eq(fee.quantity, 1);
	orn_fee_clear(&fee);

	rq = fee_request("ch_2", 1999);
	rq.member = NULL;
	rq.company = COMPANY1;
	rq.is_personal = 0;
	ck_assert_int_eq(orn_create_fee(c, &rq, NULL, &err), 0);

	/* What OfficeRnD received: a number with two decimals, our reference in properties. */
	json_t *fees = sim_call("GET", "/_sim/fees", NULL);
	ck_assert_int_eq(json_array_size(fees), 2);
	const json_t *f0 = json_array_get(fees, 0), *f1 = json_array_get(fees, 1);
	ck_assert(json_is_real(json_object_get(f0, "price")));
	ck_assert(json_real_value(json_object_get(f0, "price")) == 12.5);
	ck_assert(json_real_value(json_object_get(f1, "price")) == 19.99);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(f0, "properties"), "pilotomailChargeId")),
			 "ch_1");
	ck_assert_str_eq(json_string_value(json_object_get(f1, "company")), COMPANY1);
	ck_assert(json_is_false(json_object_get(f1, "isPersonal")));
	json_decref(fees);

	struct orn_fee *list;
	size_t n;
	ck_assert_int_eq(orn_list_fees(c, NULL, COMPANY1, &list, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(list[0].reference, "ch_2");
	ck_assert_int_eq(list[0].price_minor, 1999);
	orn_fees_free(list, n);
	ck_assert_int_eq(orn_list_fees(c, NULL, NULL, &list, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	orn_fees_free(list, n);
	orn_client_free(c);
}
END_TEST

/* How many of refs carry reference. */
static size_t refs_with(const struct orn_fee_ref *refs, size_t n, const char *reference)
{
	size_t found = 0;
	for (size_t i = 0; i < n; i++)
		found += refs[i].reference && strcmp(refs[i].reference, reference) == 0;
	return found;
}

START_TEST(fee_lookup_reads_only_what_it_needs)
{
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_fee_request rq = fee_request("ch_mine", 300);
	ck_assert_int_eq(orn_create_fee(c, &rq, NULL, &err), 0);
	/* Fees made by someone else, with fields our strict parser refuses. */
	sim_do("POST", "/_sim/fees", "{\"org\":\"" SLUG "\",\"member\":\"" MEMBER_ADA "\",\"plan\":\""
	       PLAN_MAIL "\",\"price\":\"twelve\",\"properties\":\"odd\"}");
	sim_do("POST", "/_sim/fees", "{\"org\":\"" SLUG "\",\"member\":\"" MEMBER_ADA "\",\"name\":null}");

	struct orn_fee *strict;
	size_t n;
	ck_assert_int_eq(orn_list_fees(c, MEMBER_ADA, NULL, &strict, &n, &err), -1);

	struct orn_fee_ref *refs;
	size_t skipped;
	ck_assert_int_eq(orn_list_fee_refs(c, MEMBER_ADA, NULL, NULL, &refs, &n, &skipped, &err), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(skipped, 0);
	ck_assert_int_eq(refs_with(refs, n, "ch_mine"), 1);
	orn_fee_refs_free(refs, n);
	/* Narrowed to the plan of the POST. */
	ck_assert_int_eq(orn_list_fee_refs(c, MEMBER_ADA, NULL, "no-such-plan", &refs, &n, NULL, &err), 0);
	ck_assert_int_eq(n, 0);
	orn_fee_refs_free(refs, n);
	ck_assert_int_eq(orn_list_fee_refs(c, NULL, COMPANY1, PLAN_MAIL, &refs, &n, NULL, &err), 0);
	ck_assert_int_eq(refs_with(refs, n, "ch_mine"), 0);
	orn_fee_refs_free(refs, n);
	orn_client_free(c);
}
END_TEST

START_TEST(no_request_starts_past_the_deadline)
{
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_fee_ref *refs;
	size_t n;
	/* The timeout is 10 s: a request started now could not end within 5 s. */
	orn_client_set_deadline(c, time_mono_ms() + 5000);
	ck_assert_int_eq(orn_list_fee_refs(c, MEMBER_ADA, NULL, NULL, &refs, &n, NULL, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_DEADLINE);
	ck_assert_int_eq(err.request_sent, 0);
	struct orn_fee_request rq = fee_request("ch_late", 300);
	ck_assert_int_eq(orn_create_fee(c, &rq, NULL, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_DEADLINE);
	ck_assert_int_eq(err.request_sent, 0);
	ck_assert_int_eq(sim_stat("token"), 0);
	ck_assert_int_eq(sim_stat("GET /fees"), 0);
	ck_assert_int_eq(sim_stat("POST /fees"), 0);
	/* With time enough, the same calls go out. */
	orn_client_set_deadline(c, time_mono_ms() + 60000);
	ck_assert_int_eq(orn_create_fee(c, &rq, NULL, &err), 0);
	ck_assert_int_eq(orn_list_fee_refs(c, MEMBER_ADA, NULL, NULL, &refs, &n, NULL, &err), 0);
	ck_assert_int_eq(refs_with(refs, n, "ch_late"), 1);
	orn_fee_refs_free(refs, n);
	orn_client_free(c);
}
END_TEST

START_TEST(fee_lost_answer_reconciled)
{
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_location *locs;
	size_t nl;
	/* A warm connection first: curl must not resend the POST on it after the answer is lost. */
	ck_assert_int_eq(orn_list_locations(c, &locs, &nl, &err), 0);
	orn_locations_free(locs, nl);
	sim_fault("{\"kind\":\"lost_answer\",\"method\":\"POST\",\"path\":\"/fees\"}");
	struct orn_fee_request rq = fee_request("ch_lost", 300);
	struct orn_fee fee;
	ck_assert_int_eq(orn_create_fee(c, &rq, &fee, &err), -1);
	ck_assert_int_eq(err.request_sent, 1);
	ck_assert_int_eq(orn_error_retryable(&err), 1);
	ck_assert_ptr_null(fee.id);
	ck_assert_int_eq(sim_stat("POST /fees"), 1);

	/* The caller reconciles: the fee exists, exactly once, under our reference. */
	struct orn_fee *list;
	size_t n, found = 0;
	ck_assert_int_eq(orn_list_fees(c, MEMBER_ADA, NULL, &list, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		found += list[i].reference && strcmp(list[i].reference, "ch_lost") == 0;
	ck_assert_int_eq(found, 1);
	orn_fees_free(list, n);

	/* A POST is never retried inside the client, even after a 503. */
	sim_fault("{\"kind\":\"status\",\"status\":503,\"method\":\"POST\",\"path\":\"/fees\"}");
	rq = fee_request("ch_503", 300);
	ck_assert_int_eq(orn_create_fee(c, &rq, NULL, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_SERVER);
	ck_assert_int_eq(err.request_sent, 1);
	ck_assert_int_eq(sim_stat("POST /fees"), 2);
	orn_client_free(c);
}
END_TEST

START_TEST(fee_timeout_is_ambiguous)
{
	setenv("PILOTOMAIL_HTTP_TIMEOUT_MS", "1000", 1);
	config_reload();
	struct orn_client *c = demo_client();
	struct orn_error err;
	sim_fault("{\"kind\":\"delay\",\"delay_ms\":2000,\"method\":\"POST\",\"path\":\"/fees\"}");
	struct orn_fee_request rq = fee_request("ch_slow", 300);
	ck_assert_int_eq(orn_create_fee(c, &rq, NULL, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_TIMEOUT);
	ck_assert_int_eq(err.request_sent, 1);
	ck_assert_int_eq(sim_stat("POST /fees"), 1);
	/* It does land, late: wait for it so the next test starts clean. */
	size_t n = 0;
	for (int i = 0; i < 100 && n == 0; i++) {
		json_t *fees = sim_call("GET", "/_sim/fees", NULL);
		n = json_array_size(fees);
		json_decref(fees);
		if (n == 0)
			sleep_ms(50);
	}
	ck_assert_int_eq(n, 1);
	orn_client_free(c);
}
END_TEST

START_TEST(fee_invalid_422)
{
	struct orn_client *c = demo_client();
	struct orn_error err;
	struct orn_fee_request rq = fee_request("ch_bad", 300);
	rq.plan = "no-such-plan";
	ck_assert_int_eq(orn_create_fee(c, &rq, NULL, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_INVALID);
	ck_assert_int_eq(err.http_status, 422);
	ck_assert_int_eq(orn_error_retryable(&err), 0);
	ck_assert_msg(strstr(err.message, "plan: plan not found") != NULL, "%s", err.message);

	rq = fee_request("ch_neg", -100);
	ck_assert_int_eq(orn_create_fee(c, &rq, NULL, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_INVALID);
	ck_assert_msg(strstr(err.message, "price: must be a number >= 0") != NULL, "%s", err.message);

	/* Incomplete: refused before sending. */
	rq = fee_request(NULL, 300);
	ck_assert_int_eq(orn_create_fee(c, &rq, NULL, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_INVALID);
	ck_assert_int_eq(err.request_sent, 0);
	ck_assert_int_eq(sim_stat("POST /fees"), 2);
	orn_client_free(c);
}
END_TEST

/* ---- credentials, organization, scopes, and Test connection ---------------------------------- */

START_TEST(test_connection_ok)
{
	struct orn_client *c = demo_client();
	struct orn_error err;
	size_t nl = 0, np = 0;
	ck_assert_int_eq(orn_test_connection(c, &nl, &np, &err), 0);
	ck_assert_int_eq(nl, 3);
	ck_assert_int_eq(np, 5);
	ck_assert_int_eq(err.status, ORN_OK);
	/* Test connection proves the credentials with a fresh token every time. */
	ck_assert_int_eq(orn_test_connection(c, &nl, &np, &err), 0);
	ck_assert_int_eq(sim_stat("token"), 2);
	orn_client_free(c);
}
END_TEST

START_TEST(wrong_secret)
{
	struct orn_client *c = orn_client_new(SLUG, CLIENT_ID, "not-the-secret");
	struct orn_error err;
	struct orn_location *locs;
	size_t nl, np;
	ck_assert_int_eq(orn_list_locations(c, &locs, &nl, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_AUTH);
	ck_assert_int_eq(err.http_status, 401);
	ck_assert_int_eq(orn_error_retryable(&err), 0);
	ck_assert_ptr_null(strstr(err.message, "not-the-secret"));
	ck_assert_int_eq(orn_test_connection(c, &nl, &np, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_AUTH);
	ck_assert_str_eq(err.message, "OfficeRnD refused the client ID or secret");
	ck_assert_int_eq(sim_stat("GET /locations"), 0);
	orn_client_free(c);

	c = orn_client_new(SLUG, "", "");
	ck_assert_int_eq(orn_test_connection(c, &nl, &np, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_NOT_CONFIGURED);
	orn_client_free(c);
}
END_TEST

START_TEST(wrong_slug)
{
	struct orn_client *c = orn_client_new("acme-spaecs", CLIENT_ID, CLIENT_SECRET);
	struct orn_error err;
	struct orn_plan *plans;
	size_t nl, np;
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_NOT_FOUND);
	ck_assert_int_eq(err.http_status, 404);
	ck_assert_int_eq(orn_test_connection(c, &nl, &np, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_NOT_FOUND);
	ck_assert_str_eq(err.message,
			 "Organization 'acme-spaecs' was not found in OfficeRnD: check the organization name");
	orn_client_free(c);

	/* A slug that is not a path segment is escaped, not let loose in the URL. */
	c = orn_client_new("../../oauth/token?x=", CLIENT_ID, CLIENT_SECRET);
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_NOT_FOUND);
	orn_client_free(c);

	/* An organization these credentials do not belong to. */
	sim_do("POST", "/_sim/orgs", "{\"slug\":\"other-org\"}");
	c = orn_client_new("other-org", CLIENT_ID, CLIENT_SECRET);
	ck_assert_int_eq(orn_test_connection(c, &nl, &np, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_FORBIDDEN);
	ck_assert_msg(strstr(err.message, "other-org") != NULL, "%s", err.message);
	orn_client_free(c);
}
END_TEST

START_TEST(missing_scope)
{
	sim_do("POST", "/_sim/clients",
	       "{\"client_id\":\"narrow\",\"client_secret\":\"s3\",\"org\":\"" SLUG "\",\"scopes\":["
	       "\"flex.community.members.read\",\"flex.community.memberships.read\","
	       "\"flex.community.companies.read\",\"flex.space.locations.read\","
	       "\"flex.community.fees.create\",\"flex.community.fees.read\"]}");
	struct orn_client *c = orn_client_new(SLUG, "narrow", "s3");
	struct orn_error err;
	struct orn_plan *plans;
	size_t nl, np;
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_FORBIDDEN);
	ck_assert_int_eq(err.http_status, 403);
	ck_assert_str_eq(err.missing_scope, "flex.billing.plans.read");
	ck_assert_int_eq(orn_test_connection(c, &nl, &np, &err), -1);
	ck_assert_str_eq(err.message, "The OfficeRnD application lacks the scope flex.billing.plans.read: "
				      "enable it under Settings \xe2\x86\x92 Developer Tools");
	ck_assert_int_eq(nl, 0);
	orn_client_free(c);
}
END_TEST

START_TEST(test_connection_timeout)
{
	setenv("PILOTOMAIL_HTTP_TIMEOUT_MS", "1000", 1);
	config_reload();
	sim_fault("{\"kind\":\"delay\",\"delay_ms\":2500,\"path\":\"/oauth/token\"}");
	struct orn_client *c = demo_client();
	struct orn_error err;
	size_t nl, np;
	ck_assert_int_eq(orn_test_connection(c, &nl, &np, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_TIMEOUT);
	ck_assert_str_eq(err.message, "OfficeRnD could not be reached (timeout after 1 s)");
	orn_client_free(c);

	/* And 5xx from OfficeRnD, in the operator's words. */
	sim_fault("{\"kind\":\"status\",\"status\":500,\"path\":\"/locations\",\"count\":5}");
	c = demo_client();
	ck_assert_int_eq(orn_test_connection(c, &nl, &np, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_SERVER);
	ck_assert_str_eq(err.message, "OfficeRnD is having trouble (HTTP 500): try again in a few minutes");
	orn_client_free(c);
}
END_TEST

/* ---- many members at once (orn_get_members) ---------------------------------------------------- */

static const char *const five_members[5] = {
	"65a1f0c2e4b0a1b2c3d4e301", "65a1f0c2e4b0a1b2c3d4e302", "65a1f0c2e4b0a1b2c3d4e303",
	"65a1f0c2e4b0a1b2c3d4e304", "65a1f0c2e4b0a1b2c3d4e305",
};

static void members_clear(struct orn_member *m, const struct orn_error *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].status == ORN_OK)
			orn_member_clear(&m[i]);
}

START_TEST(members_fetched_together)
{
	struct orn_client *c = demo_client();
	const char *ids[6] = { five_members[0], five_members[1], five_members[2], five_members[3], five_members[4],
			       "65a1f0c2e4b0a1b2c3d4e3ff" };
	struct orn_member m[6];
	struct orn_error e[6];
	ck_assert_uint_eq(orn_get_members(c, ids, 6, 4, m, e), 1);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(e[i].status, ORN_OK);
		ck_assert_str_eq(m[i].id, ids[i]);
	}
	ck_assert_str_eq(m[0].name, "Ada Lovelace");
	ck_assert_str_eq(m[2].name, "Hank Scorpio");
	ck_assert_str_eq(m[2].company, COMPANY1);
	ck_assert_int_eq(e[5].status, ORN_ERR_NOT_FOUND);
	ck_assert_int_eq(e[5].http_status, 404);
	ck_assert_int_eq(sim_stat("token"), 1);
	ck_assert_int_eq(sim_stat("GET /members/{id}"), 6);
	members_clear(m, e, 6);
	orn_client_free(c);
}
END_TEST

START_TEST(members_one_failing_the_others_fetched)
{
	struct orn_client *c = demo_client();
	struct orn_member m[5];
	struct orn_error e[5];
	/* Grace's keeps failing: two quick retries, then reported as retryable; the rest arrive. */
	sim_fault("{\"kind\":\"status\",\"status\":503,\"path\":\"/members/65a1f0c2e4b0a1b2c3d4e302\",\"count\":10}");
	ck_assert_uint_eq(orn_get_members(c, five_members, 5, 4, m, e), 1);
	ck_assert_int_eq(e[1].status, ORN_ERR_SERVER);
	ck_assert_int_eq(e[1].http_status, 503);
	ck_assert_int_eq(orn_error_retryable(&e[1]), 1);
	for (int i = 0; i < 5; i++)
		if (i != 1)
			ck_assert_str_eq(m[i].id, five_members[i]);
	ck_assert_int_eq(sim_stat("GET /members/{id}"), 5 + 2);
	members_clear(m, e, 5);

	/* A blip on one: its quick retry brings it too. */
	sim_do("DELETE", "/_sim/faults", NULL);
	sim_do("POST", "/_sim/stats/reset", NULL);
	sim_fault("{\"kind\":\"status\",\"status\":502,\"path\":\"/members/65a1f0c2e4b0a1b2c3d4e304\"}");
	ck_assert_uint_eq(orn_get_members(c, five_members, 5, 4, m, e), 0);
	ck_assert_str_eq(m[3].name, "Frank Grimes");
	ck_assert_int_eq(sim_stat("GET /members/{id}"), 6);
	members_clear(m, e, 5);
	orn_client_free(c);
}
END_TEST

START_TEST(members_429_stops_sending)
{
	struct orn_client *c = demo_client();
	struct orn_member m[5];
	struct orn_error e[5];
	/* One at a time, so the order is known: Grace's answer is a 429, nothing is sent after it. */
	sim_fault("{\"kind\":\"429\",\"retry_after\":9,\"path\":\"/members/65a1f0c2e4b0a1b2c3d4e302\"}");
	ck_assert_uint_eq(orn_get_members(c, five_members, 5, 1, m, e), 4);
	ck_assert_int_eq(e[0].status, ORN_OK);
	ck_assert_int_eq(e[1].status, ORN_ERR_RATE_LIMITED);
	ck_assert_int_eq(e[1].retry_after_s, 9);
	ck_assert_int_eq(e[1].request_sent, 1);
	for (int i = 2; i < 5; i++) {
		ck_assert_int_eq(e[i].status, ORN_ERR_RATE_LIMITED);
		ck_assert_int_eq(e[i].retry_after_s, 9);
		ck_assert_int_eq(e[i].request_sent, 0);
		ck_assert_int_eq(orn_retry_delay_ms(&e[i], 0), 9000);
	}
	ck_assert_int_eq(sim_stat("GET /members/{id}"), 2);
	members_clear(m, e, 5);
	orn_client_free(c);
}
END_TEST

START_TEST(members_429_holds_back_a_401_too)
{
	struct orn_client *c = demo_client();
	struct orn_member m[5];
	struct orn_error e[5];
	struct orn_plan *plans;
	size_t np;
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &e[0]), 0);
	orn_plans_free(plans, np);
	/* Ada's token is refused (to go again with a new one), then Grace's answer is a 429: Ada's
	 * waits for the Retry-After like the others, it is not a refusal of the credentials. */
	sim_fault("{\"kind\":\"expire_tokens\",\"path\":\"/members/65a1f0c2e4b0a1b2c3d4e301\"}");
	sim_fault("{\"kind\":\"429\",\"retry_after\":5,\"path\":\"/members/65a1f0c2e4b0a1b2c3d4e302\"}");
	ck_assert_uint_eq(orn_get_members(c, five_members, 5, 1, m, e), 5);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(e[i].status, ORN_ERR_RATE_LIMITED);
		ck_assert_int_eq(e[i].retry_after_s, 5);
	}
	ck_assert_int_eq(sim_stat("GET /members/{id}"), 2);
	orn_client_free(c);
}
END_TEST

START_TEST(members_token_refreshed_once_after_401)
{
	struct orn_client *c = demo_client();
	struct orn_member m[5];
	struct orn_error e[5];
	struct orn_plan *plans;
	size_t np;
	ck_assert_int_eq(orn_list_plans(c, &plans, &np, &e[0]), 0);
	orn_plans_free(plans, np);
	/* OfficeRnD forgets the token under the batch: the refused ones go again with one new token. */
	sim_fault("{\"kind\":\"expire_tokens\",\"path\":\"/members/{id}\"}");
	ck_assert_uint_eq(orn_get_members(c, five_members, 5, 4, m, e), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_str_eq(m[i].id, five_members[i]);
	ck_assert_int_eq(sim_stat("token"), 2);
	members_clear(m, e, 5);

	/* Refused again after the new token: reported, not looped on. */
	sim_fault("{\"kind\":\"expire_tokens\",\"path\":\"/members/{id}\",\"count\":10}");
	ck_assert_uint_eq(orn_get_members(c, five_members, 1, 1, m, e), 1);
	ck_assert_int_eq(e[0].status, ORN_ERR_AUTH);
	ck_assert_int_eq(e[0].http_status, 401);
	ck_assert_int_eq(sim_stat("token"), 3);
	orn_client_free(c);
}
END_TEST

static Suite *officernd_sim_suite(void)
{
	Suite *s = suite_create("officernd_sim");
	TCase *tc = tcase_create("sim");
	tcase_add_unchecked_fixture(tc, sim_start, sim_stop);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, token_fetched_once_and_reused);
	tcase_add_test(tc, token_refreshed_after_401);
	tcase_add_test(tc, token_replaced_before_expiry);
	tcase_add_test(tc, token_shared_through_store);
	tcase_add_test(tc, token_asked_by_one_worker_at_a_time);
	tcase_add_test(tc, pagination_120_plans);
	tcase_add_test(tc, membership_fetched);
	tcase_add_test(tc, memberships_paged_and_filtered);
	tcase_add_test(tc, members_and_companies_paged);
	tcase_add_test(tc, members_fetched_together);
	tcase_add_test(tc, members_one_failing_the_others_fetched);
	tcase_add_test(tc, members_429_stops_sending);
	tcase_add_test(tc, members_429_holds_back_a_401_too);
	tcase_add_test(tc, members_token_refreshed_once_after_401);
	tcase_add_test(tc, fault_503_recovered_quickly);
	tcase_add_test(tc, fault_429_reported_with_retry_after);
	tcase_add_test(tc, fault_delay_times_out);
	tcase_add_test(tc, fault_drop_is_network_error);
	tcase_add_test(tc, unreachable_is_network_error);
	tcase_add_test(tc, fee_created_once);
	tcase_add_test(tc, fee_lost_answer_reconciled);
	tcase_add_test(tc, fee_lookup_reads_only_what_it_needs);
	tcase_add_test(tc, no_request_starts_past_the_deadline);
	tcase_add_test(tc, fee_timeout_is_ambiguous);
	tcase_add_test(tc, fee_invalid_422);
	tcase_add_test(tc, test_connection_ok);
	tcase_add_test(tc, wrong_secret);
	tcase_add_test(tc, wrong_slug);
	tcase_add_test(tc, missing_scope);
	tcase_add_test(tc, test_connection_timeout);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(officernd_sim_suite)
