-- Each announcement of a changed node names the Herald process that wrote it (issue 7, decision
-- 0015). A Herald now updates its own cache with the subscription changes it writes, instead of
-- dropping the node's state and reloading the whole subscriber list, and skips the announcements
-- of its own writes: without the name it could not tell them from another process's.
--
-- A Herald names itself with the setting herald.writer, which its connections set when they open.
-- Any other writer (the herald CLI, psql) leaves it unset and is announced with an empty name, so
-- every Herald drops that node's state, as before.
--
-- The payload is the writer's name, a space, then the NodeID (which may itself hold spaces). It
-- goes on a new channel, so that no listener reads it as the old payload, the bare NodeID.
CREATE OR REPLACE FUNCTION herald_announce_changed_nodes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('herald_node_changes', coalesce(current_setting('herald.writer', true), '') || ' ' || node_id)
    FROM (SELECT DISTINCT node_id FROM changed) AS nodes;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION herald_announce_changed_node() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('herald_node_changes', coalesce(current_setting('herald.writer', true), '') || ' ' || OLD.node_id);
    RETURN NULL;
END
$$;
