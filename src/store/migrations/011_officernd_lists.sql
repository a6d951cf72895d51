-- 011_officernd_lists: the operator's OfficeRnD plans and locations as the worker last loaded
-- them (job_officernd_lists.c), so the settings card never waits on OfficeRnD. Keyed by operator
-- and OfficeRnD id: other pages can show a name instead of an id from here.
-- officernd_lists holds one operator's refresh bookkeeping: fetched_at is when the lists below
-- were loaded (0: never), attempted_at when the last refresh started, requested counts the
-- operator's "Refresh lists" presses (and saves of new credentials) not yet served,
-- claimed_by/claimed_until the lease of a refresh under way, error why the last refresh failed in
-- the operator's words ('' after a good one) and error_at when.
CREATE TABLE officernd_lists (
  operator_id   INTEGER PRIMARY KEY REFERENCES operators(id) ON DELETE CASCADE,
  fetched_at    INTEGER NOT NULL DEFAULT 0,
  attempted_at  INTEGER NOT NULL DEFAULT 0,
  requested     INTEGER NOT NULL DEFAULT 0,
  claimed_by    TEXT NOT NULL DEFAULT '',
  claimed_until INTEGER NOT NULL DEFAULT 0,
  error         TEXT NOT NULL DEFAULT '',
  error_at      INTEGER NOT NULL DEFAULT 0
);
-- position keeps OfficeRnD's order (indexed: the card reads them in that order).
CREATE TABLE officernd_plans (
  operator_id     INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  plan_id         TEXT NOT NULL,
  name            TEXT NOT NULL,
  code            TEXT NOT NULL DEFAULT '',
  type            TEXT NOT NULL DEFAULT '',
  interval_length TEXT NOT NULL DEFAULT '',
  position        INTEGER NOT NULL,
  PRIMARY KEY (operator_id, plan_id)
);
CREATE TABLE officernd_locations (
  operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  location_id TEXT NOT NULL,
  name        TEXT NOT NULL,
  position    INTEGER NOT NULL,
  PRIMARY KEY (operator_id, location_id)
);
CREATE INDEX officernd_plans_position ON officernd_plans(operator_id, position);
CREATE INDEX officernd_locations_position ON officernd_locations(operator_id, position);
