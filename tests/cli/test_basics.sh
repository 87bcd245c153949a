#!/usr/bin/env bash
# The command-line contract: help, exit codes, init, check-config, and the one-line
# errors for a missing or malformed configuration and a newer or locked database.
. "$(dirname "$0")/lib.sh"
cd "$T"

expect 0 "$INSPRAAK" help
contains "$T/out" "check-config"
# the command table is sorted
grep -E '^  [a-z-]+ ' "$T/out" | awk '{print $1}' >"$T/cmds"
sort -c "$T/cmds" || fail "commands are not listed in sorted order"
expect 0 "$INSPRAAK" help import
contains "$T/out" "--text COL"
expect 0 "$INSPRAAK" import --help
contains "$T/out" "--dry-run"
expect 2 "$INSPRAAK" frobnicate
one_line_error "'frobnicate' is not a command"
expect 2 "$INSPRAAK" items --bogus
one_line_error "unknown option '--bogus'"
expect 2 "$INSPRAAK" analyze --themes
one_line_error "needs a value"

# no configuration: exit 3 with a hint
expect 3 "$INSPRAAK" items
one_line_error "cannot read configuration 'inspraak.json'.*inspraak init"

# init writes a valid starter and an empty database, and keeps an existing config
expect 0 "$INSPRAAK" init proj
[ -f proj/inspraak.json ] && [ -f proj/inspraak.db ] || fail "init did not write both files"
expect 1 "$INSPRAAK" init proj
one_line_error "already exists"
expect 0 "$INSPRAAK" --config proj/inspraak.json check-config
contains "$T/out" "valid: 2 ambitions"
# the database path is relative to the configuration, not to the working directory
expect 0 "$INSPRAAK" --config proj/inspraak.json items --json
[ "$(cat "$T/out")" = "[]" ] || fail "a new store should list no items, got: $(cat "$T/out")"

# a typo in a key: exit 3, file:line:column and the JSON path, with a suggestion
sed 's/"interval"/"intervall"/' proj/inspraak.json >bad.json
expect 3 "$INSPRAAK" --config bad.json check-config
one_line_error '^inspraak: bad\.json:[0-9]+:[0-9]+: \$\.sources\[0\]\.intervall: unknown key .*did you mean .interval.'
printf '{"vision": ' >broken.json
expect 3 "$INSPRAAK" --config broken.json check-config
one_line_error 'broken\.json:1:[0-9]+: invalid JSON'

# a database from a newer inspraak is refused, untouched
cp proj/inspraak.json newer.json
sed -i 's/"database": "inspraak.db"/"database": "newer.db"/' newer.json
expect 0 "$INSPRAAK" --config newer.json items
sqlite3 newer.db "PRAGMA user_version = 42"
expect 4 "$INSPRAAK" --config newer.json items
one_line_error "schema version 42.*newer inspraak"
[ "$(sqlite3 newer.db 'PRAGMA user_version')" = 42 ] || fail "newer database was modified"

# a locked database: exit 4 after the busy timeout, nothing lost
printf 'id,text\n1,Eerste reactie over de balie\n' >one.csv
expect 0 "$INSPRAAK" --config proj/inspraak.json import one.csv
coproc LOCK { sqlite3 proj/inspraak.db; }
# bash unsets LOCK as soon as the coprocess ends: keep its descriptors and pid now
lock_out=${LOCK[0]} lock_in=${LOCK[1]} lock_pid=$LOCK_PID
echo "BEGIN EXCLUSIVE; SELECT 'locked';" >&"$lock_in"
read -r -t 10 line <&"$lock_out" || fail "could not lock the database"
[ "$line" = locked ] || fail "sqlite3 said '$line'"
printf 'id,text\n2,Tweede reactie over de telefoon\n' >two.csv
expect 4 "$INSPRAAK" --config proj/inspraak.json import two.csv
one_line_error "is locked"
printf 'ROLLBACK;\n.quit\n' >&"$lock_in"
exec {lock_in}>&-
wait "$lock_pid" || true
expect 0 "$INSPRAAK" --config proj/inspraak.json items --json
[ "$(json_eval "$T/out" 'len(d)')" = 1 ] || fail "the stored item was lost"
expect 0 "$INSPRAAK" --config proj/inspraak.json import two.csv
expect 0 "$INSPRAAK" --config proj/inspraak.json items --json
[ "$(json_eval "$T/out" 'len(d)')" = 2 ] || fail "import after unlocking did not store"

# unreadable input file and a missing column: exit 1, one line, nothing stored
expect 1 "$INSPRAAK" --config proj/inspraak.json import nope.csv
one_line_error "nope\.csv"
printf 'id,tekst\n3,Nog een reactie\n' >col.csv
expect 1 "$INSPRAAK" --config proj/inspraak.json import col.csv --text reactie
one_line_error "no column 'reactie'"
expect 0 "$INSPRAAK" --config proj/inspraak.json items --json
[ "$(json_eval "$T/out" 'len(d)')" = 2 ] || fail "a failed import stored something"
expect 2 "$INSPRAAK" --config proj/inspraak.json items --ambition A9
one_line_error "no ambition 'A9'"
echo "basics: ok"
