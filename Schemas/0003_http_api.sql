-- The HTTP API (issue 6): bearer tokens issued by `herald tokens create`, and the responses of
-- requests sent with an Idempotency-Key.

-- A token is kept only as the SHA-256 of its secret (Docs/decisions/0013-http-api.md).
CREATE TABLE api_tokens (
    token_id    text        PRIMARY KEY,
    token_hash  bytea       NOT NULL UNIQUE,
    jid         text        NOT NULL,
    label       text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);

-- One row per (token, key): claimed when the request starts, completed with its response.
-- Rows older than a day are forgotten (deleted by the expiry sweeper).
CREATE TABLE api_idempotency (
    token_id     text        NOT NULL,
    key          text        NOT NULL,
    fingerprint  bytea       NOT NULL,
    -- Which request holds the key: only it may record the response or release the key.
    claim_id     text        NOT NULL,
    claimed_at   timestamptz NOT NULL,
    status       integer,
    content_type text,
    location     text,
    body         bytea,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX api_idempotency_claimed_at ON api_idempotency (claimed_at);
