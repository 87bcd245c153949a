#!/usr/bin/env bash
# When sources are polled next, end to end through the fixture server: an RSS ttl longer
# than the interval pushes the next poll out, a 429 with Retry-After is honoured, a 500
# backs off from the interval, and a plain `collect` right after fetches nothing.
. "$(dirname "$0")/lib.sh"
cd "$T"
mkdir feeds
cat >feeds/ttl.rss <<'RSS'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>t</title><ttl>120</ttl>
<item><guid>t1</guid><description>Goed idee, de balie moet open blijven.</description></item>
</channel></rss>
RSS
start_fixserve "$T/feeds"
B="http://127.0.0.1:$PORT"
cat >cfg.json <<JSON
{"vision": {"title": "V", "ambitions": [{"code": "A1", "title": "T"}]},
 "sources": [
  {"name": "ttl", "type": "rss", "url": "$B/ttl.rss", "interval": "30m", "allow_private": true},
  {"name": "limited", "type": "rss", "url": "$B/status/429?retry-after=7200", "interval": "30m", "allow_private": true},
  {"name": "broken", "type": "rss", "url": "$B/status/500", "interval": "30m", "allow_private": true}
 ]}
JSON
expect 1 "$INSPRAAK" --config cfg.json collect
expect 0 "$INSPRAAK" --config cfg.json sources --json
python3 - "$T/out" <<'PY'
import json, sys
from datetime import datetime
def t(s): return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").timestamp()
src = {s["name"]: s for s in json.load(open(sys.argv[1]))}
wait = {n: t(s["next_due"]) - t(s["last_attempt"]) for n, s in src.items() if s["next_due"]}
def within(n, lo):
    assert lo <= wait[n] <= lo * 1.1 + 1, f"{n}: next poll after {wait[n]} s, wanted {lo} s (+10%)"
within("ttl", 7200)       # ttl 120 minutes beats the 30-minute interval
within("limited", 7200)   # Retry-After beats the interval on a 429
within("broken", 1800)    # the first failure waits one interval
assert src["limited"]["last_http_status"] == 429 and src["limited"]["consecutive_errors"] == 1
assert src["ttl"]["status"] == "ok" and src["ttl"]["items"] == 1
PY
expect 0 "$INSPRAAK" --config cfg.json collect
contains "$T/out" "nothing is due"
echo "schedule: ok"
