#!/usr/bin/env bash
# test_export.sh: `inspraak export` end to end on a store built with the CLI (import,
# analyze): usage errors and their exit codes, --excel, --ambition, --group, privacy
# redaction in every file, the report language from the configuration (exports.lang)
# and --report-lang, and byte-identical files for the same store.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$T"

cat >cfg.json <<'EOF'
{
  "database": "t.db",
  "vision": {
    "title": "Visie", "title_en": "Vision",
    "ambitions": [
      {"code": "A1", "title": "Digitaal als standaard", "title_en": "Digital by default",
       "keywords": {"nl": ["digitaal", "online"], "en": ["digital"]}},
      {"code": "A2", "title": "Eén overheid, één deur", "title_en": "One government, one door",
       "keywords": {"nl": ["loket", "deur"], "en": ["door"]}}
    ]
  },
  "exports": {"dir": "export", "lang": "en"}
}
EOF
cat >r.csv <<'EOF'
id,text,time,ambition,stance,group
r1,"Het digitale loket werkt prima, mail me op jan@example.nl",2024-03-01,A1,steun,inwoner
r2,"Niet iedereen kan online, bel 06-12345678",2024-03-02,A1,bezwaar,inwoner
r3,"Eén deur is fijn, IBAN NL91ABNA0417164300",2024-03-09,A2,steun,organisatie
r4,"=HYPERLINK(""http://x.example/?id=7"") één loket graag",2024-03-10,A2,bezwaar,organisatie
r5,"Algemene opmerking, BSN 123456789 is geen BSN",2024-03-11,,,
EOF
ins() { "$INSPRAAK" --config cfg.json "$@"; }

# No analysis yet: exit 1, one line.
expect 1 ins export
one_line_error "no analysis yet"
expect 0 ins import r.csv --source formulier
expect 0 ins analyze

# Usage errors: exit 2 and one line that names the problem.
expect 2 ins export --format pdf
one_line_error "format"
expect 2 ins export --report-lang fr
one_line_error "report-lang"
expect 2 ins export --ambition A9
one_line_error "unknown ambition 'A9'.*A1, A2"
expect 2 ins export --since gisteren
one_line_error "since"

# Everything, English from exports.lang in the configuration.
expect 0 ins export --out all --reproducible
for f in summary.csv themes.csv items.csv summary.json summary.md report.html; do
	[ -s "all/$f" ] || fail "all/$f missing"
done
contains all/report.html '<html lang="en">'
contains all/summary.md "# What we heard: Vision"
# --report-lang wins over the configuration.
expect 0 ins export --format html --out nl --report-lang nl
contains nl/report.html '<html lang="nl">'

# Privacy: nothing personal in any file; the number failing the 11-check stays.
for secret in jan@example.nl 06-12345678 NL91ABNA0417164300 'id=7'; do
	if grep -rqF -- "$secret" all; then fail "'$secret' leaked into $(grep -rlF -- "$secret" all)"; fi
done
contains all/items.csv "mail me op [e-mail]"
contains all/items.csv "bel [telefoon]"
contains all/items.csv "IBAN [iban]"
contains all/items.csv "BSN 123456789 is geen BSN"
contains all/items.csv "\"'=HYPERLINK(\"\"http://x.example/?[parameters]\"\")"

# The same store gives byte-identical files; with --reproducible also the timestamp.
expect 0 ins export --out again --reproducible
for f in summary.csv themes.csv items.csv summary.json summary.md report.html; do
	cmp -s "all/$f" "again/$f" || fail "$f differs between two exports"
done
expect 0 ins export --out later
for f in summary.csv themes.csv items.csv; do
	cmp -s "all/$f" "later/$f" || fail "$f differs without --reproducible"
done
[ "$(diff all/summary.json later/summary.json | grep -c '^>')" -eq 1 ] ||
	fail "summary.json differs in more than generated_at"

# Dutch Excel: BOM, ';' and a decimal comma.
expect 0 ins export --format csv --excel --out xl
[ "$(head -c 3 xl/summary.csv | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail "no BOM"
grep -q '^A1;Digitaal als standaard;2;1;1;0;0;0,500;' <(tail -c +4 xl/summary.csv) ||
	{ cat xl/summary.csv >&2; fail "Excel summary row wrong"; }

# Filters: one ambition, one group.
expect 0 ins export --format json --ambition A2 --out a2
[ "$(json_eval a2/summary.json 'd["items"]')" = 2 ] || fail "--ambition A2: wrong item count"
[ "$(json_eval a2/summary.json 'len(d["ambitions"])')" = 1 ] || fail "--ambition A2: more rows"
expect 0 ins export --format json,csv --group inwoner --out inw
[ "$(json_eval inw/summary.json 'd["items"]')" = 2 ] || fail "--group inwoner: wrong item count"
[ "$(grep -c formulier inw/items.csv)" -eq 2 ] || fail "--group inwoner: items.csv rows"
echo "ok"
