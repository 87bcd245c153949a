#!/usr/bin/env bash
# test_stance.sh: `inspraak stance` (the rules on given texts, with their cues, in text
# and JSON Lines, from arguments and stdin, toward a motion) and `analyze --json` (the
# stance classifier's report) on a small store where respondents gave their stances.
. "$(dirname "$0")/lib.sh"

# Texts from arguments: stance and the deciding cue, negation marked.
expect 0 "$INSPRAAK" stance --lang nl "Helemaal mee eens, goed idee." "Ik steun dit voorstel niet."
contains "$T/out" "support"
contains "$T/out" "-ik steun (negated)"
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "two texts, not two lines"

# JSON Lines from stdin; an ambition that wants something gone turns evaluative cues.
printf 'Boxing is dangerous.\n\nI strongly agree.\n' >"$T/in"
expect 0 "$INSPRAAK" stance --json --lang en --motion "This house would ban boxing" <"$T/in"
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "an empty line is skipped, two objects expected"
head -1 "$T/out" >"$T/first.json"
[ "$(json_eval "$T/first.json" 'd["polarity"]')" = "-1" ] || fail "ban motion polarity"
[ "$(json_eval "$T/first.json" 'd["stance"]')" = "support" ] || fail "dangerous boxing supports a ban"
tail -1 "$T/out" >"$T/second.json"
[ "$(json_eval "$T/second.json" 'd["stance"]')" = "support" ] || fail "agreement keeps its sign"

# the language as the analysis finds it: a short English text (too short for the n-gram
# detector) is read as English by its function words, not as the default Dutch
expect 0 "$INSPRAAK" stance --json "It is what it is."
[ "$(json_eval "$T/out" 'd["lang"]')" = en ] || fail "a short English text was not read as English"

# Bad input: invalid UTF-8 is one line naming the line number; wrong options are usage.
printf 'goed\n\xff\xfe kapot\n' >"$T/bad"
expect 1 "$INSPRAAK" stance <"$T/bad"
one_line_error "stdin line 2: not valid UTF-8"
expect 2 "$INSPRAAK" stance --motion x --ambition A1 "tekst"
one_line_error "not both"
expect 2 "$INSPRAAK" stance --colour
one_line_error "unknown option '--colour'"

# analyze --json reports the classifier trained on the respondents' stances.
cat >"$T/inspraak.json" <<JSON
{"database": "$T/s.db",
 "vision": {"title": "Wijk", "ambitions": [
   {"code": "A1", "title": "Fietsstraten", "keywords": {"nl": ["fietsstraat", "drempels"]}}]},
 "analysis": {"default_lang": "nl"}}
JSON
{
	echo "id,reactie,ambitie,standpunt"
	for i in $(seq 1 30); do
		echo "s$i,Een fietsstraat bij plek $i graag,A1,steun"
		echo "o$i,Drempels bij plek $i nee,A1,bezwaar"
	done
	echo "t1,Een fietsstraat richting de haven,,"
} >"$T/r.csv"
expect 0 "$INSPRAAK" --config "$T/inspraak.json" import "$T/r.csv" --text reactie \
	--ambition ambitie --stance standpunt --source formulier
expect 0 "$INSPRAAK" --config "$T/inspraak.json" analyze --json
cp "$T/out" "$T/report.json"
[ "$(json_eval "$T/report.json" 'd["stance_classifier"][0]["used"]')" = "True" ] ||
	fail "the classifier was not used"
[ "$(json_eval "$T/report.json" 'd["stance_classifier"][0]["labelled"]')" = "60" ] ||
	fail "60 labelled items expected"
[ "$(json_eval "$T/report.json" 'd["stance_classifier"][0]["cv_macro_f1"] > d["stance_classifier"][0]["rules_macro_f1"]')" = "True" ] ||
	fail "the classifier does not beat the rules on cue-less texts"
expect 0 "$INSPRAAK" --config "$T/inspraak.json" items --json --stance support --ambition A1
cp "$T/out" "$T/items.json"
[ "$(json_eval "$T/items.json" '[i["external_id"] for i in d if i["external_id"] == "t1"]')" = "['t1']" ] ||
	fail "the unlabelled item did not get the learnt stance"
echo ok
