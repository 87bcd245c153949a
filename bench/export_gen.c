/* export_gen.c: builds a store for the export benchmark (bench/export_bench.sh): N
 * synthetic but varied reactions over five channels and half a year, a few with personal
 * data, plus one analysis run (themes, campaigns, one or two stances per item) written
 * through the core store API, so the export reads what a real run would leave.
 * Usage: export_gen DB N [SEED]. Not part of the product; built by the bench script. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define N_THEMES 12
#define N_CAMPAIGNS 3

static uint64_t rng_state;

/* xorshift64*: fixed seed, the same store every time. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static size_t pick(size_t n)
{
	return (size_t)(rnd() % n);
}

static const char *const openers[] = {
	"Ik vind", "Volgens mij is", "Als inwoner merk ik dat", "Wij zien dat", "Eerlijk gezegd is",
	"Het valt me op dat", "In onze gemeente is", "Mijn ervaring is dat", "Goed plan:",
	"Jammer dat", "I think", "In my experience", "Our organisation finds that"};
static const char *const subjects[] = {
	"het digitale loket", "de balie in het stadhuis", "de app van de gemeente",
	"het telefoonnummer 14 0", "de basisregistratie personen", "de privacy van gegevens",
	"één loket voor alle overheden", "de wachttijd voor een afspraak", "de website",
	"het servicebeloofde antwoord binnen vijf dagen", "DigiD", "the online form",
	"the counter at city hall", "information security"};
static const char *const verbs[] = {
	"werkt prima", "is te ingewikkeld", "moet blijven", "helpt ouderen niet",
	"scheelt veel tijd", "is onbetrouwbaar", "kan beter", "verdient meer aandacht",
	"is een goed idee", "laat mensen achter", "works well", "is confusing", "should stay open"};
static const char *const tails[] = {
	"Graag meer uitleg.", "Denk aan mensen zonder computer.", "Ga zo door!",
	"Dit moet echt anders.", "Neem burgers serieus.", "Maak het eenvoudig.",
	"Ik heb drie keer gebeld.", "De medewerker was vriendelijk.", "Please keep it simple.",
	"Zorg dat de gegevens kloppen.", "Open data helpt vertrouwen.", ""};
static const char *const pii[] = {
	" Mail me op jan.jansen@example.nl.", " Bel 06-12345678.", " Mijn BSN is 111222333.",
	" IBAN NL91ABNA0417164300.", " Zie https://example.org/klacht?id=12345.",
	" Adres 1234 AB 12."};
static const char *const sources[] = {"formulier", "vdp-blog", "twitter", "e-mail", "mastodon"};
static const char *const groups[] = {"inwoner", "medewerker", "organisatie", "buitenland"};
static const char *const codes[] = {"A1", "A2", "A3", "A4", "A5", "A6"};

int main(int argc, char **argv)
{
	struct core_err err = {0};
	struct core_db *db = NULL;
	int64_t src_ids[5], n;
	struct core_run run = {0};
	struct core_theme themes[N_THEMES];
	struct core_campaign camps[N_CAMPAIGNS];
	struct core_item_result *results = NULL;
	struct core_item_stance *stances = NULL;
	int64_t quotes[N_THEMES][3];
	int rc = 1;

	if (argc < 3 || (n = atoll(argv[2])) <= 0) {
		fprintf(stderr, "usage: export_gen DB N [SEED]\n");
		return 2;
	}
	rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) | 1 : 0x9E3779B97F4A7C15ULL;
	db = core_db_open(argv[1], &err);
	if (!db)
		goto out;
	results = calloc((size_t)n, sizeof(*results));
	stances = calloc((size_t)n * 2, sizeof(*stances));
	if (!results || !stances) {
		core_err_set(&err, CORE_ENOMEM, "out of memory for %lld items", (long long)n);
		goto out;
	}
	for (int s = 0; s < 5; s++)
		if (core_db_source_ensure(db, sources[s], s == 0 ? CORE_SRC_FORM : CORE_SRC_RSS,
					  s == 0 ? NULL : "http://127.0.0.1:1/feed", &src_ids[s], &err))
			goto out;
	if (core_db_begin(db, &err))
		goto out;
	for (int64_t i = 0; i < n; i++) {
		struct core_item it = {0};
		enum core_put put;
		char ext[24], when[21], text[1024];
		int s = (int)pick(5), campaign = i % 97 == 0;
		time_t t = 1704067200 + (time_t)(pick(182 * 86400)); /* 2024, first half */

		if (campaign) {
			snprintf(text, sizeof(text), "Stop de centralisatie van de dienstverlening nu! "
				 "Campagnetekst %d.", (int)(i % N_CAMPAIGNS));
		} else {
			snprintf(text, sizeof(text), "%s %s %s. %s%s %s %s.",
				 openers[pick(sizeof(openers) / sizeof(*openers))],
				 subjects[pick(sizeof(subjects) / sizeof(*subjects))],
				 verbs[pick(sizeof(verbs) / sizeof(*verbs))],
				 tails[pick(sizeof(tails) / sizeof(*tails))],
				 pick(20) == 0 ? pii[pick(sizeof(pii) / sizeof(*pii))] : "",
				 subjects[pick(sizeof(subjects) / sizeof(*subjects))],
				 verbs[pick(sizeof(verbs) / sizeof(*verbs))]);
		}
		snprintf(ext, sizeof(ext), "g%lld", (long long)i);
		core_time_format(t, when);
		it.source = core_strdup(sources[s]);
		it.external_id = core_strdup(ext);
		it.text = core_strdup(text);
		it.lang = core_strdup(pick(7) == 0 ? "en" : "nl");
		it.published_at = core_strdup(when);
		it.collected_at = core_strdup(when);
		it.group = core_strdup(groups[pick(4)]);
		it.author = core_strdup(pick(3) == 0 ? "Anoniem" : NULL);
		if (core_db_item_put(db, src_ids[s], &it, &put, &err)) {
			core_item_release(&it);
			goto out;
		}
		results[i].item_id = it.id;
		snprintf(results[i].lang, sizeof(results[i].lang), "%s", it.lang);
		core_item_release(&it);
		if (pick(50) != 0)
			snprintf(results[i].theme, sizeof(results[i].theme), "T%d",
				 (int)(1 + (pick(N_THEMES) * pick(N_THEMES)) / N_THEMES));
		if (campaign)
			snprintf(results[i].campaign, sizeof(results[i].campaign), "C%d",
				 (int)(1 + i % N_CAMPAIGNS));
		results[i].stances = &stances[2 * i];
		size_t base = pick(6);
		for (int k = 0, m = pick(10) == 0 ? 0 : 1 + (pick(3) == 0); k < m; k++) {
			struct core_item_stance *st = &stances[2 * i + (size_t)k];
			snprintf(st->code, sizeof(st->code), "%s", codes[(base + (size_t)k * 3) % 6]);
			st->stance = (enum core_stance)(1 + pick(4));
			st->score = (double)pick(1000) / 1000.0;
			st->origin = pick(100) == 0 ? CORE_ORIGIN_RESPONDENT : CORE_ORIGIN_ANALYSIS;
			results[i].n_stances++;
		}
	}
	if (core_db_commit(db, &err))
		goto out;

	memset(themes, 0, sizeof(themes));
	for (int t = 0; t < N_THEMES; t++) {
		snprintf(themes[t].id, sizeof(themes[t].id), "T%d", t + 1);
		themes[t].label = core_asprintf("%s", subjects[t % 14]);
		core_strlist_push(&themes[t].top_terms, verbs[t % 13]);
		core_strlist_push(&themes[t].top_terms, subjects[(t + 3) % 14]);
		for (int q = 0; q < 3; q++)
			quotes[t][q] = results[pick((size_t)n)].item_id;
		themes[t].quotes = quotes[t];
		themes[t].n_quotes = 3;
		themes[t].size = n / N_THEMES;
	}
	for (int c = 0; c < N_CAMPAIGNS; c++) {
		memset(&camps[c], 0, sizeof(camps[c]));
		snprintf(camps[c].id, sizeof(camps[c].id), "C%d", c + 1);
		camps[c].size = n / 97 / N_CAMPAIGNS;
		camps[c].template_text = "Stop de centralisatie van de dienstverlening nu!";
		camps[c].first_item = results[0].item_id;
	}
	snprintf(run.started_at, sizeof(run.started_at), "2024-07-01T00:00:00Z");
	snprintf(run.finished_at, sizeof(run.finished_at), "2024-07-01T00:10:00Z");
	run.seed = 42;
	run.k = N_THEMES;
	run.items = n;
	run.params = "{\"generator\": \"bench/export_gen\"}";
	run.themes = themes;
	run.n_themes = N_THEMES;
	run.campaigns = camps;
	run.n_campaigns = N_CAMPAIGNS;
	run.results = results;
	run.n_results = (size_t)n;
	if (core_db_run_save(db, &run, &err))
		goto out;
	for (int t = 0; t < N_THEMES; t++) {
		free(themes[t].label);
		core_strlist_release(&themes[t].top_terms);
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "export_gen: %s\n", err.msg);
	free(results);
	free(stances);
	core_db_close(db);
	return rc;
}
