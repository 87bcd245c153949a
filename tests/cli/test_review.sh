#!/usr/bin/env bash
# test_review.sh: `inspraak review` end to end: every action on the command line, seen at
# once in `themes` and `items --json` and kept by the next `analyze`; the audit log;
# one-line errors for bad input; and the /review pages on a real server (loopback, free
# port): redirect or 401 without a session, wrong token refused, login cookie flags,
# POST without the CSRF token refused, actions with it, errors as HTTP errors.
set -euo pipefail
if [ -z "${INSPRAAK:-}" ] || [ ! -x "$INSPRAAK" ]; then
	echo "skip: INSPRAAK is not set to the inspraak binary"
	exit 77
fi
command -v curl >/dev/null || { echo "FAIL: curl is not installed" >&2; exit 1; }
source "$(dirname "$0")/lib.sh"
SRC=${SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$T"


TOKEN=review-test-token-0123456789abcdef
HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
python3 - "$SRC/config/example/inspraak.json" "$HASH" >cfg.json <<'PY'
import json, sys
ex = json.load(open(sys.argv[1]))
print(json.dumps({"database": "t.db", "vision": ex["vision"], "analysis": {"seed": 42},
                  "review": {"reviewers": [{"name": "anna", "token_sha256": sys.argv[2]}],
                             "session_ttl": "1h"}}))
PY
I() { "$INSPRAAK" --config cfg.json "$@"; }
expect 0 I import "$SRC/demo/forms/formulier-export.csv" --text reactie --id id --time tijdstip \
	--author naam --group groep --ambition ambitie --stance standpunt
expect 0 I analyze
I themes --json >themes.json
I items --json >items.json
# the themes, an item with an analysis stance, one to hide, one to move, two to split off
eval "$(python3 - <<'PY'
import json
t = json.load(open("themes.json")); d = json.load(open("items.json"))
t = [x for x in t if not x.get("parent")]  # top-level themes; subthemes follow their parent
item, amb, old = next((i["id"], a["code"], a["stance"]) for i in d for a in i["ambitions"] if a["origin"] == "analysis")
t1, t2, t3 = t[0]["id"], t[1]["id"], t[2]["id"]
hide = [i["id"] for i in d if i["theme"] == t1 and i["id"] != item][0]
move = [i["id"] for i in d if i["theme"] == t2 and i["id"] != item][0]
split = [i["id"] for i in d if i["theme"] == t1 and i["id"] not in (item, hide)][:2]
print(f"T1={t1} T2={t2} T3={t3} ITEM={item} AMB={amb} OLD={old} HIDE={hide} MOVE={move}")
print("SPLIT='%s'" % " ".join(map(str, split)))
PY
)"
[ "$(echo $SPLIT | wc -w)" = 2 ] || fail "no two items to split off"
NEW=$([ "$OLD" = objection ] && echo support || echo objection)
# check FILE EXPR MESSAGE: EXPR (Python, over the JSON as d) must be true
check() { [ "$(json_eval "$1" "$2")" = True ] || fail "$3"; }

# --- every action, seen at once
expect 0 I review rename "$T1" "Wachttijden aan de balie" --reviewer anna
I themes --json >now.json
check now.json "[t['label'] for t in d if t['id'] == '$T1'] == ['Wachttijden aan de balie']" "rename not shown by themes"
expect 0 I review set-stance "$ITEM" "$AMB" "$NEW" --reviewer anna
expect 0 I review hide "$HIDE" --reason "bevat persoonsgegevens"
I items --json >now.json
check now.json "[(a['stance'], a['origin']) for i in d if i['id'] == $ITEM for a in i['ambitions'] if a['code'] == '$AMB'] == [('$NEW', 'reviewer')]" "set-stance not shown by items --json"
check now.json "not any(i['id'] == $HIDE for i in d)" "hidden item still listed"
expect 0 I review move "$MOVE" "$T3"
expect 0 I review split "$T1" $SPLIT --label "Afgesplitst"
contains "$T/out" "new theme"
SPLITTHEME=$(sed -n 's/.*new theme \(T[0-9]*\).*/\1/p' "$T/out")
expect 0 I review merge "$T2" "$T3"
expect 0 I review mark-reviewed "$ITEM"
expect 0 I review note "$T3" "nog eens bekijken"
expect 0 I review log --json --limit 1 --target "$T1"
check "$T/out" "[x['action'] for x in d] == ['split']" "log --limit --target is not the latest decision on $T1"
expect 0 I review log
[ "$(wc -l <"$T/out")" = 9 ] || fail "the log table does not have a header and 8 rows"
expect 0 I review log --json
check "$T/out" "len(d) == 8 and d[0]['reviewer'] == 'anna' and d[0]['action'] == 'rename' and d[0]['after']['label'] == 'Wachttijden aan de balie'" "the log's first row or length is wrong"
check "$T/out" "d[1]['before']['origin'] == 'analysis' and d[1]['after']['stance'] == '$NEW'" "the log lacks the before state"
check "$T/out" "d[3]['reviewer'] != '' and d[6]['note'] is None and d[7]['note'] == 'nog eens bekijken'" "no default reviewer or note"

# --- analyse again: every decision still applies
expect 0 I analyze
I themes --json >themes2.json
I items --json >items2.json
check themes2.json "[t['label'] for t in d if t['id'] == '$T1'] == ['Wachttijden aan de balie']" "rename lost by analyze"
check themes2.json "not any(t['id'] == '$T2' for t in d)" "merged theme is back after analyze"
check themes2.json "[t['label'] for t in d if t['id'] == '$SPLITTHEME'] == ['Afgesplitst']" "split theme lost by analyze"
check items2.json "[(a['stance'], a['origin']) for i in d if i['id'] == $ITEM for a in i['ambitions'] if a['code'] == '$AMB'] == [('$NEW', 'reviewer')]" "stance correction lost by analyze"
check items2.json "not any(i['id'] == $HIDE for i in d)" "hidden item back after analyze"
check items2.json "[i['theme'] for i in d if i['id'] == $MOVE] == ['$T3']" "moved item not in $T3 after analyze"
check items2.json "{i['theme'] for i in d if str(i['id']) in '$SPLIT'.split()} == {'$SPLITTHEME'}" "split items not in $SPLITTHEME after analyze"
expect 0 I export --format json --out ex
check ex/summary.json "d['reviewed_items'] == 4" "reviewed_items is not 4 (stance, move, two split)"

# --- bad input: one line, the right exit code
expect 1 I review rename T999 x;             one_line_error "no theme 'T999'"
expect 1 I review rename "$T1" "   ";         one_line_error "label is empty"
expect 1 I review set-stance abc A1 support;  one_line_error "works on an item"
expect 1 I review move 999999 "$T1";          one_line_error "no item 999999"
expect 1 I review merge "$T1" "$T1";          one_line_error "into itself"
expect 1 I review split "$T3" "$HIDE" --label x; one_line_error "is not in theme"
expect 2 I review hide "$ITEM";               one_line_error "needs --reason"
expect 2 I review set-stance "$ITEM" A1 maybe; one_line_error "stance must be"
expect 2 I review set-stance "$ITEM" A9 support; one_line_error "no ambition 'A9'"
expect 2 I review frobnicate 1;               one_line_error "not a review action"
expect 2 I review rename "$T1";               one_line_error "usage: review rename"
expect 2 I review log extra;                  one_line_error "takes no arguments"
expect 2 I review;                            one_line_error "which action"
expect 0 I help review;                       contains "$T/out" "review set-stance ITEM AMBITION STANCE"

# --- configuration: every error names its JSON path
python3 -c 'import json; c = json.load(open("cfg.json")); c["review"]["reviewers"][0]["token_sha256"] = "abc"; json.dump(c, open("bad.json", "w"))'
expect 3 "$INSPRAAK" --config bad.json check-config; one_line_error '\$\.review\.reviewers\[0\]\.token_sha256: must be the SHA-256'
python3 -c 'import json; c = json.load(open("cfg.json")); c["review"]["session_tll"] = "1h"; json.dump(c, open("bad.json", "w"))'
expect 3 "$INSPRAAK" --config bad.json check-config; one_line_error "review.session_tll: unknown key .*did you mean 'session_ttl'"
expect 0 I review token bert
contains "$T/out" '"name": "bert", "token_sha256": "'

# --- the pages
start_server cfg.json
code() { curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$@"; }

[ "$(code "$URL/review")" = 303 ] || fail "no session: not redirected"
grep -qi '^location: /review/login' "$T/hdr" || fail "no session: not sent to the login"
[ "$(code -H 'Accept: application/json' "$URL/review/items/1")" = 401 ] || fail "no session (JSON): not 401"
contains "$T/body" '"error"'
[ "$(code -X POST -d 'label=x' "$URL/review/themes/$T1/rename")" = 401 ] || fail "POST without session: not 401"
FT=$(curl -s "$URL/review/login" | sed -n 's/.*name="form_token" value="\([^"]*\)".*/\1/p')
[ -n "$FT" ] || fail "the login page has no form token"
[ "$(code -X POST --data-urlencode "token=wrong" --data-urlencode "form_token=$FT" "$URL/review/login")" = 401 ] || fail "wrong token: not 401"
[ "$(code -X POST --data-urlencode "token=$TOKEN" --data-urlencode "form_token=forged" "$URL/review/login")" = 403 ] || fail "forged login form: not 403"
[ "$(code -c jar -X POST --data-urlencode "token=$TOKEN" --data-urlencode "form_token=$FT" "$URL/review/login")" = 303 ] || fail "login: not 303"
grep -i '^set-cookie: inspraak_review=' "$T/hdr" | grep -q 'HttpOnly; SameSite=Strict; Path=/review' || fail "cookie flags: $(grep -i set-cookie "$T/hdr")"
[ "$(code -b jar "$URL/review")" = 200 ] || fail "overview: not 200"
grep -qi "^content-security-policy: default-src 'none'; style-src 'sha256-" "$T/hdr" || fail "no CSP with the style hash"
contains "$T/body" "Wachttijden aan de balie"
grep -q 'href="/review/search?ambition=A[0-9]&amp;stance=\(support\|objection\)"' "$T/body" || fail "the matrix does not link to its items"
CSRF=$(curl -s -b jar "$URL/review/themes/$T1" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
[ ${#CSRF} = 64 ] || fail "no CSRF token on the theme page"
[ "$(code -b jar -X POST -d 'label=Zonder+token' "$URL/review/themes/$T1/rename")" = 403 ] || fail "POST without CSRF: not 403"
# the same token with its last digit changed (never the same digit again)
WRONG=${CSRF%?}$([ "${CSRF: -1}" = 0 ] && echo 1 || echo 0)
[ "$WRONG" != "$CSRF" ] || fail "the wrong token is the right one"
[ "$(code -b jar -X POST -d "label=Fout&csrf=$WRONG" "$URL/review/themes/$T1/rename")" = 403 ] || fail "POST with a wrong CSRF: not 403"
[ "$(code -b jar -X POST -d "label=Fout&csrf=abc" "$URL/review/themes/$T1/rename")" = 403 ] || fail "POST with a short CSRF: not 403"
[ "$(code -b jar -X POST -H 'Origin: http://evil.example' -d "label=x&csrf=$CSRF" "$URL/review/themes/$T1/rename")" = 403 ] || fail "cross-site POST: not 403"
[ "$(code -b jar -X POST -H 'Content-Type: text/plain' -d "label=x&csrf=$CSRF" "$URL/review/themes/$T1/rename")" = 415 ] || fail "text/plain POST: not 415"
[ "$(code -b jar -X POST -d "label=Balie+%26+wachttijd&csrf=$CSRF" "$URL/review/themes/$T1/rename")" = 303 ] || fail "rename with CSRF: not 303"
[ "$(code -b jar "$URL/review/themes/$T1")" = 200 ] || fail "theme page: not 200"
contains "$T/body" "Balie &amp; wachttijd"
[ "$(code -b jar -X POST -d "reason=&csrf=$CSRF" "$URL/review/items/$ITEM/hide")" = 422 ] || fail "hide without reason: not 422"
# a merge asks first (it cannot be undone); confirmed, it happens
OTHER=$(json_eval themes2.json "[t['id'] for t in d if t['id'] not in ('$T1', '$T3')][0]")
[ "$(code -b jar -X POST -d "into=$T3&csrf=$CSRF" "$URL/review/themes/$OTHER/merge")" = 200 ] || fail "merge: no question first"
contains "$T/body" 'name="confirm" value="1"'
[ "$(code -b jar "$URL/review/themes/$OTHER")" = 200 ] || fail "the theme was merged before the answer"
[ "$(code -b jar -X POST -d "into=$OTHER&csrf=$CSRF" "$URL/review/themes/$OTHER/merge")" = 422 ] || fail "merge into itself: not 422"
[ "$(code -b jar -X POST -d "into=$T3&confirm=1&csrf=$CSRF" "$URL/review/themes/$OTHER/merge")" = 303 ] || fail "confirmed merge: not 303"
grep -qi "^location: /review/themes/$T3?done=" "$T/hdr" || fail "after a merge not sent to the theme it went into"
[ "$(code -b jar "$URL/review/themes/$OTHER")" = 404 ] || fail "the merged theme is still there"
[ "$(code -b jar "$URL/review/items/999999")" = 404 ] || fail "unknown item: not 404"
[ "$(code -b jar "$URL/review/themes/T999")" = 404 ] || fail "unknown theme: not 404"
[ "$(code -b jar "$URL/review/search?page=0")" = 400 ] || fail "page 0: not 400"
[ "$(code -b jar "$URL/review/search?stance=maybe")" = 400 ] || fail "bad stance: not 400"
# search input that would be FTS5 syntax: quoted, never an error
[ "$(code -b jar --get --data-urlencode 'q="balie" OR NEAR(x* AND' "$URL/review/search")" = 200 ] || fail "odd search: not 200"
[ "$(code -b jar --get --data-urlencode 'q=balie' "$URL/review/search")" = 200 ] || fail "search: not 200"
grep -q 'Pagina 1 van [0-9]* ([1-9][0-9]* reacties)' "$T/body" || fail "search for balie found nothing"
[ "$(code -b jar "$URL/review/uncertain")" = 200 ] || fail "uncertain: not 200"
[ "$(code -b jar "$URL/review/log?page=1")" = 200 ] || fail "log: not 200"
contains "$T/body" "Balie &amp; wachttijd"
[ "$(code -b jar -X POST -d "csrf=$CSRF" "$URL/review/logout")" = 303 ] || fail "logout: not 303"
[ "$(code -b jar "$URL/review")" = 303 ] || fail "after logout the session still works"
I review log --json >log.json
check log.json "[x['after']['label'] for x in d if x['action'] == 'rename' and x['reviewer'] == 'anna'][-1] == 'Balie & wachttijd'" "the page's rename is not in the log as anna"
stop_server

# --- from another machine: refused unless review.allow_remote (skipped without an address)
IP=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' | grep -v '^127\.' | head -1 || true)
if [ -n "$IP" ]; then
	start_server cfg.json 0.0.0.0:0
	[ "$(code "http://$IP:$PORT/review/login")" = 403 ] || fail "a remote client reached the review pages"
	contains "$T/body" "review.allow_remote"
	[ "$(code "http://127.0.0.1:$PORT/review/login")" = 200 ] || fail "loopback refused"
	stop_server
fi
echo ok
