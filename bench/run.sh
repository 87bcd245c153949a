#!/usr/bin/env bash
# bench/run.sh [N...]: times the main job (import, analyze, export) on N synthetic
# reactions (default 10000 100000) with a release build, printing wall time and peak
# memory per stage (/usr/bin/time -v). Needs ../shared/datasets for the sentences.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
need_packages "${BUILD_PACKAGES[@]}" python3 time bc
configure_build "$ROOT/build-release" -DCMAKE_BUILD_TYPE=Release -DINSPRAAK_TESTS=OFF >&2
BIN=$ROOT/build-release/cli/inspraak
W=$(mktemp -d /tmp/inspraak-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)

measure() { # measure LABEL N CMD...: one row of the table
	local label=$1 n=$2
	shift 2
	/usr/bin/time -v "$@" >"$W/out" 2>"$W/time" || { cat "$W/time" >&2; exit 1; }
	local secs kb
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$W/time")
	kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$W/time")
	printf '%-8s %9s %9.2f s %12.0f items/s %8.0f MiB\n' "$label" "$n" "$secs" \
		"$(echo "$n / ($secs + 0.0001)" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '%-8s %9s %11s %18s %12s\n' stage items time throughput "peak RSS"
for n in "${sizes[@]}"; do
	python3 "$ROOT/bench/gen_items.py" "$n" "$W/items-$n.csv"
	sed 's#"database": "inspraak.db"#"database": "bench.db"#' "$ROOT/config/example/inspraak.json" >"$W/cfg.json"
	rm -f "$W/bench.db"*
	measure import "$n" "$BIN" -q --config "$W/cfg.json" import "$W/items-$n.csv" \
		--text reactie --time tijdstip --group groep --source bench
	measure analyze "$n" "$BIN" -q --config "$W/cfg.json" analyze
	measure export "$n" "$BIN" -q --config "$W/cfg.json" export --out "$W/export"
done
