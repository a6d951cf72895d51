/*
 * pilotomail-admin: migrations, operators and maintenance from the shell.
 *
 *   pilotomail-admin migrate
 *   pilotomail-admin operator add EMAIL [--name NAME] [--currency CODE]   (password on standard input)
 *   pilotomail-admin operator list
 *   pilotomail-admin operator show EMAIL
 *   pilotomail-admin first-run [EMAIL]   on an empty database, create an operator with a
 *                                        generated password and print it once
 *   pilotomail-admin copy-to-postgres CONNINFO   copy the SQLite store PILOTOMAIL_DB names into
 *                                        an empty PostgreSQL database, verifying row counts
 */
#include "core/app.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "store/db_copy.h"
#include "store/operators.h"
#include "util/currency.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: pilotomail-admin migrate\n"
			"       pilotomail-admin operator add EMAIL [--name NAME] [--currency CODE]   (password on stdin;\n"
			"                                     CODE: ISO 4217, USD when not given)\n"
			"       pilotomail-admin operator list\n"
			"       pilotomail-admin operator show EMAIL\n"
			"       pilotomail-admin first-run [EMAIL]\n"
			"       pilotomail-admin copy-to-postgres CONNINFO   (postgresql://... or libpq keywords)\n");
	return 2;
}

static char *read_password(void)
{
	char line[1024];
	if (!fgets(line, sizeof(line), stdin))
		return NULL;
	line[strcspn(line, "\r\n")] = '\0';
	return xstrdup(line);
}

static int valid_email(const char *email)
{
	const char *at = strchr(email, '@');
	return at && at != email && strchr(at, '.') && !strpbrk(email, " \t\r\n<>\"") && strlen(email) < 255;
}

static int cmd_operator_add(struct app *app, int argc, char **argv)
{
	if (argc < 1 || !valid_email(argv[0]))
		return usage();
	const char *name = "", *currency = "USD";
	for (int i = 1; i < argc; i += 2) {
		if (i + 1 < argc && strcmp(argv[i], "--name") == 0)
			name = argv[i + 1];
		else if (i + 1 < argc && strcmp(argv[i], "--currency") == 0)
			currency = argv[i + 1];
		else
			return usage();
	}
	if (currency_minor_digits(currency) < 0) {
		fprintf(stderr, "pilotomail-admin: %s is not an ISO 4217 currency code (like USD, EUR, JPY)\n", currency);
		return 1;
	}
	char *password = read_password();
	if (!password || strlen(password) < 8) {
		fprintf(stderr, "pilotomail-admin: the password (on standard input) must have at least 8 characters\n");
		free(password);
		return 1;
	}
	int taken = 0;
	int64_t id = operator_create(app->db, argv[0], name, password, &taken);
	free(password);
	if (id >= 0 && operator_set_currency(app->db, id, currency) < 0)
		id = -1;
	if (id < 0) {
		fprintf(stderr, "pilotomail-admin: %s\n", taken ? "an operator with that email exists" : "could not create the operator");
		return 1;
	}
	printf("operator %lld created: %s\n", (long long)id, argv[0]);
	return 0;
}

static int cmd_operator_list(struct app *app)
{
	struct db_stmt *st = db_prepare(app->db, "SELECT id, email, name, created_at FROM operators ORDER BY id");
	printf("%-6s %-32s %-24s %s\n", "ID", "EMAIL", "NAME", "CREATED");
	while (db_step(st) == DB_ROW) {
		char when[32];
		printf("%-6lld %-32s %-24s %s\n", (long long)db_col_int64(st, 0), db_col_text(st, 1),
		       db_col_text(st, 2), time_format_iso(db_col_int64(st, 3), when, sizeof(when)));
	}
	db_finalize(st);
	return 0;
}

static int cmd_operator_show(struct app *app, const char *email)
{
	struct operator op;
	if (operator_find_by_email(app->db, email, &op) < 0) {
		fprintf(stderr, "pilotomail-admin: no operator %s\n", email);
		return 1;
	}
	struct db_stmt *st = db_prepare(app->db, "SELECT o.webhook_token, o.org_slug, o.bill_renters, "
					       "o.client_secret_enc IS NOT NULL, o.signing_secret_enc IS NOT NULL, "
					       "s.bill_renters FROM officernd_settings o JOIN stripe_settings s "
					       "USING (operator_id) WHERE operator_id = ?");
	db_bind_int64(st, 1, op.id);
	char when[32];
	printf("id:                 %lld\nemail:              %s\nname:               %s\ncurrency:           %s\n"
	       "created:            %s\n", (long long)op.id, op.email, op.name, op.currency,
	       time_format_iso(op.created_at, when, sizeof(when)));
	if (db_step(st) == DB_ROW) {
		printf("webhook url:        %s/webhooks/officernd/%s\n", app->cfg->base_url, db_col_text(st, 0));
		printf("officernd org:      %s\n", db_col_text(st, 1));
		printf("client secret:      %s\n", db_col_int(st, 3) ? "set" : "not set");
		printf("signing secret:     %s\n", db_col_int(st, 4) ? "set" : "not set");
		printf("bill via officernd: %s\n", db_col_int(st, 2) ? "yes" : "no");
		printf("bill via stripe:    %s\n", db_col_int(st, 5) ? "yes" : "no");
	}
	db_finalize(st);
	operator_clear(&op);
	return 0;
}

/* make run calls this: the first operator of a new installation, with a password shown once. */
static int cmd_first_run(struct app *app, const char *email)
{
	if (operator_count(app->db) > 0)
		return 0;
	char *password = random_token(12);
	int64_t id = operator_create(app->db, email, "First operator", password, NULL);
	if (id < 0) {
		free(password);
		return 1;
	}
	printf("\n  First operator created. Sign in with:\n    email:    %s\n    password: %s\n"
	       "  (shown once: keep it somewhere safe)\n\n", email, password);
	free(password);
	return 0;
}

enum admin_command {
	CMD_USAGE,
	CMD_MIGRATE,
	CMD_FIRST_RUN,
	CMD_OPERATOR_ADD,
	CMD_OPERATOR_LIST,
	CMD_OPERATOR_SHOW,
	CMD_COPY_TO_POSTGRES
};

/* The store PILOTOMAIL_DB names (SQLite, at the latest schema) into an empty PostgreSQL one. */
static int cmd_copy_to_postgres(struct app *app, const char *conninfo)
{
	if (!db_conninfo_is_postgres(conninfo)) {
		fprintf(stderr, "copy-to-postgres: %s is not a PostgreSQL connection string\n", conninfo);
		return 2;
	}
	struct db *dst = db_open(conninfo);
	if (!dst)
		return 1;
	int rc = db_copy_to_postgres(app->db, dst, stdout);
	db_close(dst);
	printf(rc == 0 ? "copied: point PILOTOMAIL_DB at the PostgreSQL database\n" : "nothing was copied\n");
	return rc == 0 ? 0 : 1;
}

/* The command the arguments name, by their shape (each command checks its values): a command
 * line that names none gets the usage before the store is opened, so it changes nothing. */
static enum admin_command command_of(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "migrate") == 0)
		return CMD_MIGRATE;
	if (argc >= 2 && argc <= 3 && strcmp(argv[1], "first-run") == 0)
		return CMD_FIRST_RUN;
	if (argc == 3 && strcmp(argv[1], "copy-to-postgres") == 0)
		return CMD_COPY_TO_POSTGRES;
	if (argc < 3 || strcmp(argv[1], "operator") != 0)
		return CMD_USAGE;
	if (strcmp(argv[2], "add") == 0)
		return CMD_OPERATOR_ADD;
	if (argc == 3 && strcmp(argv[2], "list") == 0)
		return CMD_OPERATOR_LIST;
	if (argc == 4 && strcmp(argv[2], "show") == 0)
		return CMD_OPERATOR_SHOW;
	return CMD_USAGE;
}

int main(int argc, char **argv)
{
	enum admin_command cmd = command_of(argc, argv);
	if (cmd == CMD_USAGE)
		return usage();
	struct app app;
	int migrate = cmd == CMD_MIGRATE || cmd == CMD_FIRST_RUN;
	if (app_open(&app, "pilotomail-admin", migrate ? APP_SCHEMA_MIGRATE : APP_SCHEMA_REQUIRE_CURRENT) < 0)
		return 1;
	int rc = 2;
	switch (cmd) {
	case CMD_MIGRATE:
		printf("database at schema version %d\n", db_schema_version(app.db));
		rc = 0;
		break;
	case CMD_FIRST_RUN:
		rc = cmd_first_run(&app, argc == 3 ? argv[2] : "admin@example.com");
		break;
	case CMD_OPERATOR_ADD:
		rc = cmd_operator_add(&app, argc - 3, argv + 3);
		break;
	case CMD_OPERATOR_LIST:
		rc = cmd_operator_list(&app);
		break;
	case CMD_OPERATOR_SHOW:
		rc = cmd_operator_show(&app, argv[3]);
		break;
	case CMD_COPY_TO_POSTGRES:
		rc = cmd_copy_to_postgres(&app, argv[2]);
		break;
	case CMD_USAGE:
		rc = usage();
		break;
	}
	app_close(&app);
	return rc;
}
