-- 008_sticky_cancel: an operator's cancel sticks, and a check of OfficeRnD asks before it cancels
-- many mailboxes at once.
-- cancelled_by says who cancelled a mailbox: 'operator' (the Cancel button) or 'officernd' (a
-- membership event, webhook or found by a check); '' while it is open, and for mailboxes
-- cancelled before this migration (who did it is not known: they keep the old behaviour).
-- OfficeRnD changes to the membership of an operator-cancelled mailbox do not reopen it: they
-- only set needs_attention, and the operator may reopen it from the mailbox's page.
ALTER TABLE mailboxes ADD COLUMN cancelled_by TEXT NOT NULL DEFAULT ''
  CHECK (cancelled_by IN ('', 'operator', 'officernd'));

-- Cancellations a check of OfficeRnD found but held back for the operator's confirmation because
-- they were too many at once (an emptied or wrong OfficeRnD account looks like every membership
-- deleted). Each row is the synthesized event, ready for the webhook inbox: "Cancel these
-- mailboxes" moves them there (so every sync rule applies), "Keep them" deletes them. A later
-- check that lists the membership again drops its row.
CREATE TABLE reconcile_held (
  id            INTEGER PRIMARY KEY,
  operator_id   INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  membership_id TEXT NOT NULL,
  mailbox_id    INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  dedupe_key    TEXT NOT NULL,
  event_type    TEXT NOT NULL,
  body          BLOB NOT NULL,
  reason        TEXT NOT NULL DEFAULT '',  -- why it would cancel, in the operator's words
  found_at      INTEGER NOT NULL,
  UNIQUE (operator_id, membership_id)
);
