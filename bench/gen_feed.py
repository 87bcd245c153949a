#!/usr/bin/env python3
"""Writes an RSS 2.0 feed of N items (bench/feed_bench.sh): each description recombines
sentences of ../shared/datasets (read in place) as HTML with an entity and a link, so
the parser and the HTML-to-text step do real work. Fixed seed."""
import html, os, random, sys
sys.path.insert(0, os.path.dirname(__file__))
from gen_items import sentences  # noqa: E402

n, out = int(sys.argv[1]), sys.argv[2]
root = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "../../shared/datasets")
nl, en = sentences(root)
rnd = random.Random(50000)
with open(out, "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>bench</title>\n')
    for i in range(n):
        pool = nl if rnd.random() < 0.85 else en
        text = " ".join(rnd.choice(pool) for _ in range(rnd.randint(1, 3)))
        body = f"<p>{html.escape(text)} &amp; <a href=\"https://example.org/{i}\">meer</a></p>"
        f.write(f"<item><guid isPermaLink=\"false\">b-{i}</guid><title>Reactie {i}</title>"
                f"<dc:creator>persoon {i % 977}</dc:creator>"
                f"<pubDate>Tue, 05 Mar 2024 {i % 24:02d}:{i % 60:02d}:00 +0100</pubDate>"
                f"<description>{html.escape(body)}</description></item>\n")
    f.write("</channel></rss>\n")
