-- 020_member_import_claims: queued import rows are claimed under a lease (claimed_by,
-- claimed_until), as webhook events, charges and emails are, so that several workers share a
-- large import instead of each walking the same queued rows behind one lock.
ALTER TABLE member_import_rows ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE member_import_rows ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
