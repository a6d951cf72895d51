-- 017_operator_timezone: pages show dates and times in the operator's own time zone, a name of
-- the system's tz database such as Europe/Berlin (checked by time_zone_valid); UTC until set.
ALTER TABLE operators ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
