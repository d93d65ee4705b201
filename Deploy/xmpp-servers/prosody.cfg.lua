-- Attaching Herald to Prosody (0.12). Add to /etc/prosody/prosody.cfg.lua; Herald's own side is
-- HERALD_COMPONENT_DOMAIN=pubsub.example.com, HERALD_COMPONENT_HOST/PORT = this server and
-- component_ports, HERALD_COMPONENT_SECRET = component_secret.

-- Prosody's settings for external components (XEP-0114): where it listens for them.
component_ports = { 5347 }
component_interface = "127.0.0.1"   -- or the address Herald connects from

-- Optional, with the multicast component below: where mod_herald_multicast.lua is, and a larger
-- read per turn of Prosody's loop than its 4 KiB default, so that it copies more events at once.
-- Both are global settings: they must stay before the first VirtualHost or Component.
-- plugin_paths = { "/usr/local/lib/herald/prosody" }
-- network_default_read_size = 65536

-- Optional, on Lua 5.4, for large fan-outs whichever pubsub service makes them: generational
-- garbage collection. Prosody's default (incremental, pause 105 %) took about half of its time in
-- herald-bench's fan-outs; with this setting it delivered two to four times as many notifications
-- a second, Herald's and mod_pubsub's alike (Docs/performance.md). A global setting too.
-- gc = { mode = "generational" }

-- Optional, for the presence and roster access models (XEP-0356): mod_privilege from
-- prosody-modules (Debian: apt-get install prosody-modules).
modules_enabled = { --[[ your modules, then: ]] "privilege" }

VirtualHost "example.com"
    privileged_entities = {
        ["pubsub.example.com"] = { roster = "get"; };
    }

Component "pubsub.example.com"
    component_secret = "change-me"
    modules_enabled = { "privilege" }   -- sends the privilege advertisement when Herald connects

-- Optional, for fan-outs through XEP-0033 multicast (Docs/decisions/0019): copy
-- Deploy/prosody/mod_herald_multicast.lua into a plugin folder (plugin_paths, in the global
-- section above), then add a component of its own. Herald's side:
-- HERALD_MULTICAST_JID=multicast.example.com.
-- Component "multicast.example.com" "herald_multicast"
--     herald_multicast_senders = { "pubsub.example.com" }
