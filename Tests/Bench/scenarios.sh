#!/usr/bin/env bash
# Runs every herald-bench scenario of issue 7 three times and prints, for each, the median and
# the range of its figures (Docs/performance.md). Needs the stack in the environment (PostgreSQL,
# and Prosody for scenario p); the figures of Docs/performance.md come from the local profile,
# whose PostgreSQL has fsync on:
#   bash Deploy/local/stack.sh up local; eval "$(bash Deploy/local/stack.sh env local)"
# Usage: bash Tests/Bench/scenarios.sh [scenario letters, default "a b c d e p"] [runs, default 3]
# Scenario p plays a, c and d with client streams through the stack's Prosody, against Herald and
# against Prosody's own mod_pubsub in the same run (herald-bench --through-prosody).
set -euo pipefail
cd "$(dirname "$0")/../.."
scenarios=${1:-a b c d e p}
runs=${2:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

swift build -c release --product herald >/dev/null
swift build -c release --product herald-bench >/dev/null

# One run left out of the table: on this machine the first run after a pause was slow in every
# series (p50 ten times the others'), whichever scenario came first.
.build/release/herald-bench --subscribers 10 --publishes 2000 --window 64 --rate 1000 >/dev/null 2>"$out/warm-up.log" \
    || { echo "herald-bench warm-up failed:" >&2; tail -5 "$out/warm-up.log" >&2; exit 1; }

bench() { # bench NAME ARGS…: one run, its JSON in $out/NAME-<n>.json
    local name=$1; shift
    for n in $(seq 1 "$runs"); do
        .build/release/herald-bench "$@" --json "$out/$name-$n.json" >/dev/null 2>"$out/$name-$n.log" \
            || { echo "herald-bench $name failed:" >&2; tail -5 "$out/$name-$n.log" >&2; exit 1; }
    done
}

for scenario in $scenarios; do
    case $scenario in
        a)  bench a-100    --subscribers 100   --publishes 5000 --window 16
            bench a-1000   --subscribers 1000  --publishes 2000 --window 16
            bench a-10000  --subscribers 10000 --publishes 200  --window 16 --seed ;;
        b)  bench b        --nodes 1000 --subscribers 100 --publishes 10000 --window 16 --seed ;;
        c)  bench c-200    --subscribers 10 --publishes 5000  --window 64 --rate 200
            bench c-1000   --subscribers 10 --publishes 10000 --window 64 --rate 1000 ;;
        d)  bench d        --subscribers 0 --publishes 50000 --window 64 ;;
        e)  bench e        --nodes 10000 --subscribers 100 --publishes 50000 --window 16 --seed --restart \
                --timeout 900 ;;
        p)  bench p-a-100  --through-prosody --subscribers 100  --publishes 2000 --window 16
            bench p-a-1000 --through-prosody --subscribers 1000 --publishes 200  --window 16
            bench p-c-200  --through-prosody --subscribers 10   --publishes 2000 --window 16 --rate 200
            bench p-d      --through-prosody --subscribers 0    --publishes 2000 --window 16 ;;
        *)  echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
done

/usr/bin/python3 - "$out" <<'PY'
import glob, json, os, statistics, sys
out = sys.argv[1]
# Each file holds a list of reports, one per service measured; a row is a run name and a service.
rows = {}
for path in sorted(glob.glob(f"{out}/*.json")):
    name = os.path.basename(path).rsplit("-", 1)[0]
    for report in json.load(open(path)):
        label = name if report["service"] == "herald" else f"{name}: {report['service']}"
        rows.setdefault(label, []).append(report)
print("| run | publishes/s | notifications/s | RTT p50 / p99 ms | notify p50 / p99 / p99.9 ms "
      "| Herald CPU s / Prosody CPU s / wall s | peak RSS MiB | ready s |")
print("|---|---|---|---|---|---|---|---|")
def cell(values, fmt):
    m = statistics.median(values)
    return fmt(m) if len(values) == 1 else f"{fmt(m)} ({fmt(min(values))}–{fmt(max(values))})"
def optional(reports, key, fmt):
    values = [x[key] for x in reports if x.get(key) is not None]
    return cell(values, fmt) if values else "–"
for name, reports in rows.items():
    r = [x["result"] for x in reports]
    n0 = lambda v: f"{v:,.0f}"
    n2 = lambda v: f"{v:.2f}"
    n1 = lambda v: f"{v:.1f}"
    ready = [x["startupSeconds"] for x in reports if x.get("startupSeconds") is not None]
    print(f"| {name} | {cell([x['publishesPerSecond'] for x in r], n0)} "
          f"| {cell([x['notificationsPerSecond'] for x in r], n0)} "
          f"| {cell([x['publishRTT'][0] for x in r], n2)} / {cell([x['publishRTT'][1] for x in r], n2)} "
          f"| {cell([x['notificationLatency'][0] for x in r], n2)} / {cell([x['notificationLatency'][1] for x in r], n2)}"
          f" / {cell([x['notificationLatency'][2] for x in r], n2)} "
          f"| {optional(reports, 'heraldCPUSeconds', n1)} / {optional(reports, 'prosodyCPUSeconds', n1)}"
          f" / {cell([x['seconds'] for x in r], n1)} "
          f"| {optional(reports, 'heraldPeakRSSMiB', n0)} "
          f"| {cell(ready, n2) if ready else '–'} |")
lost = sum(x["result"]["notificationsLost"] for reports in rows.values() for x in reports)
print(f"\nnotifications lost in all runs: {lost}")
PY
