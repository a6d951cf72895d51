-- 012_pmb_number: the next PMB is one more than the operator's highest numeric PMB. Without an
-- index on that number, each new mailbox read every PMB of the operator (at 10,000 mailboxes,
-- most of what the worker spent on a membership.created event, inside its write transaction).
-- sqlite:
CREATE INDEX mailboxes_pmb_number ON mailboxes(operator_id, CAST(pmb AS INTEGER))
  WHERE pmb <> '' AND pmb NOT GLOB '*[^0-9]*';
-- pg:
-- GLOB is SQLite's: the same digits-only test as the regular expression db_pg.c makes of the
-- query's "pmb NOT GLOB '*[^0-9]*'", so the planner matches the two.
CREATE INDEX mailboxes_pmb_number ON mailboxes(operator_id, CAST(pmb AS INTEGER))
  WHERE pmb <> '' AND pmb !~ '^.*[^0-9].*$';
-- both:
