#!/usr/bin/env bash
# Herald's private test/run stack: a throwaway PostgreSQL cluster and a Prosody with
# the pubsub component declared, both on 127.0.0.1 only, data under <repo>/.data/PROFILE/.
#
#   stack.sh install            install missing Debian packages (libxml2-dev, pkg-config, prosody, prosody-modules,
#                               slixmpp, pytest, yaml, jsonschema, openssl, curl, postgresql-15)
#   stack.sh up PROFILE         start (or keep running) Postgres + Prosody; PROFILE is "test" or "local"
#   stack.sh down PROFILE       stop them (no error when not running)
#   stack.sh status PROFILE     show what is running
#   stack.sh env PROFILE        print `export HERALD_…=` lines for Herald and the tests
#   stack.sh reset-db PROFILE   drop and recreate the database "herald"
#   stack.sh restart-xmpp PROFILE  stop and start Prosody only (tests the component's reconnect)
#   stack.sh stop-xmpp PROFILE  stop Prosody only (restart-xmpp or up starts it again)
#   stack.sh stop-db PROFILE    stop PostgreSQL only (tests Herald's behaviour while it is down)
#   stack.sh start-db PROFILE   start it again
#
# Ports (test / local), each overridable from the environment:
#   HERALD_STACK_PG_PORT         55432 / 54432
#   HERALD_STACK_C2S_PORT        55222 / 5222
#   HERALD_STACK_COMPONENT_PORT  55347 / 5347
#   HERALD_STACK_HTTP_PORT       55280 / 8080   (Herald's /health, /ready, /metrics)
#   HERALD_STACK_COMPONENT_SECRET  (default herald-secret)
# `up` records the values it used in .data/PROFILE/stack.env; `env`, `status` and `reset-db`
# use those recorded values unless the variable is set in the environment.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
STACK_USER=herald-stack
PROSODY_USER=prosody
XMPP_DOMAIN=localhost
COMPONENT_DOMAIN=pubsub.localhost
# herald-bench --through-prosody (Docs/performance.md): its clients, a herald component of its own,
# and Prosody's mod_pubsub to compare with.
BENCH_DOMAIN=bench.localhost
BENCH_SECRET=bench-secret
BENCH_HTTP_PORT=55289   # the HTTP port of the herald a bench run starts
WAIT_SECONDS=${HERALD_STACK_WAIT_SECONDS:-30}

log() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
    exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# ---------------------------------------------------------------- PostgreSQL binaries

find_pg_bin() {
    local initdb_path
    if initdb_path=$(command -v initdb 2>/dev/null); then
        PG_BIN=$(dirname "$(readlink -f "$initdb_path")")
    elif [ -x /usr/lib/postgresql/15/bin/initdb ]; then
        PG_BIN=/usr/lib/postgresql/15/bin
    else
        return 1
    fi
    for tool in initdb pg_ctl postgres psql; do
        [ -x "$PG_BIN/$tool" ] || return 1
    done
    return 0
}

# ---------------------------------------------------------------- install

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

cmd_install() {
    is_root || die "install must run as root (it uses apt-get)"
    local missing=()
    # libxml2-dev and pkg-config build Herald's CLibXML2 target; the rest is the stack and the tests.
    for pkg in libxml2-dev pkg-config prosody prosody-modules python3-slixmpp python3-pytest python3-yaml \
        python3-jsonschema openssl curl; do
        pkg_installed "$pkg" || missing+=("$pkg")
    done
    find_pg_bin || missing+=(postgresql-15)
    command -v runuser >/dev/null 2>&1 || missing+=(util-linux)
    if [ ${#missing[@]} -eq 0 ]; then
        log "all packages present (prosody, python3-slixmpp, python3-pytest, openssl, PostgreSQL in $PG_BIN)"
        return 0
    fi
    log "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
    find_pg_bin || die "PostgreSQL binaries still not found after install"
    log "done"
}

# ---------------------------------------------------------------- profile / configuration

load_profile() {
    PROFILE=${1:-}
    local mode=${2:-use}   # "up": env > defaults; "use": env > recorded > defaults
    local d_pg d_c2s d_comp d_http
    case "$PROFILE" in
        test)  d_pg=55432; d_c2s=55222; d_comp=55347; d_http=55280 ;;
        local) d_pg=54432; d_c2s=5222;  d_comp=5347;  d_http=8080 ;;
        "")    die "missing PROFILE (test or local)" ;;
        *)     die "unknown PROFILE '$PROFILE' (expected test or local)" ;;
    esac
    DATA_DIR=$REPO_ROOT/.data/$PROFILE
    PGDATA=$DATA_DIR/pg
    PROSODY_DIR=$DATA_DIR/prosody
    PROSODY_CFG=$PROSODY_DIR/prosody.cfg.lua
    PROSODY_PIDFILE=$PROSODY_DIR/prosody.pid
    STATE_FILE=$DATA_DIR/stack.env

    # The recorded values (written by save_state) are read once, then env > recorded > defaults.
    PG_PORT="" C2S_PORT="" COMPONENT_PORT="" COMPONENT_SECRET="" HTTP_PORT=""
    if [ "$mode" != up ] && [ -f "$STATE_FILE" ]; then
        # shellcheck disable=SC1090
        . "$STATE_FILE"
    fi
    PG_PORT=${HERALD_STACK_PG_PORT:-${PG_PORT:-$d_pg}}
    C2S_PORT=${HERALD_STACK_C2S_PORT:-${C2S_PORT:-$d_c2s}}
    COMPONENT_PORT=${HERALD_STACK_COMPONENT_PORT:-${COMPONENT_PORT:-$d_comp}}
    COMPONENT_SECRET=${HERALD_STACK_COMPONENT_SECRET:-${COMPONENT_SECRET:-herald-secret}}
    HTTP_PORT=${HERALD_STACK_HTTP_PORT:-${HTTP_PORT:-$d_http}}
    for p in "$PG_PORT" "$C2S_PORT" "$COMPONENT_PORT" "$HTTP_PORT"; do
        [[ "$p" =~ ^[0-9]+$ ]] && [ "$p" -ge 1 ] && [ "$p" -le 65535 ] || die "invalid port '$p'"
    done
    [ -n "$COMPONENT_SECRET" ] || die "component secret must not be empty"
}

save_state() {
    {
        echo "# written by Deploy/local/stack.sh up $PROFILE"
        printf 'PG_PORT=%q\n' "$PG_PORT"
        printf 'C2S_PORT=%q\n' "$C2S_PORT"
        printf 'COMPONENT_PORT=%q\n' "$COMPONENT_PORT"
        printf 'COMPONENT_SECRET=%q\n' "$COMPONENT_SECRET"
        printf 'HTTP_PORT=%q\n' "$HTTP_PORT"
    } >"$STATE_FILE.tmp"
    chmod 600 "$STATE_FILE.tmp"
    mv "$STATE_FILE.tmp" "$STATE_FILE"
}

# ---------------------------------------------------------------- process helpers

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

wait_port() { # port what
    local deadline=$((SECONDS + WAIT_SECONDS))
    until port_open "$1"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.3
    done
}

# pid_matches PID NEEDLE...: the process exists and its command line contains every NEEDLE
pid_matches() {
    local pid=$1; shift
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    for needle in "$@"; do
        [[ "$cmdline" == *"$needle"* ]] || return 1
    done
}

# run a command as an unprivileged user (as ourselves when not root): as_user USER CMD…
as_user() {
    local user=$1; shift
    if is_root; then
        (cd / && runuser -u "$user" -- "$@")
    else
        (cd / && "$@")
    fi
}
as_stack() { as_user "$STACK_USER" "$@"; }
as_prosody() { as_user "$PROSODY_USER" "$@"; }

ensure_stack_user() {
    is_root || return 0
    id -u "$STACK_USER" >/dev/null 2>&1 && return 0
    log "creating system user $STACK_USER"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$STACK_USER" \
        || die "could not create user $STACK_USER"
}

ensure_traversable() {
    # the unprivileged users must be able to reach .data/PROFILE/…
    local d=$DATA_DIR
    while [ "$d" != / ]; do
        if is_root && ! runuser -u "$STACK_USER" -- test -x "$d" 2>/dev/null; then
            die "$d is not traversable by user $STACK_USER; move the repo or chmod o+x it"
        fi
        d=$(dirname "$d")
    done
}

# ---------------------------------------------------------------- PostgreSQL

pg_pid() { [ -f "$PGDATA/postmaster.pid" ] && head -n1 "$PGDATA/postmaster.pid" || true; }

pg_running() {
    local pid
    pid=$(pg_pid)
    [ -n "$pid" ] && pid_matches "$pid" postgres "$PGDATA"
}

pg_clear_stale() {
    if [ -f "$PGDATA/postmaster.pid" ] && ! pg_running; then
        log "removing stale postmaster.pid (pid $(pg_pid) is not this cluster's postgres)"
        rm -f "$PGDATA/postmaster.pid" "$PGDATA"/.s.PGSQL.*
    fi
}

psql_admin() { # psql_admin [psql args…]
    as_stack "$PG_BIN/psql" -X -h "$PGDATA" -p "$PG_PORT" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 -q -A -t "$@"
}

pg_write_config() { # sets PG_CONFIG_CHANGED=1 when a config file changed
    PG_CONFIG_CHANGED=0
    local conf=$PGDATA/herald-stack.conf new
    new=$(
        echo "# generated by Deploy/local/stack.sh ($PROFILE); rewritten on every 'up'"
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $PG_PORT"
        echo "unix_socket_directories = '$PGDATA'"
        echo "unix_socket_permissions = 0700"
        echo "max_connections = 200"
        if [ "$PROFILE" = test ]; then
            echo "fsync = off"
        fi
        echo "log_min_messages = warning"
        echo "log_line_prefix = '%m [%p] %q%u@%d '"
    )
    if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$new" ]; then
        printf '%s\n' "$new" | as_stack tee "$conf" >/dev/null
        PG_CONFIG_CHANGED=1
    fi
    if ! grep -q "^include_if_exists = 'herald-stack.conf'" "$PGDATA/postgresql.conf"; then
        printf "\ninclude_if_exists = 'herald-stack.conf'\n" | as_stack tee -a "$PGDATA/postgresql.conf" >/dev/null
        PG_CONFIG_CHANGED=1
    fi
    local hba
    hba=$(
        echo "# generated by Deploy/local/stack.sh: socket (inside the data dir, mode 0700) trusted,"
        echo "# TCP on 127.0.0.1 with password"
        echo "local all all trust"
        echo "host  all all 127.0.0.1/32 scram-sha-256"
    )
    if [ "$(cat "$PGDATA/pg_hba.conf")" != "$hba" ]; then
        printf '%s\n' "$hba" | as_stack tee "$PGDATA/pg_hba.conf" >/dev/null
        PG_CONFIG_CHANGED=1
    fi
}

pg_up() {
    mkdir -p "$DATA_DIR"
    chmod 755 "$DATA_DIR"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        if [ -d "$PGDATA" ]; then
            log "removing incomplete cluster directory $PGDATA"
            rm -rf "$PGDATA"
        fi
        mkdir -p "$PGDATA"
        is_root && chown "$STACK_USER": "$PGDATA"
        chmod 700 "$PGDATA"
        log "initdb $PGDATA"
        as_stack "$PG_BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C \
            --auth-local=trust --auth-host=scram-sha-256 >"$DATA_DIR/initdb.log" 2>&1 \
            || { cat "$DATA_DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    is_root && chown -R "$STACK_USER": "$PGDATA"
    pg_write_config
    pg_clear_stale
    if pg_running; then
        if [ "$PG_CONFIG_CHANGED" = 1 ]; then
            log "postgres configuration changed; restarting"
            as_stack "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t "$WAIT_SECONDS" restart \
                -l "$PGDATA/server.log" >/dev/null || die "pg_ctl restart failed; see $PGDATA/server.log"
        else
            log "postgres already running (pid $(pg_pid), port $PG_PORT)"
        fi
    else
        if port_open "$PG_PORT"; then
            die "port $PG_PORT is already in use by another process; set HERALD_STACK_PG_PORT"
        fi
        log "starting postgres on 127.0.0.1:$PG_PORT"
        as_stack "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t "$WAIT_SECONDS" start >/dev/null \
            || { tail -n 20 "$PGDATA/server.log" >&2 || true; die "postgres did not start; see $PGDATA/server.log"; }
    fi
    wait_port "$PG_PORT" || die "postgres does not accept connections on 127.0.0.1:$PG_PORT after ${WAIT_SECONDS}s; see $PGDATA/server.log"

    psql_admin <<'SQL' || die "could not create role herald"
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'herald') THEN
        CREATE ROLE herald LOGIN CREATEDB PASSWORD 'herald';
    ELSE
        ALTER ROLE herald LOGIN CREATEDB PASSWORD 'herald';
    END IF;
END
$$;
SQL
    if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'herald'")" ]; then
        psql_admin -c "CREATE DATABASE herald OWNER herald" || die "could not create database herald"
    fi
}

pg_down() {
    [ -d "$PGDATA" ] || return 0
    if pg_running; then
        log "stopping postgres (pid $(pg_pid))"
        as_stack "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t "$WAIT_SECONDS" stop >/dev/null \
            || as_stack "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w -t 10 stop >/dev/null \
            || die "could not stop postgres"
    else
        pg_clear_stale
    fi
}

# ---------------------------------------------------------------- Prosody

prosody_pid() { [ -f "$PROSODY_PIDFILE" ] && tr -dc '0-9' <"$PROSODY_PIDFILE" || true; }

prosody_running() {
    local pid
    pid=$(prosody_pid)
    [ -n "$pid" ] && pid_matches "$pid" prosody "$PROSODY_CFG"
}

lua_string() { # escape for a Lua double-quoted string
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    printf '"%s"' "$s"
}

prosody_write_config() { # sets PROSODY_CONFIG_CHANGED=1 when it changed
    PROSODY_CONFIG_CHANGED=0
    local d=$PROSODY_DIR new
    new=$(cat <<EOF
-- generated by Deploy/local/stack.sh ($PROFILE); rewritten on every 'up'
pidfile = $(lua_string "$d/prosody.pid")
data_path = $(lua_string "$d/data")
log = {
    info = $(lua_string "$d/prosody.log");
    error = $(lua_string "$d/prosody.err");
}

-- loopback only; no s2s, no HTTP. Without Nagle's algorithm (decision 0017): on a socket with
-- Nagle, a small write waits for the ACK of the one before, and each stanza to or from a component
-- crosses two of Prosody's sockets.
network_settings = { nagle = false }
network_default_read_size = 65536
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_interfaces = { "127.0.0.1" }
c2s_ports = { $C2S_PORT }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
component_interfaces = { "127.0.0.1" }
component_ports = { $COMPONENT_PORT }
s2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
http_interfaces = { "127.0.0.1" }
https_interfaces = { "127.0.0.1" }
http_ports = { }
https_ports = { }

-- privilege: XEP-0356 (mod_privilege from prosody-modules), so that Herald may read rosters for the
-- presence and roster access models (privileged_entities below).
-- herald_multicast: the XEP-0033 service Herald sends its fan-outs through (decision 0019).
plugin_paths = { $(lua_string "$REPO_ROOT/Deploy/prosody") }
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "posix", "privilege" }
modules_disabled = { "s2s", "s2s_auth_certs", "offline" }

authentication = "internal_hashed"
storage = "internal"

-- clients use STARTTLS with this self-signed certificate (tests disable verification)
c2s_require_encryption = true
allow_unencrypted_plain_auth = false
certificates = $(lua_string "$d/certs")
ssl = {
    certificate = $(lua_string "$d/certs/localhost.crt");
    key = $(lua_string "$d/certs/localhost.key");
}

VirtualHost "$XMPP_DOMAIN"
    privileged_entities = {
        [$(lua_string "$COMPONENT_DOMAIN")] = { roster = "get"; };
    }

Component "$COMPONENT_DOMAIN"
    component_secret = $(lua_string "$COMPONENT_SECRET")
    -- mod_privilege advertises the privileges when the component authenticates on this host.
    modules_enabled = { "privilege" }

Component $(lua_string "multicast.$XMPP_DOMAIN") "herald_multicast"
    herald_multicast_senders = { $(lua_string "$COMPONENT_DOMAIN") }

-- herald-bench --through-prosody. Its clients skip TLS, on loopback only, so that Prosody's core
-- goes to routing stanzas, as it does for both services compared. The publisher has an account
-- (mod_pubsub lets only admins create nodes); the subscribers log in anonymously.
VirtualHost "$BENCH_DOMAIN"
    c2s_require_encryption = false
    allow_unencrypted_plain_auth = true

VirtualHost "guests.$BENCH_DOMAIN"
    authentication = "anonymous"
    c2s_require_encryption = false

Component "herald.$BENCH_DOMAIN"
    component_secret = $(lua_string "$BENCH_SECRET")

Component "multicast.$BENCH_DOMAIN" "herald_multicast"
    herald_multicast_senders = { "herald.$BENCH_DOMAIN" }

Component "pubsub.$BENCH_DOMAIN" "pubsub"
    admins = { "publisher@$BENCH_DOMAIN" }
    -- mod_pubsub at its fastest (decision 0017): its default file storage rewrites a node's items
    -- on each publish and slows down as they accumulate.
    storage = "memory"
EOF
)
    if [ ! -f "$PROSODY_CFG" ] || [ "$(cat "$PROSODY_CFG")" != "$new" ]; then
        printf '%s\n' "$new" >"$PROSODY_CFG.tmp"
        mv "$PROSODY_CFG.tmp" "$PROSODY_CFG"
        PROSODY_CONFIG_CHANGED=1
    fi
}

prosody_prepare() {
    mkdir -p "$PROSODY_DIR/data" "$PROSODY_DIR/certs"
    if [ ! -s "$PROSODY_DIR/certs/localhost.crt" ] || [ ! -s "$PROSODY_DIR/certs/localhost.key" ]; then
        log "generating self-signed certificate for $XMPP_DOMAIN"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$XMPP_DOMAIN" \
            -addext "subjectAltName=DNS:$XMPP_DOMAIN,DNS:$COMPONENT_DOMAIN" \
            -keyout "$PROSODY_DIR/certs/localhost.key" -out "$PROSODY_DIR/certs/localhost.crt" >/dev/null 2>&1 \
            || die "openssl could not create the certificate"
    fi
    prosody_write_config
    if is_root; then
        id -u "$PROSODY_USER" >/dev/null 2>&1 || die "user $PROSODY_USER missing (is the prosody package installed? run: stack.sh install)"
        chown -R "$PROSODY_USER": "$PROSODY_DIR"
    fi
    chmod 750 "$PROSODY_DIR"
    chmod 640 "$PROSODY_DIR/certs/localhost.key"
}

prosodyctl_cfg() {
    # prosodyctl switches from root to the prosody user by itself
    (cd / && prosodyctl --config "$PROSODY_CFG" "$@")
}

prosody_register_accounts() {
    # user@host:password; the bench's publisher administers its mod_pubsub (decision 0017)
    local accounts=(alice@$XMPP_DOMAIN:alice-pass bob@$XMPP_DOMAIN:bob-pass carol@$XMPP_DOMAIN:carol-pass
        "publisher@$BENCH_DOMAIN:$BENCH_SECRET")
    [ "$PROFILE" = local ] && accounts+=("demo@$XMPP_DOMAIN:demo-pass")
    local acct jid out
    for acct in "${accounts[@]}"; do
        jid=${acct%%:*}
        out=$(prosodyctl_cfg register "${jid%@*}" "${jid#*@}" "${acct#*:}" 2>&1) \
            || { printf '%s\n' "$out" >&2; die "could not register $jid"; }
    done
    log "accounts: ${accounts[*]%%:*}"
}

prosody_stop() {
    local pid
    pid=$(prosody_pid)
    if prosody_running; then
        log "stopping prosody (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + 15))
        while kill -0 "$pid" 2>/dev/null; do
            if [ $SECONDS -ge $deadline ]; then
                log "prosody did not stop in 15s; killing"
                kill -KILL "$pid" 2>/dev/null || true
                sleep 0.5
                break
            fi
            sleep 0.2
        done
    fi
    rm -f "$PROSODY_PIDFILE"
}

prosody_up() {
    prosody_prepare
    if [ -f "$PROSODY_PIDFILE" ] && ! prosody_running; then
        log "removing stale prosody pid file"
        rm -f "$PROSODY_PIDFILE"
    fi
    if prosody_running && [ "$PROSODY_CONFIG_CHANGED" = 1 ]; then
        log "prosody configuration changed; restarting"
        prosody_stop
    fi
    prosody_register_accounts
    if prosody_running; then
        log "prosody already running (pid $(prosody_pid), c2s $C2S_PORT, component $COMPONENT_PORT)"
    else
        for p in "$C2S_PORT" "$COMPONENT_PORT"; do
            port_open "$p" && die "port $p is already in use by another process; set HERALD_STACK_C2S_PORT / HERALD_STACK_COMPONENT_PORT"
        done
        log "starting prosody (c2s 127.0.0.1:$C2S_PORT, component 127.0.0.1:$COMPONENT_PORT)"
        : >"$PROSODY_DIR/prosody.stdout"
        is_root && chown "$PROSODY_USER": "$PROSODY_DIR/prosody.stdout"
        # -D: prosody daemonizes itself and writes the pid file (mod_posix)
        as_prosody prosody --config "$PROSODY_CFG" -D >>"$PROSODY_DIR/prosody.stdout" 2>&1 \
            || { tail -n 20 "$PROSODY_DIR/prosody.stdout" "$PROSODY_DIR/prosody.err" 2>/dev/null >&2 || true; die "prosody failed to start"; }
    fi
    local p
    for p in "$C2S_PORT" "$COMPONENT_PORT"; do
        if ! wait_port "$p"; then
            tail -n 20 "$PROSODY_DIR/prosody.err" "$PROSODY_DIR/prosody.log" "$PROSODY_DIR/prosody.stdout" 2>/dev/null >&2 || true
            die "prosody does not accept connections on 127.0.0.1:$p after ${WAIT_SECONDS}s; see $PROSODY_DIR/"
        fi
    done
    prosody_running || die "prosody is listening but its pid file $PROSODY_PIDFILE does not name a running prosody"
}

# ---------------------------------------------------------------- commands

require_tools() {
    find_pg_bin || die "PostgreSQL binaries (initdb, pg_ctl, postgres, psql) not found; run: $0 install"
    command -v prosody >/dev/null 2>&1 && command -v prosodyctl >/dev/null 2>&1 || die "prosody not installed; run: $0 install"
    command -v openssl >/dev/null 2>&1 || die "openssl not installed; run: $0 install"
    if is_root; then command -v runuser >/dev/null 2>&1 || die "runuser not found"; fi
}

reserve_ports() {
    # The stack's ports (55xxx for tests) lie in Linux's ephemeral range (32768-60999): any outgoing
    # connection may take one as its source port, and Herald's listener then fails with "Address
    # already in use" (seen once in an interop run). Reserving them keeps the kernel from handing
    # them out; it needs root, and is skipped without it.
    local file=/proc/sys/net/ipv4/ip_local_reserved_ports current p
    local ports=("$PG_PORT" "$C2S_PORT" "$COMPONENT_PORT" "$HTTP_PORT" "$BENCH_HTTP_PORT")
    [ -w "$file" ] || { log "cannot reserve ports ${ports[*]} (not root)"; return 0; }
    current=$(cat "$file")
    for p in "${ports[@]}"; do
        case ",$current," in *",$p,"*) ;; *) current=${current:+$current,}$p ;; esac
    done
    echo "$current" >"$file" 2>/dev/null || log "could not reserve the stack's ports; continuing"
}

cmd_up() {
    load_profile "${1:-}" up
    require_tools
    ensure_stack_user
    mkdir -p "$DATA_DIR"
    chmod 755 "$REPO_ROOT/.data" "$DATA_DIR"
    ensure_traversable
    save_state
    reserve_ports
    pg_up
    prosody_up
    log "up: $PROFILE (postgres $PG_PORT, c2s $C2S_PORT, component $COMPONENT_PORT); data in $DATA_DIR"
}

cmd_down() {
    load_profile "${1:-}"
    [ -d "$DATA_DIR" ] || { log "nothing to stop for $PROFILE"; return 0; }
    if [ -d "$PROSODY_DIR" ]; then prosody_stop; fi
    if [ -d "$PGDATA" ]; then
        find_pg_bin || die "PostgreSQL binaries not found"
        pg_down
    fi
    log "down: $PROFILE"
}

cmd_status() {
    load_profile "${1:-}"
    local rc=0
    if [ -d "$PGDATA" ] && pg_running; then echo "postgres: running (pid $(pg_pid), 127.0.0.1:$PG_PORT)"; else echo "postgres: stopped"; rc=1; fi
    if [ -d "$PROSODY_DIR" ] && prosody_running; then echo "prosody: running (pid $(prosody_pid), c2s $C2S_PORT, component $COMPONENT_PORT)"; else echo "prosody: stopped"; rc=1; fi
    return $rc
}

shell_quote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

cmd_env() {
    load_profile "${1:-}"
    cat <<EOF
export HERALD_COMPONENT_DOMAIN=$COMPONENT_DOMAIN
export HERALD_COMPONENT_SECRET=$(shell_quote "$COMPONENT_SECRET")
export HERALD_COMPONENT_HOST=127.0.0.1
export HERALD_COMPONENT_PORT=$COMPONENT_PORT
export HERALD_POSTGRES_HOST=127.0.0.1
export HERALD_POSTGRES_PORT=$PG_PORT
export HERALD_POSTGRES_USER=herald
export HERALD_POSTGRES_PASSWORD=herald
export HERALD_POSTGRES_DATABASE=herald
export HERALD_TEST_POSTGRES_URL=postgres://herald:herald@127.0.0.1:$PG_PORT/herald
export HERALD_HTTP_PORT=$HTTP_PORT
export HERALD_STACK_C2S_PORT=$C2S_PORT
export HERALD_STACK_XMPP_DOMAIN=$XMPP_DOMAIN
export HERALD_STACK_BENCH_DOMAIN=$BENCH_DOMAIN
export HERALD_STACK_BENCH_SECRET=$(shell_quote "$BENCH_SECRET")
export HERALD_STACK_BENCH_HTTP_PORT=$BENCH_HTTP_PORT
export HERALD_STACK_PROSODY_PIDFILE=$(shell_quote "$PROSODY_PIDFILE")
EOF
}

cmd_reset_db() {
    load_profile "${1:-}"
    find_pg_bin || die "PostgreSQL binaries not found"
    [ -d "$PGDATA" ] && pg_running || die "postgres of profile $PROFILE is not running; run: $0 up $PROFILE"
    psql_admin -c "DROP DATABASE IF EXISTS herald WITH (FORCE)" || die "could not drop database herald"
    psql_admin -c "CREATE DATABASE herald OWNER herald" || die "could not create database herald"
    log "database herald recreated ($PROFILE)"
}

cmd_stop_db() {
    load_profile "${1:-}"
    require_tools
    pg_down
}

cmd_start_db() {
    load_profile "${1:-}"
    require_tools
    pg_up
}

cmd_stop_xmpp() {
    load_profile "${1:-}"
    require_tools
    prosody_stop
}

cmd_restart_xmpp() {
    load_profile "${1:-}"
    require_tools
    prosody_stop
    prosody_up
}

main() {
    local cmd=${1:-}
    [ $# -gt 0 ] && shift
    case "$cmd" in
        install)  cmd_install ;;
        up)       cmd_up "$@" ;;
        down)     cmd_down "$@" ;;
        status)   cmd_status "$@" ;;
        env)      cmd_env "$@" ;;
        reset-db) cmd_reset_db "$@" ;;
        restart-xmpp) cmd_restart_xmpp "$@" ;;
        stop-db) cmd_stop_db "$@" ;;
        stop-xmpp) cmd_stop_xmpp "$@" ;;
        start-db) cmd_start_db "$@" ;;
        -h|--help|help|"") usage ;;
        *) die "unknown command '$cmd' (install, up, down, status, env, reset-db, restart-xmpp, stop-xmpp, stop-db, start-db)" ;;
    esac
}

main "$@"
