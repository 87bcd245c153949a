#!/usr/bin/env bash
# bench/analyze_speed.sh [N...]: times `inspraak analyze` on N synthetic reactions
# (default 10000 100000 1000000, from bench/gen_items.py) with peak memory from
# /usr/bin/time -v, and prints each stage's cost (the analysis's debug line). With
# PEER=1 it also times the scikit-learn peer of issue 5 on the same texts: the issue's
# (uni- and bigrams), then a lighter one without bigrams. The peer needs
# python3-sklearn and python3-snowballstemmer, and python3-stemmer for the C stemmers
# (without it every word is stemmed in Python, some twenty times slower). Env: INSPRAAK
# (binary; default a release build in build-release), DATA (where generated CSVs are
# kept between runs), PEER_PYTHON (default /usr/bin/python3, which sees the Debian
# packages).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${INSPRAAK:-}" ]; then
	cmake -S "$ROOT" -B "$ROOT/build-release" -G Ninja -DCMAKE_BUILD_TYPE=Release \
		-DINSPRAAK_TESTS=OFF >/dev/null
	ninja -C "$ROOT/build-release" -j2 inspraak >/dev/null
	INSPRAAK=$ROOT/build-release/cli/inspraak
fi
W=$(mktemp -d /tmp/inspraak-speed.XXXXXX)
trap 'rm -rf "$W"' EXIT
DATA=${DATA:-$W}
mkdir -p "$DATA"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)

field() { # field FILE NAME: a value of /usr/bin/time -v
	awk -F': ' -v k="$2" '$0 ~ k {print $2}' "$1"
}
secs() { # wall clock h:mm:ss or m:ss -> seconds
	awk -F: '{s=0; for(i=1;i<=NF;i++) s=s*60+$i; print s}' <<<"$1"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for n in "${sizes[@]}"; do
	csv=$DATA/items-$n.csv
	[ -s "$csv" ] || python3 "$ROOT/bench/gen_items.py" "$n" "$csv"
	sed "s#\"database\": \"inspraak.db\"#\"database\": \"$W/bench-$n.db\"#" \
		"$ROOT/config/example/inspraak.json" >"$W/cfg-$n.json"
	rm -f "$W/bench-$n.db"*
	"$INSPRAAK" -q --config "$W/cfg-$n.json" import "$csv" --text reactie --time tijdstip \
		--group groep --source bench >/dev/null
	for rep in 1 2; do
		load=$(uptime | sed 's/.*load average: //')
		/usr/bin/time -v "$INSPRAAK" -v --config "$W/cfg-$n.json" analyze >"$W/out" 2>"$W/err"
		t=$(secs "$(field "$W/err" 'Elapsed \\(wall clock\\)')")
		kb=$(field "$W/err" 'Maximum resident set size')
		cpu=$(echo "$(field "$W/err" 'User time') + $(field "$W/err" 'System time')" | bc -l)
		printf 'inspraak %8s items  run %d: %7.2f s  %6.0f MiB  cpu %6.2f s  (load %s)\n' "$n" \
			"$rep" "$t" "$(echo "$kb / 1024" | bc -l)" "$cpu" "$load"
		grep -o 'read+text.*' "$W/err" | sed 's/^/    stages: /'
		grep -o 'reading pass.*' "$W/err" | sed 's/^/    /'
	done
	if [ "${PEER:-0}" = 1 ]; then
		"${PEER_PYTHON:-/usr/bin/python3}" -c 'import Stemmer' 2>/dev/null ||
			echo "note: python3-stemmer is missing: the peer stems in pure Python" >&2
		# The issue's peer (uni- and bigrams), then the lighter one without bigrams.
		for variant in "" --unigrams; do
			load=$(uptime | sed 's/.*load average: //')
			/usr/bin/time -v "${PEER_PYTHON:-/usr/bin/python3}" "$ROOT/bench/analyze_peer.py" \
				"$csv" 20 $variant >"$W/out" 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
			t=$(secs "$(field "$W/err" 'Elapsed \\(wall clock\\)')")
			kb=$(field "$W/err" 'Maximum resident set size')
			printf 'sklearn  %8s items       : %7.2f s  %6.0f MiB  (%s; load %s)\n' "$n" "$t" \
				"$(echo "$kb / 1024" | bc -l)" \
				"$([ -z "$variant" ] && echo "uni- and bigrams" || echo "unigrams only")" "$load"
		done
	fi
done
