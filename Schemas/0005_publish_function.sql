-- A batch of publishes in one call (issue 7). Herald stores a batch of items with one call to
-- herald_publish, made by the procedure herald_publish_batch (migration 0006), which commits
-- before it answers: Herald waits for that answer before it acknowledges any of them.
--
-- Arguments are parallel arrays, one element per item, in publish order. Returns each item's
-- ordinal (1-based) and sequence; an item whose node does not exist is not stored and not returned.
--
-- - The node rows are locked first, in NodeID order, which serializes publishes to a node until
--   the call's transaction ends; two instances whose batches share nodes cannot deadlock. The
--   UPDATE then reserves one sequence per item from the locked rows.
-- - Only the last of several items with one ItemID is written (an upsert may not touch a row twice
--   in one statement); the others still take their sequence, as if replaced.
-- - Trimming to max_items is a second statement: in PL/pgSQL each statement takes a new snapshot,
--   taken after the lock, so it sees every item: those committed while this call waited, and its own.
--   It reads each node's max_items + 1 newest entries of the (node_id, sequence) index, never the node.
CREATE FUNCTION herald_publish(
    node_ids text[], item_ids text[], payloads text[], has_payload boolean[], publishers text[],
    published timestamptz[]
) RETURNS TABLE (ordinal bigint, item_sequence bigint) LANGUAGE plpgsql AS $$
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

    DELETE FROM items USING (
        SELECT nodes.node_id, (nodes.config->>'maxItems')::integer AS keep
        FROM nodes WHERE nodes.node_id = ANY(node_ids)
    ) AS trimmed
    WHERE items.node_id = trimmed.node_id AND items.sequence <= (
        SELECT newer.sequence FROM items AS newer WHERE newer.node_id = trimmed.node_id
        ORDER BY newer.sequence DESC OFFSET trimmed.keep LIMIT 1
    );
END
$$;
