-- One-time password-reset links for operators and renters. Only the SHA-256 of the token is
-- kept: a copy of the database cannot reset anyone's password. A link works once
-- (used_at), until expires_at; using one ends every other link of the same account.
CREATE TABLE password_resets (
  token_hash  TEXT PRIMARY KEY,
  operator_id INTEGER REFERENCES operators(id) ON DELETE CASCADE,
  renter_id   INTEGER REFERENCES renters(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  CHECK ((operator_id IS NULL) <> (renter_id IS NULL))
);
CREATE INDEX password_resets_operator ON password_resets(operator_id) WHERE operator_id IS NOT NULL;
CREATE INDEX password_resets_renter ON password_resets(renter_id) WHERE renter_id IS NOT NULL;
CREATE INDEX password_resets_expiry ON password_resets(expires_at);
-- "End the account's other sessions" finds them by account.
CREATE INDEX sessions_operator ON sessions(operator_id) WHERE operator_id IS NOT NULL;
CREATE INDEX sessions_renter ON sessions(renter_id) WHERE renter_id IS NOT NULL;
