#!/usr/bin/env bash
# The run command: installs what is missing, builds Herald (release), starts a private
# PostgreSQL and Prosody on loopback (ports 54432, 5222, 5347 unless overridden; data in
# .data/local), prints a demo account, and runs Herald in the foreground. Ctrl-C stops
# Herald gracefully; `Deploy/local/stack.sh down local` stops the stack. This is README's run command.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
STACK=Deploy/local/stack.sh

if [ "$(id -u)" -eq 0 ]; then
    "$STACK" install
fi
swift build -c release --product herald
"$STACK" up local
eval "$("$STACK" env local)"
# A demo token for the HTTP API, acting as demo@localhost; the configuration holds only its hash.
# Loopback only, like everything here: a real deployment makes its own (herald tokens create).
DEMO_TOKEN=hrld_local_demo_token
HERALD_HTTP_TOKENS="${HERALD_HTTP_TOKENS:-demo@${HERALD_STACK_XMPP_DOMAIN}=$(printf %s "$DEMO_TOKEN" | sha256sum | cut -d' ' -f1)}"
export HERALD_HTTP_TOKENS
# The stack's Prosody has a XEP-0033 multicast service for Herald's fan-outs (decision 0019).
export HERALD_MULTICAST_JID="${HERALD_MULTICAST_JID-multicast.${HERALD_STACK_XMPP_DOMAIN}}"

cat <<INFO

  Herald is starting as the pubsub component ${HERALD_COMPONENT_DOMAIN} of a local Prosody.

  Connect any XMPP client with:
    account   demo@${HERALD_STACK_XMPP_DOMAIN}
    password  demo-pass
    server    127.0.0.1, port ${HERALD_STACK_C2S_PORT} (STARTTLS, self-signed certificate)
  then create a node, subscribe and publish at ${HERALD_COMPONENT_DOMAIN}.
  (alice@${HERALD_STACK_XMPP_DOMAIN} / alice-pass and bob@${HERALD_STACK_XMPP_DOMAIN} / bob-pass exist too.)

  Publish over HTTP as demo (Docs/http-api.md); subscribers of the node get it pushed:
    curl -X POST -H 'Authorization: Bearer ${DEMO_TOKEN}' -H 'Content-Type: application/json' \\
         --data-binary '{"hello":"world"}' http://127.0.0.1:${HERALD_HTTP_PORT}/v1/nodes/demo/items

  Stop Herald with Ctrl-C; stop the stack with: Deploy/local/stack.sh down local

INFO
exec "$(swift build -c release --show-bin-path)/herald" serve
