/* names.c: the names of stances, origins and source types as users and exports see
 * them, and the tolerant parsing of stances that forms and imports hand us. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core.h"

const char *core_stance_name(enum core_stance s)
{
	switch (s) {
	case CORE_STANCE_SUPPORT: return "support";
	case CORE_STANCE_OBJECTION: return "objection";
	case CORE_STANCE_NEUTRAL: return "neutral";
	case CORE_STANCE_MIXED: return "mixed";
	default: return "";
	}
}

enum core_stance core_stance_parse(const char *s)
{
	static const struct { const char *word; enum core_stance st; } words[] = {
		{"support", CORE_STANCE_SUPPORT}, {"steun", CORE_STANCE_SUPPORT},
		{"voor", CORE_STANCE_SUPPORT}, {"eens", CORE_STANCE_SUPPORT},
		{"pro", CORE_STANCE_SUPPORT}, {"agree", CORE_STANCE_SUPPORT},
		{"objection", CORE_STANCE_OBJECTION}, {"bezwaar", CORE_STANCE_OBJECTION},
		{"tegen", CORE_STANCE_OBJECTION}, {"oneens", CORE_STANCE_OBJECTION},
		{"con", CORE_STANCE_OBJECTION}, {"against", CORE_STANCE_OBJECTION},
		{"oppose", CORE_STANCE_OBJECTION}, {"disagree", CORE_STANCE_OBJECTION},
		{"neutral", CORE_STANCE_NEUTRAL}, {"neutraal", CORE_STANCE_NEUTRAL},
		{"mixed", CORE_STANCE_MIXED}, {"gemengd", CORE_STANCE_MIXED},
	};
	char w[32];
	size_t n = 0;

	if (!s)
		return CORE_STANCE_NONE;
	while (isspace((unsigned char)*s))
		s++;
	while (*s && n < sizeof(w) - 1)
		w[n++] = *s++;
	while (n && isspace((unsigned char)w[n - 1]))
		n--;
	w[n] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(w, words[i].word) == 0)
			return words[i].st;
	return CORE_STANCE_NONE;
}

const char *core_origin_name(enum core_origin o)
{
	switch (o) {
	case CORE_ORIGIN_RESPONDENT: return "respondent";
	case CORE_ORIGIN_REVIEWER: return "reviewer";
	default: return "analysis";
	}
}

const char *core_source_type_name(enum core_source_type t)
{
	static const char *names[] = {"auto", "rss", "atom", "jsonfeed", "mastodon", "json",
				      "form", "import"};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "auto";
}
