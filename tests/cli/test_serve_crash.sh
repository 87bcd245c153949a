#!/usr/bin/env bash
# test_serve_crash.sh: durability of the intake. Eight clients send 50 submissions each,
# every one with its own Idempotency-Key; one client kills the server with SIGKILL halfway.
# After a restart, every submission that got a 2xx must be stored exactly once, and
# retrying every key (what a careful client does) stores each exactly once in all.
set -euo pipefail
if [ -z "${INSPRAAK:-}" ] || [ ! -x "$INSPRAAK" ]; then
	echo "skip: INSPRAAK is not set to the inspraak binary"
	exit 77
fi
command -v curl >/dev/null || { echo "FAIL: curl is not installed" >&2; exit 1; }
source "$(dirname "$0")/lib.sh"
cd "$T"

SRV_PID=""
trap '[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null; cleanup' EXIT

start_server() {
	exec 4< <(exec "$INSPRAAK" --config cfg.json serve --listen 127.0.0.1:0 2>>"$T/serve.err")
	SRV_PID=$!
	local line
	read -r -t 10 line <&4 || fail "serve did not report its address"
	[[ "$line" =~ ^listening\ on\ (http://127\.0\.0\.1:[0-9]+)$ ]] || fail "serve printed '$line'"
	API=${BASH_REMATCH[1]}/api/forms/f/submissions
}

cat >cfg.json <<'EOF'
{
  "database": "t.db",
  "vision": {"title": "V", "ambitions": [
    {"code": "A1", "title": "Digitaal", "keywords": {"nl": ["digitaal"]}}]},
  "forms": [{"name": "f", "min_fill_seconds": 0}],
  "server": {"rate_per_minute": 1000000, "burst": 100000}
}
EOF
start_server

WORKERS=8 PER=50
# client W: posts PER submissions, logging "key status"; client 0 kills the server after
# its 25th answer, while the others are sending.
client() {
	local w=$1 i code
	for ((i = 1; i <= PER; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
			-H 'Content-Type: application/json' -H "Idempotency-Key: w$w-$i" \
			-d "{\"text\": \"Reactie $i van client $w\"}" "$API") || true
		echo "w$w-$i $code" >>"$T/log.$w"
		if [ "$w" = 0 ] && [ "$i" = 25 ]; then
			kill -9 "$SRV_PID"
		fi
	done
}
for ((w = 0; w < WORKERS; w++)); do client "$w" & done
wait $(jobs -p | grep -v "^$SRV_PID\$") 2>/dev/null || true
wait "$SRV_PID" 2>/dev/null || true
SRV_PID=""

cat "$T"/log.* >acks.txt
[ "$(wc -l <acks.txt)" = $((WORKERS * PER)) ] || fail "clients did not finish"
acked=$(awk '$2 ~ /^2/ {print $1}' acks.txt | sort)
n_acked=$(echo "$acked" | grep -c . || true)
[ "$n_acked" -ge 25 ] || fail "only $n_acked submissions were acknowledged before the kill"
[ "$n_acked" -lt $((WORKERS * PER)) ] || fail "the kill did not interrupt anything"
awk '$2 !~ /^(201|000|503)$/ {print; bad=1} END {exit bad}' acks.txt ||
	fail "unexpected answers (only 201, 503 or no answer are expected)"

# After the restart: every acknowledged key is there exactly once.
start_server
expect 0 "$INSPRAAK" --config cfg.json items --json
jq -r '.[].external_id' "$T/out" | sort >stored.txt
[ "$(uniq -d stored.txt | wc -l)" = 0 ] || fail "a key is stored twice"
missing=$(comm -23 <(echo "$acked") stored.txt)
[ -z "$missing" ] || fail "acknowledged but not stored: $missing"

# Retrying every key stores each exactly once; the acknowledged ones come back replayed.
# (One Python process for the 400 retries: a curl and a jq per key would take long.)
python3 - "$API" acks.txt <<'PY' || fail "retries after the restart"
import json, sys, urllib.request
api, acks = sys.argv[1], sys.argv[2]
replayed = acked = 0
for line in open(acks):
    key, code = line.split()
    w, i = key[1:].split("-")
    req = urllib.request.Request(api, method="POST", headers={
        "Content-Type": "application/json", "Idempotency-Key": key},
        data=json.dumps({"text": f"Reactie {i} van client {w}"}).encode())
    with urllib.request.urlopen(req) as r:
        status = json.load(r)["status"]
    if code.startswith("2"):
        acked += 1
        if status != "replayed":
            sys.exit(f"{key} was acknowledged but stored again")
    replayed += status == "replayed"
print(f"{acked} acknowledged, {replayed} replayed", file=sys.stderr)
PY
kill "$SRV_PID"; wait "$SRV_PID" 2>/dev/null || true; SRV_PID=""
expect 0 "$INSPRAAK" --config cfg.json items --json
[ "$(jq length "$T/out")" = $((WORKERS * PER)) ] || fail "not every submission stored once"
echo "ok: $n_acked acknowledged before the kill, all stored once"
