# tests/cli/lib.sh: shared by the end-to-end tests: a temp dir, assertions that name
# what failed, and a fixture HTTP server started on an ephemeral 127.0.0.1 port.
set -euo pipefail
: "${INSPRAAK:?set INSPRAAK to the inspraak binary}"
T=$(mktemp -d /tmp/inspraak-cli.XXXXXX)
FIX_PID=""
SRV_PID=""
# stop_server: stops what start_server started (and waits for it).
stop_server() {
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null || true
		wait "$SRV_PID" 2>/dev/null || true
		SRV_PID=""
	fi
}
cleanup() {
	stop_server
	[ -n "$FIX_PID" ] && kill "$FIX_PID" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

# start_server CONFIG [ADDRESS]: starts `inspraak serve` on ADDRESS (default
# 127.0.0.1:0, a free port); sets URL and PORT. Reading the line it prints once it
# listens is the wait.
start_server() {
	exec 4< <(exec "$INSPRAAK" --config "$1" serve --listen "${2:-127.0.0.1:0}" 2>>"$T/serve.err")
	SRV_PID=$!
	local line
	read -r -t 10 line <&4 || fail "serve did not report its address"
	[[ "$line" =~ ^listening\ on\ (http://[0-9.]+:([0-9]+))$ ]] || fail "serve printed '$line'"
	URL=${BASH_REMATCH[1]}
	PORT=${BASH_REMATCH[2]}
}

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect CODE CMD...: runs CMD, checks its exit code; stdout in $T/out, stderr in $T/err.
expect() {
	local want=$1 got=0
	shift
	"$@" >"$T/out" 2>"$T/err" || got=$?
	if [ "$got" != "$want" ]; then
		echo "--- stdout" >&2; cat "$T/out" >&2
		echo "--- stderr" >&2; cat "$T/err" >&2
		fail "exit code $got, wanted $want: $*"
	fi
}

# one_line_error PATTERN: stderr is exactly one line and matches PATTERN (grep -E).
one_line_error() {
	[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err" >&2; fail "stderr is not one line"; }
	grep -qE "$1" "$T/err" || { cat "$T/err" >&2; fail "stderr does not match '$1'"; }
}

contains() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "'$1' lacks '$2'"; }; }

# start_fixserve DIR: serves DIR on 127.0.0.1; sets PORT and FIX_PID. The server
# prints its port once it listens, so reading that line is the wait (no sleeping).
start_fixserve() {
	: "${FIXSERVE:?set FIXSERVE to the fixture server}"
	exec 3< <(exec "$FIXSERVE" --dir "$1" --port 0)
	FIX_PID=$!
	read -r -t 10 PORT <&3 || fail "fixture server did not report its port"
	[[ "$PORT" =~ ^[0-9]+$ ]] || fail "fixture server printed '$PORT', not a port"
}

# json_eval FILE EXPR: evaluates a Python expression over the JSON in FILE (as `d`).
json_eval() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
