-- 002_mailboxes_and_webhooks: mailboxes, invitations, outgoing email, the webhook inbox and
-- the OfficeRnD membership state the worker has applied.

CREATE TABLE mailboxes (
  id              INTEGER PRIMARY KEY,
  operator_id     INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  renter_id       INTEGER NOT NULL REFERENCES renters(id),
  space_id        INTEGER REFERENCES spaces(id),      -- NULL while the location is unlinked
  offering_id     INTEGER NOT NULL REFERENCES offerings(id),
  pmb             TEXT NOT NULL,                      -- private mailbox number shown to the renter
  status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','on_hold','cancelled')),
  source          TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual','officernd')),
  officernd_membership_id TEXT,                       -- one mailbox per membership
  officernd_location_id   TEXT,
  needs_attention TEXT NOT NULL DEFAULT '',           -- why the operator must look (unlinked location)
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  cancelled_at    INTEGER,
  UNIQUE (operator_id, pmb),
  UNIQUE (operator_id, officernd_membership_id)
);
CREATE INDEX mailboxes_renter ON mailboxes(renter_id);

-- The invitation token is random; only its SHA-256 is kept.
CREATE TABLE invitations (
  id          INTEGER PRIMARY KEY,
  operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  token_hash  TEXT NOT NULL UNIQUE,
  state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','accepted','revoked')),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  accepted_at INTEGER
);
CREATE INDEX invitations_mailbox ON invitations(mailbox_id);

-- Outgoing email, queued in the same transaction as what caused it and sent by the worker.
-- body_* are cleared once sent (they may hold an invitation link).
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  operator_id     INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  kind            TEXT NOT NULL,                      -- 'invitation', ...
  invitation_id   INTEGER REFERENCES invitations(id) ON DELETE SET NULL,
  to_addr         TEXT NOT NULL,
  subject         TEXT NOT NULL,
  body_text       TEXT,
  body_html       TEXT,
  state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','sending','sent','failed','cancelled')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  claimed_by      TEXT,
  claimed_until   INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  message_id      TEXT NOT NULL,                      -- Message-ID header: a resend keeps it
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);

-- Every webhook that passed the signature check, committed before we answered 200.
CREATE TABLE webhook_events (
  id              INTEGER PRIMARY KEY,
  operator_id     INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  dedupe_key      TEXT NOT NULL,                      -- the event id, else SHA-256 of the body
  event_type      TEXT NOT NULL DEFAULT '',
  membership_id   TEXT NOT NULL DEFAULT '',
  body            BLOB NOT NULL,
  received_at     INTEGER NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending','applied','skipped','ignored','failed')),
  outcome         TEXT NOT NULL DEFAULT '',           -- what happened, in operator words
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  claimed_by      TEXT,
  claimed_until   INTEGER NOT NULL DEFAULT 0,
  processed_at    INTEGER,
  UNIQUE (operator_id, dedupe_key)
);
CREATE INDEX webhook_events_pending ON webhook_events(state, operator_id, id);
CREATE INDEX webhook_events_membership ON webhook_events(operator_id, membership_id);

-- The newest OfficeRnD state of each membership the worker has applied: an older event
-- (by modifiedAt, else createdAt) never overrides it, and a removed membership stays removed.
CREATE TABLE memberships (
  operator_id   INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  membership_id TEXT NOT NULL,
  member_id     TEXT NOT NULL DEFAULT '',
  company_id    TEXT,
  plan_id       TEXT NOT NULL DEFAULT '',
  location_id   TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT '',
  is_personal   INTEGER NOT NULL DEFAULT 1,
  end_date      TEXT,
  version_ms    INTEGER NOT NULL DEFAULT 0,          -- modifiedAt (else createdAt) in ms
  removed       INTEGER NOT NULL DEFAULT 0,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (operator_id, membership_id)
);
