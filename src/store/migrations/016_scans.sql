-- 015_scans: a mail item's scan file and the renters' forwarding addresses.
-- The file itself lives on disk under PILOTOMAIL_SCAN_DIR/<operator>/<sha256> (never in the
-- database); its row is written in the transaction that completes the scan, so a file is only
-- referenced once it is whole. Identical files of one operator share one file: it is deleted when
-- no row names its hash any more.
CREATE TABLE scans (
  id                INTEGER PRIMARY KEY,
  operator_id       INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  mail_item_id      INTEGER NOT NULL REFERENCES mail_items(id) ON DELETE CASCADE,
  action_request_id INTEGER REFERENCES action_requests(id),
  sha256            TEXT NOT NULL CHECK (length(sha256) = 64),
  size              INTEGER NOT NULL CHECK (size > 0),
  content_type      TEXT NOT NULL
                    CHECK (content_type IN ('application/pdf','image/png','image/jpeg','image/webp')),
  created_at        INTEGER NOT NULL,
  UNIQUE (mail_item_id)
);
CREATE INDEX scans_hash ON scans(operator_id, sha256);

-- The address a renter asked a forward to, and the last one they used (prefilled next time).
ALTER TABLE action_requests ADD COLUMN forward_address TEXT NOT NULL DEFAULT '';
ALTER TABLE renters ADD COLUMN forward_address TEXT NOT NULL DEFAULT '';
-- The member's name as OfficeRnD has it, kept apart from the renter name the operator may edit.
ALTER TABLE renters ADD COLUMN officernd_member_name TEXT NOT NULL DEFAULT '';

-- The mailbox page lists one mailbox's mail and charges, newest first, paged by key.
CREATE INDEX mail_items_by_mailbox ON mail_items(mailbox_id, received_on, id);
CREATE INDEX charges_by_mailbox ON charges(mailbox_id, charge_date, id);
