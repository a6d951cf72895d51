/* statements.c: see statements.h. */
#include "store/statements.h"

#define S(name) { #name, name }

const struct store_statement store_statements[] = {
	/* charges */
	S(charge_sql_list),
	S(charge_sql_list_state),
	S(charge_sql_list_item),
	S(charge_sql_list_mailbox),
	S(charge_sql_earlier),
	S(charge_sql_claim_due),
	S(charge_totals_sql_by_state),
	S(charge_totals_sql_by_month),
	/* mail */
	S(mail_sql_list),
	S(mail_sql_list_assigned),
	S(mail_sql_list_unassigned),
	S(mail_sql_list_for_renter),
	S(mail_sql_list_mailbox),
	S(mail_sql_count_unassigned),
	S(action_request_sql_count_open),
	/* mailboxes */
	S(mailbox_sql_list),
	S(mailbox_sql_list_status),
	S(mailbox_sql_list_renter),
	S(mailbox_sql_get),
	S(mailbox_sql_choices),
	S(invitation_sql_latest),
	S(outbox_sql_claim),
	/* catalog */
	S(space_sql_list),
	S(offering_sql_list),
	/* webhook events */
	S(webhook_event_sql_list),
	S(webhook_event_sql_list_state),
	S(webhook_event_sql_counts),
	S(webhook_event_sql_claim),
	/* reconcile and storage */
	S(reconcile_sql_inbox_bodies),
	S(reconcile_sql_open_list),
	S(reconcile_sql_event_ids),
	S(reconcile_sql_open_count),
	S(reconcile_sql_held_list),
	S(storage_sql_due),
	/* existing members */
	S(member_import_sql_list),
	S(member_import_sql_counts),
	S(member_import_sql_by_plan),
	S(member_import_sql_by_location),
	S(member_import_sql_load_due),
	S(member_import_sql_queued_operators),
	S(member_import_sql_claim_rows),
	S(member_import_sql_rows_after),
	S(member_import_sql_match),
	/* OfficeRnD connection health */
	S(officernd_health_sql_due),
	S(officernd_health_sql_last_event),
};
const size_t store_statements_count = sizeof(store_statements) / sizeof(store_statements[0]);
