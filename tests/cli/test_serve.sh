#!/usr/bin/env bash
# test_serve.sh: `inspraak serve` end to end on a free loopback port: the form page and
# its security headers, submissions in every content type (url-encoded, multipart, JSON
# for people and the form-tool API with its mapping), idempotent retries, and every
# refusal: 400, 401, 403, 404, 405, 413, 415, 422 (beside the field), 429 and 503 when
# the database cannot take writes. The store is checked with `inspraak items --json`.
set -euo pipefail
if [ -z "${INSPRAAK:-}" ] || [ ! -x "$INSPRAAK" ]; then
	echo "skip: INSPRAAK is not set to the inspraak binary"
	exit 77
fi
command -v curl >/dev/null || { echo "FAIL: curl is not installed" >&2; exit 1; }
source "$(dirname "$0")/lib.sh"
cd "$T"


cat >cfg.json <<'EOF'
{
  "database": "t.db",
  "vision": {"title": "Overheidsbrede dienstverlening 2020",
    "title_en": "Government-wide service delivery 2020",
    "ambitions": [
      {"code": "A1", "title": "Digitaal als standaard", "title_en": "Digital by default",
       "keywords": {"nl": ["digitaal"], "en": ["digital"]}},
      {"code": "A2", "title": "Eén overheid, één deur", "title_en": "One government, one door",
       "keywords": {"nl": ["loket"], "en": ["door"]}}]},
  "forms": [
    {"name": "visie2020", "title": "Reageer op de visie",
     "fields": ["text", "ambition", "stance", "group", "email", "consent"],
     "text_field": "text", "ambition_field": "ambition", "stance_field": "stance",
     "group_field": "group", "groups": ["inwoner", "medewerker", "organisatie", "buitenland"],
     "lang": "nl", "max_text": 200, "min_fill_seconds": 0,
     "frame_ancestors": ["https://www.gemeente.nl"],
     "api_mapping": {"text": "answers.reactie", "id": "submission_id",
                     "ambition": "answers.ambities", "stance": "answers.standpunt",
                     "group": "answers.groep", "time": "submitted_at"},
     "cors_origins": ["https://tool.example"]},
    {"name": "traag", "title": "Traag formulier", "min_fill_seconds": 3600},
    {"name": "getekend", "api_secret": "gedeeld-geheim-1234", "min_fill_seconds": 0}
  ],
  "server": {"listen": "127.0.0.1:8080", "max_body": 4096, "max_fields": 12,
             "rate_per_minute": 6000, "burst": 1000, "secret": "test-secret-0123456789"}
}
EOF
start_server cfg.json
F=$URL/forms/visie2020
API=$URL/api/forms/visie2020/submissions

# http METHOD URL [curl args...]: status in $CODE, headers in $T/h, body in $T/b.
http() {
	local m=$1 u=$2
	shift 2
	CODE=$(curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' -X "$m" "$@" "$u") || true
}
want() { [ "$CODE" = "$1" ] || { cat "$T/h" "$T/b" >&2; fail "$2: HTTP $CODE, wanted $1"; }; }
hdr() { grep -qi "^$1" "$T/h" || { cat "$T/h" >&2; fail "no header '$1'"; }; }
body_has() { grep -qF -- "$1" "$T/b" || { cat "$T/b" >&2; fail "body lacks '$1'"; }; }
jfield() { [ "$(jq -r .field "$T/b")" = "$1" ] || { cat "$T/b" >&2; fail "field is not '$1'"; }; }

# --- the page, its headers and languages
http GET "$F"; want 200 "form page"
hdr "Content-Security-Policy: default-src 'none'; style-src 'self'"
hdr "Content-Security-Policy: .*frame-ancestors https://www.gemeente.nl"
hdr "X-Content-Type-Options: nosniff"
hdr "Referrer-Policy: no-referrer"
body_has '<html lang="nl">'
body_has 'name="_token"'
body_has '<legend>Over welke ambities gaat uw reactie?</legend>'
body_has 'value="general"'
body_has '<label for="text">Uw reactie</label>'
grep -q '<script' "$T/b" && fail "the form page has a script"
grep -q 'style=' "$T/b" && fail "the form page has inline style"
http GET "$F?lang=en"; want 200 "English form"
body_has '<html lang="en">'
body_has 'Your reaction'
http GET "$F" -H 'Accept-Language: en-GB,en;q=0.8'; want 200 "Accept-Language"
body_has '<html lang="en">'
http GET "$URL/forms/traag"; want 200 "second form"
hdr "Content-Security-Policy: .*frame-ancestors 'none'"
http GET "$URL/static/form.css"; want 200 "stylesheet"
hdr "Content-Type: text/css"
http GET "$URL/healthz"; want 200 "health"
[ "$(jq -r .database "$T/b")" = writable ] || fail "healthz: $(cat "$T/b")"

# --- accepted: every content type
http POST "$F" --data-urlencode 'text=Graag meer digitaal, maar houd het loket open.' \
	-d ambition=A1 -d ambition=A2 -d stance=steun -d group=inwoner
want 303 "url-encoded form"
hdr "Location: /forms/visie2020/bedankt?lang=nl"
http GET "$URL/forms/visie2020/bedankt"; want 200 "thank-you page"
body_has 'Bedankt voor uw reactie'
http POST "$F" -F 'text=Multipart reactie over één deur' -F ambition=A2 -F stance=bezwaar \
	-H 'Accept: application/json'
want 201 "multipart form, JSON answer"
[ "$(jq -r .status "$T/b")" = stored ] || fail "multipart: $(cat "$T/b")"
http POST "$F" -F 'text=Multipart als mens' -F stance=neutraal
want 303 "multipart form"
http POST "$API" -H 'Content-Type: application/json' -H 'Idempotency-Key: tool-1' \
	-d '{"answers": {"reactie": "Via het formulierenpakket", "ambities": ["A1"], "standpunt": "gemengd", "groep": "organisatie"}, "submitted_at": "2024-03-01T10:00:00Z"}'
want 201 "JSON API"
ID1=$(jq -r .id "$T/b")
# a retry is answered the same, stored once
http POST "$API" -H 'Content-Type: application/json' -H 'Idempotency-Key: tool-1' \
	-d '{"answers": {"reactie": "Via het formulierenpakket", "ambities": ["A1"], "standpunt": "gemengd", "groep": "organisatie"}, "submitted_at": "2024-03-01T10:00:00Z"}'
want 201 "JSON API retry"
[ "$(jq -r .id "$T/b")" = "$ID1" ] || fail "retry got another id: $(cat "$T/b")"
hdr "Idempotent-Replayed: true"
# the same key for something else is refused
http POST "$API" -H 'Content-Type: application/json' -H 'Idempotency-Key: tool-1' \
	-d '{"answers": {"reactie": "Iets anders"}}'
want 422 "reused key"; jfield Idempotency-Key
# the tool's own id works as the key too
for i in 1 2; do
	http POST "$API" -H 'Content-Type: application/json' \
		-d '{"submission_id": 777, "answers": {"reactie": "Met eigen id"}}'
	want 201 "tool id $i"
done
[ "$(jq -r .submission "$T/b")" = 777 ] || fail "tool id not used: $(cat "$T/b")"
# e-mail with consent is kept
http POST "$F" -d 'text=Neem contact op' -d email=an@example.org -d consent=yes \
	-H 'Accept: application/json'
want 201 "e-mail with consent"

# --- refused, each naming its field
http POST "$F" -d 'text=' -d stance=steun; want 422 "empty text (HTML)"
body_has '<p class="error" id="text-error">Dit veld is verplicht.</p>'
body_has 'aria-describedby="text-hint text-error" aria-invalid="true"'
body_has 'value="support" checked'
http POST "$F?lang=en" -d 'text=' -d lang=en; want 422 "empty text (English)"
body_has 'This field is required.'
http POST "$F" -d 'text=' -H 'Accept: application/json'; want 422 "empty text (JSON)"; jfield text
http POST "$F" -d 'text=x' -d ambition=A9 -H 'Accept: application/json'; want 422 "ambition"
jfield ambition
http POST "$F" -d 'text=x' -d ambition=A1 -d ambition=general -H 'Accept: application/json'
want 422 "general with an ambition"; jfield ambition
http POST "$F" -d 'text=x' -d stance=misschien -H 'Accept: application/json'; want 422 "stance"
jfield stance
http POST "$F" -d 'text=x' -d group=marsbewoner -H 'Accept: application/json'; want 422 "group"
jfield group
http POST "$F" -d 'text=x' -d email=an@example.org -H 'Accept: application/json'
want 422 "e-mail without consent"; jfield consent
http POST "$F" -d 'text=x' -d email=geen-adres -d consent=yes -H 'Accept: application/json'
want 422 "bad e-mail"; jfield email
http POST "$F" -d "text=$(head -c 201 /dev/zero | tr '\0' a)" -H 'Accept: application/json'
want 422 "text too long"; jfield text
http POST "$F" -d 'text=x' -d 'onbekend=1' -H 'Accept: application/json'; want 422 "unknown field"
jfield onbekend
http POST "$F" -d "text=$(head -c 5000 /dev/zero | tr '\0' a)"; want 413 "body over max_body"
http POST "$F" -d 'text=x&a=1&a=2&a=3&a=4&a=5&a=6&a=7&a=8&a=9&a=10&a=11&a=12' \
	-H 'Accept: application/json'
want 413 "too many fields"
http POST "$F" -H 'Content-Type: text/plain' -d 'text=x'; want 415 "text/plain"
http POST "$API" -d 'text=x'; want 415 "API with a form body"
http POST "$F" -d 'text=%ff%fe' -H 'Accept: application/json'; want 400 "invalid UTF-8"
http POST "$F" -d 'text=a%00b' -H 'Accept: application/json'; want 400 "NUL byte"
http POST "$F" -d 'text=%zz' -H 'Accept: application/json'; want 400 "bad escape"
http POST "$API" -H 'Content-Type: application/json' -d '{"answers": '; want 400 "broken JSON"
http POST "$API" -H 'Content-Type: application/json' -d '[1]'; want 400 "JSON not an object"
http POST "$API" -H 'Content-Type: application/json' -d '{"answers": {"reactie": ""}}'
want 422 "API without text"; jfield text
# honeypot: a browser-like client sees thanks, nothing is stored; a program is told
http POST "$F" -d 'text=Koop nu!' -d website=http://spam.example; want 303 "honeypot (HTML)"
http POST "$F" -d 'text=Koop nu!' -d website=x -H 'Accept: application/json'
want 400 "honeypot (JSON)"; jfield website
# the time token: too fresh, forged, missing
http GET "$URL/forms/traag"; want 200 "slow form"
TOKEN=$(grep -o 'name="_token" value="[^"]*"' "$T/b" | sed 's/.*value="//; s/"$//')
[ -n "$TOKEN" ] || fail "no token on the page"
http POST "$URL/forms/traag" --data-urlencode "_token=$TOKEN" -d 'text=Te snel'; want 422 "too fresh"
body_has 'te snel verstuurd'
body_has "value=\"$TOKEN\"" # the same token, so the time keeps counting
http POST "$URL/forms/traag" -d '_token=1.0123456789abcdef.00' -d 'text=x'; want 422 "forged token"
http POST "$URL/forms/traag" -d 'text=Zonder token' -H 'Accept: application/json'
want 422 "no token"; jfield _token
# signatures
http POST "$URL/api/forms/getekend/submissions" -H 'Content-Type: application/json' \
	-d '{"text": "ongetekend"}'
want 401 "missing signature"; jfield X-Inspraak-Signature
BODY='{"text": "getekend"}'
SIG=$(python3 -c 'import hmac,hashlib,sys; print(hmac.new(b"gedeeld-geheim-1234", sys.argv[1].encode(), hashlib.sha256).hexdigest())' "$BODY")
http POST "$URL/api/forms/getekend/submissions" -H 'Content-Type: application/json' \
	-H "X-Inspraak-Signature: sha256=$SIG" -d "$BODY"
want 201 "signed"
http POST "$URL/api/forms/getekend/submissions" -H 'Content-Type: application/json' \
	-H "X-Inspraak-Signature: sha256=$SIG" -d '{"text": "getekend maar veranderd"}'
want 401 "wrong signature"
# CORS
http OPTIONS "$API" -H 'Origin: https://tool.example'; want 204 "preflight"
hdr "Access-Control-Allow-Origin: https://tool.example"
http OPTIONS "$API" -H 'Origin: https://evil.example'; want 403 "preflight, other origin"
http POST "$API" -H 'Origin: https://tool.example' -H 'Content-Type: application/json' \
	-d '{"answers": {"reactie": "Via CORS"}}'
want 201 "CORS POST"
hdr "Access-Control-Allow-Origin: https://tool.example"
# routes
http GET "$URL/forms/bestaatniet"; want 404 "unknown form"
http PUT "$F" -d x; want 405 "PUT"

# --- the store: exactly what was acknowledged
expect 0 "$INSPRAAK" --config cfg.json items --json
cp "$T/out" items.json
n=$(jq length items.json)
[ "$n" = 8 ] || { cat items.json >&2; fail "stored $n items, wanted 8"; }
[ "$(jq '[.[] | select(.text == "Via het formulierenpakket")] | length' items.json)" = 1 ] ||
	fail "the retried submission is not stored exactly once"
jq -e '.[] | select(.external_id == "tool-1") | .declared.stance == "mixed" and .declared.ambitions == ["A1"] and .group == "organisatie" and .published_at == "2024-03-01T10:00:00Z"' items.json >/dev/null ||
	fail "mapped fields not stored: $(jq -c '.[] | select(.external_id == "tool-1")' items.json)"
jq -e '.[] | select(.text | startswith("Graag meer digitaal")) | .declared.ambitions == ["A1","A2"] and .declared.stance == "support" and .lang == "nl"' items.json >/dev/null ||
	fail "url-encoded fields not stored"
jq -e '[.[] | select(.text == "Koop nu!")] | length == 0' items.json >/dev/null ||
	fail "the honeypot submission was stored"
[ "$(python3 -c 'import sqlite3; print(sqlite3.connect("t.db").execute("select count(*) from items where email is not null").fetchone()[0])')" = 1 ] ||
	fail "e-mail not stored exactly once (with consent only)"

# --- 503 while another process holds the write lock; nothing acknowledged is lost
exec 5< <(exec python3 -c '
import signal, sqlite3
c = sqlite3.connect("t.db", isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
signal.pause()
')
LOCK_PID=$!
read -r -t 10 line <&5 || fail "locker did not start"
http POST "$API" -H 'Content-Type: application/json' -d '{"answers": {"reactie": "Tijdens het slot"}}'
want 503 "database locked"
hdr "Retry-After"
kill "$LOCK_PID"; wait "$LOCK_PID" 2>/dev/null || true
http POST "$API" -H 'Content-Type: application/json' -d '{"answers": {"reactie": "Na het slot"}}'
want 201 "after the lock"
stop_server
expect 0 "$INSPRAAK" --config cfg.json items --json
[ "$(jq '[.[] | select(.text == "Tijdens het slot")] | length' "$T/out")" = 0 ] ||
	fail "a 503 submission was stored"
[ "$(jq length "$T/out")" = 9 ] || fail "wanted 9 items after the lock test"

# --- rate limit: a token bucket per client
sed 's/"rate_per_minute": 6000, "burst": 1000/"rate_per_minute": 1, "burst": 2/' cfg.json >slow.json
start_server slow.json
API=$URL/api/forms/visie2020/submissions
for i in 1 2; do
	http POST "$API" -H 'Content-Type: application/json' -d "{\"answers\": {\"reactie\": \"snel $i\"}}"
	want 201 "within the burst ($i)"
done
http POST "$API" -H 'Content-Type: application/json' -d '{"answers": {"reactie": "snel 3"}}'
want 429 "over the rate"
grep -qiE '^Retry-After: [1-9][0-9]*' "$T/h" || fail "429 without Retry-After"
stop_server
echo "ok"
