-- Group commit for decided operations (activities/ledger/group-commit.ts): one
-- statement writes many operations' decisions, each exactly as ledger_apply
-- does, in one transaction (one commit, one WAL flush for all of them). Bodies
-- use \073 for the semicolon (see 20261201000000_ledger_snapshot_operations).
--
-- Each operation runs in its own subtransaction: an error rolls back only its
-- own writes and answers {outcome: failed, sqlstate}, and the caller then runs it
-- the careful way (locked, alone), where the error, if real, is raised again.
-- An operation waits at most 100 ms for a lock (then fails the same way): the
-- group holds every earlier operation's locks until it commits, so a long wait,
-- or a deadlock with another group, must not hold them all.
-- Outcomes, in p_ops order: those of ledger_apply, or failed.
CREATE FUNCTION "ledger_apply_group"(p_ops jsonb) RETURNS jsonb LANGUAGE plpgsql AS E'
DECLARE
  v_op jsonb\073
  v_outcomes jsonb := ''[]''\073
BEGIN
  PERFORM set_config(''lock_timeout'', ''100ms'', true)\073
  FOR v_op IN SELECT e.op FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS e(op, n) ORDER BY e.n LOOP
    BEGIN
      v_outcomes := v_outcomes || jsonb_build_array(ledger_apply(
        v_op->>''operation'', v_op->>''key'', v_op->''args'', v_op->>''stateHash'',
        v_op->>''requestHash'', v_op->''result'', v_op->''changes''))\073
    EXCEPTION WHEN OTHERS THEN
      v_outcomes := v_outcomes || jsonb_build_array(
        jsonb_build_object(''outcome'', ''failed'', ''sqlstate'', SQLSTATE))\073
    END\073
  END LOOP\073
  RETURN v_outcomes\073
END';

-- A coupon row as JSON at a third of the cost: to_jsonb of the row, with its
-- decimals replaced by their text (no amount passes through a float). Instants
-- come out as to_jsonb writes a timestamp (ISO 8601 without a zone, in UTC:
-- activities/ledger/snapshot.ts reads them so).
CREATE OR REPLACE FUNCTION "ledger_coupon_json"(c "Coupon") RETURNS jsonb LANGUAGE sql STABLE AS
'SELECT to_jsonb(c) || jsonb_build_object(
  ''faceValue'', c."faceValue"::text, ''balance'', c."balance"::text,
  ''threshold'', c."threshold"::text, ''discountPercent'', c."discountPercent"::text)';
