-- The group commit in one round trip (issue 7). Herald had called herald_publish between BEGIN and
-- COMMIT: three round trips per batch, about a third of a lone publish's latency at low load.
-- A procedure may COMMIT itself when CALL runs outside a transaction block, as a pooled
-- connection's CALL does. Its INOUT values reach the client only when CALL returns, after that
-- COMMIT, which with synchronous_commit on waits until the commit is durable: so the answer still
-- comes only after the commit, which is what acknowledging a publish needs.
--
-- - The procedure must keep COMMIT possible: no EXCEPTION block, SET clause or SECURITY DEFINER.
-- - An error before the COMMIT rolls everything back, and no publish is acknowledged. A failure
--   after it (the connection lost while the answer travels) fails publishes that were stored, as
--   any lost answer to a COMMIT would: Herald reports them as failed, never the reverse.
--
-- ordinals and sequences come back as parallel arrays, the 1-based input position and the sequence
-- of each item stored (items of missing nodes are not stored and not returned), in input order.
CREATE PROCEDURE herald_publish_batch(
    node_ids text[], item_ids text[], payloads text[], has_payload boolean[], publishers text[],
    published timestamptz[], INOUT ordinals bigint[], INOUT sequences bigint[]
) LANGUAGE plpgsql AS $$
BEGIN
    SELECT coalesce(array_agg(stored.ordinal ORDER BY stored.ordinal), '{}'),
           coalesce(array_agg(stored.item_sequence ORDER BY stored.ordinal), '{}')
    INTO ordinals, sequences
    FROM herald_publish(node_ids, item_ids, payloads, has_payload, publishers, published) AS stored;
    COMMIT;
END
$$;
