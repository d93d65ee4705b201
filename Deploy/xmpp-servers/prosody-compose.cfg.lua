-- Prosody for Deploy/compose.yaml: one VirtualHost, Herald's component, XEP-0356 roster reads.
-- Prosody's own settings: component_ports/component_interface, component_secret, privileged_entities.
-- Runs in the foreground as the prosody user (see compose.yaml): no pidfile, no posix module.
log = { info = "*console" }
admins = { }
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "privilege" }
modules_disabled = { "s2s", "offline" }
authentication = "internal_hashed"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
component_interface = "0.0.0.0"
component_ports = { 5347 }

VirtualHost "localhost"
    privileged_entities = {
        ["pubsub.localhost"] = { roster = "get"; };
    }

Component "pubsub.localhost"
    component_secret = "change-me-component-secret"
    modules_enabled = { "privilege" }
