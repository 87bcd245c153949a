#!/usr/bin/env bash
# End-to-end collection against the fixture server: two good feeds and a failing one,
# `collect --all` stores the items and reports the failure without stopping the others;
# a second run adds nothing (304 / duplicates), a plain `collect` finds nothing due,
# `sources --json` shows the error; plus the address policy, the body cap and redirects.
. "$(dirname "$0")/lib.sh"
: "${FIXSERVE:?set FIXSERVE to the fixture server}"
: "${SOURCE_DIR:?set SOURCE_DIR to the source tree}"
command -v python3 >/dev/null || { echo "python3 is needed to read JSON output" >&2; exit 77; }
cd "$T"

mkdir -p www/feeds
cp "$SOURCE_DIR/tests/fixtures/feeds/reacties.rss" "$SOURCE_DIR/tests/fixtures/feeds/blog.atom" \
	www/feeds/
start_fixserve "$T/www"
B="http://127.0.0.1:$PORT"

# write_config EXTRA_SOURCES: the three base sources plus whatever JSON is given.
write_config() {
	cat >cfg.json <<EOF
{
  "database": "t.db",
  "contact": "mailto:test@example.org",
  "vision": {"title": "Visie", "ambitions": [
    {"code": "A1", "title": "Digitaal als standaard", "keywords": {"nl": ["digitaal"]}}]},
  "sources": [
    {"name": "reacties", "type": "rss", "url": "$B/feeds/reacties.rss", "interval": "30m",
     "allow_private": true, "lang": "nl", "group": "inwoner"},
    {"name": "blog", "type": "auto", "url": "$B/redirect/2/feeds/blog.atom", "interval": "1h",
     "allow_private": true},
    {"name": "kapot", "type": "rss", "url": "$B/status/500", "interval": "30m",
     "allow_private": true}$1
  ]
}
EOF
}
write_config ""

ins() { "$INSPRAAK" --config cfg.json "$@"; }
count_items() { ins items --json "$@" >items.json && json_eval items.json 'len(d)'; }

# 1. collect --all: the failing source is reported (exit 1), the others are stored.
expect 1 ins collect --all
contains "$T/err" "kapot"
contains "$T/err" "HTTP 500"
n=$(count_items)
[ "$n" = 5 ] || fail "expected 5 items after the first collect, got $n"
json_eval items.json '[i["source"] for i in d].count("reacties")' >c
[ "$(cat c)" = 3 ] || fail "expected 3 items from 'reacties', got $(cat c)"
# text is plain (HTML converted, entities decoded) and Dutch diacritics survive
json_eval items.json '"\n".join(i["text"] for i in d)' >texts
contains texts "voor mijn moeder & haar buren"
contains texts "de échte vraag"
if grep -q "<p>" texts; then fail "HTML tags left in the item text"; fi
json_eval items.json 'sorted(i["external_id"] for i in d if i["source"] == "blog")' >ids
contains ids "tag:example.org,2024:blog/1"
json_eval items.json '[i.get("lang") for i in d if i["source"] == "reacties"]' >langs
contains langs "'nl', 'nl', 'nl'"

# 2. collect --all again: nothing new (the server answers 304 to our validators)
expect 1 ins collect --all
contains "$T/out" "not modified"
n=$(count_items)
[ "$n" = 5 ] || fail "a second collect --all changed the item count to $n"

# 3. a plain collect: nothing is due, so nothing is fetched (not even the failing one,
#    which backs off)
expect 0 ins collect
contains "$T/out" "nothing is due"

# 4. sources --json: the error of the failing source, the health of the others
expect 0 ins sources --json
cp "$T/out" sources.json
[ "$(json_eval sources.json '[s["last_error"] for s in d if s["name"] == "kapot"][0]')" \
	= "cannot fetch '$B/status/500': HTTP 500" ] || fail "wrong last_error: $(cat sources.json)"
[ "$(json_eval sources.json '[s["error_count"] for s in d if s["name"] == "kapot"][0]')" = 2 ] ||
	fail "kapot should have 2 errors: $(cat sources.json)"
[ "$(json_eval sources.json '[s["items"] for s in d if s["name"] == "reacties"][0]')" = 3 ] ||
	fail "reacties should hold 3 items"
[ "$(json_eval sources.json '[s["status"] for s in d if s["name"] == "blog"][0]')" = ok ] ||
	fail "blog should be ok"

# 5. --source NAME fetches only that one, due or not; an unknown name is a usage error
expect 0 ins collect --source blog
contains "$T/out" "blog"
if grep -q reacties "$T/out"; then fail "--source blog also fetched reacties"; fi
expect 2 ins collect --source nergens
one_line_error "no source named 'nergens' in the configuration"

# 6. a new item in the feed is picked up by the next forced collect, once
sed '0,/<item>/s|<item>|<item><title>Nieuw</title><guid>reactie-4</guid><description>Bereikbaar blijven via de telefoon.</description></item>\n    <item>|' \
	www/feeds/reacties.rss >www/feeds/tmp.rss
# a different size gives a different ETag even within the same second
mv www/feeds/tmp.rss www/feeds/reacties.rss
expect 0 ins collect --source reacties
contains "$T/out" "1 new"
n=$(count_items)
[ "$n" = 6 ] || fail "expected 6 items after the feed grew, got $n"

# an edited reaction is updated in place, not added
sed 's/Ik maak me zorgen over datalekken./Ik maak me grote zorgen over datalekken./' \
	www/feeds/reacties.rss >www/feeds/tmp.rss
mv www/feeds/tmp.rss www/feeds/reacties.rss
expect 0 ins collect --source reacties
contains "$T/out" "0 new, 1 updated"
n=$(count_items)
[ "$n" = 6 ] || fail "an edited item must not be added again (now $n)"
ins items --json >items.json
contains items.json "grote zorgen"

# 7. the address policy: without allow_private, 127.0.0.1 is refused before connecting;
#    a body over max_bytes, too many redirects and a page that is no feed are errors.
write_config ',
    {"name": "privaat", "type": "rss", "url": "'"$B"'/feeds/reacties.rss"},
    {"name": "groot", "type": "rss", "url": "'"$B"'/big?bytes=50000", "max_bytes": 1024,
     "allow_private": true},
    {"name": "lus", "type": "rss", "url": "'"$B"'/redirect/9/feeds/reacties.rss",
     "allow_private": true},
    {"name": "pagina", "type": "auto", "url": "'"$B"'/feeds/pagina.html",
     "allow_private": true}'
printf '<html><body><p>Geen feed</p></body></html>\n' >www/feeds/pagina.html
expect 1 ins collect --source privaat --source groot --source lus --source pagina
contains "$T/err" "address 127.0.0.1 is loopback"
contains "$T/err" "body exceeds 1024 bytes"
contains "$T/err" "edirects"
contains "$T/err" "not a feed: root element <html>"
n=$(count_items)
[ "$n" = 6 ] || fail "failed sources must not add items (now $n)"

# 8. a big feed is stored while it is still being parsed: one that breaks near its end
#    stores none of it (what was stored is rolled back); whole, all of it, in order.
python3 - <<'PY'
items = "".join(f"<item><guid>big-{i}</guid><description>&lt;p&gt;Reactie {i} over de "
                f"wijk&lt;/p&gt;</description></item>\n" for i in range(2000))
head = '<rss version="2.0"><channel><title>g</title>\n'
open("www/feeds/lang.rss", "w").write(head + items + "</channel></rss>\n")
open("www/feeds/afgebroken.rss", "w").write(head + items + "<item><guid>x</guid></chan")
PY
write_config ',
    {"name": "lang", "type": "rss", "url": "'"$B"'/feeds/afgebroken.rss", "allow_private": true}'
expect 1 ins collect --source lang
contains "$T/err" "not a valid feed: XML error"
n=$(count_items)
[ "$n" = 6 ] || fail "a feed that breaks at its end must store nothing (now $n items)"
write_config ',
    {"name": "lang", "type": "rss", "url": "'"$B"'/feeds/lang.rss", "allow_private": true}'
expect 0 ins collect --source lang
contains "$T/out" "2000 new"
ins items --json >items.json
json_eval items.json '[i["external_id"] for i in sorted(d, key=lambda i: i["id"]) if i["source"] == "lang"] == ["big-%d" % k for k in range(2000)]' >order
[ "$(cat order)" = True ] || fail "the big feed's items are not all stored in document order"

echo "ok"
