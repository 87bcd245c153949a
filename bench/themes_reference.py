#!/usr/bin/env python3
"""themes_reference.py GOLD.csv LANG K: the scikit-learn reference of issue 5 on a
prepared gold file (bench/themes_eval.py prepare): TfidfVectorizer with Snowball stems,
uni- and bigrams, sublinear tf, min_df 2, max_df 0.5, then KMeans(K, n_init=10);
prints NMI and ARI. Needs python3-sklearn and python3-snowballstemmer (Debian; run
with /usr/bin/python3)."""
import csv
import re
import sys

import snowballstemmer
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

gold_csv, lang, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
stem = snowballstemmer.stemmer({"nl": "dutch", "en": "english"}[lang]).stemWords
word = re.compile(r"(?u)\b\w\w+\b")
with open(gold_csv, encoding="utf-8") as f:
    rows = list(csv.DictReader(f))


def analyzer(text):
    w = stem(word.findall(text.lower()))
    return w + [a + " " + b for a, b in zip(w, w[1:])]


x = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=2, max_df=0.5).fit_transform(
    r["text"] for r in rows)
pred = KMeans(n_clusters=k, n_init=10, random_state=42).fit_predict(x)
gold = [r["label"] for r in rows]
print(f"{normalized_mutual_info_score(gold, pred):.4f} {adjusted_rand_score(gold, pred):.4f}")
