#!/usr/bin/env bash
# The walking skeleton's "done when", on the bundled demo data: feeds fetched over HTTP
# from a fixture server, the form export imported (twice: no new items), analysis run
# twice with the same seed (identical themes), all four export formats written, and
# every ambition drawing both support and objection.
. "$(dirname "$0")/lib.sh"
: "${SOURCE_DIR:?}"
[ -f "$SOURCE_DIR/demo/forms/formulier-export.csv" ] || fail "demo data missing"

start_fixserve "$SOURCE_DIR/demo/feeds"
sed "s/127\.0\.0\.1:8765/127.0.0.1:$PORT/g" "$SOURCE_DIR/config/example/inspraak.json" \
	>"$T/inspraak.json"
I() { "$INSPRAAK" --config "$T/inspraak.json" "$@"; }
count() { I items --json >"$T/items.json" && json_eval "$T/items.json" 'len(d)'; }
csv="$SOURCE_DIR/demo/forms/formulier-export.csv"
cols=(--source formulier --id id --time tijdstip --author naam --group groep
	--ambition ambitie --stance standpunt --text reactie)

expect 0 I import "$csv" "${cols[@]}"
contains "$T/out" "rejected 0"
n_form=$(count)
[ "$n_form" -ge 150 ] || fail "only $n_form form reactions imported"
expect 0 I import "$csv" "${cols[@]}"
contains "$T/out" "imported 0"
[ "$(count)" = "$n_form" ] || fail "re-import changed the item count"

expect 0 I collect --all
n_all=$(count)
[ "$n_all" -ge 300 ] || fail "only $n_all reactions after collecting the feeds"
expect 0 I collect --all
[ "$(count)" = "$n_all" ] || fail "collecting again stored items twice"
expect 0 I sources --json
[ "$(json_eval "$T/out" 'sum(1 for s in d if s["status"] == "ok")')" = 2 ] ||
	fail "both feeds should be healthy: $(cat "$T/out")"

expect 0 I analyze
expect 0 I themes --json
cp "$T/out" "$T/themes1.json"
I items --json >"$T/assign1.json"
expect 0 I analyze
expect 0 I themes --json
cmp -s "$T/out" "$T/themes1.json" || fail "themes differ between two runs with the same seed"
I items --json >"$T/assign2.json"
cmp -s "$T/assign1.json" "$T/assign2.json" || fail "items' analysis differs between runs"
[ "$(json_eval "$T/themes1.json" 'len(d)')" -ge 3 ] || fail "fewer than 3 themes"

# the respondent's own stance wins, and only a stance the respondent gave says so
python3 - "$T/assign1.json" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))
names = {"steun": "support", "bezwaar": "objection", "neutraal": "neutral", "gemengd": "mixed"}
declared = 0
for it in items:
    d = it.get("declared") or {}
    st = d.get("stance")
    for a in it["ambitions"]:
        if st:
            assert a["origin"] == "respondent" and a["stance"] == names.get(st, st), (it["id"], a, d)
        else:
            assert a["origin"] != "respondent", (it["id"], a, d)
    declared += bool(st) and bool(it["ambitions"])
assert declared >= 50, f"only {declared} items with a declared stance and an ambition"
PY
expect 0 I export --out "$T/export"
for f in summary.json summary.csv themes.csv items.csv summary.md report.html; do
	[ -s "$T/export/$f" ] || fail "export did not write $f"
done
python3 - "$T/export/summary.json" "$n_all" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert d["items"] == n, f"summary counts {d['items']} items, store has {n}"
amb = d["ambitions"]
assert [a["code"] for a in amb] == ["A1", "A2", "A3", "A4", "A5", "A6"], amb
for a in amb:
    assert a["support"] > 0 and a["objection"] > 0, f"{a['code']}: {a['support']} support, {a['objection']} objection"
    assert a["items"] >= a["support"] + a["objection"]
assert len(d["themes"]) >= 3
assert len(d["campaigns"]) >= 1, "the demo's form-letter campaign was not found"
print("demo summary:", ", ".join(f"{a['code']} +{a['support']}/-{a['objection']}" for a in amb))
PY
rows=$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], newline=""))))' "$T/export/items.csv")
[ "$rows" = "$n_all" ] || fail "items.csv has $rows rows, store has $n_all items"
echo "demo: ok ($n_all items)"
