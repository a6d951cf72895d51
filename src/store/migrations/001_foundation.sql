-- 001_foundation: operators, sign-in, spaces, offerings and the integration settings.
-- Times are Unix seconds (UTC); money is integer minor units.

-- pg:
-- PostgreSQL has no NOCASE: embed.sh makes such text columns citext ones.
CREATE EXTENSION IF NOT EXISTS citext;
-- and an ICU collation of SQLite's name for ORDER BY ... COLLATE NOCASE and name = ? COLLATE NOCASE.
CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
-- SQLite's scalar max(a, b) and min(a, b) (NULL when either is), date(day, modifier) and instr(),
-- which the store's SQL uses.
CREATE FUNCTION max(a anycompatible, b anycompatible) RETURNS anycompatible
  LANGUAGE sql IMMUTABLE STRICT AS 'SELECT GREATEST(a, b)';
CREATE FUNCTION min(a anycompatible, b anycompatible) RETURNS anycompatible
  LANGUAGE sql IMMUTABLE STRICT AS 'SELECT LEAST(a, b)';
CREATE FUNCTION date(day text, modifier text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT AS 'SELECT to_char(day::date + modifier::interval, ''YYYY-MM-DD'')';
CREATE FUNCTION instr(s text, part text) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT AS 'SELECT strpos(s, part)::bigint';
-- printf() of one %d or %0Nd (mail references 'M-%06d').
CREATE FUNCTION printf(fmt text, n bigint) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT regexp_replace(fmt, '%0?[0-9]*d',
    lpad(n::text, greatest(length(n::text), coalesce(nullif(substring(fmt from '%0?([0-9]*)d'), ''), '0')::int),
         CASE WHEN fmt ~ '%0' THEN '0' ELSE ' ' END))
$$;
-- both:
CREATE TABLE operators (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name          TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  currency      TEXT NOT NULL DEFAULT 'USD',
  created_at    INTEGER NOT NULL
);

-- Failed sign-ins per email, to slow down guessing.
CREATE TABLE login_failures (
  email       TEXT PRIMARY KEY COLLATE NOCASE,
  failures    INTEGER NOT NULL,
  last_failed INTEGER NOT NULL
);

-- Renters are the people who hold mailboxes; they sign in separately from operators.
CREATE TABLE renters (
  id                   INTEGER PRIMARY KEY,
  operator_id          INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  name                 TEXT NOT NULL DEFAULT '',
  email                TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
  company_name         TEXT NOT NULL DEFAULT '',
  officernd_member_id  TEXT,
  officernd_company_id TEXT,
  password_hash        TEXT,
  created_at           INTEGER NOT NULL,
  UNIQUE (operator_id, officernd_member_id)
);
CREATE INDEX renters_email ON renters(operator_id, email);

-- A session belongs to exactly one operator or one renter. The cookie holds the id; only its
-- SHA-256 is stored, so a copy of the database cannot sign anyone in.
CREATE TABLE sessions (
  id_hash     TEXT PRIMARY KEY,
  operator_id INTEGER REFERENCES operators(id) ON DELETE CASCADE,
  renter_id   INTEGER REFERENCES renters(id) ON DELETE CASCADE,
  csrf_token  TEXT NOT NULL,
  flash       TEXT,
  flash_kind  TEXT,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  CHECK ((operator_id IS NULL) <> (renter_id IS NULL))
);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE spaces (
  id          INTEGER PRIMARY KEY,
  operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (operator_id, name)
);

CREATE TABLE offerings (
  id                  INTEGER PRIMARY KEY,
  operator_id         INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  name                TEXT NOT NULL,
  monthly_price       INTEGER NOT NULL CHECK (monthly_price >= 0),
  storage_free_days   INTEGER NOT NULL DEFAULT 0 CHECK (storage_free_days >= 0),
  storage_fee_per_day INTEGER NOT NULL DEFAULT 0 CHECK (storage_fee_per_day >= 0),
  created_at          INTEGER NOT NULL,
  UNIQUE (operator_id, name)
);

-- Per offering and action: whether renters may ask for it, how many are free each calendar
-- month, and the fee after that.
CREATE TABLE offering_actions (
  offering_id    INTEGER NOT NULL REFERENCES offerings(id) ON DELETE CASCADE,
  action         TEXT NOT NULL CHECK (action IN ('scan','forward','shred','recycle','pickup')),
  enabled        INTEGER NOT NULL DEFAULT 0,
  free_per_month INTEGER NOT NULL DEFAULT 0 CHECK (free_per_month >= 0),
  fee            INTEGER NOT NULL DEFAULT 0 CHECK (fee >= 0),
  PRIMARY KEY (offering_id, action)
);

-- The OfficeRnD card. Secrets are AES-256-GCM blobs under the key file (crypto/secretbox).
-- webhook_token is the unguessable last part of the operator's webhook URL.
CREATE TABLE officernd_settings (
  operator_id        INTEGER PRIMARY KEY REFERENCES operators(id) ON DELETE CASCADE,
  org_slug           TEXT NOT NULL DEFAULT '',
  client_id          TEXT NOT NULL DEFAULT '',
  client_secret_enc  BLOB,
  signing_secret_enc BLOB,
  bill_renters       INTEGER NOT NULL DEFAULT 0,
  charge_plan_id     TEXT NOT NULL DEFAULT '',
  charge_plan_name   TEXT NOT NULL DEFAULT '',
  webhook_token      TEXT NOT NULL UNIQUE,
  access_token_enc   BLOB,
  access_token_expires_at INTEGER NOT NULL DEFAULT 0,
  updated_at         INTEGER NOT NULL
);

CREATE TABLE stripe_settings (
  operator_id  INTEGER PRIMARY KEY REFERENCES operators(id) ON DELETE CASCADE,
  bill_renters INTEGER NOT NULL DEFAULT 0,
  updated_at   INTEGER NOT NULL
);

-- OfficeRnD Plans -> Mailbox Offerings and Locations -> Spaces. Names are kept so the card can
-- show the mapping while OfficeRnD is unreachable.
CREATE TABLE plan_links (
  operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  plan_id     TEXT NOT NULL,
  plan_name   TEXT NOT NULL DEFAULT '',
  offering_id INTEGER NOT NULL REFERENCES offerings(id),
  position    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (operator_id, plan_id)
);

CREATE TABLE location_links (
  operator_id   INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  location_id   TEXT NOT NULL,
  location_name TEXT NOT NULL DEFAULT '',
  space_id      INTEGER NOT NULL REFERENCES spaces(id),
  position      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (operator_id, location_id)
);
