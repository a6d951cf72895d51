/*
 * statements.h: the store's list, count and queue statements by name, for
 * tests/unit/check_query_plans.c, which runs EXPLAIN QUERY PLAN on each against a seeded store and
 * fails on a scan or a temp B-tree sort of a large table. Each statement is defined (and run) by
 * the store file that owns its table; a new list or queue statement is added here too.
 */
#ifndef PILOTOMAIL_STORE_STATEMENTS_H
#define PILOTOMAIL_STORE_STATEMENTS_H

#include <stddef.h>

struct store_statement {
	const char *name;
	const char *sql;
};

extern const struct store_statement store_statements[];
extern const size_t store_statements_count;

/* charges */
extern const char charge_sql_list[], charge_sql_list_state[], charge_sql_list_item[], charge_sql_list_mailbox[],
	charge_sql_earlier[], charge_sql_claim_due[], charge_totals_sql_by_state[],
	charge_totals_sql_by_month[];
/* mail */
extern const char mail_sql_list[], mail_sql_list_assigned[], mail_sql_list_unassigned[],
	mail_sql_list_for_renter[], mail_sql_count_unassigned[], action_request_sql_count_open[],
	mail_sql_list_mailbox[];
/* mailboxes */
extern const char mailbox_sql_list[], mailbox_sql_list_status[], mailbox_sql_list_renter[],
	mailbox_sql_get[], mailbox_sql_choices[], invitation_sql_latest[],
	outbox_sql_claim[];
/* catalog */
extern const char space_sql_list[], offering_sql_list[];
/* webhook events */
extern const char webhook_event_sql_list[], webhook_event_sql_list_state[],
	webhook_event_sql_counts[], webhook_event_sql_claim[];
/* reconcile and storage */
extern const char reconcile_sql_inbox_bodies[], reconcile_sql_open_list[],
	reconcile_sql_event_ids[], reconcile_sql_open_count[], reconcile_sql_held_list[],
	storage_sql_due[];
/* existing members (member_import.c) */
extern const char member_import_sql_list[], member_import_sql_counts[], member_import_sql_by_plan[],
	member_import_sql_by_location[], member_import_sql_load_due[], member_import_sql_queued_operators[],
	member_import_sql_claim_rows[], member_import_sql_rows_after[], member_import_sql_match[];
/* OfficeRnD connection health */
extern const char officernd_health_sql_due[], officernd_health_sql_last_event[];

#endif
