-- 007_fee_claims: where a charge's last POST /fees went. The payer, location and plan are worked
-- out from the current membership and mapping each time a fee is built; when a POST may have
-- created the fee, the lookup before the next attempt must search where that POST went, not
-- where the fee would go now (the membership may have moved to a company in between).
-- Written, committed, right before each POST; NULL on charges never posted.
ALTER TABLE charges ADD COLUMN fee_member TEXT;
ALTER TABLE charges ADD COLUMN fee_company TEXT;
ALTER TABLE charges ADD COLUMN fee_location TEXT;
ALTER TABLE charges ADD COLUMN fee_plan TEXT;
