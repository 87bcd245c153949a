/* test_analyze.c: ana_run end to end on a temporary store (themes by subject, the same
 * themes for the same seed and for another storage order, labels, campaigns, the
 * respondent's choices winning), plus the stance rules as pure functions in Dutch and
 * English (cases named stance_*). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

#include "analyzer.h"
#include "stance.h"
#include "text.h"

static const char config_text[] =
	"{\"vision\": {\"title\": \"Dienstverlening 2020\", \"ambitions\": [\n"
	" {\"code\": \"A1\", \"title\": \"Digitaal als standaard\", \"title_en\": \"Digital by default\",\n"
	"  \"description\": \"Inwoners regelen hun zaken online via website en app.\",\n"
	"  \"keywords\": {\"nl\": [\"digitaal\", \"online\", \"app\", \"website\", \"digid\"],\n"
	"               \"en\": [\"digital\", \"online\", \"app\"]},\n"
	"  \"hashtags\": [\"#digitaalstandaard\"]},\n"
	" {\"code\": \"A4\", \"title\": \"De basis op orde\", \"title_en\": \"Getting the basics right\",\n"
	"  \"description\": \"Betrouwbare registraties, informatiebeveiliging en privacy.\",\n"
	"  \"keywords\": {\"nl\": [\"privacy\", \"gegevens\", \"beveiliging\", \"registratie\"],\n"
	"               \"en\": [\"privacy\", \"data\", \"security\"]}},\n"
	" {\"code\": \"A5\", \"title\": \"Bereikbaar via alle kanalen\",\n"
	"  \"description\": \"Loket, telefoon en online blijven open; niemand blijft achter.\",\n"
	"  \"keywords\": {\"nl\": [\"loket\", \"telefoon\", \"balie\", \"bereikbaar\"],\n"
	"               \"en\": [\"counter\", \"phone\"]}}\n"
	"]},\n"
	"\"analysis\": {\"seed\": 7, \"campaign_min\": 5}}\n";

/* Three subjects; texts combine pools of coprime sizes, so all are different. */
static const char *const dig_a[] = {"De nieuwe app", "Online aanvragen via de website",
				    "Inloggen met DigiD op de website", "Het digitale formulier"};
static const char *const dig_b[] = {"werkt snel en de app is handig", "bespaart tijd online",
				    "maakt de digitale aanvraag makkelijker",
				    "is goed te gebruiken op de telefoon app",
				    "laat je status online zien"};
static const char *const dig_c[] = {"voor een paspoort.", "voor een rijbewijs.",
				    "voor een parkeervergunning.", "voor een uittreksel.",
				    "bij de verhuizing.", "voor de afvalpas.", "voor een subsidie."};
static const char *const prv_a[] = {"Mijn persoonsgegevens", "De privacy van inwoners",
				    "Beveiliging van de registratie", "Het delen van gegevens"};
static const char *const prv_b[] = {"moet beter beschermd worden tegen datalekken",
				    "vraagt om strenge beveiliging van gegevens",
				    "hoort veilig in de basisregistratie",
				    "verdient meer aandacht voor privacy",
				    "mag niet zomaar gedeeld worden tussen registraties"};
static const char *const prv_c[] = {"Datalek voorkomen.", "Gegevens versleutelen.",
				    "Privacy eerst.", "Registratie klopt niet altijd.",
				    "Beveiliging testen.", "Gegevens minimaliseren.", "Toegang loggen."};
static const char *const kan_a[] = {"Het loket in het stadhuis", "De balie op het gemeentehuis",
				    "Bellen met de telefoon", "Een afspraak aan het loket"};
static const char *const kan_b[] = {"moet open blijven voor ouderen",
				    "is onmisbaar voor wie niet bereikbaar is via internet",
				    "helpt mensen die persoonlijk contact willen aan de balie",
				    "moet beter bereikbaar zijn per telefoon",
				    "blijft nodig naast het loket"};
static const char *const kan_c[] = {"Loket open houden.", "Balie niet sluiten.",
				    "Telefoon beter bereikbaar.", "Persoonlijk contact loket.",
				    "Ouderen aan de balie.", "Wachttijd telefoon korter.",
				    "Loket in de wijk."};

#define PER_SUBJECT 13
#define CAMPAIGN_SIZE 6
#define LETTER_SIZE 5
#define N_ITEMS (3 * PER_SUBJECT + CAMPAIGN_SIZE + LETTER_SIZE + 4)
/* A form letter: near-identical, only the signature differs (a near-duplicate group). */
static const char letter_text[] =
	"Geachte gemeenteraad, met deze brief wil ik bezwaar maken tegen het plan om de "
	"telefonische bereikbaarheid van de publieksbalie te beperken tot twee ochtenden per "
	"week. Veel inwoners hebben geen computer en zijn afhankelijk van persoonlijk contact. "
	"Met vriendelijke groet, %s";
static const char *const letter_names[LETTER_SIZE] = {"Jan", "Fatima", "Pieter de Vries",
						     "Els", "Mohamed"};
static const char campaign_text[] =
	"Stop met het sluiten van loketten! Iedereen moet terecht kunnen aan de balie.";

struct fixture {
	char dir[64];
	char path[96];
	struct core_db *db;
	struct core_config cfg;
};

static void put_lang(struct core_db *db, int64_t src, const char *ext, const char *text,
		     const char *ambition, enum core_stance stance, const char *lang)
{
	test_put_item(db, src, ext, text, ambition, stance, lang);
}

static void put(struct core_db *db, int64_t src, const char *ext, const char *text,
		const char *ambition, enum core_stance stance)
{
	put_lang(db, src, ext, text, ambition, stance, "nl");
}

static void subject_text(int subject, int i, char *buf, size_t cap)
{
	const char *const *a = subject == 0 ? dig_a : subject == 1 ? prv_a : kan_a;
	const char *const *b = subject == 0 ? dig_b : subject == 1 ? prv_b : kan_b;
	const char *const *c = subject == 0 ? dig_c : subject == 1 ? prv_c : kan_c;
	snprintf(buf, cap, "%s %s %s", a[i % 4], b[i % 5], c[i % 7]);
}

/* Stores the corpus; reverse stores it in the opposite order (same external ids). */
static void fill(struct core_db *db, int reverse)
{
	struct core_err err = {0};
	int64_t src;
	char text[512], ext[32];
	const int n = N_ITEMS;

	assert_int_equal(core_db_source_ensure(db, "forms", CORE_SRC_IMPORT, NULL, &src, &err), 0);
	assert_int_equal(core_db_begin(db, &err), 0);
	for (int step = 0; step < n; step++) {
		int j = reverse ? n - 1 - step : step;
		if (j < 3 * PER_SUBJECT) {
			subject_text(j / PER_SUBJECT, j % PER_SUBJECT, text, sizeof(text));
			snprintf(ext, sizeof(ext), "s%d-%02d", j / PER_SUBJECT, j % PER_SUBJECT);
			put(db, src, ext, text, NULL, CORE_STANCE_NONE);
		} else if (j < 3 * PER_SUBJECT + CAMPAIGN_SIZE) {
			int c = j - 3 * PER_SUBJECT;
			/* Case and punctuation differ: still exact duplicates after folding. */
			snprintf(ext, sizeof(ext), "camp-%d", c);
			if (c % 2 == 0)
				snprintf(text, sizeof(text), "%s", campaign_text);
			else
				snprintf(text, sizeof(text), "stop met het sluiten van loketten. Iedereen "
					 "moet terecht kunnen aan de balie%s", c == 3 ? "!!" : "");
			put(db, src, ext, text, NULL, CORE_STANCE_NONE);
		} else if (j < 3 * PER_SUBJECT + CAMPAIGN_SIZE + LETTER_SIZE) {
			int c = j - 3 * PER_SUBJECT - CAMPAIGN_SIZE;
			snprintf(ext, sizeof(ext), "letter-%d", c);
			snprintf(text, sizeof(text), letter_text, letter_names[c]);
			put(db, src, ext, text, NULL, CORE_STANCE_NONE);
		} else if (j == n - 4) {
			put(db, src, "support", "Ik ben helemaal voor meer digitale dienstverlening, "
			    "goed idee", NULL, CORE_STANCE_NONE);
		} else if (j == n - 3) {
			put(db, src, "objection", "Alles online via de app regelen? Dit is geen goed idee.",
			    NULL, CORE_STANCE_NONE);
		} else if (j == n - 2) {
			/* About apps, but the respondent chose A4 and objection: that wins. */
			put(db, src, "declared", "De app is prima en online werkt het snel, helemaal "
			    "mee eens.", "A4", CORE_STANCE_OBJECTION);
		} else {
			put(db, src, "general", "Bedankt voor de uitnodiging om mee te denken.", NULL,
			    CORE_STANCE_NONE);
		}
	}
	assert_int_equal(core_db_commit(db, &err), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct core_err err = {0};

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/inspraak-ana-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/a.db", f->dir);
	assert_int_equal(core_config_parse(config_text, strlen(config_text), "test.json", &f->cfg,
					   &err), 0);
	f->db = core_db_open(f->path, &err);
	assert_non_null(f->db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	char second[128];

	core_db_close(f->db);
	test_store_remove(f->path);
	snprintf(second, sizeof(second), "%s/b.db", f->dir); /* left behind by a failed case */
	test_store_remove(second);
	rmdir(f->dir);
	core_config_release(&f->cfg);
	free(f);
	return 0;
}

/* ---------------------------------------------------------------- reading results */

#define MAX_ITEMS 64
struct snapshot {
	size_t n;
	char ext[MAX_ITEMS][32];
	char theme[MAX_ITEMS][32];
	char campaign[MAX_ITEMS][32];
	char stances[MAX_ITEMS][256]; /* "A1:support:analysis;..." */
	size_t n_themes;
	char label[32][256];
	char id[32][32];
	int64_t size[32];
};

static int collect(const struct core_item_view *v, void *ctx)
{
	struct snapshot *s = ctx;
	size_t i = s->n++;

	assert_true(i < MAX_ITEMS);
	snprintf(s->ext[i], sizeof(s->ext[i]), "%s", v->item.external_id);
	snprintf(s->theme[i], sizeof(s->theme[i]), "%s", v->theme ? v->theme : "");
	snprintf(s->campaign[i], sizeof(s->campaign[i]), "%s", v->campaign ? v->campaign : "");
	s->stances[i][0] = '\0';
	for (size_t k = 0; k < v->n_stances; k++) {
		size_t l = strlen(s->stances[i]);
		snprintf(s->stances[i] + l, sizeof(s->stances[i]) - l, "%s:%s:%s;", v->stances[k].code,
			 core_stance_name(v->stances[k].stance), core_origin_name(v->stances[k].origin));
	}
	return 0;
}

static int by_ext(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void snapshot(struct core_db *db, struct snapshot *s)
{
	struct core_err err = {0};
	struct core_item_filter f = {0};
	struct core_run_info info = {0};
	struct core_theme *themes = NULL;
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	assert_int_equal(core_db_items_each(db, &f, collect, s, &err), 0);
	assert_int_equal(core_db_run_latest(db, &info, &err), 0);
	assert_int_equal(core_db_run_themes(db, info.id, &themes, &n, &err), 0);
	assert_true(n <= 32);
	s->n_themes = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(s->label[i], sizeof(s->label[i]), "%s", themes[i].label);
		snprintf(s->id[i], sizeof(s->id[i]), "%s", themes[i].id);
		s->size[i] = themes[i].size;
		core_theme_release(&themes[i]);
	}
	free(themes);
	core_run_info_release(&info);
}

static int find_ext(const struct snapshot *s, const char *ext)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ext[i], ext) == 0)
			return (int)i;
	fail_msg("item '%s' not found", ext);
	return -1;
}

/* Membership as sorted "ext=label" lines, comparable across stores. */
static void membership(const struct snapshot *s, char (*out)[320])
{
	for (size_t i = 0; i < s->n; i++) {
		const char *label = "";
		for (size_t t = 0; t < s->n_themes; t++)
			if (strcmp(s->id[t], s->theme[i]) == 0)
				label = s->label[t];
		snprintf(out[i], 320, "%s=%s|%s|%s", s->ext[i], label, s->campaign[i], s->stances[i]);
	}
	qsort(out, s->n, sizeof(out[0]), by_ext);
}

/* ---------------------------------------------------------------- tests */

static void analyze_end_to_end(void **state)
{
	struct fixture *f = *state;
	struct core_err err = {0};
	struct ana_opts opts = {.seed = 7, .themes = 3};
	struct ana_report rep;
	static struct snapshot a, b, c;
	static char ma[MAX_ITEMS][320], mb[MAX_ITEMS][320], mc[MAX_ITEMS][320];

	fill(f->db, 0);
	int rc = ana_run(f->db, &f->cfg, &opts, &rep, &err);
	if (rc)
		fail_msg("ana_run: %s", err.msg);
	print_message("ana_run: %zu items, %zu themes, %zu campaigns, %zu unassigned, %.4f s "
		      "(text %.4f, cluster %.4f, stance %.4f, store %.4f)\n", rep.items, rep.themes,
		      rep.campaigns, rep.unassigned, rep.seconds_total, rep.seconds_text,
		      rep.seconds_cluster, rep.seconds_stance, rep.seconds_store);
	assert_int_equal(rep.items, N_ITEMS);
	assert_int_equal(rep.themes, 3);
	assert_int_equal(rep.campaigns, 2);
	snapshot(f->db, &a);

	/* Subjects land together, in three different themes. */
	char first[3][32];
	for (int s = 0; s < 3; s++) {
		char ext[32];
		snprintf(ext, sizeof(ext), "s%d-00", s);
		snprintf(first[s], sizeof(first[s]), "%s", a.theme[find_ext(&a, ext)]);
		assert_true(first[s][0] != '\0');
		for (int i = 1; i < PER_SUBJECT; i++) {
			snprintf(ext, sizeof(ext), "s%d-%02d", s, i);
			assert_string_equal(a.theme[find_ext(&a, ext)], first[s]);
		}
	}
	assert_string_not_equal(first[0], first[1]);
	assert_string_not_equal(first[0], first[2]);
	assert_string_not_equal(first[1], first[2]);

	/* Labels: unique, no stopwords, sizes descending. */
	struct ana_text *tx = ana_text_new(&err);
	assert_non_null(tx);
	for (size_t t = 0; t < a.n_themes; t++) {
		print_message("theme %s (%lld): %s\n", a.id[t], (long long)a.size[t], a.label[t]);
		for (size_t u = 0; u < t; u++)
			assert_string_not_equal(a.label[t], a.label[u]);
		if (t > 0)
			assert_true(a.size[t - 1] >= a.size[t]);
		char copy[256];
		snprintf(copy, sizeof(copy), "%s", a.label[t]);
		for (char *w = strtok(copy, ", "); w; w = strtok(NULL, ", "))
			assert_false(ana_text_is_stop(tx, w, strlen(w)));
	}
	ana_text_free(tx);

	/* The campaign: six members, one id, the template is the first item's text. */
	struct core_run_info info = {0};
	struct core_campaign *camps = NULL;
	size_t nc = 0;
	assert_int_equal(core_db_run_latest(f->db, &info, &err), 0);
	assert_int_equal(core_db_run_campaigns(f->db, info.id, &camps, &nc, &err), 0);
	assert_int_equal(nc, 2);
	assert_string_equal(camps[0].id, "C1");
	assert_int_equal(camps[0].size, CAMPAIGN_SIZE);
	assert_string_equal(camps[0].template_text, campaign_text);
	assert_string_equal(camps[1].id, "C2");
	assert_int_equal(camps[1].size, LETTER_SIZE);
	char first_letter[1024];
	snprintf(first_letter, sizeof(first_letter), letter_text, letter_names[0]);
	assert_string_equal(camps[1].template_text, first_letter);
	for (size_t i = 0; i < nc; i++)
		free(camps[i].template_text);
	free(camps);
	core_run_info_release(&info);
	for (int i = 0; i < CAMPAIGN_SIZE; i++) {
		char ext[32];
		snprintf(ext, sizeof(ext), "camp-%d", i);
		int k = find_ext(&a, ext);
		assert_string_equal(a.campaign[k], "C1");
		assert_string_equal(a.theme[k], a.theme[find_ext(&a, "camp-0")]);
	}
	for (int i = 0; i < LETTER_SIZE; i++) {
		char ext[32];
		snprintf(ext, sizeof(ext), "letter-%d", i);
		int k = find_ext(&a, ext);
		assert_string_equal(a.campaign[k], "C2");
		assert_string_equal(a.theme[k], a.theme[find_ext(&a, "letter-0")]);
		/* Each letter is an objection about reaching the counter (A5). */
		assert_non_null(strstr(a.stances[k], "A5:objection:analysis;"));
	}
	/* Texts on one subject that merely share phrases are not near-duplicates. */
	assert_string_equal(a.campaign[find_ext(&a, "s0-00")], "");

	/* Stances: inferred support and objection; the respondent's choice wins. */
	assert_string_equal(a.stances[find_ext(&a, "support")], "A1:support:analysis;");
	assert_string_equal(a.stances[find_ext(&a, "objection")], "A1:objection:analysis;");
	assert_string_equal(a.stances[find_ext(&a, "declared")], "A4:objection:respondent;");
	assert_string_equal(a.stances[find_ext(&a, "general")], "");

	/* Same seed, same store: identical. */
	assert_int_equal(ana_run(f->db, &f->cfg, &opts, &rep, &err), 0);
	snapshot(f->db, &b);
	assert_int_equal(a.n_themes, b.n_themes);
	for (size_t t = 0; t < a.n_themes; t++) {
		assert_string_equal(a.label[t], b.label[t]);
		assert_int_equal(a.size[t], b.size[t]);
	}
	membership(&a, ma);
	membership(&b, mb);
	for (size_t i = 0; i < a.n; i++)
		assert_string_equal(ma[i], mb[i]);

	/* The same items stored in the opposite order: the same themes. */
	char path2[128];
	snprintf(path2, sizeof(path2), "%s/b.db", f->dir);
	struct core_db *db2 = core_db_open(path2, &err);
	assert_non_null(db2);
	fill(db2, 1);
	assert_int_equal(ana_run(db2, &f->cfg, &opts, &rep, &err), 0);
	snapshot(db2, &c);
	assert_int_equal(a.n_themes, c.n_themes);
	for (size_t t = 0; t < a.n_themes; t++) {
		assert_string_equal(a.label[t], c.label[t]);
		assert_int_equal(a.size[t], c.size[t]);
	}
	membership(&c, mc);
	for (size_t i = 0; i < a.n; i++)
		assert_string_equal(ma[i], mc[i]);

	/* More themes than subjects: how subjects split depends on the seeding, which
	 * must not depend on the storage order either. */
	for (int k = 4; k <= 7; k++) {
		opts.themes = k;
		assert_int_equal(ana_run(f->db, &f->cfg, &opts, &rep, &err), 0);
		snapshot(f->db, &a);
		assert_int_equal(ana_run(db2, &f->cfg, &opts, &rep, &err), 0);
		snapshot(db2, &c);
		assert_int_equal(a.n_themes, c.n_themes);
		for (size_t t = 0; t < a.n_themes; t++) {
			assert_string_equal(a.label[t], c.label[t]);
			assert_int_equal(a.size[t], c.size[t]);
		}
		membership(&a, ma);
		membership(&c, mc);
		for (size_t i = 0; i < a.n; i++)
			assert_string_equal(ma[i], mc[i]);
	}
	core_db_close(db2);
	test_store_remove(path2);
}

/* ---------------------------------------------------------------- threads */

/* A larger, mixed store (several batches of the threaded pass): the three subjects with
 * words that first appear in later batches, English, German, a campaign, short texts in
 * a language nobody set up ("es"), declared ambitions and stances. */
#define MIXED_ITEMS 5000
static void fill_mixed(struct core_db *db)
{
	struct core_err err = {0};
	int64_t src;
	char text[512], ext[32];

	assert_int_equal(core_db_source_ensure(db, "forms", CORE_SRC_IMPORT, NULL, &src, &err), 0);
	assert_int_equal(core_db_begin(db, &err), 0);
	for (int j = 0; j < MIXED_ITEMS; j++) {
		snprintf(ext, sizeof(ext), "m%d", j);
		if (j % 50 == 7) {
			put(db, src, ext, campaign_text, NULL, CORE_STANCE_NONE);
		} else if (j % 97 == 3) {
			put_lang(db, src, ext, "Prima plan!", NULL, CORE_STANCE_NONE, "es");
		} else if (j % 89 == 5) {
			snprintf(text, sizeof(text), "De app voor de buurt %d is een goed idee.", j);
			put(db, src, ext, text, "A1", CORE_STANCE_SUPPORT);
		} else if (j % 10 == 8) {
			snprintf(text, sizeof(text), "The new app for passports is fast and the online "
				 "forms save time in district %c%c. I support this.", 'a' + j % 26,
				 'a' + j / 26 % 26);
			put(db, src, ext, text, NULL, CORE_STANCE_NONE);
		} else if (j % 10 == 9) {
			snprintf(text, sizeof(text), "Die neue App ist schnell und die Verwaltung "
				 "arbeitet digital für alle Bürger der Stadt %d.", j % 31);
			put(db, src, ext, text, NULL, CORE_STANCE_NONE);
		} else {
			char line[400];
			subject_text(j % 3, j / 3, line, sizeof(line));
			/* "wijkNNN" recurs about seven times, first seen in later batches too. */
			snprintf(text, sizeof(text), "%s In de wijk%d en de straat%d.", line, j / 7,
				 j % 101);
			put(db, src, ext, text, NULL, CORE_STANCE_NONE);
		}
	}
	assert_int_equal(core_db_commit(db, &err), 0);
}

static int dump_item(const struct core_item_view *v, void *ctx)
{
	struct core_buf *b = ctx;
	int rc = core_buf_printf(b, "%s|%s|%s|%s|%s|", v->item.external_id, v->theme ? v->theme : "",
				 v->subtheme ? v->subtheme : "", v->campaign ? v->campaign : "",
				 v->item.lang ? v->item.lang : "");
	for (size_t k = 0; rc == 0 && k < v->n_stances; k++)
		rc = core_buf_printf(b, "%s:%s:%.6f:%s:%s;", v->stances[k].code,
				     core_stance_name(v->stances[k].stance), v->stances[k].score,
				     core_origin_name(v->stances[k].origin),
				     v->stances[k].evidence ? v->stances[k].evidence : "");
	return rc ? rc : core_buf_puts(b, "\n");
}

/* Everything the run stored, as text: themes, then every item's results. */
static char *dump_run(struct core_db *db)
{
	struct core_err err = {0};
	struct core_item_filter f = {0};
	struct core_run_info info = {0};
	struct core_theme *th = NULL;
	struct core_buf b;
	size_t n = 0;

	core_buf_init(&b, 64u << 20);
	assert_int_equal(core_db_run_latest(db, &info, &err), 0);
	assert_int_equal(core_db_run_themes(db, info.id, &th, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(core_buf_printf(&b, "%s|%s|%s|%lld|", th[i].id, th[i].parent,
						 th[i].label, (long long)th[i].size), 0);
		for (size_t t = 0; t < th[i].top_terms.n; t++)
			assert_int_equal(core_buf_printf(&b, "%s,", th[i].top_terms.v[t]), 0);
		for (size_t q = 0; q < th[i].n_quotes; q++)
			assert_int_equal(core_buf_printf(&b, "%lld,", (long long)th[i].quotes[q]), 0);
		assert_int_equal(core_buf_puts(&b, "\n"), 0);
		core_theme_release(&th[i]);
	}
	free(th);
	core_run_info_release(&info);
	assert_int_equal(core_db_items_each(db, &f, dump_item, &b, &err), 0);
	return b.data;
}

static void one_and_two_threads_agree(void **state)
{
	struct fixture *f = *state;
	struct core_err err = {0};
	struct ana_opts one = {.seed = 5, .threads = 1}, two = {.seed = 5, .threads = 2};
	struct ana_report ra, rb;
	char path[128];

	fill_mixed(f->db);
	if (ana_run(f->db, &f->cfg, &one, &ra, &err) != 0)
		fail_msg("ana_run: %s", err.msg);
	snprintf(path, sizeof(path), "%s/b.db", f->dir);
	struct core_db *db2 = core_db_open(path, &err);
	assert_non_null(db2);
	fill_mixed(db2);
	if (ana_run(db2, &f->cfg, &two, &rb, &err) != 0)
		fail_msg("ana_run: %s", err.msg);
	char *a = dump_run(f->db), *b = dump_run(db2);
	core_db_close(db2);
	test_store_remove(path);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(ra.themes >= 2);
	assert_true(strstr(a, "|es|") != NULL); /* the language set up during the merge */
	assert_true(strstr(a, "|de|") != NULL && strstr(a, "|en|") != NULL);
	assert_true(strstr(a, "A1:support:1.000000:respondent") != NULL);
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(ra.ambition_items[i], rb.ambition_items[i]);
	/* Byte for byte: the themes with their labels, terms and quotes, and every item's
	 * theme, subtheme, campaign, language, stances with scores and evidence. */
	if (strcmp(a, b) != 0) {
		size_t i = 0;
		while (a[i] && a[i] == b[i])
			i++;
		fail_msg("one and two threads differ at byte %zu: '%.80s' vs '%.80s'", i, a + i, b + i);
	}
	free(a);
	free(b);
}

static void analyze_auto_k_and_empty_store(void **state)
{
	struct fixture *f = *state;
	struct core_err err = {0};
	struct ana_opts opts = {.seed = 0, .themes = 0};
	struct ana_report rep;

	assert_int_equal(ana_run(f->db, &f->cfg, &opts, &rep, &err), CORE_ERUNTIME);
	assert_non_null(strstr(err.msg, "no items"));
	fill(f->db, 0);
	assert_int_equal(ana_run(f->db, &f->cfg, &opts, &rep, &err), 0);
	/* 3 * 13 + 4 unique texts + 2 campaigns: round(sqrt(45 / 2)) = 5 themes at most. */
	assert_true(rep.themes >= 2 && rep.themes <= 5);
	assert_true(rep.ambition_items[0] > 0 && rep.ambition_items[1] > 0 &&
		    rep.ambition_items[2] > 0);
}

/* ---------------------------------------------------------------- stance rules */

struct stance_case {
	const char *lang, *text;
	enum core_stance want;
};

static void stance_cases(void **state)
{
	(void)state;
	static const struct stance_case cases[] = {
		{"nl", "Ik ben helemaal voor meer digitale dienstverlening, goed idee", CORE_STANCE_SUPPORT},
		{"nl", "Dit is geen goed idee", CORE_STANCE_OBJECTION},
		{"nl", "Helemaal mee eens!", CORE_STANCE_SUPPORT},
		{"nl", "Ik ben het er niet mee eens.", CORE_STANCE_OBJECTION},
		{"nl", "Ik steun dit voorstel niet.", CORE_STANCE_OBJECTION},
		{"nl", "Ik ben ertegen, het loket moet open.", CORE_STANCE_OBJECTION},
		{"nl", "Geen probleem, prima plan.", CORE_STANCE_SUPPORT},
		{"nl", "Goed idee, mits de privacy op orde is.", CORE_STANCE_MIXED},
		{"nl", "Een goed plan, maar ik maak me ernstig zorgen over ouderen die buiten de boot "
		       "vallen en ik vrees problemen.", CORE_STANCE_OBJECTION},
		{"nl", "Is dit wel een goed idee?", CORE_STANCE_NEUTRAL},
		{"nl", "De gemeente opent een nieuw loket in de wijk.", CORE_STANCE_NEUTRAL},
		{"nl", "Voorstander! Wel hoog tijd.", CORE_STANCE_SUPPORT},
		{"en", "I fully agree, great idea.", CORE_STANCE_SUPPORT},
		{"en", "This is not a good idea.", CORE_STANCE_OBJECTION},
		{"en", "I don't agree with this plan.", CORE_STANCE_OBJECTION},
		{"en", "I support this, but only if the counter stays open.", CORE_STANCE_MIXED},
		{"en", "I am worried about privacy and strongly disagree.", CORE_STANCE_OBJECTION},
		{"en", "Good idea in theory, however I have serious concerns and doubts.",
		 CORE_STANCE_OBJECTION},
		{"en", "Will the phone line stay open?", CORE_STANCE_NEUTRAL},
	};
	struct ana_lexicons lxs;
	struct core_err err = {0};
	int failed = 0;

	assert_int_equal(ana_lexicons_load(&lxs, &err), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ana_stance_result r;
		assert_int_equal(ana_stance_text(&lxs, cases[i].text, cases[i].lang, &r), 0);
		if (r.stance != cases[i].want) {
			print_message("stance of '%s': %s (+%.2f -%.2f), want %s\n", cases[i].text,
				      core_stance_name(r.stance), r.pos, r.neg,
				      core_stance_name(cases[i].want));
			failed++;
		}
		assert_true(r.confidence >= 0.0 && r.confidence <= 1.0);
	}
	ana_lexicons_release(&lxs);
	assert_int_equal(failed, 0);
}

static void stance_lexicon_errors(void **state)
{
	(void)state;
	struct ana_lexicon lx = {0};
	struct core_err err = {0};
	const char bad[] = "# ok\n+ goed\nfoo bar\n";
	const char badw[] = "+x goed\n";

	assert_int_equal(ana_lexicon_add(&lx, bad, strlen(bad), "l.txt", &err), CORE_ECONFIG);
	assert_non_null(strstr(err.msg, "l.txt:3"));
	ana_lexicon_release(&lx);
	assert_int_equal(ana_lexicon_add(&lx, badw, strlen(badw), "w.txt", &err), CORE_ECONFIG);
	assert_non_null(strstr(err.msg, "w.txt:1"));
	ana_lexicon_release(&lx);
}

int test_analyze(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(analyze_end_to_end, setup, teardown),
		cmocka_unit_test_setup_teardown(analyze_auto_k_and_empty_store, setup, teardown),
		cmocka_unit_test_setup_teardown(one_and_two_threads_agree, setup, teardown),
		cmocka_unit_test(stance_cases),
		cmocka_unit_test(stance_lexicon_errors),
	};
	return cmocka_run_group_tests_name("analyze", tests, NULL, NULL);
}
