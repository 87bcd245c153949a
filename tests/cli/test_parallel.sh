#!/usr/bin/env bash
# Sources are fetched in parallel, never more than two at once from one host: four slow
# sources on the fixture server overlap exactly two at a time (the server counts), and
# a healthy feed beside them is stored as usual.
. "$(dirname "$0")/lib.sh"
cd "$T"
mkdir feeds
cat >feeds/ok.rss <<'RSS'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>t</title>
<item><guid>p1</guid><description>Goed idee, de telefoon moet bereikbaar blijven.</description></item>
</channel></rss>
RSS
start_fixserve "$T/feeds"
B="http://127.0.0.1:$PORT"
slow() { echo "{\"name\": \"slow$1\", \"type\": \"rss\", \"url\": \"$B/slow?bytes=3&n=$1\", \"allow_private\": true},"; }
cat >cfg.json <<JSON
{"vision": {"title": "V", "ambitions": [{"code": "A1", "title": "T"}]},
 "sources": [ $(slow 1) $(slow 2) $(slow 3) $(slow 4)
  {"name": "ok", "type": "rss", "url": "$B/ok.rss", "allow_private": true}]}
JSON
# the slow bodies are not feeds: those four fail to parse, after being fetched
expect 1 "$INSPRAAK" --config cfg.json collect --all
grep -c "not a" "$T/err" | grep -qx 4 || { cat "$T/err"; fail "expected four unparseable slow bodies"; }
contains "$T/out" "ok: HTTP 200"
curl -sf "$B/stats" >stats.json || fail "no /stats from the fixture server"
[ "$(json_eval stats.json 'd["slow_peak"]')" = 2 ] ||
	fail "wanted exactly 2 slow transfers at once from one host, server saw: $(cat stats.json)"
expect 0 "$INSPRAAK" --config cfg.json items --json
[ "$(json_eval "$T/out" 'len(d)')" = 1 ] || fail "the healthy feed's item was not stored"

# a server that sends one byte per second: the stall timeout ends that fetch, and the
# healthy feed beside it is fetched as usual
cat >cfg.json <<JSON
{"vision": {"title": "V", "ambitions": [{"code": "A1", "title": "T"}]},
 "collect": {"stall_timeout": "2s"},
 "sources": [{"name": "druppel", "type": "rss", "url": "$B/slow?bytes=600", "allow_private": true},
  {"name": "ok", "type": "rss", "url": "$B/ok.rss", "allow_private": true}]}
JSON
expect 1 "$INSPRAAK" --config cfg.json collect --all
grep -q "druppel: cannot fetch '$B/slow?bytes=600': .*too slow" "$T/err" ||
	{ cat "$T/err"; fail "the stalled fetch was not ended by the stall timeout"; }
contains "$T/out" "ok: not modified, HTTP 304" # fetched before: a conditional request
echo "parallel: ok"
