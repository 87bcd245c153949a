#!/usr/bin/env python3
"""stance_eval.py: stance quality on the labelled data sets in ../shared/datasets.

  ibm      IBM claim stance: claims as items, each claim's motion as an ambition, PRO as
           support and CON as objection. Rules alone through `inspraak stance --motion`;
           rules plus the classifier through `inspraak analyze`, which cross-validates
           (5 folds) on the items whose stance is known and reports it.
  hatecheck  Dutch HateCheck: hateful cases should read as objection (negative), and
           the negated and counter-speech cases should not; accuracy per case type.
  polis    Polis conversations: per statement, the stance the rules read toward the
           conversation's topic against the agree share of its votes (Pearson r).
Only python3's standard library; the datasets are read in place, never copied.
"""
import csv, json, math, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("DATASETS", os.path.join(HERE, "..", "..", "shared", "datasets"))
INSPRAAK = os.environ.get("INSPRAAK", os.path.join(HERE, "..", "build-release", "cli", "inspraak"))


def stance_lines(texts, motion=None, lang=None):
    """The rules' verdict on each text (one JSON object per text)."""
    cmd = [INSPRAAK, "stance", "--json"]
    if motion:
        cmd += ["--motion", motion]
    if lang:
        cmd += ["--lang", lang]
    inp = "".join(t.replace("\n", " ").replace("\r", " ") + "\n" for t in texts)
    out = subprocess.run(cmd, input=inp, capture_output=True, text=True, check=True).stdout
    res = [json.loads(l) for l in out.splitlines() if l.strip()]
    assert len(res) == len(texts), (len(res), len(texts))
    return res


def macro_f1(gold, pred, classes):
    f1s = []
    for c in classes:
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(f1s) / len(f1s)


def ibm_rows():
    path = os.path.join(DATA, "ibm_claim_stance", "claim_stance_dataset_v1.csv")
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def ibm_rules():
    rows = ibm_rows()
    by_topic = {}
    for r in rows:
        by_topic.setdefault(r["topicText"], []).append(r)
    gold, pred, pol_ok = [], [], 0
    for motion, rs in by_topic.items():
        res = stance_lines([r["claims.claimCorrectedText"] for r in rs], motion=motion, lang="en")
        if res and (res[0]["polarity"] > 0) == (int(rs[0]["topicSentiment"]) > 0):
            pol_ok += 1
        for r, o in zip(rs, res):
            gold.append("support" if r["claims.stance"] == "PRO" else "objection")
            pred.append(o["stance"])
    acc = sum(g == p for g, p in zip(gold, pred)) / len(gold)
    decided = sum(p in ("support", "objection") for p in pred)
    print(f"ibm_claim_stance rules alone: {len(gold)} claims, {len(by_topic)} motions, "
          f"macro-F1 {macro_f1(gold, pred, ['support', 'objection']):.3f}, accuracy {acc:.3f}, "
          f"decided {decided / len(gold):.3f}, motion polarity right {pol_ok}/{len(by_topic)}")


def ibm_cv():
    rows = ibm_rows()
    topics = {}
    for r in rows:
        topics.setdefault(r["topicId"], r["topicText"])
    with tempfile.TemporaryDirectory() as tmp:
        cfg = {"database": os.path.join(tmp, "ibm.db"),
               "vision": {"title": "IBM claim stance motions",
                          "ambitions": [{"code": "M" + t, "title": m} for t, m in topics.items()]},
               "analysis": {"default_lang": "en"}}
        with open(os.path.join(tmp, "c.json"), "w") as f:
            json.dump(cfg, f)
        with open(os.path.join(tmp, "claims.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["id", "text", "ambition", "stance"])
            for r in rows:
                w.writerow([r["claims.claimId"], r["claims.claimCorrectedText"], "M" + r["topicId"],
                            "support" if r["claims.stance"] == "PRO" else "objection"])
        base = [INSPRAAK, "-q", "--config", os.path.join(tmp, "c.json")]
        subprocess.run(base + ["import", os.path.join(tmp, "claims.csv"), "--source", "ibm",
                               "--ambition", "ambition", "--stance", "stance"], check=True)
        out = subprocess.run(base[:1] + base[2:] + ["analyze", "--json"], capture_output=True,
                             text=True, check=True)
        ev = json.loads(out.stdout)
        for e in ev["stance_classifier"]:
            line = (f"ibm_claim_stance ({e['lang']}, {e['labelled']} claims): rules alone macro-F1 "
                    f"{e['rules_macro_f1']:.3f} (accuracy {e['rules_accuracy']:.3f})")
            if e["used"]:
                line += (f"; rules + classifier, {e['folds']}-fold CV macro-F1 {e['cv_macro_f1']:.3f} "
                         f"(accuracy {e['cv_accuracy']:.3f})")
            print(line)


# The case types that show negation and contrast at work, and the polarity each should
# read as: a hateful statement is negative toward its target; a negated one ("ik haat
# X niet") is not; counter-speech quotes or names the hate to oppose it, so it should not
# read as negative toward the group either. Abuse aimed at objects or individuals
# (target_*_nh) is negative, hateful or not.
FOCUS = ["derog_neg_emote_h", "negate_pos_h", "negate_neg_nh", "counter_quote_nh",
         "counter_ref_nh", "ident_pos_nh"]


def expect_negative(fn, label):
    if fn.startswith("target_"):
        return True
    return label == "hateful"


def hatecheck():
    path = os.path.join(DATA, "mhc_dutch_hatecheck", "hatecheck_cases_final_dutch.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    res = stance_lines([r["test_case"] for r in rows], lang="nl")
    per = {}
    for r, o in zip(rows, res):
        fn = r["functionality"]
        negative = o["objection"] > o["support"] and o["stance"] in ("objection", "mixed")
        ok = negative == expect_negative(fn, r["label_gold"])
        p = per.setdefault(fn, [0, 0])
        p[0] += ok
        p[1] += 1
    print("mhc_dutch_hatecheck, share read with the right polarity per case type "
          "(negative for hateful and abusive cases, not negative otherwise):")
    for fn in FOCUS + sorted(k for k in per if k not in FOCUS):
        ok, n = per[fn]
        print(f"  {fn:22s} {ok / n:.3f} ({ok}/{n}){'' if fn in FOCUS else '  (other)'}")


def pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sx = math.sqrt(sum((a - mx) ** 2 for a in x))
    sy = math.sqrt(sum((b - my) ** 2 for b in y))
    return sxy / (sx * sy) if sx and sy else float("nan")


def polis():
    root = os.path.join(DATA, "polis")
    allx, ally = [], []
    print("polis: rules' stance toward the topic vs the statements' agree share (>= 5 votes):")
    for conv in sorted(os.listdir(root)):
        d = os.path.join(root, conv)
        if not os.path.isdir(d):
            continue
        topic = ""
        with open(os.path.join(d, "summary.csv"), newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                if len(row) >= 2 and row[0] == "topic":
                    topic = row[1]
        with open(os.path.join(d, "comments.csv"), newline="", encoding="utf-8") as f:
            rows = [r for r in csv.DictReader(f)
                    if r["moderated"] != "-1" and int(r["agrees"]) + int(r["disagrees"]) >= 5
                    and r["comment-body"].strip()]
        if len(rows) < 10:
            continue
        res = stance_lines([r["comment-body"] for r in rows], motion=topic, lang="en")
        x = [o["support"] - o["objection"] for o in res]
        y = [int(r["agrees"]) / (int(r["agrees"]) + int(r["disagrees"])) for r in rows]
        allx += x
        ally += y
        print(f"  {conv:45s} {len(rows):5d} statements  r = {pearson(x, y):+.3f}")
    print(f"  all {len(allx)} statements: r = {pearson(allx, ally):+.3f}")


if __name__ == "__main__":
    if not os.path.isdir(DATA):
        print(f"stance_eval: no datasets at {DATA}", file=sys.stderr)
        sys.exit(77)
    which = sys.argv[1:] or ["ibm", "hatecheck", "polis"]
    for w in which:
        {"ibm": lambda: (ibm_rules(), ibm_cv()), "ibm-rules": ibm_rules, "ibm-cv": ibm_cv,
         "hatecheck": hatecheck, "polis": polis}[w]()
