-- herald_publish's statements are planned once, not at every call (issue 7).
-- PL/pgSQL keeps each statement's plan, but for statements with parameters PostgreSQL plans
-- anew for the values of each of the first five calls, then keeps doing so whenever the generic
-- plan's estimate is worse than the average custom plan: with array arguments it chose custom
-- plans at every call. Planning the CTE that reserves sequences and stores the items took more
-- time than running it (auto_explain: 0.26 ms of statements in a 0.7 ms call). Measured with
-- pgbench calling herald_publish_batch at 1,000 a second on one connection: p50 0.70-0.73 ms and
-- p99 2.9-3.4 ms with custom plans, 0.51-0.56 ms and 1.5 ms with the generic plan.
--
-- The generic plan does not know the arrays' lengths. Every statement here selects nodes and
-- items by key (node_id = ANY, the (node_id, item_id) and (node_id, sequence) indexes), which
-- the generic plan also does; a SET clause is allowed on the function, which never commits, and
-- only for its duration: herald_publish_batch, which commits, keeps none (migration 0006).
-- A later CREATE OR REPLACE FUNCTION herald_publish drops this setting: it must say it again.
ALTER FUNCTION herald_publish(text[], text[], text[], boolean[], text[], timestamptz[])
    SET plan_cache_mode = force_generic_plan;
