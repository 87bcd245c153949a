#!/usr/bin/env python3
"""Writes N synthetic reactions as a CSV (id,tijdstip,groep,reactie) for benchmarks:
each row recombines one to three sentences drawn, with a fixed seed, from the Dutch
sentences of ../shared/datasets (sib200 nld, XED nl) and the English polis statements,
about 85% Dutch. Nothing is copied into the repository; the data sets are read in place."""
import csv, glob, os, random, sys

def sentences(root):
    nl, en = [], []
    for f in glob.glob(os.path.join(root, "sib200_topic_nl_en/nld_Latn/*.tsv")):
        with open(f, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                nl.append(row["text"])
    with open(os.path.join(root, "xed_emotion_nl_en/nl-projections.tsv"), encoding="utf-8") as fh:
        for line in fh:
            t = line.split("\t")[0].strip()
            if len(t) > 20:
                nl.append(t)
    for f in glob.glob(os.path.join(root, "polis/*/comments.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                t = (row.get("comment-body") or "").strip()
                if len(t) > 20:
                    en.append(t)
    return nl, en

def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    root = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "../../shared/datasets")
    nl, en = sentences(root)
    if not nl or not en:
        sys.exit(f"gen_items: no sentences found under {root}")
    rnd = random.Random(20241122)
    groups = ["inwoner", "medewerker", "organisatie", "buitenland"]
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "tijdstip", "groep", "reactie"])
        for i in range(n):
            pool = nl if rnd.random() < 0.85 else en
            text = " ".join(rnd.choice(pool) for _ in range(rnd.randint(1, 3)))
            day = 1 + i % 28
            w.writerow([f"B-{i:07d}", f"2024-03-{day:02d} {i % 24:02d}:{i % 60:02d}",
                        groups[i % 4], text])

if __name__ == "__main__":
    main()
