#!/usr/bin/env bash
# bench/feed_bench.sh [N]: parse and store one N-item RSS feed (default 50,000) fetched
# from the fixture server on 127.0.0.1: `collect` wall time, items per second and peak
# memory (/usr/bin/time -v), three runs each on a fresh store (hyperfine-style: min and
# median). Target (issue 3): at least 50,000 items per second. cpu is user + system
# time: above the wall time when parsing and storing run on both cores.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
need_packages "${BUILD_PACKAGES[@]}" libcmocka-dev python3 time bc
cmake -S "$ROOT" -B "$ROOT/build-release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DINSPRAAK_TESTS=ON >/dev/null
cmake --build "$ROOT/build-release" --target inspraak fixserve >&2
BIN=$ROOT/build-release/cli/inspraak
n=${1:-50000}
W=$(mktemp -d /tmp/inspraak-feedbench.XXXXXX)
trap 'kill $fix 2>/dev/null; rm -rf "$W"' EXIT
mkdir "$W/www"
python3 "$ROOT/bench/gen_feed.py" "$n" "$W/www/big.rss"
exec 3< <(exec "$ROOT/build-release/tests/fixserve" --dir "$W/www" --port 0)
fix=$!
read -r -t 10 port <&3
cat >"$W/cfg.json" <<JSON
{"vision": {"title": "V", "ambitions": [{"code": "A1", "title": "T"}]},
 "sources": [{"name": "big", "type": "rss", "url": "http://127.0.0.1:$port/big.rss",
              "max_bytes": "512MiB", "allow_private": "loopback"}]}
JSON
echo "feed: $n items, $(du -h "$W/www/big.rss" | cut -f1); $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in 1 2 3; do
	rm -f "$W"/*.db*
	/usr/bin/time -v "$BIN" -q --config "$W/cfg.json" collect --all 2>"$W/time" >/dev/null
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$W/time")
	kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$W/time")
	cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s+=$2} END {print s}' "$W/time")
	stored=$("$BIN" --config "$W/cfg.json" sources --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["items"])')
	printf 'run %d: %6.2f s  %8.0f items/s  cpu %5.2f s  peak %4.0f MiB  stored %s  load %s\n' \
		"$run" "$secs" "$(echo "$stored / $secs" | bc -l)" "$cpu" "$(echo "$kb / 1024" | bc -l)" \
		"$stored" "$(cut -d' ' -f1 /proc/loadavg)"
done
