-- 018_page_counts: the Mail page's count of unassigned items, kept by triggers in the same write
-- as what changes it (as 010 does for spaces, offerings and events): counting them on every load
-- walked all of a big operator's unassigned items (about 1,000 on the grown store: 0.2 ms of a
-- 1 ms page).
CREATE TABLE mail_item_counts (
  operator_id INTEGER PRIMARY KEY REFERENCES operators(id) ON DELETE CASCADE,
  unassigned  INTEGER NOT NULL DEFAULT 0
);
-- sqlite:
INSERT INTO mail_item_counts(operator_id, unassigned)
  SELECT operator_id, count(*) FROM mail_items INDEXED BY mail_items_unassigned
  WHERE mailbox_id IS NULL GROUP BY operator_id;

CREATE TRIGGER mail_items_count_insert AFTER INSERT ON mail_items WHEN NEW.mailbox_id IS NULL BEGIN
  INSERT INTO mail_item_counts(operator_id, unassigned) VALUES (NEW.operator_id, 1)
    ON CONFLICT(operator_id) DO UPDATE SET unassigned = unassigned + 1;
END;
CREATE TRIGGER mail_items_count_delete AFTER DELETE ON mail_items WHEN OLD.mailbox_id IS NULL BEGIN
  UPDATE mail_item_counts SET unassigned = unassigned - 1 WHERE operator_id = OLD.operator_id;
END;
-- Also fired by a deleted mailbox's ON DELETE action, should one ever set mailbox_id to NULL.
CREATE TRIGGER mail_items_count_update AFTER UPDATE OF mailbox_id, operator_id ON mail_items
WHEN (OLD.mailbox_id IS NULL) <> (NEW.mailbox_id IS NULL) OR OLD.operator_id <> NEW.operator_id BEGIN
  UPDATE mail_item_counts SET unassigned = unassigned - 1
    WHERE operator_id = OLD.operator_id AND OLD.mailbox_id IS NULL;
  INSERT INTO mail_item_counts(operator_id, unassigned) SELECT NEW.operator_id, 1 WHERE NEW.mailbox_id IS NULL
    ON CONFLICT(operator_id) DO UPDATE SET unassigned = unassigned + 1;
END;
-- pg:
INSERT INTO mail_item_counts(operator_id, unassigned)
  SELECT operator_id, count(*) FROM mail_items WHERE mailbox_id IS NULL GROUP BY operator_id;
CREATE FUNCTION mail_items_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.mailbox_id IS NULL THEN
    UPDATE mail_item_counts SET unassigned = unassigned - 1 WHERE operator_id = OLD.operator_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.mailbox_id IS NULL THEN
    INSERT INTO mail_item_counts AS c(operator_id, unassigned) VALUES (NEW.operator_id, 1)
      ON CONFLICT(operator_id) DO UPDATE SET unassigned = c.unassigned + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER mail_items_count_insert AFTER INSERT ON mail_items FOR EACH ROW EXECUTE FUNCTION mail_items_count();
CREATE TRIGGER mail_items_count_delete AFTER DELETE ON mail_items FOR EACH ROW EXECUTE FUNCTION mail_items_count();
CREATE TRIGGER mail_items_count_update AFTER UPDATE OF mailbox_id, operator_id ON mail_items FOR EACH ROW
  WHEN ((OLD.mailbox_id IS NULL) <> (NEW.mailbox_id IS NULL) OR OLD.operator_id <> NEW.operator_id)
  EXECUTE FUNCTION mail_items_count();
-- both:

-- The Mailboxes list and the mailbox page: each mailbox's renter, latest invitation and latest
-- invitation email, read from indexes that start with operator_id and hold what is shown. Rows
-- of one operator lie among every other operator's, so a lookup by id read a different page for
-- each row of each table (about 600 pages for a page of 100 mailboxes on the grown store, twice
-- the time of the same page on an empty store); in these indexes they are neighbours.
CREATE INDEX renters_list ON renters(operator_id, id, name, email, company_name);
CREATE INDEX invitations_operator ON invitations(operator_id, mailbox_id, id, state, expires_at);
CREATE INDEX outbox_operator ON outbox(operator_id, invitation_id, id, state);
