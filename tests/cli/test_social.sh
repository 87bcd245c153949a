#!/usr/bin/env bash
# JSON sources end to end: a Mastodon tag timeline whose burst spans several pages is
# followed page by page (boosts skipped), a later burst bigger than a page is caught up
# without refetching history, and a generic JSON API is read through its mapping.
. "$(dirname "$0")/lib.sh"
cd "$T"
mkdir -p feeds/mastodon/dienst
# page files: newest first, 40 per page, like Mastodon
page() { # page FILE FIRST_ID LAST_ID [boost]
	python3 - "$@" <<'PY'
import json, sys
path, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
st = [{"id": str(i), "url": f"https://social.example/@p{i}/{i}",
       "created_at": f"2024-03-0{1 + i % 9}T10:{i % 60:02d}:00.000Z",
       "content": f"<p>Reactie {i} over de balie &amp; de <a href=\"#\">#dienstverlening</a></p>",
       "language": "nl", "spoiler_text": "", "reblog": None,
       "account": {"acct": f"persoon{i}@social.example"}} for i in range(first, last - 1, -1)]
if len(sys.argv) > 4:
    st[0]["reblog"] = {"id": "1"}  # a boost: the original arrives on its own
json.dump(st, open(path, "w"))
PY
}
page feeds/mastodon/dienst/1.json 200 161 boost
page feeds/mastodon/dienst/2.json 160 121
page feeds/mastodon/dienst/3.json 120 111
cat >feeds/api.json <<'JSON'
{"data": {"count": 2, "results": [
  {"uuid": "a-1", "body": "Ik steun de digitale balie.", "created": 1709287200000,
   "user": {"name": "Anna"}},
  {"uuid": "a-2", "body": "", "created": 1709287300000, "user": {"name": "Leeg"}},
  {"uuid": "a-3", "body": "Liever de telefoon dan een app.", "created": "2024-03-02T09:00:00Z",
   "user": {"name": "Bram"}}]}}
JSON
start_fixserve "$T/feeds"
B="http://127.0.0.1:$PORT"
cat >cfg.json <<JSON
{"vision": {"title": "V", "ambitions": [{"code": "A1", "title": "T"}]},
 "sources": [
  {"name": "masto", "type": "mastodon", "url": "$B/api/v1/timelines/tag/dienst", "allow_private": true},
  {"name": "api", "type": "json", "url": "$B/api.json", "allow_private": true,
   "mapping": {"items": "data.results", "id": "uuid", "text": "body", "time": "created",
               "author": "user.name"}}]}
JSON
count() { "$INSPRAAK" --config cfg.json items --json --source "$1" >items.json && json_eval items.json 'len(d)'; }

expect 0 "$INSPRAAK" --config cfg.json collect --all
[ "$(count masto)" = 89 ] || fail "wanted 89 statuses over three pages (one boost skipped), got $(count masto)"
contains "$T/out" "masto: HTTP 200"
"$INSPRAAK" --config cfg.json items --json --source masto >items.json
json_eval items.json '[i for i in d if i["external_id"] == "150"][0]["text"]' | grep -qx "Reactie 150 over de balie & de #dienstverlening" ||
	fail "HTML status content not turned into text: $(json_eval items.json 'd[0]["text"]')"

# a burst of 50 since the last poll: page 1 all new, page 2 has the last 10 new ones
page feeds/mastodon/dienst/1.json 250 211
python3 - feeds/mastodon/dienst/2.json <<'PY'
import json, sys
new = [{"id": str(i), "url": f"https://social.example/@p{i}/{i}", "created_at": "2024-03-05T10:00:00.000Z",
        "content": f"<p>Nieuwe reactie {i}</p>", "reblog": None, "account": {"acct": "x"}} for i in range(210, 200, -1)]
old = json.load(open(sys.argv[1]))[:30]
json.dump(new + old, open(sys.argv[1], "w"))
PY
expect 0 "$INSPRAAK" --config cfg.json collect --all
[ "$(count masto)" = 139 ] || fail "the 50-status burst was not caught up: $(count masto)"
contains "$T/out" "50 new"

[ "$(count api)" = 2 ] || fail "wanted the two API items with text, got $(count api)"
"$INSPRAAK" --config cfg.json items --json --source api >items.json
[ "$(json_eval items.json '[(i["external_id"], i["published_at"]) for i in d]')" = \
  "[('a-1', '2024-03-01T10:00:00Z'), ('a-3', '2024-03-02T09:00:00Z')]" ] ||
	fail "API items mapped wrongly: $(cat items.json)"
echo "social: ok"
