#!/usr/bin/env bash
# What a feed server may and may not make us do: a redirect chain within the limit is
# followed; a redirect to file:// or to a private network address is refused (before
# any connection: allow_private "loopback" permits this machine only); a feed that
# fails twice with 500 backs off (1 s, then 2 s) and recovers to its interval; a second
# source carrying the same feed adds nothing but is recorded on the items.
. "$(dirname "$0")/lib.sh"
cd "$T"
mkdir www
cp "$SOURCE_DIR/tests/fixtures/feeds/reacties.rss" "$SOURCE_DIR/tests/fixtures/feeds/blog.atom" www/
start_fixserve "$T/www"
B="http://127.0.0.1:$PORT"
cat >cfg.json <<JSON
{"vision": {"title": "V", "ambitions": [{"code": "A1", "title": "T"}]},
 "collect": {"min_interval": "1s"},
 "sources": [
  {"name": "keten", "type": "rss", "url": "$B/redirect/3/reacties.rss", "allow_private": "loopback"},
  {"name": "spiegel", "type": "rss", "url": "$B/reacties.rss", "allow_private": "loopback"},
  {"name": "schema", "type": "rss", "url": "$B/redirect-to?url=file:///etc/passwd", "allow_private": "loopback"},
  {"name": "intranet", "type": "rss", "url": "$B/redirect-to?url=http://10.1.2.3/feed.rss", "allow_private": "loopback"},
  {"name": "wankel", "type": "atom", "url": "$B/flaky/2/blog.atom", "interval": "1s", "allow_private": "loopback"}]}
JSON
waits() { # prints "errors wait" of source $1 from sources --json
	"$INSPRAAK" --config cfg.json sources --json >s.json
	python3 - s.json "$1" <<'PY'
import json, sys
from datetime import datetime
t = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").timestamp()
s = [x for x in json.load(open(sys.argv[1])) if x["name"] == sys.argv[2]][0]
print(s["consecutive_errors"], int(t(s["next_due"]) - t(s["last_attempt"])))
PY
}
expect 1 "$INSPRAAK" --config cfg.json collect --all
contains "$T/out" "keten: HTTP 200"
grep -q "schema: cannot fetch .*file" "$T/err" || { cat "$T/err"; fail "file:// redirect not refused"; }
contains "$T/err" "address 10.1.2.3 is private (10.0.0.0/8) and the source's allow_private does not permit it"
contains "$T/err" "wankel: cannot fetch '$B/flaky/2/blog.atom': HTTP 500"
[ "$(waits wankel)" = "1 1" ] || fail "first failure: wanted 1 error and 1 s, got $(waits wankel)"
# the same feed on a second source: its reactions count once, with both sources recorded
contains "$T/out" "spiegel: HTTP 200"
expect 0 "$INSPRAAK" --config cfg.json items --json --source spiegel
[ "$(json_eval "$T/out" 'len(d)')" = 0 ] || fail "the mirror stored its reactions again"
expect 0 "$INSPRAAK" --config cfg.json items --json --source keten
[ "$(json_eval "$T/out" 'sorted(set(tuple(i["also_in"]) for i in d))')" = "[('spiegel',)]" ] ||
	fail "keten's items do not record the mirror: $(cat "$T/out")"
expect 1 "$INSPRAAK" --config cfg.json collect --all
[ "$(waits wankel)" = "2 2" ] || fail "second failure: wanted 2 errors and 2 s, got $(waits wankel)"
expect 1 "$INSPRAAK" --config cfg.json collect --all
contains "$T/out" "wankel: HTTP 200"
[ "$(waits wankel)" = "0 1" ] || fail "after recovery: wanted 0 errors and 1 s, got $(waits wankel)"
expect 0 "$INSPRAAK" --config cfg.json items --json --source wankel
[ "$(json_eval "$T/out" 'len(d)')" = 2 ] || fail "the recovered feed's items were not stored"
echo "fetch policy: ok"
