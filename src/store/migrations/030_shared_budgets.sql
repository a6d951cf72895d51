-- 030_shared_budgets: the per-operator fee request budget (domain/fee_booking.h's token bucket) lives
-- in the database, so every worker thread, process and host spends one budget per operator.
-- Clock: wall-clock milliseconds, the one all hosts share.
CREATE TABLE fee_rate_buckets (
  operator_id     INTEGER PRIMARY KEY REFERENCES operators(id) ON DELETE CASCADE,
  units           INTEGER NOT NULL,
  capacity        INTEGER NOT NULL,
  rate_per_minute INTEGER NOT NULL,
  last_ms         INTEGER NOT NULL,
  paused_until_ms INTEGER NOT NULL DEFAULT 0
);

-- Who is asking OfficeRnD for the operator's token, until when (Unix seconds): OfficeRnD allows 5
-- token requests a minute, so workers that all find the cached token expired let one ask and
-- take what it stores (officernd_account_token_lease).
ALTER TABLE officernd_settings ADD COLUMN token_fetch_until INTEGER NOT NULL DEFAULT 0;
