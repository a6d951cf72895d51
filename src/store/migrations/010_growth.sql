-- 010_growth: indexes so that every page reads one operator's rows in the order it shows them,
-- a page at a time (keyset pagination), whatever the size of the store. Each list's ORDER BY
-- is an index's order after operator_id (the rowid ends every index, so "id" comes free);
-- counts shown on pages walk an index of the counted rows only. tests/unit/check_query_plans.c
-- checks that no list or queue statement scans a large table or sorts it in a temp B-tree.

-- Charges, newest first; and with a billing state filter.
CREATE INDEX charges_list ON charges(operator_id, charge_date, id);
CREATE INDEX charges_state_list ON charges(operator_id, billing_state, charge_date, id);
-- "Earlier charges not billed": only the unbilled ones with an amount, by id (the cut-off).
CREATE INDEX charges_unbilled ON charges(operator_id, id) WHERE billing_state = 'not_billed' AND amount > 0;

-- Mail, newest received first; the unassigned tab and its count read only unassigned items.
CREATE INDEX mail_items_list ON mail_items(operator_id, received_on, id);
CREATE INDEX mail_items_unassigned ON mail_items(operator_id, received_on, id) WHERE mailbox_id IS NULL;

-- Mailboxes, newest first, all or by status; mailboxes per space and per offering (counts).
CREATE INDEX mailboxes_operator ON mailboxes(operator_id, status);
CREATE INDEX mailboxes_newest ON mailboxes(operator_id);
CREATE INDEX mailboxes_space ON mailboxes(operator_id, space_id, status);
CREATE INDEX mailboxes_offering ON mailboxes(operator_id, offering_id);

-- An invitation's emails (the mailbox list and page show the latest one's state).
CREATE INDEX outbox_invitation ON outbox(invitation_id);

-- Activity, newest first, all or by state (and the per-state counts of its tabs).
CREATE INDEX webhook_events_operator ON webhook_events(operator_id, state);
CREATE INDEX webhook_events_newest ON webhook_events(operator_id);

-- The worker's queue of pending events, oldest first: only pending rows (it replaces an index of
-- every event by state and operator, which gave no id order across operators).
DROP INDEX webhook_events_pending;
CREATE INDEX webhook_events_pending ON webhook_events(id) WHERE state = 'pending';
