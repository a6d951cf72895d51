-- 006_reconcile: the worker's periodic check of OfficeRnD for membership changes whose webhook
-- never arrived (lost, or the endpoint disabled by OfficeRnD after repeated failures).
-- reconciled_through is the newest modifiedAt (OfficeRnD's own ISO text) seen by the last
-- complete pass, '' before the first; the next pass asks for memberships modified after it
-- (minus an overlap). reconciled_at is when that pass ended. reconcile_requested counts the
-- operator's "Check now" presses not yet served. reconcile_attempted_at is when the last pass
-- started (or, before any pass, when the worker first saw the card configured): automatic passes
-- wait an interval after it, so a failing OfficeRnD is not asked again in a tight loop.
-- reconcile_claimed_until is the lease of a pass under way; reconcile_error is why the last pass
-- failed, in the operator's words ('' after a good one).
ALTER TABLE officernd_settings ADD COLUMN reconciled_through TEXT NOT NULL DEFAULT '';
ALTER TABLE officernd_settings ADD COLUMN reconciled_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE officernd_settings ADD COLUMN reconcile_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE officernd_settings ADD COLUMN reconcile_attempted_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE officernd_settings ADD COLUMN reconcile_claimed_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE officernd_settings ADD COLUMN reconcile_error TEXT NOT NULL DEFAULT '';
-- When pilotomail started watching this OfficeRnD account (the worker first saw the card
-- configured; reset when the organization changes). A membership pilotomail never heard of is
-- only provisioned by a check when it changed after this: one that predates the connection
-- never had a webhook to lose, and inviting every existing member is not the check's call.
ALTER TABLE officernd_settings ADD COLUMN reconcile_since INTEGER NOT NULL DEFAULT 0;
