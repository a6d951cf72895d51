-- 003_mail_and_charges: mail items, the actions asked for and done on them, and charges with
-- their OfficeRnD billing state.

CREATE TABLE mail_items (
  id            INTEGER PRIMARY KEY,
  operator_id   INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  mailbox_id    INTEGER REFERENCES mailboxes(id),     -- NULL = not yet assigned
  reference     TEXT NOT NULL,                        -- "M-000123": printed on fees and pages
  kind          TEXT NOT NULL CHECK (kind IN ('letter','package')),
  sender        TEXT NOT NULL DEFAULT '',
  received_on   TEXT NOT NULL,                        -- YYYY-MM-DD
  status        TEXT NOT NULL DEFAULT 'stored'
                CHECK (status IN ('stored','scanned','forwarded','shredded','recycled','picked_up')),
  left_on       TEXT,                                 -- the day it left storage, if it has
  storage_charged_through TEXT,                       -- last day a storage charge covers
  created_at    INTEGER NOT NULL,
  UNIQUE (operator_id, reference)
);
CREATE INDEX mail_items_mailbox ON mail_items(mailbox_id);

CREATE TABLE action_requests (
  id           INTEGER PRIMARY KEY,
  operator_id  INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  mail_item_id INTEGER NOT NULL REFERENCES mail_items(id) ON DELETE CASCADE,
  action       TEXT NOT NULL CHECK (action IN ('scan','forward','shred','recycle','pickup')),
  state        TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ('requested','completed','cancelled')),
  requested_by TEXT NOT NULL CHECK (requested_by IN ('renter','operator')),
  carrier      TEXT NOT NULL DEFAULT '',
  tracking     TEXT NOT NULL DEFAULT '',
  postage      INTEGER NOT NULL DEFAULT 0 CHECK (postage >= 0),
  note         TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX action_requests_item ON action_requests(mail_item_id);

-- A charge is created in the same transaction as the work it prices. billing_state:
--   not_billed  stays in pilotomail (OfficeRnD billing off, Stripe on, or mailbox not linked)
--   queued      waiting for the worker to book it as an OfficeRnD fee
--   sending     claimed by a worker; the POST may have gone out (reconcile before re-sending)
--   sent        booked: officernd_fee_id holds the fee
--   failed      a permanent error; last_error says why; a retry puts it back to queued
CREATE TABLE charges (
  id                INTEGER PRIMARY KEY,
  operator_id       INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  mailbox_id        INTEGER NOT NULL REFERENCES mailboxes(id),
  mail_item_id      INTEGER REFERENCES mail_items(id),
  action_request_id INTEGER REFERENCES action_requests(id),
  kind              TEXT NOT NULL CHECK (kind IN ('scan','forward','shred','recycle','pickup','storage')),
  description       TEXT NOT NULL,
  quantity          INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 1),
  unit_amount       INTEGER NOT NULL CHECK (unit_amount >= 0),
  amount            INTEGER NOT NULL CHECK (amount >= 0),
  currency          TEXT NOT NULL,
  charge_date       TEXT NOT NULL,                    -- YYYY-MM-DD, the fee's issueDate
  storage_day       TEXT,                             -- for storage: the day charged
  reference         TEXT NOT NULL UNIQUE,             -- "pm-<operator>-<id>" sent to OfficeRnD
  billing_state     TEXT NOT NULL DEFAULT 'not_billed'
                    CHECK (billing_state IN ('not_billed','queued','sending','sent','failed')),
  officernd_fee_id  TEXT,
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER NOT NULL DEFAULT 0,
  claimed_by        TEXT,
  claimed_until     INTEGER NOT NULL DEFAULT 0,
  last_error        TEXT NOT NULL DEFAULT '',
  sent_at           INTEGER,
  created_at        INTEGER NOT NULL,
  UNIQUE (mail_item_id, kind, storage_day)
);
CREATE INDEX charges_billing ON charges(billing_state, next_attempt_at);
CREATE INDEX charges_mailbox ON charges(mailbox_id, kind, charge_date);
