-- Herald's first schema: nodes, affiliations, subscriptions, items.
-- Every table is keyed by node_id first, so each hot query names its node and the
-- schema can be distributed by node_id later (ARCHITECTURE.md, "Scale beyond one machine").

CREATE TABLE nodes (
    node_id       text        PRIMARY KEY,
    title         text,
    max_items     integer     NOT NULL CHECK (max_items > 0),
    access_model  text        NOT NULL CHECK (access_model IN ('open')),
    -- Bumped by every publish; the row lock it takes serializes publishes to one node.
    last_sequence bigint      NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE affiliations (
    node_id     text NOT NULL REFERENCES nodes (node_id) ON DELETE CASCADE,
    jid         text NOT NULL,
    affiliation text NOT NULL CHECK (affiliation IN ('owner', 'publisher', 'publish-only', 'member', 'outcast')),
    PRIMARY KEY (node_id, jid)
);

CREATE TABLE subscriptions (
    node_id         text        NOT NULL REFERENCES nodes (node_id) ON DELETE CASCADE,
    jid             text        NOT NULL,
    subscription_id text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('none', 'pending', 'unconfigured', 'subscribed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- One subscription per JID and node until multi-subscribe is implemented.
    PRIMARY KEY (node_id, jid),
    UNIQUE (node_id, subscription_id)
);

CREATE TABLE items (
    node_id      text        NOT NULL REFERENCES nodes (node_id) ON DELETE CASCADE,
    item_id      text        NOT NULL,
    -- Per-node publish order, from nodes.last_sequence.
    sequence     bigint      NOT NULL,
    -- The payload element as XML text, with its own namespace declarations.
    payload      text,
    publisher    text        NOT NULL,
    published_at timestamptz NOT NULL,
    PRIMARY KEY (node_id, item_id)
);

CREATE INDEX items_node_sequence ON items (node_id, sequence);
