-- 014_member_import: "Existing members" (issue 10). The OfficeRnD memberships on linked plans that
-- had no mailbox when the operator pressed "Load existing members", loaded by the worker page by
-- page into a snapshot (the page never waits on OfficeRnD), grouped (match / new / skip), and the
-- import of the rows the operator ticked.
--
-- member_imports: one operator's load. load_state '' (never), queued (asked for), loading,
-- loaded, failed (error says why). phase and cursor say where a load stands (memberships, members,
-- companies, group; cursor is OfficeRnD's cursorNext, or the last row id for group), so a load
-- taken over from a killed worker goes on from the last page stored. listed counts the memberships
-- read, members_read the members. claimed_by/claimed_until: the lease of the worker loading.
CREATE TABLE member_imports (
  operator_id   INTEGER PRIMARY KEY REFERENCES operators(id) ON DELETE CASCADE,
  load_state    TEXT NOT NULL DEFAULT '' CHECK (load_state IN ('', 'queued', 'loading', 'loaded', 'failed')),
  phase         TEXT NOT NULL DEFAULT '',
  cursor        TEXT,
  listed        INTEGER NOT NULL DEFAULT 0,
  members_read  INTEGER NOT NULL DEFAULT 0,
  requested_at  INTEGER NOT NULL DEFAULT 0,
  loaded_at     INTEGER NOT NULL DEFAULT 0,
  error         TEXT NOT NULL DEFAULT '',
  claimed_by    TEXT NOT NULL DEFAULT '',
  claimed_until INTEGER NOT NULL DEFAULT 0
);

-- One membership of the snapshot. grp '' until the load's group phase; reason says why a skip
-- row is skipped, or which mailbox a match row connects. import_state: '' (not asked), queued,
-- imported, not_imported (outcome says why; e.g. the membership ended meanwhile). invite: the
-- operator's choice when queueing (1 invite now, 0 create without inviting).
CREATE TABLE member_import_rows (
  id                INTEGER PRIMARY KEY,
  operator_id       INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  membership_id     TEXT NOT NULL,
  member_id         TEXT NOT NULL DEFAULT '',
  member_found      INTEGER NOT NULL DEFAULT 0,
  name              TEXT NOT NULL DEFAULT '',
  email             TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
  company_id        TEXT,
  company_name      TEXT NOT NULL DEFAULT '',
  plan_id           TEXT NOT NULL,
  location_id       TEXT NOT NULL DEFAULT '',
  start_date        TEXT NOT NULL DEFAULT '',
  end_date          TEXT,
  status            TEXT NOT NULL DEFAULT '',
  calculated_status TEXT NOT NULL DEFAULT '',
  is_personal       INTEGER NOT NULL DEFAULT 1,
  created_at        TEXT NOT NULL DEFAULT '',
  modified_at       TEXT NOT NULL DEFAULT '',
  grp               TEXT NOT NULL DEFAULT '' CHECK (grp IN ('', 'match', 'new', 'skip')),
  reason            TEXT NOT NULL DEFAULT '',
  match_mailbox_id  INTEGER,
  import_state      TEXT NOT NULL DEFAULT '' CHECK (import_state IN ('', 'queued', 'imported', 'not_imported')),
  invite            INTEGER NOT NULL DEFAULT 1,
  outcome           TEXT NOT NULL DEFAULT '',
  mailbox_id        INTEGER,
  UNIQUE (operator_id, membership_id)
);
-- The page: one group a page at a time, in load order; the counts per group and state, per plan
-- and per location; the load's group phase, all rows in load order (the rowid ends every index).
CREATE INDEX member_import_rows_group ON member_import_rows(operator_id, grp, id);
CREATE INDEX member_import_rows_state ON member_import_rows(operator_id, grp, import_state);
CREATE INDEX member_import_rows_operator ON member_import_rows(operator_id);
CREATE INDEX member_import_rows_plan ON member_import_rows(operator_id, plan_id, grp, import_state);
CREATE INDEX member_import_rows_location ON member_import_rows(operator_id, location_id, grp, import_state);
-- The load's members and companies phases write each name onto the rows that name it.
CREATE INDEX member_import_rows_member ON member_import_rows(operator_id, member_id);
CREATE INDEX member_import_rows_company ON member_import_rows(operator_id, company_id) WHERE company_id IS NOT NULL;
-- The worker's queue: only the queued rows.
CREATE INDEX member_import_rows_queued ON member_import_rows(operator_id, id) WHERE import_state = 'queued';
-- A hand-made mailbox is offered to one membership only: two memberships with one email never
-- both connect to it.
CREATE UNIQUE INDEX member_import_rows_match ON member_import_rows(operator_id, match_mailbox_id)
  WHERE match_mailbox_id IS NOT NULL;
