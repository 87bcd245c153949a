#!/usr/bin/env python3
"""analyze_peer.py CSV K [--unigrams]: the scikit-learn peer of issue 5 on a bench CSV
(column `reactie`): the issue's TfidfVectorizer (Snowball stems (Dutch), uni- and
bigrams, sublinear tf, min_df 2, max_df 0.5; the vectorizer of bench/themes_reference.py),
then MiniBatchKMeans with K clusters. --unigrams leaves the bigrams out, a lighter peer
than the issue's. Needs python3-sklearn and python3-snowballstemmer (Debian)."""
import csv
import re
import sys

import snowballstemmer
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer

csv.field_size_limit(1 << 24)
stem = snowballstemmer.stemmer("dutch").stemWords
word = re.compile(r"(?u)\b\w\w+\b")
unigrams = "--unigrams" in sys.argv[3:]


def analyzer(text):
    w = stem(word.findall(text.lower()))
    return w if unigrams else w + [a + " " + b for a, b in zip(w, w[1:])]


with open(sys.argv[1], encoding="utf-8") as f:
    texts = [row["reactie"] for row in csv.DictReader(f)]
x = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=2, max_df=0.5).fit_transform(texts)
labels = MiniBatchKMeans(n_clusters=int(sys.argv[2]), random_state=42, n_init=3).fit_predict(x)
print(len(texts), x.shape[1], len(set(labels)))
