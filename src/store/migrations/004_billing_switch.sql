-- 004_billing_switch: remember which charges existed when OfficeRnD billing was last turned on.
-- Turning billing on never queues older charges by itself: the charges page offers to bill the
-- "earlier" ones (not_billed, id <= billing_on_after_charge_id) explicitly. Charge ids grow, so
-- this works whatever the clock says. Triggers keep it right whoever writes the setting.
ALTER TABLE officernd_settings ADD COLUMN billing_on_after_charge_id INTEGER NOT NULL DEFAULT 0;

-- sqlite:
CREATE TRIGGER officernd_billing_on_update
AFTER UPDATE OF bill_renters ON officernd_settings
WHEN NEW.bill_renters <> 0 AND OLD.bill_renters = 0
BEGIN
  UPDATE officernd_settings
     SET billing_on_after_charge_id = (SELECT coalesce(max(id), 0) FROM charges)
   WHERE operator_id = NEW.operator_id;
END;

CREATE TRIGGER officernd_billing_on_insert
AFTER INSERT ON officernd_settings
WHEN NEW.bill_renters <> 0
BEGIN
  UPDATE officernd_settings
     SET billing_on_after_charge_id = (SELECT coalesce(max(id), 0) FROM charges)
   WHERE operator_id = NEW.operator_id;
END;

-- pg:
-- PostgreSQL runs a trigger's body as a function.
CREATE FUNCTION officernd_billing_on() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE officernd_settings
     SET billing_on_after_charge_id = (SELECT coalesce(max(id), 0) FROM charges)
   WHERE operator_id = NEW.operator_id;
  RETURN NULL;
END $$;
CREATE TRIGGER officernd_billing_on_update
AFTER UPDATE OF bill_renters ON officernd_settings
FOR EACH ROW WHEN (NEW.bill_renters <> 0 AND OLD.bill_renters = 0)
EXECUTE FUNCTION officernd_billing_on();
CREATE TRIGGER officernd_billing_on_insert
AFTER INSERT ON officernd_settings
FOR EACH ROW WHEN (NEW.bill_renters <> 0)
EXECUTE FUNCTION officernd_billing_on();
-- both:
