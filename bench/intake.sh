#!/usr/bin/env bash
# intake.sh: throughput and latency of the form intake with durable commits (WAL,
# synchronous=FULL, group commit), then four times the connections to see it shed load
# with 429/503 and stay responsive; after each run the stored rows are counted against the
# acknowledged answers. Also times `import` of a 1M-row CSV.
# usage: bench/intake.sh [BUILD_DIR] (default: a release build in build-release, made here)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/.." && pwd)
. "$ROOT/scripts/lib.sh"
need_packages "${BUILD_PACKAGES[@]}" wrk python3
build=${1:-}
if [ -z "$build" ]; then
	build=$ROOT/build-release
	cmake -S "$ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DINSPRAAK_TESTS=OFF >/dev/null
	cmake --build "$build" --target inspraak >&2
fi
bin=$build/cli/inspraak
dur=${DURATION:-15s}
conns=${CONNECTIONS:-64}
# on the real disk (not a tmpfs): the fsync of every commit must cost what it costs
work=$(mktemp -d "${BENCH_DIR:-$build}/inspraak-bench.XXXXXX")
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"

config() { # config QUEUE
	cat >cfg.json <<JSON
{"database": "bench.db",
 "vision": {"title": "V", "ambitions": [
   {"code": "A1", "title": "Digitaal als standaard", "keywords": {"nl": ["digitaal"]}},
   {"code": "A5", "title": "Bereikbaar via alle kanalen", "keywords": {"nl": ["loket"]}}]},
 "forms": [{"name": "bench", "ambition_field": "ambition", "stance_field": "stance",
            "group_field": "group", "min_fill_seconds": 0}],
 "server": {"rate_per_minute": 1000000, "burst": 100000, "per_ip_connections": 4096,
            "queue": $1}}
JSON
}

start() {
	exec 3< <(exec "$bin" -q --config cfg.json serve --listen 127.0.0.1:0)
	pid=$!
	read -r -t 10 line <&3 || { echo "intake.sh: serve did not start" >&2; exit 1; }
	url=${line#listening on }
}

stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

stored() {
	python3 -c 'import sqlite3; print(sqlite3.connect("bench.db").execute("select count(*) from items").fetchone()[0])'
}

run() { # run NAME CONNECTIONS THREADS
	local before after result acc
	before=$(stored)
	result=$(wrk -t"$3" -c"$2" -d"$dur" --timeout 10s -s "$here/intake.lua" \
		"$url/api/forms/bench/submissions" -- "$1-$$" | grep '^RESULT')
	after=$(stored)
	acc=$(sed 's/.*accepted=\([0-9]*\).*/\1/' <<<"$result")
	echo "$1: connections=$2 $result stored=$((after - before)) ($(uptime | sed 's/.*load/load/'))"
	[ $((after - before)) -ge "$acc" ] || echo "$1: LOST: $acc acknowledged, $((after - before)) stored"
	curl -s -o /dev/null -w "$1: healthz during/after: HTTP %{http_code} in %{time_total}s\n" "$url/healthz"
}

echo "machine: $(nproc) cores; $(uptime)"
config 4096
start
run steady "$conns" 2
run steady2 "$conns" 2
stop
config 128
start
run overload $((conns * 4)) 2
stop

if [ "${SKIP_IMPORT:-0}" != 1 ]; then
	python3 "$here/gen_items.py" 1000000 items.csv
	rm -f bench.db*
	/usr/bin/time -f "import 1M rows: %e s wall, %M KiB max RSS" \
		"$bin" -q --config cfg.json import items.csv --source csv --text reactie --id id --time tijdstip --group groep
	echo "import: stored $(stored) rows ($(uptime | sed 's/.*load/load/'))"
fi
