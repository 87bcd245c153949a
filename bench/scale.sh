#!/usr/bin/env bash
# bench/scale.sh [SOURCES] [INTERVAL_S] [DURATION_S]: the feed scheduler at scale
# (default 1000 sources every 5 s for 180 s, i.e. 3 hours at a 5-minute scale) with a
# release build; see bench/scale.py for what it reports.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
need_packages "${BUILD_PACKAGES[@]}" libcmocka-dev python3
cmake -S "$ROOT" -B "$ROOT/build-release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DINSPRAAK_TESTS=ON >/dev/null
cmake --build "$ROOT/build-release" --target inspraak fixserve >&2
exec python3 "$ROOT/bench/scale.py" "$ROOT/build-release/cli/inspraak" \
	"$ROOT/build-release/tests/fixserve" "${1:-1000}" "${2:-5}" "${3:-180}"
