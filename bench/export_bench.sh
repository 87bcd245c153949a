#!/usr/bin/env bash
# bench/export_bench.sh [N]: times `inspraak export --format all` on a store of N
# synthetic reactions (default 1000000) with an analysis run, in a release build. The
# store is written by bench/export_gen.c through the core store API (much faster than
# import + analyze, which have their own benchmarks); the export runs twice, each with
# wall time and peak RSS from /usr/bin/time -v and the load average next to it.
# Target (issue 7): at most 10 s for 1M items. Env: BUILD_DIR (default build-release),
# KEEP=1 keeps the work folder.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
need_packages "${BUILD_PACKAGES[@]}" time
N=${1:-1000000}
B=${BUILD_DIR:-$ROOT/build-release}
configure_build "$B" -DCMAKE_BUILD_TYPE=Release -DINSPRAAK_TESTS=OFF >&2
BIN=$B/cli/inspraak
W=$(mktemp -d /tmp/inspraak-export-bench.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT

# The generator uses the project's core library as built above.
cc -std=c11 -O2 -D_DEFAULT_SOURCE -I"$ROOT/core" "$ROOT/bench/export_gen.c" \
	"$B/core/libinspraak_core.a" $(pkg-config --libs sqlite3 jansson libutf8proc) -lm \
	-o "$W/export_gen"

sed "s/127\.0\.0\.1:8765/127.0.0.1:1/g" "$ROOT/config/example/inspraak.json" >"$W/inspraak.json"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
start=$(date +%s)
"$W/export_gen" "$W/inspraak.db" "$N"
echo "store: $N items and one run in $(( $(date +%s) - start )) s, $(du -m "$W/inspraak.db" | cut -f1) MiB"

for i in 1 2; do
	rm -rf "$W/out"
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	/usr/bin/time -v "$BIN" --config "$W/inspraak.json" --db "$W/inspraak.db" -q export \
		--out "$W/out" >"$W/stdout" 2>"$W/time" || { cat "$W/time" >&2; exit 1; }
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$W/time")
	kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$W/time")
	printf 'run %d: export all formats, %s items: %s s wall, peak RSS %d MiB (load before: %s)\n' \
		"$i" "$N" "$secs" $((kb / 1024)) "$load"
done
ls -l "$W/out" | awk 'NR > 1 {printf "  %-14s %10d bytes\n", $9, $5}'
