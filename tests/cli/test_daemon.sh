#!/usr/bin/env bash
# `inspraak daemon` end to end: it polls a feed on schedule (then gets 304s), picks up a
# source added by SIGHUP, serves per-source figures on /metrics, keeps running on an
# invalid reload, and on SIGTERM during a slow fetch abandons that fetch (not counted
# against the source) and exits 0.
. "$(dirname "$0")/lib.sh"
cd "$T"
mkdir feeds
for f in a b; do
	cat >feeds/$f.rss <<RSS
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>$f</title>
<item><guid>$f-1</guid><description>Reactie $f over de balie.</description></item>
</channel></rss>
RSS
done
start_fixserve "$T/feeds"
B="http://127.0.0.1:$PORT"
config() { # config SOURCE_JSON...
	local sources
	sources=$(IFS=,; echo "$*")
	cat >cfg.json <<JSON
{"vision": {"title": "V", "ambitions": [{"code": "A1", "title": "T"}]},
 "collect": {"min_interval": "1s"},
 "server": {"listen": "127.0.0.1:0"},
 "sources": [$sources]}
JSON
}
src() { echo "{\"name\": \"$1\", \"type\": \"rss\", \"url\": \"$B/$2\", \"interval\": \"1s\", \"allow_private\": true}"; }
config "$(src a a.rss)"

coproc D { exec "$INSPRAAK" --config cfg.json daemon 2>&1; }
d_out=${D[0]} d_pid=$D_PID
# wait_line PATTERN: reads the daemon's log until a line matches (20 s deadline)
wait_line() {
	local line
	while read -r -t 20 line <&"$d_out"; do
		echo "$line" >>daemon.log
		[[ "$line" =~ $1 ]] && return 0
	done
	cat daemon.log >&2
	fail "the daemon never logged /$1/"
}
wait_line "listening on http://127\.0\.0\.1:[0-9]+/"
first_port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' daemon.log | tail -1 | grep -o '[0-9]*$')
wait_line "fetch a: HTTP 200, [0-9]+ bytes, [0-9]+ ms, 1 new"
wait_line "fetch a: HTTP 304, .*not modified"

config "$(src a a.rss)" "$(src b b.rss)"
kill -HUP "$d_pid"
wait_line "reloaded .*2 sources"
# the server came back on the port it had, though the address asks for any port
[ "$(grep -o 'listening on http://127.0.0.1:[0-9]*' daemon.log | tail -1 | grep -o '[0-9]*$')" = "$first_port" ] ||
	fail "the reload moved the server off port $first_port: $(grep listening daemon.log)"
wait_line "fetch b: HTTP 200, .*1 new"
wait_line "fetch b: HTTP 304" # a later pass: the figures of the first are rendered
curl -sf "http://127.0.0.1:$first_port/metrics" >metrics.txt || fail "no /metrics"
python3 - metrics.txt <<'PY'
import re, sys
m = {}
for line in open(sys.argv[1]):
    if not line.startswith("#") and line.strip():
        k, v = line.rsplit(" ", 1)
        m[k] = float(v)
def need(k, ok):
    assert k in m and ok(m[k]), f"{k} = {m.get(k)}"
need('inspraak_fetches_total{source="a"}', lambda v: v >= 3)
need('inspraak_fetches_total{source="b"}', lambda v: v >= 1)
need('inspraak_fetch_errors_total{source="a"}', lambda v: v == 0)
need('inspraak_items{source="b"}', lambda v: v == 1)
need('inspraak_source_consecutive_errors{source="a"}', lambda v: v == 0)
need('inspraak_last_success_timestamp_seconds{source="a"}', lambda v: v > 1.7e9)
need('inspraak_http_requests_total', lambda v: v >= 1)
need('inspraak_submission_queue', lambda v: v == 0)
PY

echo '{"vision": ' >cfg.json
kill -HUP "$d_pid"
wait_line "reload failed, keeping the running configuration: .*invalid JSON"
wait_line "fetch b: HTTP 304"

config "$(src a a.rss)" "$(src b b.rss)" "$(src c 'slow?bytes=600')"
kill -HUP "$d_pid"
wait_line "reloaded .*3 sources"
for _ in $(seq 1 200); do # until the slow fetch is in flight (the server counts)
	curl -sf "$B/stats" | grep -q '"slow_inflight": 1' && break
	read -r -t 0.1 _ <&"$d_out" && echo "$_" >>daemon.log || true
done
curl -sf "$B/stats" | grep -q '"slow_inflight": 1' || fail "the slow fetch never started"
kill -TERM "$d_pid"
wait_line "fetch c: abandoned at shutdown"
wait_line "stopping"
while read -r -t 20 line <&"$d_out"; do echo "$line" >>daemon.log; done # until it exits
code=0
wait "$d_pid" || code=$?
[ "$code" = 0 ] || { cat daemon.log >&2; fail "daemon exited $code"; }

expect 0 "$INSPRAAK" --config cfg.json sources --json
python3 - "$T/out" <<'PY'
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))}
assert s["a"]["items"] == 1 and s["b"]["items"] == 1, s
assert s["a"]["error_count"] == 0 and s["b"]["error_count"] == 0, s
# the abandoned fetch is not the feed's failure
assert s["c"]["error_count"] == 0 and s["c"]["last_attempt"] is None, s["c"]
PY
echo "daemon: ok"
