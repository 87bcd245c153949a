/* test_exports.c: the exports module against a small store with a hand-written analysis
 * run: counts and Wilson intervals in summary.json, RFC 4180 and formula neutralisation in
 * the CSVs, escaping in Markdown and HTML, filters, atomic writes, reproducibility, and
 * the `themes` / `items` listings. */
#define _XOPEN_SOURCE 700 /* nftw, to remove the temporary folder */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core.h"
#include "exports.h"
#include "../../exports/model.h" /* by path: analyzer/ has a model.h too */

static const char config_json[] =
	"{\"vision\": {\"title\": \"Overheidsbrede dienstverlening 2020\","
	" \"title_en\": \"Government-wide service delivery 2020\","
	" \"ambitions\": ["
	"  {\"code\": \"A1\", \"title\": \"Digitaal als standaard\", \"title_en\": \"Digital by default\","
	"   \"keywords\": {\"nl\": [\"digitaal\"], \"en\": [\"digital\"]}},"
	"  {\"code\": \"A2\", \"title\": \"Eén overheid, één deur\", \"title_en\": \"One government, one door\","
	"   \"keywords\": {\"nl\": [\"loket\"], \"en\": [\"door\"]}}]}}";

/* One planted item and what the "analysis" decided about it. */
struct seed {
	const char *source, *lang, *date, *text, *theme, *campaign;
	const char *a1;
	double s1;
	const char *a2;
	double s2;
	const char *group;
};

#define N_ITEMS 21
static const struct seed seeds[N_ITEMS] = {
	{"web", "nl", "2024-03-01T10:00:00Z", "<script>alert(1)</script> digitaal is prima", "T1", NULL, "support", 0.95, NULL, 0, NULL},
	{"web", "nl", "2024-03-02T10:00:00Z", "\"><img onerror=x> online werkt goed", "T1", NULL, "support", 0.94, NULL, 0, NULL},
	{"web", "nl", "2024-03-03T10:00:00Z", "=HYPERLINK(\"x\")", "T1", NULL, "support", 0.50, NULL, 0, NULL},
	{"web", "nl", "2024-03-04T10:00:00Z", "Eens, maar \"niet\" altijd\nzeker niet", "T1", NULL, "support", 0.40, NULL, 0, NULL},
	{"web", "nl", "2024-03-05T10:00:00Z", "Het digitale loket is handig", "T1", NULL, "support", 0.30, NULL, 0, NULL},
	{"web", "nl", "2024-03-06T10:00:00Z", "Online aanvragen scheelt tijd", "T1", NULL, "support", 0.29, NULL, 0, NULL},
	{"feed", "nl", "2024-03-07T10:00:00Z", "Fijn dat de app er is", "T1", NULL, "support", 0.28, NULL, 0, NULL},
	{"feed", "nl", "2024-03-08T10:00:00Z", "Digitaal als standaard is goed", "T1", NULL, "support", 0.27, NULL, 0, NULL},
	{"feed", "en", "2024-03-09T10:00:00Z", "Digital only leaves people behind", "T1", NULL, "objection", 0.90, NULL, 0, NULL},
	{"feed", "en", "2024-03-10T10:00:00Z", "# Not *everyone* | can use `apps` [link](x)", "T1", NULL, "objection", 0.80, NULL, 0, NULL},
	{"web", "nl", "2024-04-01T10:00:00Z", "Digitaal en centraal, ik twijfel", "T1", NULL, "neutral", 0.5, "mixed", 0.5, NULL},
	{"web", "nl", "2024-04-02T10:00:00Z", "Eén loket is een goed idee", "T2", NULL, NULL, 0, "support", 0.7, NULL},
	{"web", "nl", "2024-04-03T10:00:00Z", "Samenwerking achter de schermen helpt", "T2", NULL, NULL, 0, "support", 0.6, NULL},
	{"web", "nl", "2024-04-04T10:00:00Z", "Eén deur maakt het simpel", "T2", NULL, NULL, 0, "support", 0.5, NULL},
	{"feed", "nl", "2024-04-05T10:00:00Z", "Stop de centralisatie nu!", "T2", "C1", NULL, 0, "objection", 0.8, NULL},
	{"feed", "nl", "2024-04-06T10:00:00Z", "Stop de centralisatie nu!", "T2", "C1", NULL, 0, "objection", 0.8, NULL},
	{"feed", "nl", "2024-04-07T10:00:00Z", "Stop de centralisatie nu!", "T2", "C1", NULL, 0, "objection", 0.8, NULL},
	{"feed", "nl", "2024-04-08T10:00:00Z", "Stop de centralisatie nu!", "T2", "C1", NULL, 0, "objection", 0.8, NULL},
	{"feed", "nl", "2024-04-09T10:00:00Z", "Stop de centralisatie nu!", "T2", "C1", NULL, 0, "objection", 0.8, NULL},
	{"web", "nl", "2024-04-10T10:00:00Z", "Algemene opmerking over de visie", NULL, NULL, NULL, 0, NULL, 0, NULL},
	{"web", "en", "2024-04-11T10:00:00Z", "General remark, see https://example.org/x?a=1", "T2", NULL, NULL, 0, NULL, 0, NULL},
};

/* Added for the golden files and the privacy tests: personal data that must go,
 * look-alikes that must stay, hostile text, respondent groups and one hidden item. */
#define N_EXTRA 6
#define HIDDEN_EXTRA 4 /* index in extras of the item that is hidden after the run */
static const struct seed extras[N_EXTRA] = {
	{"web", "nl", "2024-04-12T10:00:00Z", "Mail mij op jan.jansen@example.nl of bel 06-12345678, of +31 6 12345678.", "T1", NULL, "support", 0.96, NULL, 0, "inwoner"},
	{"web", "nl", "2024-04-13T10:00:00Z", "Mijn IBAN is NL91 ABNA 0417 1643 00 en mijn BSN 111222333; adres 1234 AB 12.", "T2", NULL, NULL, 0, "objection", 0.99, "inwoner"},
	{"feed", "nl", "2024-04-14T10:00:00Z", "Blijft staan: 123456789, NL91 ABNA 0417 1643 01 en 2020 is 12.", "T2", NULL, NULL, 0, "support", 0.2, "organisatie"},
	{"feed", "en", "2024-04-15T10:00:00Z", "@SUM(1+1) and \"><img src=x onerror=alert(1)> see https://example.org/p?token=abc#top", "T1", NULL, "objection", 0.95, NULL, 0, "buitenland"},
	{"web", "nl", "2024-04-16T10:00:00Z", "Verborgen reactie kwak-kwak", "T1", NULL, "support", 0.99, NULL, 0, "inwoner"},
	{"web", "nl", "2024-04-17T10:00:00Z", "=HYPERLINK(\"http://evil.example/?x=1\",\"klik\") en 020-1234567", NULL, NULL, NULL, 0, NULL, 0, "organisatie"},
};

struct fx {
	char root[64];
	char db_path[128];
	struct core_db *db;
	struct core_config cfg;
	int64_t ids[N_ITEMS + N_EXTRA];
	int n;
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	if (len)
		*len = (size_t)n;
	fclose(f);
	return buf;
}

static char *out_path(const struct fx *x, const char *sub, const char *name)
{
	return core_asprintf("%s/%s/%s", x->root, sub, name);
}

/* Writes the given formats of the fixture into root/sub and returns the result code. */
static int export_to(struct fx *x, const char *sub, int formats, struct exp_opts *extra,
		     struct core_err *err)
{
	struct exp_opts o = {0};
	struct core_strlist written = {0};
	char *dir = core_asprintf("%s/%s", x->root, sub);
	int rc;

	if (extra)
		o = *extra;
	o.formats = formats;
	o.out_dir = dir;
	o.reproducible = 1;
	rc = exp_write(x->db, &x->cfg, &o, &written, err);
	core_strlist_release(&written);
	free(dir);
	return rc;
}

/* Moderation is not in core's API yet (the review issue adds it): set the flag the way
 * it will, directly in the store. */
static void hide_item(struct fx *x, int64_t id)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_open(x->db_path, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_equal(sqlite3_prepare_v2(h, "UPDATE items SET hidden = 1 WHERE id = ?", -1, &st,
					    NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* Builds the store: the N_ITEMS seeds, with golden also the extras (one of them hidden
 * after the run). */
static int setup_with(void **state, int golden)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct core_err err = {0};
	int64_t web = 0, feed = 0;
	struct core_theme themes[2];
	struct core_campaign camp;
	struct core_item_result results[N_ITEMS + N_EXTRA];
	struct core_item_stance stances[N_ITEMS + N_EXTRA][2];
	struct core_run run;
	const struct seed *all[N_ITEMS + N_EXTRA];

	assert_non_null(x);
	snprintf(x->root, sizeof(x->root), "/tmp/inspraak-exports-XXXXXX");
	assert_non_null(mkdtemp(x->root));
	snprintf(x->db_path, sizeof(x->db_path), "%s/test.db", x->root);
	assert_int_equal(core_config_parse(config_json, strlen(config_json), "test.json", &x->cfg,
					   &err), 0);
	x->db = core_db_open(x->db_path, &err);
	assert_non_null(x->db);
	assert_int_equal(core_db_source_ensure(x->db, "web", CORE_SRC_FORM, NULL, &web, &err), 0);
	assert_int_equal(core_db_source_ensure(x->db, "feed", CORE_SRC_RSS,
					       "http://127.0.0.1:1/feed", &feed, &err), 0);
	x->n = golden ? N_ITEMS + N_EXTRA : N_ITEMS;
	for (int i = 0; i < x->n; i++)
		all[i] = i < N_ITEMS ? &seeds[i] : &extras[i - N_ITEMS];
	for (int i = 0; i < x->n; i++) {
		struct core_item it = {0};
		enum core_put put;
		char ext[16];

		snprintf(ext, sizeof(ext), "e%d", i + 1);
		it.source = core_strdup(all[i]->source);
		it.external_id = core_strdup(ext);
		it.text = core_strdup(all[i]->text);
		it.lang = core_strdup(all[i]->lang);
		it.published_at = core_strdup(all[i]->date);
		it.collected_at = core_strdup("2024-05-01T00:00:00Z");
		it.author = core_strdup(i == 0 ? "Jan Jansen" : i == N_ITEMS ? "Piet <piet@example.nl>"
										 : NULL);
		it.url = core_strdup(i == 8 ? "https://example.org/post/9" : NULL);
		it.group = core_strdup(all[i]->group);
		assert_int_equal(core_db_item_put(x->db, strcmp(all[i]->source, "web") ? feed : web,
						  &it, &put, &err), 0);
		assert_int_equal(put, CORE_PUT_NEW);
		x->ids[i] = it.id;
		core_item_release(&it);
	}

	memset(themes, 0, sizeof(themes));
	memset(&run, 0, sizeof(run));
	memset(results, 0, sizeof(results));
	memset(stances, 0, sizeof(stances));
	snprintf(themes[0].id, sizeof(themes[0].id), "T1");
	themes[0].label = "digitaal loket";
	themes[0].size = 11;
	core_strlist_push(&themes[0].top_terms, "digitaal");
	core_strlist_push(&themes[0].top_terms, "online");
	int64_t q1[2] = {x->ids[4], x->ids[0]}, q2[2] = {x->ids[14], x->ids[11]};
	themes[0].quotes = q1;
	themes[0].n_quotes = 2;
	snprintf(themes[1].id, sizeof(themes[1].id), "T2");
	themes[1].label = "centralisatie";
	themes[1].size = 9;
	core_strlist_push(&themes[1].top_terms, "centralisatie");
	themes[1].quotes = q2;
	themes[1].n_quotes = 2;
	memset(&camp, 0, sizeof(camp));
	snprintf(camp.id, sizeof(camp.id), "C1");
	camp.size = 5;
	camp.template_text = "Stop de centralisatie nu!";
	camp.first_item = x->ids[14];

	for (int i = 0; i < x->n; i++) {
		struct core_item_result *r = &results[i];
		r->item_id = x->ids[i];
		snprintf(r->lang, sizeof(r->lang), "%s", all[i]->lang);
		snprintf(r->theme, sizeof(r->theme), "%s", all[i]->theme ? all[i]->theme : "");
		snprintf(r->campaign, sizeof(r->campaign), "%s",
			 all[i]->campaign ? all[i]->campaign : "");
		r->stances = stances[i];
		if (all[i]->a1) {
			struct core_item_stance *s = &stances[i][r->n_stances++];
			snprintf(s->code, sizeof(s->code), "A1");
			s->stance = core_stance_parse(all[i]->a1);
			s->score = all[i]->s1;
		}
		if (all[i]->a2) {
			struct core_item_stance *s = &stances[i][r->n_stances++];
			snprintf(s->code, sizeof(s->code), "A2");
			s->stance = core_stance_parse(all[i]->a2);
			s->score = all[i]->s2;
			if (i == 11)
				s->origin = CORE_ORIGIN_RESPONDENT;
		}
	}
	snprintf(run.started_at, sizeof(run.started_at), "2024-05-01T00:00:00Z");
	snprintf(run.finished_at, sizeof(run.finished_at), "2024-05-01T00:00:05Z");
	run.seed = 42;
	run.k = 2;
	run.items = x->n;
	run.params = "{\"themes\": 2}";
	run.themes = themes;
	run.n_themes = 2;
	run.campaigns = &camp;
	run.n_campaigns = 1;
	run.results = results;
	run.n_results = (size_t)x->n;
	if (golden) /* the reviewer's decision on the first extra */
		stances[N_ITEMS][0].origin = CORE_ORIGIN_REVIEWER;
	assert_int_equal(core_db_run_save(x->db, &run, &err), 0);
	if (golden)
		hide_item(x, x->ids[N_ITEMS + HIDDEN_EXTRA]);
	core_strlist_release(&themes[0].top_terms);
	core_strlist_release(&themes[1].top_terms);
	*state = x;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, 0);
}

static int setup_golden(void **state)
{
	return setup_with(state, 1);
}

static int teardown(void **state)
{
	struct fx *x = *state;

	core_db_close(x->db);
	core_config_release(&x->cfg);
	rm_rf(x->root);
	free(x);
	return 0;
}

static json_t *load_summary(struct fx *x, const char *sub)
{
	char *p = out_path(x, sub, "summary.json");
	json_error_t je;
	json_t *root = json_load_file(p, 0, &je);

	free(p);
	assert_non_null(root);
	return root;
}

static json_t *amb(json_t *root, size_t i)
{
	return json_array_get(json_object_get(root, "ambitions"), i);
}

static int64_t num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_integer(v));
	return (int64_t)json_integer_value(v);
}

static void assert_near(double got, double want)
{
	if (fabs(got - want) > 1e-3)
		fail_msg("got %.6f, want %.6f", got, want);
}

static void test_summary_json(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	json_t *root, *a1, *a2, *ci, *q, *t1, *camps;

	assert_int_equal(export_to(x, "out", EXP_JSON, NULL, &err), 0);
	root = load_summary(x, "out");
	assert_string_equal(json_string_value(json_object_get(root, "generated_at")),
			    "1970-01-01T00:00:00Z");
	assert_int_equal(num(root, "items"), 21);
	assert_int_equal(num(root, "general"), 2);
	assert_int_equal(num(json_object_get(root, "run"), "seed"), 42);
	assert_int_equal(num(json_object_get(root, "run"), "k"), 2);
	assert_int_equal(num(json_object_get(json_object_get(root, "run"), "params"), "themes"), 2);

	a1 = amb(root, 0);
	assert_string_equal(json_string_value(json_object_get(a1, "code")), "A1");
	assert_string_equal(json_string_value(json_object_get(a1, "title_en")), "Digital by default");
	assert_int_equal(num(a1, "items"), 11);
	assert_int_equal(num(a1, "support"), 8);
	assert_int_equal(num(a1, "objection"), 2);
	assert_int_equal(num(a1, "neutral"), 1);
	assert_int_equal(num(a1, "mixed"), 0);
	assert_near(json_real_value(json_object_get(a1, "support_share")), 0.8);
	ci = json_object_get(a1, "support_ci");
	assert_near(json_real_value(json_array_get(ci, 0)), 0.490);
	assert_near(json_real_value(json_array_get(ci, 1)), 0.943);
	/* Best support quotes: highest scores first, the planted script text among them. */
	q = json_object_get(json_object_get(a1, "quotes"), "support");
	assert_int_equal(json_array_size(q), 3);
	assert_int_equal(num(json_array_get(q, 0), "item"), x->ids[0]);
	assert_int_equal(num(json_array_get(q, 1), "item"), x->ids[1]);
	assert_string_equal(json_string_value(json_object_get(json_array_get(q, 0), "text")),
			    seeds[0].text);
	q = json_object_get(json_object_get(a1, "quotes"), "objection");
	assert_int_equal(json_array_size(q), 2);
	assert_int_equal(num(json_array_get(q, 0), "item"), x->ids[8]);

	a2 = amb(root, 1);
	assert_int_equal(num(a2, "items"), 9);
	assert_int_equal(num(a2, "support"), 3);
	assert_int_equal(num(a2, "objection"), 5);
	assert_int_equal(num(a2, "mixed"), 1);
	ci = json_object_get(a2, "support_ci");
	assert_near(json_real_value(json_array_get(ci, 0)), 0.1368);
	assert_near(json_real_value(json_array_get(ci, 1)), 0.6943);
	/* Themes by how many of this ambition's items they hold: T2 (8) before T1 (1). */
	assert_int_equal(json_array_size(json_object_get(a2, "themes")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(a2, "themes"), 0)), "T2");
	assert_string_equal(json_string_value(json_array_get(json_object_get(a2, "themes"), 1)), "T1");
	/* Five identical campaign texts give one objection quote, not five. */
	q = json_object_get(json_object_get(a2, "quotes"), "objection");
	assert_int_equal(json_array_size(q), 1);
	/* Without campaign weighting the five letters object once. */
	q = json_object_get(a2, "unweighted");
	assert_int_equal(num(q, "items"), 5);
	assert_int_equal(num(q, "objection"), 1);
	assert_int_equal(num(q, "support"), 3);
	assert_near(json_real_value(json_object_get(q, "support_share")), 0.75);
	/* Breakdowns by group, channel and week each add up to the ambition's items. */
	static const char *const dims[] = {"by_group", "by_channel", "by_week"};
	for (size_t d = 0; d < 3; d++) {
		json_t *arr = json_object_get(a1, dims[d]), *e;
		size_t i;
		int64_t items = 0, support = 0;
		assert_true(json_array_size(arr) > 0);
		json_array_foreach(arr, i, e) {
			items += num(e, "items");
			support += num(e, "support");
		}
		assert_int_equal(items, 11);
		assert_int_equal(support, 8);
	}
	q = json_array_get(json_object_get(a1, "by_week"), 0);
	assert_int_equal(strlen(json_string_value(json_object_get(q, "week"))), 10);

	t1 = json_array_get(json_object_get(root, "themes"), 0);
	assert_string_equal(json_string_value(json_object_get(t1, "id")), "T1");
	assert_int_equal(num(t1, "size"), 11);
	assert_int_equal(num(json_object_get(t1, "stance"), "support"), 8);
	assert_int_equal(json_array_size(json_object_get(t1, "top_terms")), 2);
	q = json_object_get(t1, "quotes");
	assert_int_equal(json_array_size(q), 3);
	assert_int_equal(num(json_array_get(q, 0), "item"), x->ids[4]); /* run order */
	assert_int_equal(num(json_array_get(q, 1), "item"), x->ids[0]);
	assert_int_equal(num(json_array_get(json_object_get(t1, "ambitions"), 0), "items"), 11);

	camps = json_object_get(root, "campaigns");
	assert_int_equal(json_array_size(camps), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(camps, 0), "id")), "C1");
	assert_int_equal(num(json_array_get(camps, 0), "size"), 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(camps, 0), "template")),
			    "Stop de centralisatie nu!");
	assert_int_equal(num(json_object_get(root, "sources"), "web"), 12);
	assert_int_equal(num(json_object_get(root, "sources"), "feed"), 9);
	assert_int_equal(num(json_object_get(root, "languages"), "nl"), 18);
	assert_int_equal(num(json_object_get(root, "languages"), "en"), 3);
	/* 20 (item, ambition) pairs: 11 for A1, 9 for A2; one A2 pair was the respondent's. */
	assert_int_equal(num(json_object_get(root, "stance_origins"), "analysis"), 19);
	assert_int_equal(num(json_object_get(root, "stance_origins"), "respondent"), 1);
	json_decref(root);
}

/* A small RFC 4180 reader: rows of fields; fails the test on a bare LF record end. */
struct csv_rows {
	char ***rows;
	size_t *n_fields;
	size_t n;
};

static void csv_parse(const char *s, struct csv_rows *out)
{
	struct core_buf field;
	char **row = NULL;
	size_t nf = 0;

	memset(out, 0, sizeof(*out));
	core_buf_init(&field, 0);
	core_buf_puts(&field, "");
	while (*s) {
		int quoted = 0;
		field.len = 0;
		field.data[0] = '\0';
		if (*s == '"') {
			quoted = 1;
			s++;
			for (;;) {
				assert_true(*s != '\0');
				if (s[0] == '"' && s[1] == '"') {
					core_buf_append(&field, "\"", 1);
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					core_buf_append(&field, s++, 1);
				}
			}
		}
		while (*s && *s != ',' && *s != '\r' && *s != '\n') {
			assert_false(quoted);
			assert_true(*s != '"');
			core_buf_append(&field, s++, 1);
		}
		row = realloc(row, (nf + 1) * sizeof(*row));
		row[nf++] = core_strdup(field.data);
		if (*s == ',') {
			s++;
			continue;
		}
		assert_true(s[0] == '\r' && s[1] == '\n'); /* CRLF only */
		s += 2;
		out->rows = realloc(out->rows, (out->n + 1) * sizeof(*out->rows));
		out->n_fields = realloc(out->n_fields, (out->n + 1) * sizeof(*out->n_fields));
		out->rows[out->n] = row;
		out->n_fields[out->n++] = nf;
		row = NULL;
		nf = 0;
	}
	assert_int_equal(nf, 0);
	core_buf_release(&field);
}

static void csv_free(struct csv_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		for (size_t j = 0; j < r->n_fields[i]; j++)
			free(r->rows[i][j]);
		free(r->rows[i]);
	}
	free(r->rows);
	free(r->n_fields);
}

static char *read_out(struct fx *x, const char *sub, const char *name)
{
	char *p = out_path(x, sub, name);
	char *s = slurp(p, NULL);

	free(p);
	assert_non_null(s);
	return s;
}

static void test_items_csv(void **state)
{
	static const char *const header[] = {"id", "source", "external_id", "published_at", "lang",
					     "theme", "campaign", "ambitions", "stances", "text"};
	struct fx *x = *state;
	struct core_err err = {0};
	struct csv_rows r;
	char *s;
	int found_formula = 0, found_multi = 0, found_both = 0;

	assert_int_equal(export_to(x, "out", EXP_CSV, NULL, &err), 0);
	s = read_out(x, "out", "items.csv");
	assert_null(strstr(s, "Jan Jansen")); /* authors only on request */
	csv_parse(s, &r);
	free(s);
	assert_int_equal(r.n, 1 + N_ITEMS);
	for (size_t j = 0; j < 10; j++)
		assert_string_equal(r.rows[0][j], header[j]);
	for (size_t i = 1; i < r.n; i++) {
		assert_int_equal(r.n_fields[i], 10);
		if (strcmp(r.rows[i][9], "'=HYPERLINK(\"x\")") == 0)
			found_formula = 1;
		if (strcmp(r.rows[i][9], seeds[3].text) == 0)
			found_multi = 1;
		if (strcmp(r.rows[i][7], "A1;A2") == 0) {
			assert_string_equal(r.rows[i][8], "A1:neutral;A2:mixed");
			found_both = 1;
		}
		assert_true(r.rows[i][9][0] != '=');
	}
	assert_true(found_formula);
	assert_true(found_multi);
	assert_true(found_both);
	csv_free(&r);

	s = read_out(x, "out", "summary.csv");
	assert_non_null(strstr(s, "code,title,items,support,objection,neutral,mixed,support_share,"
				  "support_ci_low,support_ci_high,themes,items_unweighted,"
				  "support_unweighted,objection_unweighted,neutral_unweighted,"
				  "mixed_unweighted\r\n"));
	assert_non_null(strstr(s, "\r\nA1,Digitaal als standaard,11,8,2,1,0,0.800,0.490,0.943,T1,"
				  "11,8,2,1,0\r\n"));
	/* The five-letter campaign objects to A2: once without campaign weighting. */
	assert_non_null(strstr(s, "\r\nA2,\"Eén overheid, één deur\",9,3,5,0,1,0.375,0.137,0.694,"
				  "T2;T1,5,3,1,0,1\r\n"));
	free(s);
	s = read_out(x, "out", "themes.csv");
	csv_parse(s, &r);
	free(s);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.n_fields[1], 13);
	assert_string_equal(r.rows[0][12], "parent");
	assert_string_equal(r.rows[1][12], ""); /* a top-level theme */
	assert_string_equal(r.rows[1][0], "T1");
	assert_string_equal(r.rows[1][2], "11");
	assert_string_equal(r.rows[1][3], "digitaal;online");
	assert_string_equal(r.rows[1][4], "A1:11;A2:1");
	assert_string_equal(r.rows[1][9], seeds[4].text);
	csv_free(&r);
}

static int has_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

static void test_html(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct exp_opts en = {.report_lang = "en"};
	char *s;

	assert_int_equal(export_to(x, "out", EXP_HTML, NULL, &err), 0);
	s = read_out(x, "out", "report.html");
	assert_false(has_ci(s, "<script"));
	assert_false(has_ci(s, "<img"));
	assert_non_null(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(s, "&quot;&gt;&lt;img onerror=x&gt;"));
	assert_false(has_ci(s, "src=\"http"));
	assert_false(has_ci(s, "href=\"http"));
	assert_false(has_ci(s, "url("));
	assert_non_null(strstr(s, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
				  "'none'; style-src 'unsafe-inline'; img-src data:\">"));
	assert_non_null(strstr(s, "<html lang=\"nl\">"));
	assert_non_null(strstr(s, "Wat we hoorden"));
	assert_non_null(strstr(s, "<svg"));
	assert_non_null(strstr(s, "@media print"));
	assert_null(strstr(s, "Jan Jansen"));
	free(s);

	assert_int_equal(export_to(x, "en", EXP_HTML, &en, &err), 0);
	s = read_out(x, "en", "report.html");
	assert_non_null(strstr(s, "<html lang=\"en\">"));
	assert_non_null(strstr(s, "What we heard"));
	assert_non_null(strstr(s, "Digital by default"));
	free(s);
}

static void test_markdown(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	char *s;

	assert_int_equal(export_to(x, "out", EXP_MD, NULL, &err), 0);
	s = read_out(x, "out", "summary.md");
	assert_non_null(strstr(s, "# Wat we hoorden: Overheidsbrede dienstverlening 2020\n"));
	assert_non_null(strstr(s, "| A1 Digitaal als standaard | 11 | 8 | 2 | 1 | 0 | 80% (49–94%) |\n"));
	assert_non_null(strstr(s, "| A2 Eén overheid, één deur | 9 | 3 | 5 | 0 | 1 | 38% (14–69%) |\n"));
	assert_non_null(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(s, "## Ambities\n"));
	/* Markdown in a quote stays text: no heading, emphasis, table cell, code or link. */
	assert_non_null(strstr(s, "“\\# Not \\*everyone\\* \\| can use \\`apps\\` \\[link\\](x)”"));
	assert_false(has_ci(s, "<script"));
	assert_false(has_ci(s, "<img"));
	assert_non_null(strstr(s, "## Campagnes"));
	assert_non_null(strstr(s, "## Werkwijze"));
	free(s);
}

static json_t *filtered(struct fx *x, const char *sub, struct exp_opts *o)
{
	struct core_err err = {0};

	assert_int_equal(export_to(x, sub, EXP_JSON | EXP_CSV, o, &err), 0);
	return load_summary(x, sub);
}

static void test_filters(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct exp_opts o = {.source = "feed"};
	struct csv_rows r;
	json_t *root;
	char *s;

	root = filtered(x, "feed", &o);
	assert_int_equal(num(root, "items"), 9);
	assert_int_equal(num(amb(root, 0), "support"), 2);
	assert_int_equal(num(amb(root, 0), "objection"), 2);
	assert_near(json_real_value(json_object_get(amb(root, 0), "support_share")), 0.5);
	assert_int_equal(num(amb(root, 1), "objection"), 5);
	assert_int_equal(num(amb(root, 1), "support"), 0);
	json_decref(root);
	s = read_out(x, "feed", "items.csv");
	csv_parse(s, &r);
	free(s);
	assert_int_equal(r.n, 1 + 9);
	csv_free(&r);

	o = (struct exp_opts){.lang = "en"};
	root = filtered(x, "en", &o);
	assert_int_equal(num(root, "items"), 3);
	assert_int_equal(num(amb(root, 0), "support"), 0);
	assert_int_equal(num(amb(root, 0), "objection"), 2);
	assert_true(json_is_null(json_object_get(amb(root, 1), "support_share")));
	assert_int_equal(num(root, "general"), 1);
	json_decref(root);

	o = (struct exp_opts){.since = "2024-04-01"};
	root = filtered(x, "since", &o);
	assert_int_equal(num(root, "items"), 11);
	assert_int_equal(num(amb(root, 0), "items"), 1);
	assert_int_equal(num(amb(root, 0), "support"), 0);
	assert_int_equal(num(amb(root, 1), "objection"), 5);
	json_decref(root);

	o = (struct exp_opts){.until = "2024-03-05"};
	root = filtered(x, "until", &o);
	assert_int_equal(num(root, "items"), 5);
	assert_int_equal(num(amb(root, 0), "support"), 5);
	/* Themes and campaigns without items in the period are left out. */
	assert_int_equal(json_array_size(json_object_get(root, "themes")), 1);
	assert_int_equal(json_array_size(json_object_get(root, "campaigns")), 0);
	json_decref(root);

	/* A Dutch day-first date means the same day. */
	o = (struct exp_opts){.since = "01-04-2024"};
	root = filtered(x, "since-nl", &o);
	assert_int_equal(num(root, "items"), 11);
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "filters"),
							      "since")), "2024-04-01");
	json_decref(root);

	o = (struct exp_opts){.since = "last tuesday"};
	assert_int_equal(export_to(x, "bad", EXP_JSON, &o, &err), CORE_EUSAGE);
	assert_non_null(strstr(err.msg, "--since"));
}

static void test_no_run(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct core_strlist written = {0};
	struct exp_opts o = {.formats = EXP_CSV | EXP_JSON | EXP_MD | EXP_HTML};
	char *db_path = core_asprintf("%s/empty.db", x->root);
	char *dir = core_asprintf("%s/none", x->root);
	struct core_db *db = core_db_open(db_path, &err);
	struct stat st;

	assert_non_null(db);
	o.out_dir = dir;
	assert_int_equal(exp_write(db, &x->cfg, &o, &written, &err), CORE_ERUNTIME);
	assert_non_null(strstr(err.msg, "no analysis yet"));
	assert_int_equal(written.n, 0);
	assert_int_not_equal(stat(dir, &st), 0);
	core_db_close(db);
	free(db_path);
	free(dir);
}

static void test_reproducible(void **state)
{
	static const char *const files[] = {"summary.csv", "themes.csv", "items.csv",
					    "breakdown.csv", "summary.json", "summary.md",
					    "report.html"};
	struct fx *x = *state;
	struct core_err err = {0};
	struct core_strlist written = {0};
	struct exp_opts o = {.formats = EXP_CSV | EXP_JSON | EXP_MD | EXP_HTML, .reproducible = 1};
	char *dir = core_asprintf("%s/a", x->root);

	o.out_dir = dir;
	assert_int_equal(exp_write(x->db, &x->cfg, &o, &written, &err), 0);
	assert_int_equal(written.n, 7);
	core_strlist_release(&written);
	assert_int_equal(export_to(x, "b", o.formats, NULL, &err), 0);
	for (size_t i = 0; i < 7; i++) {
		char *pa = out_path(x, "a", files[i]), *pb = out_path(x, "b", files[i]);
		size_t la, lb;
		char *a = slurp(pa, &la), *b = slurp(pb, &lb);
		char *tmp = core_asprintf("%s.tmp", pa);
		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		assert_int_not_equal(access(tmp, F_OK), 0); /* no temporary left behind */
		free(a);
		free(b);
		free(pa);
		free(pb);
		free(tmp);
	}
	free(dir);
}

static void test_authors(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct exp_opts o = {.include_authors = 1};
	char *s;

	assert_int_equal(export_to(x, "auth", EXP_CSV, &o, &err), 0);
	s = read_out(x, "auth", "items.csv");
	assert_non_null(strstr(s, ",text,author\r\n"));
	assert_non_null(strstr(s, ",Jan Jansen\r\n"));
	free(s);
}

static void test_atomic(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	char *dir = core_asprintf("%s/atomic", x->root);
	char *blocker = core_asprintf("%s/report.html", dir);
	char *tmp = core_asprintf("%s.tmp", blocker);

	/* A folder where the report should go makes the final rename fail. */
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(mkdir(blocker, 0700), 0);
	assert_int_equal(export_to(x, "atomic", EXP_HTML, NULL, &err), CORE_ERUNTIME);
	assert_non_null(strstr(err.msg, "report.html"));
	assert_int_not_equal(access(tmp, F_OK), 0);
	free(dir);
	free(blocker);
	free(tmp);
}

static void test_listing(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct core_item_filter f = {.ambition = "A2", .stance = CORE_STANCE_OBJECTION};
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	json_t *arr, *first, *a;
	json_error_t je;

	out = open_memstream(&buf, &len);
	assert_int_equal(exp_print_themes(x->db, &x->cfg, 1, out, &err), 0);
	fclose(out);
	arr = json_loads(buf, 0, &je);
	assert_non_null(arr);
	assert_int_equal(json_array_size(arr), 2);
	assert_int_equal(num(json_array_get(arr, 0), "size"), 11);
	json_decref(arr);
	free(buf);

	out = open_memstream(&buf, &len);
	assert_int_equal(exp_print_themes(x->db, &x->cfg, 0, out, &err), 0);
	fclose(out);
	assert_non_null(strstr(buf, "digitaal loket"));
	assert_non_null(strstr(buf, "8/2/1/1"));
	free(buf);

	out = open_memstream(&buf, &len);
	assert_int_equal(exp_print_items(x->db, &x->cfg, NULL, 1, out, &err), 0);
	fclose(out);
	arr = json_loads(buf, 0, &je);
	assert_non_null(arr);
	assert_int_equal(json_array_size(arr), N_ITEMS);
	first = json_array_get(arr, 0);
	assert_int_equal(num(first, "id"), x->ids[0]);
	assert_string_equal(json_string_value(json_object_get(first, "source")), "web");
	assert_string_equal(json_string_value(json_object_get(first, "external_id")), "e1");
	assert_string_equal(json_string_value(json_object_get(first, "text")), seeds[0].text);
	assert_string_equal(json_string_value(json_object_get(first, "theme")), "T1");
	assert_true(json_is_null(json_object_get(first, "campaign")));
	assert_null(json_object_get(first, "author"));
	a = json_array_get(json_object_get(first, "ambitions"), 0);
	assert_string_equal(json_string_value(json_object_get(a, "code")), "A1");
	assert_string_equal(json_string_value(json_object_get(a, "stance")), "support");
	assert_string_equal(json_string_value(json_object_get(a, "origin")), "analysis");
	assert_near(json_real_value(json_object_get(a, "score")), 0.95);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 14), "campaign")),
			    "C1");
	assert_true(json_is_null(json_object_get(json_array_get(arr, 19), "theme")));
	a = json_array_get(json_object_get(json_array_get(arr, 11), "ambitions"), 0);
	assert_string_equal(json_string_value(json_object_get(a, "origin")), "respondent");
	json_decref(arr);
	free(buf);

	out = open_memstream(&buf, &len);
	assert_int_equal(exp_print_items(x->db, &x->cfg, &f, 1, out, &err), 0);
	fclose(out);
	arr = json_loads(buf, 0, &je);
	assert_int_equal(json_array_size(arr), 5);
	json_decref(arr);
	free(buf);

	out = open_memstream(&buf, &len);
	assert_int_equal(exp_print_items(x->db, &x->cfg, &f, 0, out, &err), 0);
	fclose(out);
	assert_non_null(strstr(buf, "A2:objection"));
	assert_non_null(strstr(buf, "Stop de centralisatie nu!"));
	free(buf);
}

static void test_format_parse(void **state)
{
	(void)state;
	assert_int_equal(exp_format_parse("csv"), EXP_CSV);
	assert_int_equal(exp_format_parse("json"), EXP_JSON);
	assert_int_equal(exp_format_parse("md"), EXP_MD);
	assert_int_equal(exp_format_parse("html"), EXP_HTML);
	assert_int_equal(exp_format_parse("pdf"), 0);
	assert_int_equal(exp_format_parse(NULL), 0);
}


/* ---------------------------------------------------------------- privacy (issue 7) */

static void test_redact(void **state)
{
	static const char *const cases[][2] = {
		/* personal data that goes */
		{"mail jan.jansen@example.nl nu", "mail [e-mail] nu"},
		{"<a.b+c@sub.example.org>", "<[e-mail]>"},
		{"Bel 06-12345678.", "Bel [telefoon]."},
		{"06 1234 5678", "[telefoon]"},
		{"0612345678", "[telefoon]"},
		{"020-1234567 of 0575 123456", "[telefoon] of [telefoon]"},
		{"+31 6 12345678", "[telefoon]"},
		{"+31 (0)6 12345678", "[telefoon]"},
		{"+31612345678", "[telefoon]"},
		{"0031 6 12345678", "[telefoon]"},
		{"+44 20 7946 0958", "[telefoon]"},
		{"+32 2 123 45 67", "[telefoon]"},
		{"IBAN NL91 ABNA 0417 1643 00 graag", "IBAN [iban] graag"},
		{"NL91ABNA0417164300", "[iban]"},
		{"nl91abna0417164300.", "[iban]."},
		{"GB82 WEST 1234 5698 7654 32", "[iban]"},
		{"BSN 111222333", "BSN [bsn]"},
		{"bsn: 123456782.", "bsn: [bsn]."},
		{"1234.56.782", "[bsn]"},
		{"Dorpsstraat 1, 1234 AB 12", "Dorpsstraat 1, [postcode+huisnummer]"},
		{"1234AB 12a", "[postcode+huisnummer]"},
		{"1234 AB 12-3 hoog", "[postcode+huisnummer] hoog"},
		{"zie https://example.org/x?a=1&mail=jan@x.nl.", "zie https://example.org/x?[parameters]."},
		{"www.example.org/zoek?q=bsn", "www.example.org/zoek?[parameters]"},
		{"HTTPS://Example.org/p?x=1#top", "HTTPS://Example.org/p?[parameters]"},
		{"https://example.org/u/jan@example.nl", "https://example.org/u/[e-mail]"},
		/* look-alikes that stay */
		{"123456789", "123456789"},                       /* fails the 11-check */
		{"NL91 ABNA 0417 1643 01", "NL91 ABNA 0417 1643 01"}, /* wrong IBAN check */
		{"NL91ABNA0417164301", "NL91ABNA0417164301"},
		{"2020 is 12", "2020 is 12"},
		{"1234 AB", "1234 AB"},
		{"op 01-02-2024 om 10:00", "op 01-02-2024 om 10:00"},
		{"in 2024 kwamen 12345 reacties", "in 2024 kwamen 12345 reacties"},
		{"06-1234567", "06-1234567"},                     /* nine digits */
		{"061234567890", "061234567890"},                 /* twelve */
		{"1234567820", "1234567820"},                     /* ten digits, no BSN */
		{"info@gemeente", "info@gemeente"},
		{"@SUM(1+2)", "@SUM(1+2)"},
		{"=HYPERLINK(\"x\")", "=HYPERLINK(\"x\")"},
		{"https://example.org/pad#kop", "https://example.org/pad#kop"},
		{"versie 2.0, 3,5 procent", "versie 2.0, 3,5 procent"},
		{"TEST123456782", "TEST123456782"},               /* inside a word */
		{"één 0612345678é", "één 0612345678é"},
		{"", ""},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = exp_redact(cases[i][0]);
		assert_non_null(got);
		if (strcmp(got, cases[i][1]) != 0)
			fail_msg("redacting '%s': got '%s', want '%s'", cases[i][0], got, cases[i][1]);
		free(got);
	}
	/* exp_clean_text redacts too, and repairs invalid UTF-8 first. */
	{
		char *got = exp_clean_text("a\xff 06-12345678");
		assert_string_equal(got, "a\xef\xbf\xbd [telefoon]");
		free(got);
	}
}

static const char *const all_files[] = {"summary.csv", "themes.csv", "items.csv",
					"breakdown.csv", "summary.json", "summary.md", "report.html"};
#define N_ALL_FILES 7
#define N_CSV_FILES 4

/* Every format, with and without authors: no personal data, no hidden item, the
 * look-alikes kept, the hostile text inert. */
static void test_privacy(void **state)
{
	static const char *const never[] = {
		"jan.jansen@example.nl", "06-12345678", "+31 6 1234", "NL91 ABNA 0417 1643 00",
		"111222333", "1234 AB 12", "token=abc", "Verborgen", "kwak-kwak",
		"piet@example.nl", "020-1234567", "?x=1"};
	struct fx *x = *state;
	struct core_err err = {0};
	struct exp_opts authors = {.include_authors = 1};

	assert_int_equal(export_to(x, "p", EXP_CSV | EXP_JSON | EXP_MD | EXP_HTML, NULL, &err), 0);
	assert_int_equal(export_to(x, "pa", EXP_CSV, &authors, &err), 0);
	for (size_t i = 0; i < N_ALL_FILES; i++) {
		char *s = read_out(x, "p", all_files[i]);
		for (size_t j = 0; j < sizeof(never) / sizeof(never[0]); j++)
			if (strstr(s, never[j]))
				fail_msg("%s holds '%s'", all_files[i], never[j]);
		free(s);
	}
	{
		char *s = read_out(x, "p", "items.csv");
		assert_non_null(strstr(s, "Mail mij op [e-mail] of bel [telefoon], of [telefoon]."));
		assert_non_null(strstr(s, "Mijn IBAN is [iban] en mijn BSN [bsn]; adres "
					  "[postcode+huisnummer]."));
		assert_non_null(strstr(s, "Blijft staan: 123456789, NL91 ABNA 0417 1643 01 en 2020 is 12."));
		assert_non_null(strstr(s, "https://example.org/p?[parameters]"));
		/* Formulas stay text: a leading apostrophe, also for @ and a HYPERLINK. */
		assert_non_null(strstr(s, ",\"'@SUM(1+1) and "));
		assert_non_null(strstr(s, ",\"'=HYPERLINK("));
		free(s);
		s = read_out(x, "pa", "items.csv");
		assert_non_null(strstr(s, ",Piet <[e-mail]>\r\n"));
		assert_null(strstr(s, "piet@"));
		free(s);
		s = read_out(x, "p", "report.html");
		assert_false(has_ci(s, "<img"));
		assert_false(has_ci(s, "<script"));
		assert_non_null(strstr(s, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
		free(s);
		s = read_out(x, "p", "summary.md");
		assert_false(has_ci(s, "<img"));
		free(s);
	}
	{
		/* Hidden items are not counted either: 26 stored, one hidden. */
		json_t *root = load_summary(x, "p");
		assert_int_equal(num(root, "items"), N_ITEMS + N_EXTRA - 1);
		assert_int_equal(num(root, "reviewed_items"), 1);
		json_decref(root);
	}
}

/* Dutch Excel: BOM, ';', decimal comma; lists holding ';' are quoted. */
static void test_excel(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct exp_opts o = {.excel = 1};
	char *s;

	assert_int_equal(export_to(x, "xl", EXP_CSV, &o, &err), 0);
	s = read_out(x, "xl", "summary.csv");
	assert_memory_equal(s, "\xEF\xBB\xBF" "code;title;items;", 20);
	assert_non_null(strstr(s, "\r\nA1;Digitaal als standaard;11;8;2;1;0;0,800;0,490;0,943;T1;"
				  "11;8;2;1;0\r\n"));
	assert_non_null(strstr(s, "\r\nA2;Eén overheid, één deur;9;3;5;0;1;0,375;0,137;0,694;\"T2;T1\";"
				  "5;3;1;0;1\r\n"));
	free(s);
	s = read_out(x, "xl", "items.csv");
	assert_memory_equal(s, "\xEF\xBB\xBF" "id;source;", 13);
	assert_non_null(strstr(s, ";\"'=HYPERLINK(\"\"x\"\")\"\r\n"));
	free(s);
	s = read_out(x, "xl", "themes.csv");
	assert_memory_equal(s, "\xEF\xBB\xBF" "id;label;", 12);
	free(s);
}

static void test_ambition_group(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct exp_opts o = {.ambition = "A2"};
	json_t *root;
	char *s;

	root = filtered(x, "a2", &o);
	assert_int_equal(num(root, "items"), 11); /* 9 seeds + 2 extras with an A2 stance */
	assert_int_equal(json_array_size(json_object_get(root, "ambitions")), 1);
	assert_string_equal(json_string_value(json_object_get(amb(root, 0), "code")), "A2");
	assert_int_equal(num(amb(root, 0), "objection"), 6);
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "filters"),
							      "ambition")), "A2");
	json_decref(root);

	o = (struct exp_opts){.ambition = "general"};
	root = filtered(x, "gen", &o);
	assert_int_equal(num(root, "items"), 3);
	assert_int_equal(num(root, "general"), 3);
	json_decref(root);

	o = (struct exp_opts){.ambition = "A9"};
	assert_int_equal(export_to(x, "bad", EXP_JSON, &o, &err), CORE_EUSAGE);
	assert_non_null(strstr(err.msg, "unknown ambition 'A9'"));
	assert_non_null(strstr(err.msg, "A1, A2"));

	o = (struct exp_opts){.group = "inwoner"};
	root = filtered(x, "grp", &o);
	assert_int_equal(num(root, "items"), 2); /* the third inwoner item is hidden */
	assert_int_equal(num(amb(root, 0), "support"), 1);
	assert_int_equal(num(amb(root, 1), "objection"), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "filters"),
							      "group")), "inwoner");
	json_decref(root);
	s = read_out(x, "grp", "items.csv");
	{
		struct csv_rows r;
		csv_parse(s, &r);
		assert_int_equal(r.n, 1 + 2);
		csv_free(&r);
	}
	free(s);
}

/* Golden files: the fixture store exported in every format, compared byte for byte.
 * Regenerate after an intended change with UPDATE_GOLDEN=1 (the files are rewritten
 * under tests/fixtures/golden/ and the test passes); review the diff before committing. */
static void golden_check(struct fx *x, const char *sub, const char *name)
{
	char *got_path = out_path(x, sub, name);
	char *want_path = core_asprintf("%s/golden/%s/%s", FIXTURES_DIR, sub, name);
	size_t got_len = 0, want_len = 0;
	char *got = slurp(got_path, &got_len), *want;
	const char *update = getenv("UPDATE_GOLDEN");

	assert_non_null(got);
	if (update && strcmp(update, "1") == 0) {
		char *dir = core_asprintf("%s/golden/%s", FIXTURES_DIR, sub);
		FILE *f;
		mkdir(FIXTURES_DIR "/golden", 0777);
		mkdir(dir, 0777);
		f = fopen(want_path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(got, 1, got_len, f), got_len);
		assert_int_equal(fclose(f), 0);
		free(dir);
	}
	want = slurp(want_path, &want_len);
	if (!want)
		fail_msg("no golden file %s (run with UPDATE_GOLDEN=1 to create it)", want_path);
	if (got_len != want_len || memcmp(got, want, got_len) != 0) {
		size_t i = 0;
		while (i < got_len && i < want_len && got[i] == want[i])
			i++;
		fail_msg("%s differs from %s at byte %zu (UPDATE_GOLDEN=1 regenerates after an "
			 "intended change)", got_path, want_path, i);
	}
	free(got);
	free(want);
	free(got_path);
	free(want_path);
}

static void test_golden(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct exp_opts excel = {.excel = 1}, en = {.report_lang = "en"};
	const int all = EXP_CSV | EXP_JSON | EXP_MD | EXP_HTML;

	assert_int_equal(export_to(x, "nl", all, NULL, &err), 0);
	assert_int_equal(export_to(x, "excel", EXP_CSV, &excel, &err), 0);
	assert_int_equal(export_to(x, "en", EXP_MD | EXP_HTML, &en, &err), 0);
	for (size_t i = 0; i < N_ALL_FILES; i++)
		golden_check(x, "nl", all_files[i]);
	for (size_t i = 0; i < N_CSV_FILES; i++)
		golden_check(x, "excel", all_files[i]);
	golden_check(x, "en", "summary.md");
	golden_check(x, "en", "report.html");
}

/* The time chart and its table count the same items, per week and source. */
/* The Wilson score interval (95 %) against values computed by hand. */
static void test_wilson(void **state)
{
	static const struct {
		int64_t k, n;
		double lo, hi;
	} known[] = {
		{8, 10, 0.4902, 0.9433}, {5, 10, 0.2366, 0.7634}, {0, 10, 0.0, 0.2775},
		{10, 10, 0.7225, 1.0}, {1, 1, 0.2065, 1.0}, {50, 100, 0.4038, 0.5962},
		{620, 1000, 0.5895, 0.6495},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		double lo, hi;
		exp_wilson(known[i].k, known[i].n, &lo, &hi);
		if (fabs(lo - known[i].lo) > 1e-4 || fabs(hi - known[i].hi) > 1e-4)
			fail_msg("wilson(%lld, %lld) = [%.4f, %.4f], want [%.4f, %.4f]",
				 (long long)known[i].k, (long long)known[i].n, lo, hi, known[i].lo,
				 known[i].hi);
	}
}

static void test_timeline(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	json_t *root, *weeks, *wk;
	int64_t total = 0;
	char *s;
	int ok;

	assert_int_equal(exp_week_of("2024-03-01T10:00:00Z", &ok), 19779); /* Mon 2024-02-26 */
	assert_true(ok);
	assert_int_equal(exp_week_of("2024-02-26", &ok), 19779);
	assert_int_equal(exp_week_of("2024-03-03", &ok), 19779); /* Sunday */
	assert_int_equal(exp_week_of("2024-03-04", &ok), 19786);
	assert_int_equal(exp_week_of("1970-01-01", &ok), -3); /* Monday 1969-12-29 */
	exp_week_of("yesterday", &ok);
	assert_false(ok);

	assert_int_equal(export_to(x, "tl", EXP_JSON | EXP_HTML, NULL, &err), 0);
	root = load_summary(x, "tl");
	weeks = json_object_get(root, "weeks");
	assert_int_equal(json_array_size(weeks), 4); /* weeks with items only */
	wk = json_array_get(weeks, 0);
	assert_string_equal(json_string_value(json_object_get(wk, "week")), "2024-02-26");
	assert_int_equal(num(json_object_get(wk, "sources"), "web"), 3); /* 1-3 March */
	for (size_t i = 0; i < json_array_size(weeks); i++)
		total += num(json_array_get(weeks, i), "items");
	assert_int_equal(total, num(root, "items"));
	json_decref(root);
	s = read_out(x, "tl", "report.html");
	assert_non_null(strstr(s, "<figure id=\"chart-timeline\">"));
	assert_non_null(strstr(s, "<table id=\"table-timeline\">"));
	assert_non_null(strstr(s, "<tr><td>2024-02-26</td><td class=\"n\">3</td><td class=\"n\">0</td>"
				  "<td class=\"n\">3</td></tr>"));
	assert_non_null(strstr(s, "<figure id=\"chart-themes\">"));
	assert_non_null(strstr(s, "<table id=\"table-themes\">"));
	assert_non_null(strstr(s, "<figure id=\"chart-ambitions\">"));
	assert_non_null(strstr(s, "<table id=\"table-ambitions\">"));
	free(s);
}

int test_exports(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test_setup_teardown(test_summary_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_items_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html, setup, teardown),
		cmocka_unit_test_setup_teardown(test_markdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reproducible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_authors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing, setup, teardown),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_wilson),
		cmocka_unit_test_setup_teardown(test_privacy, setup_golden, teardown),
		cmocka_unit_test_setup_teardown(test_excel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ambition_group, setup_golden, teardown),
		cmocka_unit_test_setup_teardown(test_timeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_golden, setup_golden, teardown),
	};
	return cmocka_run_group_tests_name("exports", tests, NULL, NULL);
}
