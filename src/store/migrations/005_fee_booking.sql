-- 005_fee_booking: what the fee job must remember between attempts to book a charge exactly once.
-- fee_uncertain is 1 while a POST /fees may have created the fee without our knowing it (a
-- timeout, a dropped connection, a 5xx or an unreadable answer after the request went out).
-- Before posting such a charge again the worker looks the fee up in OfficeRnD by its reference;
-- the flag is cleared once that lookup found nothing or an attempt had a definite answer. Unlike
-- attempts, it survives the operator's Retry (which restarts the attempts from 0).
ALTER TABLE charges ADD COLUMN fee_uncertain INTEGER NOT NULL DEFAULT 0;
