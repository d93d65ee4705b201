-- XEP-0060 part 1: full node configuration, subscription options, several subscriptions per JID.

-- The node configuration becomes one jsonb document, the Codable encoding of NodeConfiguration
-- (keys: title, description, payloadType, maxItems, accessModel, publishModel, deliverPayloads,
-- deliverNotifications, persistItems, sendLastPublishedItem, presenceBasedDelivery,
-- notificationType, itemReply). A missing key decodes to its default, so new fields need no
-- migration (Docs/decisions/0009-configuration-and-options-as-json.md).
ALTER TABLE nodes ADD COLUMN config jsonb;
ALTER TABLE nodes ADD COLUMN creator text;
-- Under 0001 every node got its owner affiliation in the statement that created it, so each row
-- finds a creator; a row that does not (a hand-edited database) stops the migration at SET NOT NULL
-- rather than storing a creator that cannot be read back.
UPDATE nodes SET
    config = jsonb_strip_nulls(jsonb_build_object('title', title, 'maxItems', max_items, 'accessModel', access_model)),
    creator = (SELECT min(jid) FROM affiliations a WHERE a.node_id = nodes.node_id AND a.affiliation = 'owner');
ALTER TABLE nodes ALTER COLUMN config SET NOT NULL;
ALTER TABLE nodes ALTER COLUMN creator SET NOT NULL;
-- The publish transaction trims by this value, so a stored configuration must always carry it.
ALTER TABLE nodes ADD CONSTRAINT nodes_config_max_items CHECK (coalesce((config->>'maxItems')::integer, 0) > 0);
ALTER TABLE nodes DROP COLUMN title, DROP COLUMN max_items, DROP COLUMN access_model;

-- Several subscriptions per JID and node (multi-subscribe), told apart by SubID; options as jsonb,
-- the Codable encoding of SubscriptionOptions. It writes showValues sorted, so equal options are
-- equal jsonb, which is how a subscribe with options finds one to reuse.
ALTER TABLE subscriptions ADD COLUMN options jsonb NOT NULL DEFAULT '{}';
-- Per-JID lookups (XEP-0060 §5.6, the subscription limit) ask by bare JID, whatever resource
-- a subscription names.
ALTER TABLE subscriptions ADD COLUMN bare_jid text;
-- Existing subscriptions have the default options. '{}' would decode to them too, but would not
-- equal the encoding of explicitly requested default options, so they are written out in full.
UPDATE subscriptions SET
    bare_jid = split_part(jid, '/', 1),
    options = '{"deliver": true, "includeBody": false, "showValues": ["chat", "online", "away", "xa", "dnd"]}';
ALTER TABLE subscriptions ALTER COLUMN bare_jid SET NOT NULL;
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_pkey;
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_node_id_subscription_id_key;
ALTER TABLE subscriptions ADD PRIMARY KEY (node_id, subscription_id);
CREATE INDEX subscriptions_node_jid ON subscriptions (node_id, jid);
CREATE INDEX subscriptions_bare_jid ON subscriptions (bare_jid);

-- XEP-0060 §5.7 asks for all affiliations of one JID.
CREATE INDEX affiliations_jid ON affiliations (jid);
