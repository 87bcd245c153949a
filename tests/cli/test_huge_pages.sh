#!/usr/bin/env bash
# analyze on transparent huge pages (cli/main.c, cmd_analyze.c): a store of at least
# 1 MiB makes analyze start itself again with glibc's heap on huge pages where the
# kernel gives them on request; a small store does not pay for the second start;
# GLIBC_TUNABLES=glibc.malloc.hugetlb=0 opts out; the analysis is the same either way.
. "$(dirname "$0")/lib.sh"
cd "$T"
grep -q '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null ||
	{ echo "skip: the kernel does not give huge pages on request"; exit 77; }
[ "${INSPRAAK_SANITIZED:-0}" = 0 ] || { echo "skip: sanitised builds keep their allocator"; exit 77; }
I() { env -u GLIBC_TUNABLES "$INSPRAAK" --config "$T/p/inspraak.json" "$@"; }
# gen FILE N PREFIX: N reactions of forty words from a small vocabulary
gen() {
	python3 - "$@" <<'PY'
import csv, random, sys
random.seed(sys.argv[3])
words = ("wachttijd loket afspraak parkeren fiets bus trein school zorg wijk groen "
         "veilig licht straat huur woning energie subsidie regels website formulier").split()
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "text"])
    for i in range(int(sys.argv[2])):
        w.writerow([f"{sys.argv[3]}{i}", " ".join(random.choice(words) for _ in range(40))])
PY
}
huge() { sed -n 's/.*analysis: \(-\?[0-9]*\) KiB on huge pages/\1/p' "$T/err"; }

expect 0 "$INSPRAAK" init p
gen "$T/small.csv" 200 s
expect 0 I import small.csv
expect 0 I -v analyze
[ "$(huge)" = 0 ] || fail "a store of $(stat -c %s p/inspraak.db) bytes went to huge pages"

# grow the store past 1 MiB
gen "$T/big.csv" 6000 b
expect 0 I import big.csv
[ "$(stat -c %s p/inspraak.db)" -ge 1048576 ] || fail "the store stayed under 1 MiB"
expect 0 I -v analyze
[ "$(huge)" -gt 0 ] || fail "analyze did not put its heap on huge pages: '$(huge)' KiB"
expect 0 I items --json
cp "$T/out" items1.json
expect 0 env GLIBC_TUNABLES=glibc.malloc.hugetlb=0 "$INSPRAAK" --config "$T/p/inspraak.json" -v analyze
[ "$(huge)" = 0 ] || fail "hugetlb=0 still ran on huge pages: '$(huge)' KiB"
expect 0 I items --json
cmp -s "$T/out" items1.json || fail "items' analysis differs between huge and small pages"
echo "huge pages: ok"
