#!/usr/bin/env bash
# bench/themes_eval.sh [SET...]: theme quality against gold labels. For each labelled
# data set (sib200-nl sib200-en pxtextmining banking77; default all) it imports the
# texts into a fresh store, runs `analyze --themes K` with K = the number of gold
# labels, and prints NMI and ARI next to the scikit-learn reference of issue 5.
# Env: INSPRAAK (binary; default build-release/cli/inspraak, built when absent),
# DATASETS (default ../shared/datasets), SEED (default 42), REFERENCE=1 also runs the
# scikit-learn reference (bench/themes_reference.py; needs python3-sklearn and
# python3-snowballstemmer, run by /usr/bin/python3) and prints its NMI/ARI measured here.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATASETS=${DATASETS:-$ROOT/../shared/datasets}
SEED=${SEED:-42}
if [ -z "${INSPRAAK:-}" ]; then
	cmake -S "$ROOT" -B "$ROOT/build-release" -G Ninja -DCMAKE_BUILD_TYPE=Release \
		-DINSPRAAK_TESTS=OFF >/dev/null
	ninja -C "$ROOT/build-release" -j2 inspraak >/dev/null
	INSPRAAK=$ROOT/build-release/cli/inspraak
fi
[ -d "$DATASETS" ] || { echo "themes_eval: no data sets at $DATASETS" >&2; exit 77; }
W=$(mktemp -d /tmp/inspraak-eval.XXXXXX)
trap 'rm -rf "$W"' EXIT
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(sib200-nl sib200-en pxtextmining banking77)
declare -A REF=([sib200-nl]=0.05 [sib200-en]=0.07 [pxtextmining]=0.20 [banking77]=0.51)
declare -A LANG=([sib200-nl]=nl [sib200-en]=en [pxtextmining]=en [banking77]=en)

printf '%-13s %6s %3s %7s %7s %9s %7s %10s %7s %s\n' set items k NMI ARI reference target unassigned seconds \
	"$([ "${REFERENCE:-0}" = 1 ] && echo "sklearn-NMI sklearn-ARI")"
for s in "${sets[@]}"; do
	d=$W/$s
	mkdir -p "$d"
	k=$(python3 "$ROOT/bench/themes_eval.py" prepare "$s" "$DATASETS" "$d/gold.csv")
	(cd "$d" && "$INSPRAAK" -q init . >/dev/null &&
		sed -i "s/\"default_lang\": \"nl\"/\"default_lang\": \"${LANG[$s]}\"/" inspraak.json &&
		"$INSPRAAK" -q import gold.csv --text text --id id --source "$s" >/dev/null)
	t0=$(date +%s.%N)
	(cd "$d" && "$INSPRAAK" -q analyze --seed "$SEED" --themes "$k" >/dev/null)
	t1=$(date +%s.%N)
	(cd "$d" && "$INSPRAAK" items --json --limit 100000000 >items.json)
	read -r nmi ari n un < <(python3 "$ROOT/bench/themes_eval.py" score "$d/gold.csv" "$d/items.json")
	ref=${REF[$s]}
	measured=""
	[ "${REFERENCE:-0}" = 1 ] &&
		measured=$(/usr/bin/python3 "$ROOT/bench/themes_reference.py" "$d/gold.csv" "${LANG[$s]}" "$k")
	printf '%-13s %6s %3s %7s %7s %9s %7.2f %10s %7.1f %s\n' "$s" "$n" "$k" "$nmi" "$ari" "$ref" \
		"$(echo "$ref + 0.05" | bc -l)" "$un" "$(echo "$t1 - $t0" | bc -l)" "$measured"
done
