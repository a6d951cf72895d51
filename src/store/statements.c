/* statements.c: see statements.h. */
#include "store/statements.h"

#define S(name) { #name, name }

const struct store_statement store_statements[] = {
	/* charges */
	S(charge_sql_list),
	S(charge_sql_list_state),
	S(charge_sql_list_item),
	S(charge_sql_earlier),
	S(charge_sql_claim_due),
	S(charge_totals_sql_by_state),
	S(charge_totals_sql_by_month),
	/* mail */
	S(mail_sql_list),
	S(mail_sql_list_assigned),
	S(mail_sql_list_unassigned),
	S(mail_sql_list_for_renter),
	S(mail_sql_count_unassigned),
	/* mailboxes */
	S(mailbox_sql_list),
	S(mailbox_sql_list_status),
	S(mailbox_sql_list_renter),
	S(mailbox_sql_get),
	S(mailbox_sql_choices),
	S(invitation_sql_latest),
	S(outbox_sql_due),
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
};
const size_t store_statements_count = sizeof(store_statements) / sizeof(store_statements[0]);
