#!/usr/bin/env bash
# bench/lang_eval.sh: language identification of the analysis against the gold
# languages of ../shared/datasets (sib200 Dutch and English, XED Dutch and English,
# polis English), read in place. Per set: the share detected right by the analysis
# (function-word vote, then libexttextcat), by libexttextcat alone, and the share the
# vote settles without the n-gram detector. Texts under 25 letters that the vote does
# not settle take the default language (nl), as in the analysis.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
need_packages "${BUILD_PACKAGES[@]}"
B=${BUILD_DIR:-$ROOT/build-release}
configure_build "$B" -DCMAKE_BUILD_TYPE=Release -DINSPRAAK_TESTS=OFF >&2
D=${DATASETS:-$ROOT/../shared/datasets}
W=$(mktemp -d /tmp/inspraak-lang.XXXXXX)
trap 'rm -rf "$W"' EXIT
cc -std=c11 -O2 -D_DEFAULT_SOURCE -I"$ROOT/core" -I"$ROOT/analyzer" "$ROOT/bench/lang_eval.c" \
	"$B/analyzer/libinspraak_analyzer.a" "$B/core/libinspraak_core.a" \
	$(pkg-config --libs libexttextcat libutf8proc sqlite3 jansson) -lstemmer -lm -lpthread \
	-o "$W/lang_eval"
python3 - "$D" "$W" <<'PY'
import csv, glob, os, sys
d, w = sys.argv[1], sys.argv[2]
def write(name, texts):
    with open(os.path.join(w, name), "w", encoding="utf-8") as f:
        for t in texts:
            t = " ".join(t.split())
            if t:
                f.write(t + "\n")
def tsv(pattern):
    out = []
    for f in sorted(glob.glob(os.path.join(d, pattern))):
        with open(f, newline="", encoding="utf-8") as fh:
            out += [r["text"] for r in csv.DictReader(fh, delimiter="\t")]
    return out
def first_col(path):
    with open(path, encoding="utf-8") as fh:
        return [line.split("\t")[0] for line in fh]
write("sib200_nl.nl", tsv("sib200_topic_nl_en/nld_Latn/*.tsv"))
write("sib200_en.en", tsv("sib200_topic_nl_en/eng_Latn/*.tsv"))
write("xed_nl.nl", first_col(os.path.join(d, "xed_emotion_nl_en/nl-projections.tsv")))
write("xed_en.en", first_col(os.path.join(d, "xed_emotion_nl_en/en-annotated.tsv")))
polis = []
for f in sorted(glob.glob(os.path.join(d, "polis/*/comments.csv"))):
    with open(f, newline="", encoding="utf-8") as fh:
        polis += [r.get("comment-body") or "" for r in csv.DictReader(fh)]
write("polis_en.en", polis)
PY
for f in sib200_nl.nl sib200_en.en xed_nl.nl xed_en.en polis_en.en; do
	printf '%-10s ' "${f%.*}"
	"$W/lang_eval" "${f##*.}" <"$W/$f"
done
