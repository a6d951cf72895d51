-- 013_officernd_connection: one-click webhook registration, the connection's health, and
-- Disconnect (issue 10).
-- webhook_id is the OfficeRnD webhook pilotomail registered (or adopted) through the Webhooks
-- API, '' when the webhook is set up by hand; its secret is stored in signing_secret_enc like a
-- pasted one. disconnected_at is when the operator disconnected OfficeRnD (0: never, or
-- connected again): the fee job then keeps queued charges queued instead of failing them.
ALTER TABLE officernd_settings ADD COLUMN webhook_id TEXT NOT NULL DEFAULT '';
ALTER TABLE officernd_settings ADD COLUMN disconnected_at INTEGER NOT NULL DEFAULT 0;

-- One row per operator: the worker's last check of the connection (job_officernd_health.c) and
-- Save's check of the credentials. credentials is 'ok', 'failing' (OfficeRnD refused them),
-- 'unchecked' (stored while OfficeRnD could not be reached) or '' (not checked yet), with
-- credentials_error in the operator's words. webhook is 'ok', 'disabled' (OfficeRnD turned our
-- endpoint off), 'events' (subscribed to too few events: missing_events lists them), 'missing'
-- (no OfficeRnD webhook posts to our URL), 'unknown' (could not be checked: webhook_error says
-- why) or '' (not checked yet); webhook_found is the OfficeRnD id of the endpoint found.
-- last_event_at is when the last webhook (not a reconciliation) arrived, as of the check.
-- checked_at/attempted_at/requested/claimed_by/claimed_until: the check's bookkeeping and lease,
-- as in officernd_lists.
CREATE TABLE officernd_health (
  operator_id       INTEGER PRIMARY KEY REFERENCES operators(id) ON DELETE CASCADE,
  credentials       TEXT NOT NULL DEFAULT '',
  credentials_error TEXT NOT NULL DEFAULT '',
  credentials_at    INTEGER NOT NULL DEFAULT 0,
  webhook           TEXT NOT NULL DEFAULT '',
  webhook_found     TEXT NOT NULL DEFAULT '',
  missing_events    TEXT NOT NULL DEFAULT '',
  webhook_error     TEXT NOT NULL DEFAULT '',
  last_event_at     INTEGER NOT NULL DEFAULT 0,
  checked_at        INTEGER NOT NULL DEFAULT 0,
  attempted_at      INTEGER NOT NULL DEFAULT 0,
  requested         INTEGER NOT NULL DEFAULT 0,
  claimed_by        TEXT NOT NULL DEFAULT '',
  claimed_until     INTEGER NOT NULL DEFAULT 0
);
