/* test_import.c: col_import_file against a real store in a temporary folder: CSV
 * dialects (BOM, ';', tabs, quoted newlines, doubled quotes, CRLF), encodings, column
 * mapping, row rejects with their numbers, re-import, JSON and JSONL, dry runs. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collector.h"
#include "core.h"

static const char test_cfg[] =
	"{\"vision\": {\"title\": \"Visie\", \"ambitions\": ["
	" {\"code\": \"A1\", \"title\": \"Digitaal als standaard\", \"title_en\": \"Digital by default\","
	"  \"keywords\": {\"nl\": [\"digitaal\"], \"en\": [\"digital\"]}},"
	" {\"code\": \"A2\", \"title\": \"Eén overheid, één deur\", \"title_en\": \"One government, one door\","
	"  \"keywords\": {\"nl\": [\"loket\"], \"en\": [\"door\"]}}]},"
	" \"sources\": [{\"name\": \"blog\", \"type\": \"rss\", \"url\": \"http://127.0.0.1:9/feed\"}]}";

struct fx {
	char dir[64];
	char path[256];
	struct core_db *db;
	struct core_config cfg;
	struct col_import_opts o;
	struct col_import_report rep;
	struct core_err err;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char db[128];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/inspraak-import-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(db, sizeof db, "%s/test.db", f->dir);
	if (!(f->db = core_db_open(db, &f->err))) {
		fprintf(stderr, "%s\n", f->err.msg);
		return -1;
	}
	if (core_config_parse(test_cfg, strlen(test_cfg), "test.json", &f->cfg, &f->err) != 0) {
		fprintf(stderr, "%s\n", f->err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	DIR *d;
	struct dirent *e;
	char p[512];

	col_import_report_release(&f->rep);
	core_db_close(f->db);
	core_config_release(&f->cfg);
	if ((d = opendir(f->dir))) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
				unlink(p);
			}
		closedir(d);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Writes bytes to DIR/name and points the import options at it (defaults otherwise). */
static const char *put_file(struct fx *f, const char *name, const void *bytes, size_t n)
{
	FILE *fp;

	snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
	fp = fopen(f->path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(bytes, 1, n, fp), n);
	fclose(fp);
	memset(&f->o, 0, sizeof f->o);
	f->o.path = f->path;
	return f->path;
}

static const char *put_str(struct fx *f, const char *name, const char *s)
{
	return put_file(f, name, s, strlen(s));
}

static int run(struct fx *f)
{
	col_import_report_release(&f->rep);
	core_err_clear(&f->err);
	int rc = col_import_file(f->db, &f->cfg, &f->o, &f->rep, &f->err);
	if (rc != 0)
		fprintf(stderr, "  (import error: %s)\n", f->err.msg);
	return rc;
}

static void run_ok(struct fx *f)
{
	assert_int_equal(run(f), 0);
}

/* The reason recorded for a data row, NULL when the row was not rejected. */
static const char *reason(const struct fx *f, size_t row)
{
	for (size_t i = 0; i < f->rep.n_rejects; i++)
		if (f->rep.rejects[i].row == row)
			return f->rep.rejects[i].reason;
	return NULL;
}

static void assert_reason(const struct fx *f, size_t row, const char *part)
{
	const char *r = reason(f, row);
	if (!r || !strstr(r, part))
		fail_msg("row %zu: expected a reject containing \"%s\", got %s", row, part,
			 r ? r : "none");
}

/* A copy of the stored items, for assertions. */
struct got {
	char source[64], ext[128], text[512], pub[24], author[64], group[64], ambs[64], lang[16];
	enum core_stance stance;
};
struct got_list {
	struct got v[32];
	size_t n;
};

static int collect_cb(const struct core_item_view *v, void *ctx)
{
	struct got_list *l = ctx;
	const struct core_item *it = &v->item;
	struct got *g;

	if (l->n == 32)
		return 0;
	g = &l->v[l->n++];
	memset(g, 0, sizeof *g);
	snprintf(g->source, sizeof g->source, "%s", it->source);
	snprintf(g->ext, sizeof g->ext, "%s", it->external_id);
	snprintf(g->text, sizeof g->text, "%s", it->text);
	snprintf(g->pub, sizeof g->pub, "%s", it->published_at ? it->published_at : "");
	snprintf(g->author, sizeof g->author, "%s", it->author ? it->author : "");
	snprintf(g->group, sizeof g->group, "%s", it->group ? it->group : "");
	snprintf(g->lang, sizeof g->lang, "%s", it->lang ? it->lang : "");
	for (size_t i = 0; i < it->declared_ambitions.n; i++) {
		size_t len = strlen(g->ambs);
		snprintf(g->ambs + len, sizeof g->ambs - len, "%s%s", i ? "," : "",
			 it->declared_ambitions.v[i]);
	}
	g->stance = it->declared_stance;
	return 0;
}

static void items(struct fx *f, struct got_list *l)
{
	memset(l, 0, sizeof *l);
	assert_int_equal(core_db_items_each(f->db, NULL, collect_cb, l, &f->err), 0);
}

static const struct got *by_ext(const struct got_list *l, const char *ext)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].ext, ext) == 0)
			return &l->v[i];
	fail_msg("no item with external id '%s'", ext);
	return NULL;
}

static const struct got *by_text(const struct got_list *l, const char *text)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].text, text) == 0)
			return &l->v[i];
	fail_msg("no item with text '%s'", text);
	return NULL;
}

/* ---------------------------------------------------------------- CSV */

static void test_plain_csv(void **state)
{
	struct fx *f = *state;
	struct got_list l;
	const struct got *g;

	memset(&f->o, 0, sizeof f->o);
	f->o.path = FIXTURES_DIR "/import/reacties.csv";
	run_ok(f);
	assert_int_equal(f->rep.read, 6);
	assert_int_equal(f->rep.imported, 5);
	assert_int_equal(f->rep.duplicates, 0);
	assert_int_equal(f->rep.rejected, 1);
	assert_int_equal(f->rep.n_rejects, 1);
	assert_reason(f, 5, "2 fields, header has 7");
	assert_int_equal(core_db_item_count(f->db), 5);

	items(f, &l);
	g = by_ext(&l, "r1");
	assert_string_equal(g->source, "reacties"); /* the file name without extension */
	assert_string_equal(g->text, "Het digitale loket werkt prima");
	assert_string_equal(g->pub, "2024-03-01T00:00:00Z");
	assert_string_equal(g->author, "Anne");
	assert_string_equal(g->group, "inwoner");
	assert_string_equal(g->ambs, "A1");
	assert_int_equal(g->stance, CORE_STANCE_SUPPORT);
	g = by_ext(&l, "r2");
	assert_string_equal(g->text, "Niet iedereen kan online, houd de balie open");
	assert_string_equal(g->pub, "2024-03-05T10:00:00Z");
	assert_int_equal(g->stance, CORE_STANCE_OBJECTION);
	assert_string_equal(g->group, "medewerker");
	g = by_ext(&l, "r3");
	assert_string_equal(g->ambs, "A1,A2");
	assert_string_equal(g->author, "");
	g = by_ext(&l, "r4");
	assert_string_equal(g->ambs, ""); /* algemeen: no ambition */
	assert_int_equal(g->stance, CORE_STANCE_NEUTRAL);
	g = by_ext(&l, "r6");
	assert_int_equal(g->stance, CORE_STANCE_MIXED);
	assert_string_equal(g->group, "");
}

static void test_bom(void **state)
{
	struct fx *f = *state;
	struct got_list l;

	put_str(f, "bom.csv", "\xEF\xBB\xBFtext,id\nHallo daar,1\n");
	run_ok(f);
	assert_int_equal(f->rep.imported, 1);
	items(f, &l);
	assert_string_equal(by_ext(&l, "1")->text, "Hallo daar");
}

static void test_semicolon(void **state)
{
	struct fx *f = *state;
	struct got_list l;

	/* Dutch Excel: ';' between fields, ',' inside them; column names in any case. */
	put_str(f, "excel.csv",
		"Nummer;Tekst;Houding\n1;Hallo, wereld;steun\n;;\n2;\"Twee; drie\";tegen\n");
	f->o.col_text = "tekst";
	f->o.col_id = "NUMMER";
	f->o.col_stance = "houding";
	run_ok(f);
	assert_int_equal(f->rep.read, 2); /* ";;" is a blank line from a spreadsheet */
	assert_int_equal(f->rep.imported, 2);
	assert_int_equal(f->rep.rejected, 0);
	items(f, &l);
	assert_string_equal(by_ext(&l, "1")->text, "Hallo, wereld");
	assert_string_equal(by_ext(&l, "2")->text, "Twee; drie");
	assert_int_equal(by_ext(&l, "2")->stance, CORE_STANCE_OBJECTION);
}

static void test_tab_and_sep_line(void **state)
{
	struct fx *f = *state;
	struct got_list l;

	put_str(f, "tabs.tsv", "id\ttext\n1\tMet tabs, en komma's, gescheiden\n");
	run_ok(f);
	assert_int_equal(f->rep.imported, 1);
	/* Excel's "sep=" line names the delimiter and is not the header. */
	put_str(f, "sep.csv", "sep=|\r\nid|text\r\n2|Pijp, als scheiding; echt\r\n");
	run_ok(f);
	assert_int_equal(f->rep.imported, 1);
	items(f, &l);
	assert_string_equal(by_ext(&l, "1")->text, "Met tabs, en komma's, gescheiden");
	assert_string_equal(by_ext(&l, "2")->text, "Pijp, als scheiding; echt");
}

static void test_quoted_newline(void **state)
{
	struct fx *f = *state;
	struct got_list l;

	put_str(f, "nl.csv", "id,text\n1,\"Regel een\nRegel twee\"\n2,Daarna\n3,te,veel\n");
	run_ok(f);
	assert_int_equal(f->rep.read, 3);
	assert_int_equal(f->rep.imported, 2);
	/* rows are records, not lines: the third record is row 3 */
	assert_reason(f, 3, "3 fields, header has 2");
	items(f, &l);
	assert_string_equal(by_ext(&l, "1")->text, "Regel een\nRegel twee");
	assert_string_equal(by_ext(&l, "2")->text, "Daarna");
}

static void test_doubled_quotes(void **state)
{
	struct fx *f = *state;
	struct got_list l;

	put_str(f, "q.csv", "text\n\"Hij zei \"\"ja\"\", en ging\"\n");
	run_ok(f);
	assert_int_equal(f->rep.imported, 1);
	items(f, &l);
	assert_string_equal(l.v[0].text, "Hij zei \"ja\", en ging");
}

static void test_crlf(void **state)
{
	struct fx *f = *state;
	struct got_list l;

	put_str(f, "crlf.csv", "id,text\r\n1,Een\r\n\r\n2,\"Twee\r\nregels\"\r\n");
	run_ok(f);
	assert_int_equal(f->rep.read, 2);
	assert_int_equal(f->rep.imported, 2);
	items(f, &l);
	assert_string_equal(by_ext(&l, "1")->text, "Een");
	assert_string_equal(by_ext(&l, "2")->text, "Twee\r\nregels");
}

static void test_missing_text_column(void **state)
{
	struct fx *f = *state;

	put_str(f, "f.csv", "a,b,c\n1,2,3\n");
	assert_int_equal(run(f), CORE_ERUNTIME);
	assert_non_null(strstr(f->err.msg, "no column 'text' (columns: a, b, c)"));
	assert_non_null(strstr(f->err.msg, "f.csv"));
	assert_int_equal(core_db_item_count(f->db), 0);

	/* An explicitly named optional column that is absent is the same error. */
	put_str(f, "g.csv", "text,b\nHallo,2\n");
	f->o.col_id = "nummer";
	assert_int_equal(run(f), CORE_ERUNTIME);
	assert_non_null(strstr(f->err.msg, "no column 'nummer'"));
	assert_int_equal(core_db_item_count(f->db), 0);

	/* Nothing half-stored: not even the source row. */
	struct core_source_state st;
	memset(&st, 0, sizeof st);
	assert_int_not_equal(core_db_source_state(f->db, "g", &st, &f->err), 0);
	core_source_state_release(&st);
}

static void test_broken_rows(void **state)
{
	struct fx *f = *state;
	struct got_list l;

	put_str(f, "b.csv", "text,id\nEerste,1\nTweede zonder id\n\"Derde\"x,3\nVierde,4\n,\n\"Vijfde\",5\n");
	run_ok(f);
	assert_int_equal(f->rep.read, 5); /* the ",": a blank record, skipped */
	assert_int_equal(f->rep.imported, 3);
	assert_int_equal(f->rep.rejected, 2);
	assert_reason(f, 2, "1 field, header has 2");
	assert_reason(f, 3, "bad quotes on line 4");
	items(f, &l);
	assert_int_equal(l.n, 3);
	by_ext(&l, "1");
	by_ext(&l, "4");
	by_ext(&l, "5");
}

static void test_unclosed_quote(void **state)
{
	struct fx *f = *state;

	put_str(f, "u.csv", "text,id\nGoed,1\n\"Nooit dicht,2\nAnder,3\n");
	run_ok(f);
	assert_int_equal(f->rep.imported, 1);
	assert_int_equal(f->rep.rejected, 1);
	assert_reason(f, 2, "never closed");
}

static void test_reimport(void **state)
{
	struct fx *f = *state;

	memset(&f->o, 0, sizeof f->o);
	f->o.path = FIXTURES_DIR "/import/reacties.csv";
	run_ok(f);
	assert_int_equal(core_db_item_count(f->db), 5);
	run_ok(f);
	assert_int_equal(f->rep.imported, 0);
	assert_int_equal(f->rep.duplicates, 5);
	assert_int_equal(core_db_item_count(f->db), 5);

	/* Without an id column the content decides; identical texts stay separate items
	 * (a campaign must keep its size) yet a re-import still adds nothing. */
	put_str(f, "noid.csv", "text\nZelfde tekst\nAndere tekst\nzelfde TEKST!\n");
	run_ok(f);
	assert_int_equal(f->rep.imported, 3);
	assert_int_equal(core_db_item_count(f->db), 8);
	run_ok(f);
	assert_int_equal(f->rep.imported, 0);
	assert_int_equal(f->rep.duplicates, 3);
	assert_int_equal(core_db_item_count(f->db), 8);

	struct got_list l;
	char fp[17], want[64];
	items(f, &l);
	core_text_fingerprint("Zelfde tekst", fp);
	snprintf(want, sizeof want, "row-hash:%s", fp);
	assert_string_equal(by_text(&l, "Zelfde tekst")->ext, want);
	snprintf(want, sizeof want, "row-hash:%s-2", fp);
	assert_string_equal(by_text(&l, "zelfde TEKST!")->ext, want);
}

static void test_duplicate_id_in_file(void **state)
{
	struct fx *f = *state;

	put_str(f, "d.csv", "id,text\n7,Eerste versie\n7,Eerste versie\n7,Iets heel anders\n");
	run_ok(f);
	assert_int_equal(f->rep.imported, 1);
	assert_int_equal(f->rep.duplicates, 1);
	assert_int_equal(f->rep.rejected, 1);
	assert_reason(f, 3, "also used by row 1");
}

static void test_ambitions(void **state)
{
	struct fx *f = *state;
	struct got_list l;

	put_str(f, "a.csv",
		"id,text,ambition\n"
		"1,Code in kleine letters,a1\n"
		"2,Titel,Digitaal als standaard\n"
		"3,Engelse titel,\"one GOVERNMENT,  one door\"\n"
		"4,Titel met komma,\"Eén overheid, één deur\"\n"
		"5,Lijst,A1 | a2\n"
		"6,Spaties,A2 A1\n"
		"7,Onbekend,\"A1, A9\"\n"
		"8,Algemeen,Algemeen\n"
		"9,Leeg,\n"
		"10,Lijst met titel,\"A1; Eén overheid, één deur\"\n");
	run_ok(f);
	assert_int_equal(f->rep.imported, 9);
	assert_int_equal(f->rep.rejected, 1);
	assert_reason(f, 7, "unknown ambition 'A9'");
	items(f, &l);
	assert_string_equal(by_ext(&l, "1")->ambs, "A1");
	assert_string_equal(by_ext(&l, "2")->ambs, "A1");
	assert_string_equal(by_ext(&l, "3")->ambs, "A2");
	assert_string_equal(by_ext(&l, "4")->ambs, "A2");
	assert_string_equal(by_ext(&l, "5")->ambs, "A1,A2");
	assert_string_equal(by_ext(&l, "6")->ambs, "A1,A2");
	assert_string_equal(by_ext(&l, "8")->ambs, "");
	assert_string_equal(by_ext(&l, "9")->ambs, "");
	assert_string_equal(by_ext(&l, "10")->ambs, "A1,A2");
}

static void test_stances(void **state)
{
	struct fx *f = *state;
	struct got_list l;

	put_str(f, "s.csv",
		"id,text,stance\n"
		"1,Een,Steun\n"
		"2,Twee,objection\n"
		"3,Drie,NEUTRAAL\n"
		"4,Vier,mixed\n"
		"5,Vijf,\n"
		"6,Zes,misschien\n");
	run_ok(f);
	assert_int_equal(f->rep.imported, 5);
	assert_reason(f, 6, "unknown stance 'misschien' (use steun, bezwaar, neutraal, gemengd "
		      "or support, objection, neutral, mixed)");
	items(f, &l);
	assert_int_equal(by_ext(&l, "1")->stance, CORE_STANCE_SUPPORT);
	assert_int_equal(by_ext(&l, "2")->stance, CORE_STANCE_OBJECTION);
	assert_int_equal(by_ext(&l, "3")->stance, CORE_STANCE_NEUTRAL);
	assert_int_equal(by_ext(&l, "4")->stance, CORE_STANCE_MIXED);
	assert_int_equal(by_ext(&l, "5")->stance, CORE_STANCE_NONE);
}

/* Each row's language from the "lang" column (lowered), the file's (--lang) where a
 * row has none; a value that is no language code rejects the row. */
static void test_languages(void **state)
{
	struct fx *f = *state;
	struct got_list l;

	put_str(f, "l.csv",
		"id,text,lang\n"
		"1,Een,nl\n"
		"2,Two,EN-gb\n"
		"3,Drei,\n"
		"4,Vier,Nederlands\n");
	f->o.lang = "de";
	run_ok(f);
	assert_int_equal(f->rep.imported, 3);
	assert_reason(f, 4, "unknown language 'Nederlands' (use a code such as nl, en, de or fr)");
	items(f, &l);
	assert_string_equal(by_ext(&l, "1")->lang, "nl");
	assert_string_equal(by_ext(&l, "2")->lang, "en-gb");
	assert_string_equal(by_ext(&l, "3")->lang, "de");

	/* Another column name; named but absent is an error, as for every column. */
	put_str(f, "t.csv", "id,text,taal\n5,Vijf,fr\n");
	f->o.col_lang = "taal";
	run_ok(f);
	items(f, &l);
	assert_string_equal(by_ext(&l, "5")->lang, "fr");
	put_str(f, "u.csv", "id,text\n6,Zes\n");
	f->o.col_lang = "taal";
	assert_int_not_equal(run(f), 0);
	assert_non_null(strstr(f->err.msg, "taal"));
}

static void test_text_and_time_rejects(void **state)
{
	struct fx *f = *state;
	size_t big = 100001;
	char *s = malloc(big + 256);

	assert_non_null(s);
	strcpy(s, "id,time,text\n1,gisteren,Tijd kapot\n2,,   \n3,,");
	size_t n = strlen(s);
	memset(s + n, 'x', big);
	memcpy(s + n + big, "\n4,2024-02-29 12:30,Goed\n", 26);
	put_file(f, "t.csv", s, n + big + 25);
	free(s);
	run_ok(f);
	assert_int_equal(f->rep.imported, 1);
	assert_reason(f, 1, "cannot read time 'gisteren'");
	assert_reason(f, 2, "empty text");
	assert_reason(f, 3, "over the limit of 100000");
}

static void test_cp1252(void **state)
{
	struct fx *f = *state;
	struct got_list l;
	static const char bytes[] = "id;text\n1;caf\xe9 \x80 5 \x93goed\x94\n";

	put_file(f, "w.csv", bytes, sizeof bytes - 1);
	f->o.encoding = "windows-1252";
	run_ok(f);
	assert_int_equal(f->rep.imported, 1);
	items(f, &l);
	assert_string_equal(by_ext(&l, "1")->text, "caf\xc3\xa9 \xe2\x82\xac 5 \xe2\x80\x9cgoed\xe2\x80\x9d");
}

static void test_invalid_utf8(void **state)
{
	struct fx *f = *state;
	static const char bytes[] = "id,text\n1,Goed\n2,caf\xe9\n3,Ook goed\n";

	put_file(f, "bad.csv", bytes, sizeof bytes - 1);
	run_ok(f);
	assert_int_equal(f->rep.imported, 2);
	assert_int_equal(f->rep.rejected, 1);
	assert_reason(f, 2, "invalid UTF-8");
	assert_reason(f, 2, "--encoding windows-1252");

	put_str(f, "x.csv", "text\nHallo\n");
	f->o.encoding = "ebcdic";
	assert_int_equal(run(f), CORE_EUSAGE);
}

static void test_configured_source_refused(void **state)
{
	struct fx *f = *state;

	put_str(f, "blog.csv", "text\nHallo\n");
	assert_int_equal(run(f), CORE_EUSAGE);
	assert_non_null(strstr(f->err.msg, "'blog'"));
	f->o.source = "blog-archief";
	run_ok(f);
	assert_int_equal(f->rep.imported, 1);
}

/* ---------------------------------------------------------------- JSON */

static void test_json_array(void **state)
{
	struct fx *f = *state;
	struct got_list l;
	const struct got *g;

	memset(&f->o, 0, sizeof f->o);
	f->o.path = FIXTURES_DIR "/import/reacties.json";
	f->o.source = "json";
	run_ok(f);
	assert_int_equal(f->rep.read, 5);
	assert_int_equal(f->rep.imported, 3);
	assert_int_equal(f->rep.rejected, 2);
	assert_reason(f, 3, "empty text");
	assert_reason(f, 4, "not a JSON object");
	items(f, &l);
	g = by_ext(&l, "1");
	assert_string_equal(g->source, "json");
	assert_string_equal(g->ambs, "A1,A2");
	assert_int_equal(g->stance, CORE_STANCE_SUPPORT);
	assert_string_equal(g->group, "inwoner");
	g = by_ext(&l, "2");
	assert_string_equal(g->ambs, "A2");
	assert_string_equal(g->pub, "2024-03-05T07:00:00Z");
	by_ext(&l, "4.5");

	/* keys must exist somewhere */
	put_str(f, "k.json", "[{\"body\": \"x\", \"nr\": 1}]");
	assert_int_equal(run(f), CORE_ERUNTIME);
	assert_non_null(strstr(f->err.msg, "no key 'text'"));
	assert_non_null(strstr(f->err.msg, "body, nr"));

	/* broken JSON is an error for the whole file */
	put_str(f, "broken.json", "[{\"text\": \"a\"},\n {\"text\": }]");
	assert_int_equal(run(f), CORE_ERUNTIME);
	assert_non_null(strstr(f->err.msg, "line 2"));
}

static void test_jsonl(void **state)
{
	struct fx *f = *state;
	struct got_list l;

	memset(&f->o, 0, sizeof f->o);
	f->o.path = FIXTURES_DIR "/import/reacties.jsonl";
	run_ok(f);
	assert_int_equal(f->rep.read, 3);
	assert_int_equal(f->rep.imported, 2);
	assert_int_equal(f->rep.rejected, 1);
	assert_reason(f, 2, "JSON error");
	items(f, &l);
	assert_string_equal(by_ext(&l, "a")->text, "Eerste regel van het bestand");
	assert_int_equal(by_ext(&l, "c")->stance, CORE_STANCE_NEUTRAL);

	/* sniffed by content: '{' first means one object per line, whatever the name */
	put_str(f, "lines.json", "{\"text\": \"Een\"}\n{\"text\": \"Twee\", \"ambition\": \"A9\"}\n");
	run_ok(f);
	assert_int_equal(f->rep.imported, 1);
	assert_reason(f, 2, "unknown ambition 'A9'");
	put_str(f, "noext", "[{\"text\": \"Drie\"}]");
	run_ok(f);
	assert_int_equal(f->rep.imported, 1);
}

static void test_dry_run(void **state)
{
	struct fx *f = *state;
	struct core_source_state st;

	memset(&f->o, 0, sizeof f->o);
	f->o.path = FIXTURES_DIR "/import/reacties.csv";
	f->o.dry_run = 1;
	run_ok(f);
	assert_int_equal(f->rep.imported, 5);
	assert_int_equal(f->rep.rejected, 1);
	assert_int_equal(core_db_item_count(f->db), 0);
	memset(&st, 0, sizeof st);
	assert_int_not_equal(core_db_source_state(f->db, "reacties", &st, &f->err), 0);
	core_source_state_release(&st);
	/* a real run afterwards finds everything new */
	f->o.dry_run = 0;
	run_ok(f);
	assert_int_equal(f->rep.imported, 5);
	assert_int_equal(core_db_item_count(f->db), 5);
}

static void test_empty_and_missing(void **state)
{
	struct fx *f = *state;

	put_str(f, "leeg.csv", "");
	assert_int_equal(run(f), CORE_ERUNTIME);
	assert_non_null(strstr(f->err.msg, "empty"));
	put_str(f, "kop.csv", "text,id\n");
	run_ok(f);
	assert_int_equal(f->rep.read, 0);
	put_file(f, "unicode.txt", "\xFF\xFEt\0e\0x\0t\0\n\0", 12);
	assert_int_equal(run(f), CORE_ERUNTIME);
	assert_non_null(strstr(f->err.msg, "UTF-16"));
	memset(&f->o, 0, sizeof f->o);
	f->o.path = "/nonexistent/inspraak/x.csv";
	assert_int_equal(run(f), CORE_ERUNTIME);
	assert_non_null(strstr(f->err.msg, "x.csv"));
}

int test_import(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_plain_csv),
		T(test_bom),
		T(test_semicolon),
		T(test_tab_and_sep_line),
		T(test_quoted_newline),
		T(test_doubled_quotes),
		T(test_crlf),
		T(test_missing_text_column),
		T(test_broken_rows),
		T(test_unclosed_quote),
		T(test_reimport),
		T(test_duplicate_id_in_file),
		T(test_ambitions),
		T(test_stances),
		T(test_languages),
		T(test_text_and_time_rejects),
		T(test_cp1252),
		T(test_invalid_utf8),
		T(test_configured_source_refused),
		T(test_json_array),
		T(test_jsonl),
		T(test_dry_run),
		T(test_empty_and_missing),
	};
#undef T
	return cmocka_run_group_tests_name("import", tests, NULL, NULL);
}
