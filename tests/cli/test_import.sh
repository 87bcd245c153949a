#!/usr/bin/env bash
# test_import.sh: `inspraak import` end to end in a temporary folder with a fresh store:
# a CSV with a broken row (summary on stdout, the row on stderr), re-import adds nothing,
# a missing column is one line on stderr and exit 1, Dutch Excel and windows-1252, JSONL,
# and a dry run that stores nothing. Item counts come from `inspraak items --json`.
set -euo pipefail

if [ -z "${INSPRAAK:-}" ] || [ ! -x "$INSPRAAK" ]; then
	echo "skip: INSPRAAK is not set to the inspraak binary"
	exit 77
fi
if ! command -v jq >/dev/null; then
	echo "FAIL: jq is not installed (scripts/test installs it)" >&2
	exit 1
fi
fixtures="${SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/fixtures/import"

tmp=$(mktemp -d /tmp/inspraak-cli-import-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

cat >cfg.json <<'EOF'
{
  "database": "t.db",
  "vision": {
    "title": "Visie",
    "ambitions": [
      {"code": "A1", "title": "Digitaal als standaard", "title_en": "Digital by default",
       "keywords": {"nl": ["digitaal"], "en": ["digital"]}},
      {"code": "A2", "title": "Eén overheid, één deur", "title_en": "One government, one door",
       "keywords": {"nl": ["loket"], "en": ["door"]}}
    ]
  }
}
EOF

fail() {
	echo "FAIL: $*" >&2
	for f in out err; do
		[ -f "$f" ] && { echo "--- $f:" >&2; cat "$f" >&2; }
	done
	exit 1
}

# Runs inspraak with the test config; the exit code lands in $rc, output in out/err.
ins() {
	set +e
	"$INSPRAAK" --config cfg.json "$@" >out 2>err
	rc=$?
	set -e
}

count() {
	"$INSPRAAK" --config cfg.json items --json "$@" | jq length
}

# 1. A CSV with one broken row: exit 0, the summary, the row number on stderr.
cp "$fixtures/reacties.csv" .
ins import reacties.csv --source formulier
[ "$rc" -eq 0 ] || fail "import exited $rc"
grep -q "import 'reacties.csv': read 6, imported 5, duplicates 0, rejected 1" out ||
	fail "summary missing"
grep -q "row 5: 2 fields, header has 7" err || fail "rejected row not named"
[ "$(count)" -eq 5 ] || fail "expected 5 items, got $(count)"
[ "$("$INSPRAAK" --config cfg.json items --json | jq -r '[.[].source] | unique | join(",")')" = formulier ] ||
	fail "items not in source 'formulier'"
[ "$("$INSPRAAK" --config cfg.json items --json | jq -r '.[] | select(.external_id == "r2") | .text')" = \
	"Niet iedereen kan online, houd de balie open" ] || fail "text of r2 wrong"

# 2. Importing the same file again adds nothing.
ins import reacties.csv --source formulier
[ "$rc" -eq 0 ] || fail "re-import exited $rc"
grep -q "imported 0, duplicates 5, rejected 1" out || fail "re-import summary wrong"
[ "$(count)" -eq 5 ] || fail "re-import changed the item count"

# 3. A missing text column: exit 1 and one line on stderr that names it.
printf 'a,b,c\n1,2,3\n' >f.csv
ins import f.csv
[ "$rc" -eq 1 ] || fail "missing column: expected exit 1, got $rc"
[ "$(wc -l <err)" -eq 1 ] || fail "missing column: expected one line on stderr"
grep -q "no column 'text' (columns: a, b, c)" err || fail "missing column not named"
[ "$(count)" -eq 5 ] || fail "missing column stored something"

# 4. Dutch Excel: ';', windows-1252, the text column named with --text.
printf 'Nr;Reactie\r\n1;caf\xe9 en \x80 5\r\n' >excel.csv
ins import excel.csv --text reactie --id nr
[ "$rc" -eq 0 ] || fail "windows-1252 without --encoding exited $rc"
grep -q "rejected 1" out || fail "invalid UTF-8 row not rejected"
grep -q "row 1: invalid UTF-8" err || fail "invalid UTF-8 row not named"
ins import excel.csv --text reactie --id nr --encoding windows-1252
[ "$rc" -eq 0 ] || fail "windows-1252 import exited $rc"
[ "$("$INSPRAAK" --config cfg.json items --json --source excel | jq -r '.[0].text')" = "café en € 5" ] ||
	fail "windows-1252 text not converted"

# 5. JSONL (by --format, whatever the name) with a broken line.
cp "$fixtures/reacties.jsonl" lines.txt
ins import lines.txt --format jsonl --source lijnen
[ "$rc" -eq 0 ] || fail "jsonl exited $rc"
grep -q "read 3, imported 2, duplicates 0, rejected 1" out || fail "jsonl summary wrong"
grep -q "row 2: JSON error" err || fail "broken JSONL line not named"
[ "$(count --source lijnen)" -eq 2 ] || fail "jsonl items missing"

# 6. A dry run counts but stores nothing.
before=$(count)
cp "$fixtures/reacties.json" .
ins import reacties.json --dry-run
[ "$rc" -eq 0 ] || fail "dry run exited $rc"
grep -q "imported 3" out || fail "dry run summary wrong"
[ "$(count)" -eq "$before" ] || fail "dry run stored items"

# 7. A usage error: an unknown format.
ins import reacties.json --format xml
[ "$rc" -eq 2 ] || fail "unknown format: expected exit 2, got $rc"

echo "ok"
