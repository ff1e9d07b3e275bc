-- Generic plans for the ledger operations of activities/ledger/snapshot.ts.
-- PL/pgSQL caches a plan per statement, but after its first five runs it keeps a
-- generic plan only if that one is estimated no dearer than the custom ones. A
-- statement filtering by "id" = ANY(an array variable) is always estimated dearer
-- generically (ten rows against the two of a known array), so it was planned
-- again on every run: about 60 to 120 us each, some 40 percent of the read of a drawdown
-- (bench/RESULTS.md). Every statement of these functions looks rows up by key, so
-- their generic plans are index scans, as the custom ones are. Set on the three
-- entry points, it holds for the functions they call, and ends when they return.
-- A CREATE OR REPLACE of one of them must repeat the SET clause (a test in
-- test/integration/ledger/decided-operations.test.ts checks it). No apostrophes
-- or semicolons in these comments: the driver adapter splits migration scripts on
-- semicolons and reads an apostrophe as a quote.
ALTER FUNCTION "ledger_snapshot"(text, text, jsonb, boolean, boolean) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION "ledger_apply"(text, text, jsonb, text, text, jsonb, jsonb) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION "ledger_apply_group"(jsonb) SET plan_cache_mode = force_generic_plan;
