#!/usr/bin/env bash
# The test command of README.md (`bash Tests/run.sh`, which .ci/run calls): installs what is missing, builds, starts the private test stack on
# loopback (PostgreSQL 55432, Prosody 55222/55347), and runs every suite against it:
#   1. Swift unit tests and the PostgreSQL store tests (HERALD_TEST_POSTGRES_URL is set,
#      so nothing is skipped), 2. the same under ThreadSanitizer, 3. the slixmpp interop
#      tests through Prosody, 4. short herald-bench runs, on the component connection and through
#      Prosody against both services (each fails on any error or loss). Any failure, including a
#      stack that cannot start, fails the run.
# Set HERALD_SKIP_TSAN=1 to leave out step 2 when iterating locally.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
STACK=Deploy/local/stack.sh

step() { printf '\n==> %s\n' "$*"; }

step "install missing packages"
if [ "$(id -u)" -eq 0 ]; then
    "$STACK" install
else
    echo "not root: skipping apt installs; the stack script checks what it needs"
fi

step "format lint (swift-nio style, .swift-format)"
swift format lint --strict -r Sources Tests Package.swift

step "build"
swift build --build-tests

step "start the test stack"
trap '"$STACK" down test || true' EXIT
"$STACK" up test
"$STACK" reset-db test
eval "$("$STACK" env test)"
export HERALD_TEST_POSTGRES_URL

step "Swift tests (unit + PostgreSQL)"
swift test --skip-build

if [ "${HERALD_SKIP_TSAN:-0}" != 1 ]; then
    step "Swift tests under ThreadSanitizer"
    swift test --sanitize=thread --scratch-path .build-tsan
fi

step "interop tests (slixmpp -> Prosody -> herald -> PostgreSQL)"
# The interop harness resets the database itself at the start of its session.
HERALD_BIN="$PWD/.build/debug/herald" /usr/bin/python3 -m pytest Tests/Interop -v -p no:cacheprovider

step "herald-bench smoke runs (Docs/performance.md; the figures are not checked, losses and errors are)"
.build/debug/herald-bench --herald .build/debug/herald --subscribers 20 --publishes 200 --window 16
.build/debug/herald-bench --herald .build/debug/herald --through-prosody --subscribers 20 --publishes 100 --window 16
