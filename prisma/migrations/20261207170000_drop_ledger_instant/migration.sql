-- ledger_instant wrote an instant for ledger_coupon_json only, and
-- 20261207150000_ledger_state_as_json dropped that function: nothing calls it now.
DROP FUNCTION "ledger_instant"(timestamp);
