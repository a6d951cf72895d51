-- 017_timezone_and_charge_totals
-- Pages show dates and times in the operator's own time zone, a name of the system's tz
-- database such as Europe/Berlin (checked by time_zone_valid); UTC until it is set.
ALTER TABLE operators ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';

-- The Charges page's totals per billing state and per month, kept by triggers: summing the
-- charges themselves on every load would read every charge of the operator (years of them).
CREATE TABLE charge_totals (
  operator_id   INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  month         TEXT NOT NULL,    -- YYYY-MM of charge_date
  billing_state TEXT NOT NULL,
  n             INTEGER NOT NULL,
  amount        INTEGER NOT NULL, -- minor units of the operator's currency
  PRIMARY KEY (operator_id, month, billing_state)
) WITHOUT ROWID;
INSERT INTO charge_totals(operator_id, month, billing_state, n, amount)
  SELECT operator_id, substr(charge_date, 1, 7), billing_state, count(*), sum(amount)
    FROM charges GROUP BY operator_id, substr(charge_date, 1, 7), billing_state;

-- sqlite:
CREATE TRIGGER charges_totals_insert AFTER INSERT ON charges BEGIN
  INSERT INTO charge_totals(operator_id, month, billing_state, n, amount)
    VALUES (NEW.operator_id, substr(NEW.charge_date, 1, 7), NEW.billing_state, 1, NEW.amount)
    ON CONFLICT(operator_id, month, billing_state) DO UPDATE SET n = n + 1, amount = amount + excluded.amount;
END;
CREATE TRIGGER charges_totals_update AFTER UPDATE OF billing_state, amount, charge_date ON charges
WHEN OLD.billing_state <> NEW.billing_state OR OLD.amount <> NEW.amount OR OLD.charge_date <> NEW.charge_date BEGIN
  UPDATE charge_totals SET n = n - 1, amount = amount - OLD.amount
    WHERE operator_id = OLD.operator_id AND month = substr(OLD.charge_date, 1, 7) AND billing_state = OLD.billing_state;
  INSERT INTO charge_totals(operator_id, month, billing_state, n, amount)
    VALUES (NEW.operator_id, substr(NEW.charge_date, 1, 7), NEW.billing_state, 1, NEW.amount)
    ON CONFLICT(operator_id, month, billing_state) DO UPDATE SET n = n + 1, amount = amount + excluded.amount;
END;
CREATE TRIGGER charges_totals_delete AFTER DELETE ON charges BEGIN
  UPDATE charge_totals SET n = n - 1, amount = amount - OLD.amount
    WHERE operator_id = OLD.operator_id AND month = substr(OLD.charge_date, 1, 7) AND billing_state = OLD.billing_state;
END;
-- pg:
CREATE FUNCTION charges_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.billing_state = NEW.billing_state AND OLD.amount = NEW.amount
     AND OLD.charge_date = NEW.charge_date THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE charge_totals SET n = n - 1, amount = amount - OLD.amount
      WHERE operator_id = OLD.operator_id AND month = substr(OLD.charge_date, 1, 7) AND billing_state = OLD.billing_state;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO charge_totals AS t(operator_id, month, billing_state, n, amount)
      VALUES (NEW.operator_id, substr(NEW.charge_date, 1, 7), NEW.billing_state, 1, NEW.amount)
      ON CONFLICT(operator_id, month, billing_state) DO UPDATE SET n = t.n + 1, amount = t.amount + excluded.amount;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER charges_totals_insert AFTER INSERT ON charges FOR EACH ROW EXECUTE FUNCTION charges_totals();
CREATE TRIGGER charges_totals_update AFTER UPDATE OF billing_state, amount, charge_date ON charges
FOR EACH ROW EXECUTE FUNCTION charges_totals();
CREATE TRIGGER charges_totals_delete AFTER DELETE ON charges FOR EACH ROW EXECUTE FUNCTION charges_totals();
-- both:
