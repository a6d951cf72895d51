-- 010_growth: indexes so that every page reads one operator's rows in the order it shows them,
-- a page at a time (keyset pagination), whatever the size of the store. Each list's ORDER BY
-- is an index's order after operator_id (the rowid ends every index, so "id" comes free);
-- counts shown on pages walk an index of the counted rows only. tests/unit/check_query_plans.c
-- checks that no list or queue statement scans a large table or sorts it in a temp B-tree.

-- Charges, newest first; and with a billing state filter.
CREATE INDEX charges_list ON charges(operator_id, charge_date, id);
CREATE INDEX charges_state_list ON charges(operator_id, billing_state, charge_date, id);
-- "Earlier charges not billed": only the unbilled ones with an amount, by id (the cut-off), with
-- the columns the count reads (no charge row is read).
CREATE INDEX charges_unbilled ON charges(operator_id, id, mailbox_id, amount, billing_state)
  WHERE billing_state = 'not_billed' AND amount > 0;

-- Mail, newest received first; the unassigned tab and its count read only unassigned items. The
-- searched columns are in the index, so a search tests them without reading the items' rows.
CREATE INDEX mail_items_list ON mail_items(operator_id, received_on, id, mailbox_id, reference, sender);
CREATE INDEX mail_items_unassigned ON mail_items(operator_id, received_on, id, reference, sender)
  WHERE mailbox_id IS NULL;

-- Mailboxes, newest first, all or by status; mailboxes per space and per offering (counts).
CREATE INDEX mailboxes_operator ON mailboxes(operator_id, status);
CREATE INDEX mailboxes_newest ON mailboxes(operator_id);
CREATE INDEX mailboxes_space ON mailboxes(operator_id, space_id, status);
CREATE INDEX mailboxes_offering ON mailboxes(operator_id, offering_id);

-- An invitation's emails, and a mailbox's latest invitation with what the list shows of it (the
-- mailbox list and page show their states without reading the invitation rows).
CREATE INDEX outbox_invitation ON outbox(invitation_id);
CREATE INDEX invitations_latest ON invitations(mailbox_id, id, operator_id, state, expires_at);

-- Activity, newest first, all or by state, with the membership id its search tests.
CREATE INDEX webhook_events_operator ON webhook_events(operator_id, state, id, membership_id);
CREATE INDEX webhook_events_newest ON webhook_events(operator_id, id, membership_id);

-- The worker's queue of pending events, oldest first: only pending rows (it replaces an index of
-- every event by state and operator, which gave no id order across operators).
DROP INDEX webhook_events_pending;
CREATE INDEX webhook_events_pending ON webhook_events(id) WHERE state = 'pending';

-- Counts shown on pages, kept by triggers in the same write as what changes them, so that a page
-- reads a few numbers instead of counting thousands of rows: open mailboxes per space, mailboxes
-- per offering (Spaces, Offerings) and webhook events per state (the Activity tabs).
ALTER TABLE spaces ADD COLUMN open_mailboxes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE offerings ADD COLUMN mailbox_count INTEGER NOT NULL DEFAULT 0;
UPDATE spaces SET open_mailboxes = (SELECT count(*) FROM mailboxes m WHERE m.operator_id = spaces.operator_id
                                    AND m.space_id = spaces.id AND m.status <> 'cancelled');
UPDATE offerings SET mailbox_count = (SELECT count(*) FROM mailboxes m WHERE m.operator_id = offerings.operator_id
                                      AND m.offering_id = offerings.id);

-- sqlite:
CREATE TRIGGER mailboxes_counts_insert AFTER INSERT ON mailboxes BEGIN
  UPDATE spaces SET open_mailboxes = open_mailboxes + 1 WHERE id = NEW.space_id AND NEW.status <> 'cancelled';
  UPDATE offerings SET mailbox_count = mailbox_count + 1 WHERE id = NEW.offering_id;
END;
CREATE TRIGGER mailboxes_counts_delete AFTER DELETE ON mailboxes BEGIN
  UPDATE spaces SET open_mailboxes = open_mailboxes - 1 WHERE id = OLD.space_id AND OLD.status <> 'cancelled';
  UPDATE offerings SET mailbox_count = mailbox_count - 1 WHERE id = OLD.offering_id;
END;
CREATE TRIGGER mailboxes_counts_update AFTER UPDATE OF space_id, status, offering_id ON mailboxes BEGIN
  UPDATE spaces SET open_mailboxes = open_mailboxes - 1 WHERE id = OLD.space_id AND OLD.status <> 'cancelled';
  UPDATE spaces SET open_mailboxes = open_mailboxes + 1 WHERE id = NEW.space_id AND NEW.status <> 'cancelled';
  UPDATE offerings SET mailbox_count = mailbox_count - 1 WHERE id = OLD.offering_id;
  UPDATE offerings SET mailbox_count = mailbox_count + 1 WHERE id = NEW.offering_id;
END;
-- pg:
CREATE FUNCTION mailboxes_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE spaces SET open_mailboxes = open_mailboxes - 1 WHERE id = OLD.space_id AND OLD.status <> 'cancelled';
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE spaces SET open_mailboxes = open_mailboxes + 1 WHERE id = NEW.space_id AND NEW.status <> 'cancelled';
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE offerings SET mailbox_count = mailbox_count - 1 WHERE id = OLD.offering_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE offerings SET mailbox_count = mailbox_count + 1 WHERE id = NEW.offering_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER mailboxes_counts_insert AFTER INSERT ON mailboxes FOR EACH ROW EXECUTE FUNCTION mailboxes_counts();
CREATE TRIGGER mailboxes_counts_delete AFTER DELETE ON mailboxes FOR EACH ROW EXECUTE FUNCTION mailboxes_counts();
CREATE TRIGGER mailboxes_counts_update AFTER UPDATE OF space_id, status, offering_id ON mailboxes
FOR EACH ROW EXECUTE FUNCTION mailboxes_counts();
-- both:

CREATE TABLE webhook_event_counts (
  operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  state       TEXT NOT NULL,
  n           INTEGER NOT NULL,
  PRIMARY KEY (operator_id, state)
) WITHOUT ROWID;
INSERT INTO webhook_event_counts(operator_id, state, n)
  SELECT operator_id, state, count(*) FROM webhook_events GROUP BY operator_id, state;

-- sqlite:
CREATE TRIGGER webhook_events_counts_insert AFTER INSERT ON webhook_events BEGIN
  INSERT INTO webhook_event_counts(operator_id, state, n) VALUES (NEW.operator_id, NEW.state, 1)
    ON CONFLICT(operator_id, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER webhook_events_counts_update AFTER UPDATE OF state ON webhook_events
WHEN OLD.state <> NEW.state BEGIN
  UPDATE webhook_event_counts SET n = n - 1 WHERE operator_id = OLD.operator_id AND state = OLD.state;
  INSERT INTO webhook_event_counts(operator_id, state, n) VALUES (NEW.operator_id, NEW.state, 1)
    ON CONFLICT(operator_id, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER webhook_events_counts_delete AFTER DELETE ON webhook_events BEGIN
  UPDATE webhook_event_counts SET n = n - 1 WHERE operator_id = OLD.operator_id AND state = OLD.state;
END;
-- pg:
CREATE FUNCTION webhook_events_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.state <> NEW.state) THEN
    UPDATE webhook_event_counts SET n = n - 1 WHERE operator_id = OLD.operator_id AND state = OLD.state;
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND OLD.state <> NEW.state) THEN
    INSERT INTO webhook_event_counts(operator_id, state, n) VALUES (NEW.operator_id, NEW.state, 1)
      ON CONFLICT(operator_id, state) DO UPDATE SET n = webhook_event_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_events_counts_insert AFTER INSERT ON webhook_events
FOR EACH ROW EXECUTE FUNCTION webhook_events_counts();
CREATE TRIGGER webhook_events_counts_update AFTER UPDATE OF state ON webhook_events
FOR EACH ROW EXECUTE FUNCTION webhook_events_counts();
CREATE TRIGGER webhook_events_counts_delete AFTER DELETE ON webhook_events
FOR EACH ROW EXECUTE FUNCTION webhook_events_counts();
-- both:
