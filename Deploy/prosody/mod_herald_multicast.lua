-- A XEP-0033 multicast service for trusted components, such as Herald (Docs/decisions/0019).
-- It delivers <message/>s only, to 'to', 'cc' and 'bcc' addresses with a 'jid'.
--
-- Load it on a component host of its own:
--     Component "multicast.example.org" "herald_multicast"
--         herald_multicast_senders = { "pubsub.example.org" }
-- and set Herald's HERALD_MULTICAST_JID to that host. A sender listed there sends one <message/>
-- with an <addresses/> list; this module copies it to each address, so Prosody parses one stanza
-- per event instead of one per subscriber. Anyone else gets forbidden (XEP-0033 §2.2 lets a
-- service limit who may use it): open to all, it would relay spam to every address given.

local st = require "util.stanza";
local jid_prep = require "util.jid".prep;
local jid_host = require "util.jid".host;

local xmlns_address = "http://jabber.org/protocol/address";

local senders = module:get_option_set("herald_multicast_senders", {});
-- XEP-0033 §9: a configurable limit, which SHOULD be more than 20 and less than 100.
local max_addresses = module:get_option_number("herald_multicast_max_addresses", 99);

-- §2: a sender finds the service by its disco#info, which a component host answers only with mod_disco.
module:depends("disco");
module:add_identity("service", "multicast", "Herald multicast");
module:add_feature(xmlns_address);

-- Addresses a copy goes to; the others only inform its recipients.
local delivered_types = { to = true, cc = true, bcc = true };

local function refuse(origin, stanza, kind, condition, text)
	if stanza.attr.type ~= "error" then
		origin.send(st.error_reply(stanza, kind, condition, text));
	end
	return true;
end

module:hook("message/host", function (event)
	local origin, stanza = event.origin, event.stanza;
	if stanza.attr.type == "error" then return true; end
	if not senders:contains(jid_host(stanza.attr.from)) then
		return refuse(origin, stanza, "auth", "forbidden", "This multicast service serves configured components only");
	end
	local addresses = stanza:get_child("addresses", xmlns_address);
	if not addresses then
		return refuse(origin, stanza, "modify", "bad-request", "No <addresses/>");
	end
	local targets = {};
	for address in addresses:childtags("address", xmlns_address) do
		local kind = address.attr.type;
		if delivered_types[kind] and address.attr.delivered ~= "true" then
			local to = address.attr.jid and jid_prep(address.attr.jid);
			if not to or address.attr.uri then
				return refuse(origin, stanza, "modify", "jid-malformed", "Each address needs one valid 'jid'");
			end
			targets[#targets + 1] = to;
			if #targets > max_addresses then
				return refuse(origin, stanza, "modify", "not-acceptable", "Too many addresses");
			end
		end
	end
	if #targets == 0 then
		return refuse(origin, stanza, "modify", "bad-request", "No address to deliver to");
	end
	-- §6 steps 6 and 7: the addresses it delivers to are marked delivered, and bcc addresses go. A
	-- bcc recipient gets none (step 8: only its own, which is the copy's 'to'): echoing it made each
	-- copy cost 14 % of Prosody's throughput in runs of herald-bench (decision 0019).
	addresses:maptags(function (address)
		if address.attr.type == "bcc" then return nil; end
		if delivered_types[address.attr.type] then address.attr.delivered = "true"; end
		return address;
	end);
	if #addresses.tags == 0 then
		stanza:remove_children("addresses", xmlns_address);
	end
	-- Prosody stamps its streams' default language on each stanza it parses, and announces the same
	-- "en" on the client, server and component streams it delivers to (not BOSH), where a stanza
	-- without xml:lang means it: dropping the redundant stamp leaves each copy's meaning as it was,
	-- and took Herald from 81 to 84 % of mod_pubsub's notifications/s in runs of herald-bench
	-- (decision 0019).
	if stanza.attr["xml:lang"] == "en" then
		stanza.attr["xml:lang"] = nil;
	end
	-- The copies share the message's children. Prosody's MUC routes one message object to every
	-- occupant (route_to_occupant in muc.lib.lua), so whatever keeps a routed stanza clones it or
	-- serializes it (mod_smacks, storage, the s2s queue), and what changes one changes its own top
	-- level (mod_carbons, mod_offline, mod_mam); a copy keeps a top level of its own all the same,
	-- so that one kept holds its own 'to'. mod_pubsub clones each copy whole; not doing so
	-- took Herald from 82-86 to 107-109 % of its notifications/s in runs of herald-bench (decision 0019).
	local tags = stanza.tags;
	for _, to in ipairs(targets) do
		local copy = st.clone(stanza, true);
		for i = 1, #stanza do copy[i] = stanza[i]; end
		for i = 1, #tags do copy.tags[i] = tags[i]; end
		copy.attr.to = to;
		module:send(copy);
	end
	return true;
end);
