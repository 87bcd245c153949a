#!/usr/bin/env python3
"""themes_eval.py: prepares the labelled data sets for bench/themes_eval.sh and scores
a clustering against their gold labels (NMI with the arithmetic-mean normalisation that
scikit-learn uses by default, and the adjusted Rand index), in the standard library only.

  themes_eval.py prepare NAME DATASETS_DIR OUT.csv   -> prints the number of gold labels
  themes_eval.py score GOLD.csv ITEMS.json           -> prints "nmi ari items unassigned"
"""
import csv
import json
import math
import sys
from collections import Counter

csv.field_size_limit(1 << 24)


def sib200(root, lang):
    rows = []
    for split in ("train", "dev", "test"):
        with open(f"{root}/sib200_topic_nl_en/{lang}/{split}.tsv", encoding="utf-8") as f:
            r = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(r)
            for index_id, cat, text in r:
                rows.append((f"{split}-{index_id}", text, cat))
    return rows


def pxtextmining(root):
    rows = []
    with open(f"{root}/pxtextmining_nhs_feedback/phase_1/text_data.csv", encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f)):
            text = (row.get("feedback") or "").strip()
            label = (row.get("label") or "").strip()
            if text and label:
                rows.append((f"px-{i}", text, label))
    return rows


def banking77(root):
    rows = []
    with open(f"{root}/banking77/train.csv", encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f)):
            rows.append((f"b-{i}", row["text"], row["category"]))
    return rows


SETS = {
    "sib200-nl": lambda r: sib200(r, "nld_Latn"),
    "sib200-en": lambda r: sib200(r, "eng_Latn"),
    "pxtextmining": pxtextmining,
    "banking77": banking77,
}


def prepare(name, root, out):
    rows = SETS[name](root)
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "label"])
        w.writerows(rows)
    print(len({r[2] for r in rows}))


def comb2(n):
    return n * (n - 1) / 2


def nmi_ari(gold, pred):
    n = len(gold)
    cont = Counter(zip(gold, pred))
    a = Counter(gold)
    b = Counter(pred)
    mi = 0.0
    for (g, p), c in cont.items():
        mi += c / n * math.log(c * n / (a[g] * b[p]))
    ha = -sum(c / n * math.log(c / n) for c in a.values())
    hb = -sum(c / n * math.log(c / n) for c in b.values())
    nmi = 0.0 if ha + hb == 0 else 2 * mi / (ha + hb)
    sum_ij = sum(comb2(c) for c in cont.values())
    sum_a = sum(comb2(c) for c in a.values())
    sum_b = sum(comb2(c) for c in b.values())
    expected = sum_a * sum_b / comb2(n) if n > 1 else 0.0
    maxi = (sum_a + sum_b) / 2
    ari = 0.0 if maxi == expected else (sum_ij - expected) / (maxi - expected)
    return nmi, ari


def score(gold_csv, items_json):
    gold = {}
    with open(gold_csv, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            gold[row["id"]] = row["label"]
    with open(items_json, encoding="utf-8") as f:
        items = json.load(f)
    g, p, unassigned = [], [], 0
    for it in items:
        ext = it.get("external_id")
        if ext not in gold:
            continue
        th = it.get("theme")
        if th is None:
            unassigned += 1
            th = "(unassigned)"  # one more cluster, as a user would see it
        g.append(gold[ext])
        p.append(th)
    if len(g) != len(gold):
        sys.exit(f"score: {len(gold) - len(g)} gold items missing from the analysis output")
    nmi, ari = nmi_ari(g, p)
    print(f"{nmi:.4f} {ari:.4f} {len(g)} {unassigned}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "score":
        score(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
