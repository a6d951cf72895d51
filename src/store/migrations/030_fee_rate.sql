-- 030_fee_rate: the per-operator fee request budget (domain/fee_booking.h's token bucket) lives
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
