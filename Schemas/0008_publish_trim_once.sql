-- Trimming to max_items reads each node's newest max_items + 1 index entries once per call, and
-- the entries it deletes, whatever the table's statistics say (issue 7: bounded by the
-- (node_id, sequence) index, never a scan).
--
-- Migration 0005 compared each of the node's items with a subquery correlated to the node. With
-- a nested loop over the (node_id, sequence) index, PostgreSQL put that subquery in the index
-- condition and ran it once per node; with a hash join over the items, which it chose when its
-- statistics showed a small items table, it ran the subquery again for every item: a node at its
-- max_items of 100 read about 10,000 index entries per publish. auto_explain on the run stack
-- caught that plan taking 2.4 ms of a 5.7 ms call. A test now counts what a publish reads.
--
-- - The cutoff of each node is computed once, in a MATERIALIZED CTE that the planner cannot fold
--   back into the join.
-- - herald_trim runs with every other way to the items switched off: a sequential scan (chosen
--   on a small table, it reads every node's items), a hash or merge join (which read the whole
--   index), and a bitmap scan, which unlike a plain index scan never marks the entries of deleted
--   items dead, so each publish read again every item trimmed since the last vacuum. The
--   switches are on herald_trim alone, where the one plan left is the right one at any size:
--   herald_publish's own joins are between its arguments.
--
-- pgbench calling herald_publish_batch on a full node (max_items 100), one connection, no rate
-- limit, alternated on the run stack: 0.34-0.37 ms a call as here; 0.75 ms with the bitmap scan;
-- with migration 0005, 0.36-0.45 ms while PostgreSQL chose the nested loop and 3.2-3.3 ms a few
-- minutes later, on the same node, once its statistics had changed.
--
-- The rest of herald_publish is as in migration 0005. CREATE OR REPLACE drops the SET clause of
-- migration 0007, so it is given again here.
CREATE FUNCTION herald_trim(node_ids text[]) RETURNS void LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
BEGIN
    WITH trimmed AS MATERIALIZED (
        SELECT nodes.node_id, (
            SELECT newer.sequence FROM items AS newer WHERE newer.node_id = nodes.node_id
            ORDER BY newer.sequence DESC OFFSET (nodes.config->>'maxItems')::integer LIMIT 1
        ) AS cutoff
        FROM nodes WHERE nodes.node_id = ANY(node_ids)
    )
    DELETE FROM items USING trimmed
    WHERE items.node_id = trimmed.node_id AND items.sequence <= trimmed.cutoff;
END
$$;

CREATE OR REPLACE FUNCTION herald_publish(
    node_ids text[], item_ids text[], payloads text[], has_payload boolean[], publishers text[],
    published timestamptz[]
) RETURNS TABLE (ordinal bigint, item_sequence bigint) LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    PERFORM 1 FROM nodes WHERE nodes.node_id = ANY(node_ids) ORDER BY nodes.node_id FOR UPDATE;
    RETURN QUERY
    WITH input AS (
        SELECT * FROM unnest(node_ids, item_ids, payloads, has_payload, publishers, published)
            WITH ORDINALITY AS i(node_id, item_id, payload, has_payload, publisher, published_at, ord)
    ), counts AS (
        SELECT input.node_id, count(*) AS n FROM input GROUP BY input.node_id
    ), reserved AS (
        UPDATE nodes SET last_sequence = nodes.last_sequence + counts.n
        FROM counts WHERE nodes.node_id = counts.node_id
        RETURNING nodes.node_id, nodes.last_sequence - counts.n AS base
    ), numbered AS (
        SELECT input.*,
               reserved.base + row_number() OVER (PARTITION BY input.node_id ORDER BY input.ord) AS sequence,
               row_number() OVER (PARTITION BY input.node_id, input.item_id ORDER BY input.ord DESC) AS newest
        FROM input JOIN reserved ON reserved.node_id = input.node_id
    ), stored AS (
        INSERT INTO items (node_id, item_id, sequence, payload, publisher, published_at)
        SELECT numbered.node_id, numbered.item_id, numbered.sequence,
               CASE WHEN numbered.has_payload THEN numbered.payload END, numbered.publisher, numbered.published_at
        FROM numbered WHERE numbered.newest = 1
        ON CONFLICT (node_id, item_id) DO UPDATE
            SET sequence = EXCLUDED.sequence, payload = EXCLUDED.payload,
                publisher = EXCLUDED.publisher, published_at = EXCLUDED.published_at
    )
    SELECT numbered.ord, numbered.sequence FROM numbered;

    PERFORM herald_trim(node_ids);
END
$$;
