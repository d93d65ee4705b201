-- Herald caches each node's configuration, affiliations and subscriptions in memory (issue 7,
-- Docs/decisions/0015-node-state-cache.md). Every change to them, by any process (another Herald
-- instance, the herald CLI, psql), announces the node on channel 'herald_node_state' when it
-- commits; each Herald LISTENs there and drops what it cached about that node. PostgreSQL
-- delivers one notification per node and transaction, however many rows changed.

CREATE FUNCTION herald_announce_changed_nodes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('herald_node_state', node_id) FROM (SELECT DISTINCT node_id FROM changed) AS nodes;
    RETURN NULL;
END
$$;

CREATE FUNCTION herald_announce_changed_node() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('herald_node_state', OLD.node_id);
    RETURN NULL;
END
$$;

-- Statement triggers with transition tables: one call per statement, not per row. A trigger
-- with transition tables takes a single event, hence three per table.
CREATE TRIGGER affiliations_inserted AFTER INSERT ON affiliations
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION herald_announce_changed_nodes();
CREATE TRIGGER affiliations_updated AFTER UPDATE ON affiliations
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION herald_announce_changed_nodes();
CREATE TRIGGER affiliations_deleted AFTER DELETE ON affiliations
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION herald_announce_changed_nodes();
CREATE TRIGGER subscriptions_inserted AFTER INSERT ON subscriptions
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION herald_announce_changed_nodes();
CREATE TRIGGER subscriptions_updated AFTER UPDATE ON subscriptions
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION herald_announce_changed_nodes();
CREATE TRIGGER subscriptions_deleted AFTER DELETE ON subscriptions
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION herald_announce_changed_nodes();

-- Nodes: only a new configuration or a deletion matters (a publish updates last_sequence, and
-- must not announce anything). Both are rare, so row triggers, which may name a column, do.
CREATE TRIGGER nodes_configured AFTER UPDATE OF config ON nodes
    FOR EACH ROW EXECUTE FUNCTION herald_announce_changed_node();
CREATE TRIGGER nodes_deleted AFTER DELETE ON nodes
    FOR EACH ROW EXECUTE FUNCTION herald_announce_changed_node();
