/* test_themes.c: themes a policy team can trust: camel-case hashtags, domain stopwords
 * and stance cues kept out of features, per-language stopword lists, MinHash grouping,
 * label rules (no stopword, no stance word, no stem variant, unique, phrases from
 * significant bigrams), k-means refined by the documents' words, the same themes for any storage order, theme ids carried to
 * the next run, and the sib200 Dutch evaluation (NMI against the gold topics). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>

#include <cmocka.h>

#include "support.h"

#include "analyzer.h"
#include "exports.h"
#include "model.h"
#include "text.h"

/* ---------------------------------------------------------------- text layer */

static struct ana_tokens tokens_of(const char *text)
{
	struct ana_tokens t = {0};
	char *split = ana_text_split_hashtags(text, strlen(text));
	assert_non_null(split);
	char *folded = core_utf8_fold(split);
	assert_non_null(folded);
	assert_int_equal(ana_tokenize(folded, strlen(folded), &t), 0);
	free(split);
	free(folded);
	return t;
}

static int has(const struct ana_tokens *t, const char *s, int kind)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(ana_tok_str(t, i), s) == 0 && t->v[i].kind == kind)
			return 1;
	return 0;
}

static void camel_case_hashtags(void **state)
{
	(void)state;
	char *s = ana_text_split_hashtags("Ik steun #DigitaalAlsStandaard.", 31);
	assert_non_null(s);
	assert_string_equal(s, "Ik steun #DigitaalAlsStandaard Digitaal Als Standaard .");
	free(s);

	struct ana_tokens t = tokens_of("Lees #DigitaalAlsStandaard en #ÉénOverheid_ÉénDeur, "
					"niet #privacy of #COVID19 (#A1)");
	assert_true(has(&t, "digitaalalsstandaard", ANA_TOK_HASHTAG));
	assert_true(has(&t, "digitaal", ANA_TOK_WORD));
	assert_true(has(&t, "standaard", ANA_TOK_WORD));
	assert_true(has(&t, "ééndeur", ANA_TOK_WORD) == 0);
	assert_true(has(&t, "één", ANA_TOK_WORD));
	assert_true(has(&t, "overheid", ANA_TOK_WORD));
	assert_true(has(&t, "deur", ANA_TOK_WORD));
	/* No camel case: the hashtag alone. */
	assert_true(has(&t, "privacy", ANA_TOK_HASHTAG));
	assert_false(has(&t, "privacy", ANA_TOK_WORD));
	assert_true(has(&t, "covid19", ANA_TOK_HASHTAG));
	assert_false(has(&t, "covid", ANA_TOK_WORD));
	ana_tokens_release(&t);

	/* Edge cases: a lone '#', a hashtag at the end, a '#' inside a word. */
	s = ana_text_split_hashtags("# x#Y #aB", 9);
	assert_non_null(s);
	assert_string_equal(s, "# x#Y #aB a B ");
	free(s);
}

static void feature_words_and_language_lists(void **state)
{
	(void)state;
	struct core_err err = {0};
	struct ana_text *tx = ana_text_new(&err);
	assert_non_null(tx);

	/* Domain words and one-word agreement cues (whole or by prefix) are no theme
	 * features... */
	const char *no[] = {"gemeente", "visie", "ambitie", "overheid", "ertegen", "support",
			    "bezwaar", "steun", "ondersteuning", "agree", "oneens"};
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		if (ana_text_is_feature(tx, no[i], strlen(no[i])))
			fail_msg("'%s' should not be a theme feature", no[i]);
	/* ...one-word evaluative cues cluster but name no theme (and neither do agreement
	 * cues)... */
	const char *cue[] = {"helpful", "friendly", "terrible", "onveilig", "verbeteringen"};
	for (size_t i = 0; i < sizeof(cue) / sizeof(*cue); i++)
		if (!ana_text_is_feature(tx, cue[i], strlen(cue[i])) ||
		    !ana_text_is_cue(tx, cue[i], strlen(cue[i])))
			fail_msg("'%s' should be a clustering feature and a cue", cue[i]);
	assert_true(ana_text_is_cue(tx, "steunen", 7) && ana_text_is_cue(tx, "bezwaar", 7));
	/* ...topic words are features and no cues. */
	const char *yes[] = {"loket", "privacy", "digid", "wachttijd", "telefoon", "ouderen"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		if (!ana_text_is_feature(tx, yes[i], strlen(yes[i])) ||
		    ana_text_is_cue(tx, yes[i], strlen(yes[i])))
			fail_msg("'%s' should be a theme feature", yes[i]);
	/* Label rule: domain words count as stopwords there. */
	assert_true(ana_text_is_stop(tx, "gemeente", 8));
	assert_true(ana_text_is_stop(tx, "de", 2));
	assert_false(ana_text_is_stop(tx, "loket", 5));

	/* Per language: German and French lists apply to their own items only; Dutch
	 * and English ones to every item (reactions mix them). */
	int nl = ana_text_lang(tx, "nl"), de = ana_text_lang(tx, "de"), fr = ana_text_lang(tx, "fr");
	assert_true(nl >= 0 && de >= 0 && fr >= 0);
	uint32_t stem;
	assert_int_equal(ana_text_term(tx, de, "und", 3, &stem, NULL), 0);
	assert_int_equal(stem, ANA_NOID);
	assert_int_equal(ana_text_term(tx, de, "nicht", 5, &stem, NULL), 0);
	assert_int_equal(stem, ANA_NOID);
	assert_int_equal(ana_text_term(tx, de, "the", 3, &stem, NULL), 0);
	assert_int_equal(stem, ANA_NOID);
	assert_int_equal(ana_text_term(tx, de, "bürgeramt", 10, &stem, NULL), 0);
	assert_int_not_equal(stem, ANA_NOID);
	assert_int_equal(ana_text_term(tx, fr, "avec", 4, &stem, NULL), 0);
	assert_int_equal(stem, ANA_NOID);
	assert_int_equal(ana_text_term(tx, fr, "guichet", 7, &stem, NULL), 0);
	assert_int_not_equal(stem, ANA_NOID);
	/* "avec" is no Dutch stopword: in a Dutch item it stays a word. */
	assert_int_equal(ana_text_term(tx, nl, "avec", 4, &stem, NULL), 0);
	assert_int_not_equal(stem, ANA_NOID);
	ana_text_free(tx);
}

static void minhash_grouping(void **state)
{
	(void)state;
	enum { N = 52 };
	static const char *const names[] = {"Jan", "Fatima", "Pieter", "Els", "Mohamed", "Anna",
					    "Kees", "Sanne", "Ahmed", "Lotte"};
	uint32_t sigs[N][ANA_MH_K], *ptr[N], rank[N], root[N];
	size_t merged = 0;

	for (int i = 0; i < N; i++) {
		char text[1024];
		if (i < 50)
			snprintf(text, sizeof(text), "Geachte raad, ik maak bezwaar tegen het sluiten van "
				 "de balie in het stadhuis op zaterdag. Ouderen zonder computer kunnen "
				 "dan nergens meer terecht voor hun paspoort. Met vriendelijke groet, %s "
				 "%d", names[i % 10], i);
		else if (i == 50)
			snprintf(text, sizeof(text), "De balie in het stadhuis moet op zaterdag open "
				 "blijven, want werkende mensen kunnen doordeweeks niet langskomen "
				 "voor hun paspoort of rijbewijs.");
		else
			snprintf(text, sizeof(text), "Sluit de balie in het stadhuis op zaterdag niet: "
				 "ouderen hebben hulp nodig bij het aanvragen van een paspoort en "
				 "lezen geen websites.");
		struct ana_tokens t = tokens_of(text);
		assert_int_equal(ana_minhash(&t, sigs[i]), 1);
		ana_tokens_release(&t);
		ptr[i] = sigs[i];
		rank[i] = (uint32_t)i;
	}
	assert_int_equal(ana_near_dups(ptr, N, rank, root, &merged), 0);
	for (int i = 0; i < 50; i++)
		assert_int_equal(root[i], 0); /* one group, rooted at the lowest rank */
	assert_int_equal(merged, 49);
	assert_int_equal(root[50], 50);  /* same subject, different text: alone */
	assert_int_equal(root[51], 51);
}

/* Enough signatures for the two-thread path, in a shuffled rank order: 500 planted
 * groups of five among 9,500 random signatures. Every group joins at its member of
 * lowest rank; nothing else joins. */
/* k-means skips the dot products its bounds rule out (themes.c): every document must
 * still end with the centre it is nearest to, as a full scan finds it, and one thread
 * must give what two give. Overlapping
 * blobs in 60 dimensions (the LSA rank) keep documents moving between clusters late
 * in the run, when the bounds skip the most. */
static void kmeans_bounds_keep_nearest_centre(void **state)
{
	(void)state;
	enum { N = 6000, D = 60, BLOBS = 12, K = 8 };
	struct ana_matrix m = {.n_docs = N, .n_terms = D};
	struct ana_clustering out = {0};
	struct ana_rng rng;
	float centre[BLOBS][D];
	size_t checked = 0;

	ana_rng_seed(&rng, 11);
	m.row = malloc((N + 1) * sizeof(*m.row));
	m.val = malloc((size_t)N * D * sizeof(*m.val));
	assert_non_null(m.row);
	assert_non_null(m.val);
	for (int b = 0; b < BLOBS; b++)
		for (int j = 0; j < D; j++)
			centre[b][j] = (float)(ana_rng_double(&rng) - 0.5);
	for (size_t i = 0; i < N; i++) {
		float *v = m.val + i * D;
		double norm = 0.0;
		m.row[i] = i * D;
		for (int j = 0; j < D; j++) {
			v[j] = centre[i % BLOBS][j] + (float)(2.0 * (ana_rng_double(&rng) - 0.5));
			norm += (double)v[j] * v[j];
		}
		for (int j = 0; j < D; j++)
			v[j] = (float)(v[j] / sqrt(norm));
	}
	m.row[N] = (size_t)N * D;
	assert_int_equal(ana_kmeans(&m, NULL, K, 42, 2, &out), 0);
	assert_int_equal(out.k, K);
	for (size_t i = 0; i < N; i++) {
		if (out.assign[i] < 0)
			continue;
		double best = -2.0, mine = 0.0;
		for (int c = 0; c < K; c++) {
			double s = 0.0;
			for (int j = 0; j < D; j++)
				s += (double)m.val[i * D + j] * out.centroid[(size_t)c * D + j];
			if (s > best)
				best = s;
			if (c == out.assign[i])
				mine = s;
		}
		if (mine < best - 1e-5)
			fail_msg("document %zu: cosine %.6f with its centre, %.6f with another", i, mine,
				 best);
		checked++;
	}
	assert_true(checked > N * 9 / 10);
	/* One thread gives the same clustering (the subtheme splits ask for one). */
	struct ana_clustering one = {0};
	assert_int_equal(ana_kmeans(&m, NULL, K, 42, 1, &one), 0);
	assert_int_equal(one.k, out.k);
	assert_memory_equal(one.assign, out.assign, N * sizeof(*out.assign));
	assert_memory_equal(one.centroid, out.centroid, (size_t)K * D * sizeof(*out.centroid));
	ana_clustering_release(&one);
	ana_clustering_release(&out);
	free(m.row);
	free(m.val);
}

static void near_dups_many(void **state)
{
	(void)state;
	enum { G = 500, PER = 5, LONE = 9500, N = G * PER + LONE };
	uint32_t (*sig)[ANA_MH_K] = malloc(N * sizeof(*sig));
	uint32_t **ptr = malloc(N * sizeof(*ptr)), *rank = malloc(N * sizeof(*rank));
	uint32_t *root = malloc(N * sizeof(*root));
	uint64_t x = 7;
	size_t merged = 0;

	assert_non_null(sig);
	assert_non_null(ptr);
	assert_non_null(rank);
	assert_non_null(root);
#define NEXT() (x = x * 6364136223846793005ULL + 1442695040888963407ULL, (uint32_t)(x >> 32))
	for (size_t i = 0; i < N; i++) {
		for (int k = 0; k < ANA_MH_K; k++)
			sig[i][k] = NEXT();
		if (i < G * PER && i % PER) {
			/* One slot differs in every band but band g % 8: any two members
			 * agree on 25 of 32 slots (similar) and meet in that band only, so
			 * each thread's bands must do their part. */
			memcpy(sig[i], sig[i - i % PER], sizeof(sig[i]));
			for (int b = 0; b < ANA_MH_BANDS; b++)
				if (b != (int)((i / PER) % ANA_MH_BANDS))
					sig[i][b * (ANA_MH_K / ANA_MH_BANDS)] ^= (uint32_t)(i % PER);
		}
		ptr[i] = sig[i];
		rank[i] = (uint32_t)i;
	}
	for (size_t i = N - 1; i > 0; i--) { /* a random rank order */
		size_t j = NEXT() % (i + 1);
		uint32_t t = rank[i];
		rank[i] = rank[j];
		rank[j] = t;
	}
#undef NEXT
	assert_int_equal(ana_near_dups(ptr, N, rank, root, &merged), 0);
	assert_int_equal(merged, G * (PER - 1));
	for (size_t g = 0; g < G; g++) {
		size_t low = g * PER;
		for (size_t m = g * PER; m < (g + 1) * PER; m++)
			if (rank[m] < rank[low])
				low = m;
		for (size_t m = g * PER; m < (g + 1) * PER; m++)
			assert_int_equal(root[m], low);
	}
	for (size_t i = G * PER; i < N; i++)
		assert_int_equal(root[i], i);
	free(sig);
	free(ptr);
	free(rank);
	free(root);
}

/* Dense ids in order of first put, the same id again for a known key, the key back
 * from its id, across many growths of the table. */
static int u32_order(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* ana_sort_u32 (a reaction's stem ids): insertion sort up to 32, qsort above; both
 * must order like qsort, repeated ids included. */
static void sort_u32_orders(void **state)
{
	(void)state;
	struct ana_rng rng;
	uint32_t v[100], w[100];

	ana_rng_seed(&rng, 3);
	for (size_t n = 0; n <= 100; n++) {
		for (size_t i = 0; i < n; i++)
			v[i] = w[i] = (uint32_t)(ana_rng_next(&rng) % (n / 2 + 1));
		ana_sort_u32(v, n);
		qsort(w, n, sizeof(*w), u32_order);
		if (n)
			assert_memory_equal(v, w, n * sizeof(*v));
	}
}

static void idmap_ids(void **state)
{
	(void)state;
	struct ana_idmap m = {0};
	int is_new;

	for (uint64_t i = 0; i < 100000; i++) {
		assert_int_equal(ana_idmap_put(&m, i * 0x9e3779b97f4a7c15ull, &is_new), i);
		assert_true(is_new);
	}
	for (uint64_t i = 0; i < 100000; i += 7) {
		assert_int_equal(ana_idmap_put(&m, i * 0x9e3779b97f4a7c15ull, &is_new), i);
		assert_false(is_new);
		assert_true(m.of_id[i] == i * 0x9e3779b97f4a7c15ull);
	}
	assert_int_equal(m.n, 100000);
	ana_idmap_release(&m);
}

/* ---------------------------------------------------------------- store fixture */

static const char config_text[] =
	"{\"vision\": {\"title\": \"Dienstverlening 2020\", \"ambitions\": [\n"
	" {\"code\": \"A1\", \"title\": \"Digitaal als standaard\",\n"
	"  \"keywords\": {\"nl\": [\"digitaal\", \"online\", \"app\"]}},\n"
	" {\"code\": \"A5\", \"title\": \"Bereikbaar via alle kanalen\",\n"
	"  \"keywords\": {\"nl\": [\"loket\", \"telefoon\", \"balie\"]}}\n"
	"]},\n"
	"\"analysis\": {\"seed\": 7, \"campaign_min\": 5}}\n";

/* Three subjects, each text wrapped in words every reaction uses (vision, municipality,
 * support, objection): those must not show up in labels. */
static const char *const wrap[] = {"Ik steun de visie van de gemeente:", "Ik ben ertegen, want",
				   "Over deze ambitie van de overheid:", "Mijn bezwaar tegen de visie:",
				   "Support voor de gemeente:", "Ik ben het oneens met de ambitie:"};
static const char *const subj_a[3][4] = {
	{"De digitale kluis", "Inloggen met DigiD", "De app voor aanvragen", "Het online formulier"},
	{"Mijn persoonsgegevens", "De privacy van inwoners", "Het datalek bij de registratie",
	 "Het delen van gegevens"},
	{"De balie in het stadhuis", "Bellen met het klantcontactcentrum",
	 "Persoonlijk contact aan de balie", "Een afspraak aan het loket"}};
static const char *const subj_b[3][5] = {
	{"werkt snel op de website", "bewaart documenten in de digitale kluis",
	 "maakt online aanvragen makkelijker", "toont je aanvraag in de app",
	 "spaart tijd met DigiD"},
	{"moet beter beveiligd worden", "vraagt om versleutelen van persoonsgegevens",
	 "hoort veilig in de registratie", "verdient meer aandacht voor privacy",
	 "mag niet zomaar gedeeld worden"},
	{"moet op zaterdag open blijven", "heeft lange wachttijd aan de telefoon",
	 "is nodig voor persoonlijk contact", "blijft belangrijk naast het loket",
	 "moet bereikbaar zijn zonder afspraak"}};
static const char *const tail[] = {"Graag snel regelen.", "Dat is belangrijk voor ouderen.",
				   "Denk ook aan jongeren.", "Zo kan het beter.",
				   "Het moet eenvoudiger.", "Neem dit mee.", "Succes ermee."};
#define PER_SUBJECT 20

struct fixture {
	char dir[64];
	char path[96];
	struct core_db *db;
	struct core_config cfg;
	int64_t src;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct core_err err = {0};

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/inspraak-themes-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	assert_int_equal(core_config_parse(config_text, strlen(config_text), "test.json", &f->cfg,
					   &err), 0);
	f->db = core_db_open(f->path, &err);
	assert_non_null(f->db);
	assert_int_equal(core_db_source_ensure(f->db, "forms", CORE_SRC_IMPORT, NULL, &f->src, &err),
			 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char other[128];

	core_db_close(f->db);
	test_store_remove(f->path);
	snprintf(other, sizeof(other), "%s/u.db", f->dir);
	test_store_remove(other);
	rmdir(f->dir);
	core_config_release(&f->cfg);
	free(f);
	return 0;
}

static void put(struct core_db *db, int64_t src, const char *ext, const char *text)
{
	test_put_item(db, src, ext, text, NULL, CORE_STANCE_NONE, "nl");
}

/* Item i of subject s: all texts differ (coprime pool sizes). */
static void text_of(int s, int i, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s %s %s. %s", wrap[i % 6], subj_a[s][i % 4], subj_b[s][i % 5],
		 tail[i % 7]);
}

/* 0..total-1 in the order of a seeded shuffle (seed 0: in order). */
static void shuffled(int *order, int total, unsigned shuffle_seed)
{
	for (int i = 0; i < total; i++)
		order[i] = i;
	if (shuffle_seed) {
		struct ana_rng r;
		ana_rng_seed(&r, shuffle_seed);
		for (int i = total - 1; i > 0; i--) {
			int j = (int)(ana_rng_next(&r) % (uint64_t)(i + 1)), t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
	}
}

/* Stores subjects x n items in the order given by a seeded shuffle (seed 0: in order). */
static void fill_with(struct core_db *db, int64_t src, int n, unsigned shuffle_seed,
		      void (*text_fn)(int s, int i, char *buf, size_t cap))
{
	struct core_err err = {0};
	int total = 3 * n, order[3 * 64];

	assert_true(n <= 64);
	shuffled(order, total, shuffle_seed);
	assert_int_equal(core_db_begin(db, &err), 0);
	for (int k = 0; k < total; k++) {
		char text[512], ext[32];
		int s = order[k] / n, i = order[k] % n;
		text_fn(s, i, text, sizeof(text));
		snprintf(ext, sizeof(ext), "s%d-%02d", s, i);
		put(db, src, ext, text);
	}
	assert_int_equal(core_db_commit(db, &err), 0);
}

static void fill(struct core_db *db, int64_t src, int n, unsigned shuffle_seed)
{
	fill_with(db, src, n, shuffle_seed, text_of);
}

#define MAX_ITEMS 256
struct snap {
	size_t n;
	char ext[MAX_ITEMS][32], theme[MAX_ITEMS][32], sub[MAX_ITEMS][32];
	size_t n_themes;
	char id[32][32], parent[32][32], label[32][256], terms[32][512];
	int64_t size[32];
	size_t n_quotes[32];
	int64_t quotes[32][8];
};

static int collect(const struct core_item_view *v, void *ctx)
{
	struct snap *s = ctx;
	assert_true(s->n < MAX_ITEMS);
	snprintf(s->ext[s->n], 32, "%s", v->item.external_id);
	snprintf(s->theme[s->n], 32, "%s", v->theme ? v->theme : "");
	snprintf(s->sub[s->n], 32, "%s", v->subtheme ? v->subtheme : "");
	s->n++;
	return 0;
}

static void take(struct core_db *db, struct snap *s)
{
	struct core_err err = {0};
	struct core_item_filter f = {0};
	struct core_run_info info = {0};
	struct core_theme *th = NULL;
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	assert_int_equal(core_db_items_each(db, &f, collect, s, &err), 0);
	assert_int_equal(core_db_run_latest(db, &info, &err), 0);
	assert_int_equal(core_db_run_themes(db, info.id, &th, &n, &err), 0);
	assert_true(n <= 32);
	s->n_themes = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(s->id[i], 32, "%s", th[i].id);
		snprintf(s->parent[i], 32, "%s", th[i].parent);
		snprintf(s->label[i], 256, "%s", th[i].label);
		s->size[i] = th[i].size;
		s->n_quotes[i] = th[i].n_quotes;
		for (size_t q = 0; q < th[i].n_quotes && q < 8; q++)
			s->quotes[i][q] = th[i].quotes[q];
		s->terms[i][0] = '\0';
		for (size_t j = 0; j < th[i].top_terms.n; j++) {
			size_t l = strlen(s->terms[i]);
			snprintf(s->terms[i] + l, 512 - l, "%s|", th[i].top_terms.v[j]);
		}
		core_theme_release(&th[i]);
	}
	free(th);
	core_run_info_release(&info);
}

static size_t item_index(const struct snap *s, const char *ext)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ext[i], ext) == 0)
			return i;
	fail_msg("no item %s", ext);
	return 0;
}

static const char *theme_of(const struct snap *s, const char *ext)
{
	return s->theme[item_index(s, ext)];
}

static const char *sub_of(const struct snap *s, const char *ext)
{
	return s->sub[item_index(s, ext)];
}

static const char *label_of(const struct snap *s, const char *id)
{
	for (size_t t = 0; t < s->n_themes; t++)
		if (strcmp(s->id[t], id) == 0)
			return s->label[t];
	return "";
}

/* ---------------------------------------------------------------- themes */

/* Stores PER_SUBJECT items of each subject (text_fn) in order and analyses them into
 * three themes (seed 7), snapshot in a. */
static void three_themes(struct fixture *f, void (*text_fn)(int s, int i, char *buf, size_t cap),
			 struct snap *a)
{
	struct core_err err = {0};
	struct ana_opts opts = {.seed = 7, .themes = 3};

	fill_with(f->db, f->src, PER_SUBJECT, 0, text_fn);
	if (ana_run(f->db, &f->cfg, &opts, NULL, &err) != 0)
		fail_msg("ana_run: %s", err.msg);
	take(f->db, a);
	assert_int_equal(a->n_themes, 3);
}

/* Every subject of fill_with is one theme. */
static void assert_subject_per_theme(const struct snap *a)
{
	for (int s = 0; s < 3; s++) {
		char ext[32];
		snprintf(ext, sizeof(ext), "s%d-00", s);
		const char *th = theme_of(a, ext);
		for (int i = 1; i < PER_SUBJECT; i++) {
			snprintf(ext, sizeof(ext), "s%d-%02d", s, i);
			assert_string_equal(theme_of(a, ext), th);
		}
	}
}

static void labels_are_topics(void **state)
{
	struct fixture *f = *state;
	struct core_err err = {0};
	static struct snap a;

	three_themes(f, text_of, &a);
	struct ana_text *tx = ana_text_new(&err);
	assert_non_null(tx);
	int nl = ana_text_lang(tx, "nl");
	int found_phrase = 0;
	for (size_t t = 0; t < a.n_themes; t++) {
		print_message("theme %s (%lld): %s  [%s]\n", a.id[t], (long long)a.size[t], a.label[t],
			      a.terms[t]);
		for (size_t u = 0; u < t; u++)
			assert_string_not_equal(a.label[t], a.label[u]);
		/* Words of the label: 2 to 4, no stopword, no stance or domain word, no
		 * two with one stem. */
		char copy[256], stems[8][64];
		size_t nw = 0;
		snprintf(copy, sizeof(copy), "%s", a.label[t]);
		for (char *w = strtok(copy, ", "); w; w = strtok(NULL, ", ")) {
			if (ana_text_is_stop(tx, w, strlen(w)) || !ana_text_is_feature(tx, w, strlen(w)) ||
			    ana_text_is_cue(tx, w, strlen(w)))
				fail_msg("label '%s' has the non-topic word '%s'", a.label[t], w);
			assert_true(nw < 8);
			const char *st = ana_text_stem(tx, "nl", w, strlen(w));
			assert_non_null(st);
			snprintf(stems[nw], sizeof(stems[nw]), "%s", st);
			for (size_t v = 0; v < nw; v++)
				if (strcmp(stems[v], stems[nw]) == 0)
					fail_msg("label '%s' repeats stem '%s'", a.label[t], stems[nw]);
			nw++;
		}
		assert_true(nw >= 2 && nw <= 4);
		/* Top terms carry no stance or domain word either. */
		snprintf(copy, sizeof(copy), "%s", a.terms[t]);
		for (char *w = strtok(copy, "| "); w; w = strtok(NULL, "| "))
			assert_true(ana_text_is_feature(tx, w, strlen(w)) &&
				    !ana_text_is_cue(tx, w, strlen(w)));
		found_phrase |= strstr(a.terms[t], "digitale kluis") != NULL;
		/* Three to five quotes, all different items. */
		assert_true(a.n_quotes[t] >= 3 && a.n_quotes[t] <= 5);
		for (size_t q = 0; q < a.n_quotes[t]; q++)
			for (size_t r = 0; r < q; r++)
				assert_true(a.quotes[t][q] != a.quotes[t][r]);
	}
	(void)nl;
	/* "digitale kluis" recurs as a pair: a significant bigram, offered as a phrase. */
	assert_true(found_phrase);
	assert_subject_per_theme(&a);
	ana_text_free(tx);
}

/* Item i of subject s with evaluative stance cues of its own in every text, so that
 * they outweigh every subject word in the theme's centroid. Cues by prefix
 * ("verbeter*"), which no stopword list holds. */
static const char *const subj_cues[3][2] = {{"complimenten", "verbeteringen"},
					    {"beperkingen", "bezuinigingen"},
					    {"investeringen", "verdriet"}};
static void text_with_cues(int s, int i, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s en %s: %s %s, echt %s.", subj_cues[s][0], subj_cues[s][1],
		 subj_a[s][i % 4], subj_b[s][i % 5], subj_cues[s][i % 2]);
}

static void cues_cluster_but_name_no_theme(void **state)
{
	struct fixture *f = *state;
	struct core_err err = {0};
	static struct snap a;

	three_themes(f, text_with_cues, &a);
	struct ana_text *tx = ana_text_new(&err);
	assert_non_null(tx);
	for (size_t t = 0; t < a.n_themes; t++) {
		char copy[512];
		snprintf(copy, sizeof(copy), "%s|%s", a.label[t], a.terms[t]);
		for (char *w = strtok(copy, "|, "); w; w = strtok(NULL, "|, "))
			if (ana_text_is_cue(tx, w, strlen(w)))
				fail_msg("theme '%s' [%s] names the cue '%s'", a.label[t], a.terms[t], w);
	}
	assert_subject_per_theme(&a);
	ana_text_free(tx);
}

/* A second store at path with the "forms" source. */
static struct core_db *second_store(const char *path, int64_t *src)
{
	struct core_err err = {0};
	struct core_db *db = core_db_open(path, &err);

	assert_non_null(db);
	assert_int_equal(core_db_source_ensure(db, "forms", CORE_SRC_IMPORT, NULL, src, &err), 0);
	return db;
}

static void assert_same_themes(const struct snap *a, const struct snap *b)
{
	assert_int_equal(a->n_themes, b->n_themes);
	for (size_t t = 0; t < a->n_themes; t++) {
		assert_string_equal(a->id[t], b->id[t]);
		assert_string_equal(a->parent[t], b->parent[t]);
		assert_string_equal(a->label[t], b->label[t]);
		assert_string_equal(a->terms[t], b->terms[t]);
		assert_int_equal(a->size[t], b->size[t]);
	}
}

static void shuffled_order_same_themes(void **state)
{
	struct fixture *f = *state;
	struct core_err err = {0};
	struct ana_opts opts = {.seed = 11, .themes = 4};
	static struct snap a, b;
	char path[128];

	fill(f->db, f->src, PER_SUBJECT, 0);
	assert_int_equal(ana_run(f->db, &f->cfg, &opts, NULL, &err), 0);
	take(f->db, &a);

	snprintf(path, sizeof(path), "%s/u.db", f->dir);
	int64_t src2;
	struct core_db *db2 = second_store(path, &src2);
	fill(db2, src2, PER_SUBJECT, 12345);
	assert_int_equal(ana_run(db2, &f->cfg, &opts, NULL, &err), 0);
	take(db2, &b);
	core_db_close(db2);
	assert_same_themes(&a, &b);
	/* Item by item (external ids are the same in both stores). */
	for (size_t i = 0; i < a.n; i++)
		assert_string_equal(a.theme[i][0] ? label_of(&a, a.theme[i]) : "",
				    theme_of(&b, a.ext[i])[0] ? label_of(&b, theme_of(&b, a.ext[i])) : "");
}

static void ids_carry_across_runs(void **state)
{
	struct fixture *f = *state;
	struct core_err err = {0};
	struct ana_opts opts = {.seed = 7, .themes = 3};
	static struct snap a, b;

	fill(f->db, f->src, PER_SUBJECT - 3, 0);
	assert_int_equal(ana_run(f->db, &f->cfg, &opts, NULL, &err), 0);
	take(f->db, &a);
	/* A few new reactions, one with a new subject, stored before the re-run; a
	 * different seed too, so the clustering itself starts differently. */
	assert_int_equal(core_db_begin(f->db, &err), 0);
	for (int s = 0; s < 3; s++)
		for (int i = PER_SUBJECT - 3; i < PER_SUBJECT; i++) {
			char text[512], ext[32];
			text_of(s, i, text, sizeof(text));
			snprintf(ext, sizeof(ext), "s%d-%02d", s, i);
			put(f->db, f->src, ext, text);
		}
	put(f->db, f->src, "new-1", "Het parkeren bij het stadskantoor is te duur.");
	assert_int_equal(core_db_commit(f->db, &err), 0);
	opts.seed = 99;
	assert_int_equal(ana_run(f->db, &f->cfg, &opts, NULL, &err), 0);
	take(f->db, &b);

	for (int s = 0; s < 3; s++) {
		char ext[32];
		snprintf(ext, sizeof(ext), "s%d-00", s);
		const char *before = theme_of(&a, ext), *after = theme_of(&b, ext);
		print_message("subject %d: %s '%s' -> %s '%s'\n", s, before, label_of(&a, before), after,
			      label_of(&b, after));
		assert_true(before[0] != '\0');
		assert_string_equal(before, after);
	}
	/* Ids stay unique within the run. */
	for (size_t t = 0; t < b.n_themes; t++)
		for (size_t u = 0; u < t; u++)
			assert_string_not_equal(b.id[t], b.id[u]);

	/* Four themes now: one theme splits; the part that keeps most of it keeps the id,
	 * so all three ids survive, and the new theme gets an id never used before. */
	opts.themes = 4;
	assert_int_equal(ana_run(f->db, &f->cfg, &opts, NULL, &err), 0);
	static struct snap c;
	take(f->db, &c);
	assert_int_equal(c.n_themes, 4);
	size_t kept = 0;
	for (size_t t = 0; t < c.n_themes; t++) {
		int known = 0;
		for (size_t u = 0; u < b.n_themes; u++)
			known |= strcmp(c.id[t], b.id[u]) == 0;
		kept += (size_t)known;
		if (!known)
			assert_true(strtol(c.id[t] + 1, NULL, 10) > 3);
	}
	assert_int_equal(kept, 3);
}

/* A compound seen once ("wachttijdtelefoon") says nothing as a whole (min_df 2) but
 * joins the theme of its parts, words other reactions use. */
static void compounds_split_into_known_parts(void **state)
{
	struct fixture *f = *state;
	struct core_err err = {0};
	struct ana_opts opts = {.seed = 7, .themes = 3};
	static struct snap a;

	fill(f->db, f->src, PER_SUBJECT, 0);
	assert_int_equal(core_db_begin(f->db, &err), 0);
	put(f->db, f->src, "compound", "Wachttijdtelefoon!");
	assert_int_equal(core_db_commit(f->db, &err), 0);
	assert_int_equal(ana_run(f->db, &f->cfg, &opts, NULL, &err), 0);
	take(f->db, &a);
	assert_true(theme_of(&a, "s2-00")[0] != '\0');
	assert_string_equal(theme_of(&a, "compound"), theme_of(&a, "s2-00"));
}

/* ---------------------------------------------------------------- subthemes */

/* One theme with two clear sub-subjects (the counter and the phone, bound by shared
 * words about reaching the municipality) and one other theme (privacy). */
static const char *const sub_a[2][4] = {
	{"De balie in het stadhuis", "Het loket op het plein", "De openingstijden van de balie",
	 "Een afspraak aan het loket"},
	{"Bellen met het klantcontactcentrum", "De telefoon van de gemeente",
	 "Het telefoonnummer van de gemeente", "Terugbellen door een medewerker"}};
static const char *const sub_b[2][5] = {
	{"moet op zaterdag open blijven", "sluit veel te vroeg in de middag",
	 "heeft te weinig medewerkers achter de balie", "moet ook 's avonds open zijn",
	 "is lastig te vinden in het stadhuis"},
	{"heeft een lange wachttijd aan de telefoon", "wordt vaak niet opgenomen",
	 "laat je te lang in de wachtrij hangen", "verbindt je steeds door",
	 "geeft een bandje in plaats van een mens aan de telefoon"}};
static const char *const sub_tail[] = {
	"Bereikbaarheid is belangrijk.", "Persoonlijk contact blijft nodig.",
	"Zo blijft het klantcontact menselijk.", "De bereikbaarheid moet beter.",
	"Persoonlijk klantcontact telt.", "Bereikbaar blijven voor iedereen.",
	"Contact moet persoonlijk blijven."};
#define SUB_PER 30

static void sub_text(int s, int i, char *buf, size_t cap)
{
	if (s < 2)
		snprintf(buf, cap, "%s %s %s. %s", wrap[i % 6], sub_a[s][i % 4], sub_b[s][i % 5],
			 sub_tail[i % 7]);
	else
		text_of(1, i, buf, cap); /* privacy */
}

static void sub_fill(struct core_db *db, int64_t src, unsigned shuffle_seed)
{
	fill_with(db, src, SUB_PER, shuffle_seed, sub_text);
}

static const char *parent_of(const struct snap *s, const char *id)
{
	for (size_t t = 0; t < s->n_themes; t++)
		if (strcmp(s->id[t], id) == 0)
			return s->parent[t];
	fail_msg("no theme %s", id);
	return NULL;
}

/* The (sub)theme of every item of sub-subject s: one, the same for all. */
static const char *one_for_all(const struct snap *a, int s, int sub)
{
	char ext[32];
	snprintf(ext, sizeof(ext), "s%d-00", s);
	const char *first = sub ? sub_of(a, ext) : theme_of(a, ext);
	for (int i = 1; i < SUB_PER; i++) {
		snprintf(ext, sizeof(ext), "s%d-%02d", s, i);
		assert_string_equal(sub ? sub_of(a, ext) : theme_of(a, ext), first);
	}
	return first;
}

static void subthemes_split_sub_subjects(void **state)
{
	struct fixture *f = *state;
	struct core_err err = {0};
	struct ana_opts opts = {.seed = 7, .themes = 2};
	static struct snap a, b, c;
	char path[128];

	sub_fill(f->db, f->src, 0);
	assert_int_equal(ana_run(f->db, &f->cfg, &opts, NULL, &err), 0);
	take(f->db, &a);
	for (size_t t = 0; t < a.n_themes; t++)
		print_message("theme %s (parent '%s', %lld): %s  [%s]\n", a.id[t], a.parent[t],
			      (long long)a.size[t], a.label[t], a.terms[t]);
	/* Counter and phone share a top-level theme, privacy has its own. */
	const char *top = one_for_all(&a, 0, 0);
	assert_true(top[0] != '\0');
	assert_string_equal(one_for_all(&a, 1, 0), top);
	assert_string_not_equal(one_for_all(&a, 2, 0), top);
	/* ... and the shared theme splits into exactly the two sub-subjects. */
	const char *counter = one_for_all(&a, 0, 1), *phone = one_for_all(&a, 1, 1);
	assert_true(counter[0] != '\0' && phone[0] != '\0');
	assert_string_not_equal(counter, phone);
	assert_string_equal(parent_of(&a, counter), top);
	assert_string_equal(parent_of(&a, phone), top);
	/* Labels: unique over all themes and subthemes (so never the parent's), three to
	 * five quotes per subtheme. */
	size_t n_sub = 0;
	for (size_t t = 0; t < a.n_themes; t++) {
		for (size_t u = 0; u < t; u++)
			assert_string_not_equal(a.label[t], a.label[u]);
		if (a.parent[t][0]) {
			n_sub++;
			assert_true(a.n_quotes[t] >= 3 && a.n_quotes[t] <= 5);
		}
	}
	assert_int_equal(n_sub, 2);
	/* `inspraak themes` lists the subthemes indented right under their parent. */
	char *listing = NULL, line[64];
	size_t listing_len = 0;
	FILE *out = open_memstream(&listing, &listing_len);
	assert_non_null(out);
	assert_int_equal(exp_print_themes(f->db, &f->cfg, 0, out, &err), 0);
	fclose(out);
	snprintf(line, sizeof(line), "\n%s ", top);
	const char *at = strstr(listing, line);
	assert_non_null(at);
	at = strchr(at + 1, '\n');
	assert_non_null(at);
	assert_true(strncmp(at, "\n  T", 4) == 0);
	at = strchr(at + 1, '\n');
	assert_true(at && strncmp(at, "\n  T", 4) == 0);
	free(listing);

	/* Determinism: another store, items in another order, same (sub)themes. */
	snprintf(path, sizeof(path), "%s/u.db", f->dir);
	int64_t src2;
	struct core_db *db2 = second_store(path, &src2);
	sub_fill(db2, src2, 4242);
	assert_int_equal(ana_run(db2, &f->cfg, &opts, NULL, &err), 0);
	take(db2, &b);
	core_db_close(db2);
	assert_same_themes(&a, &b);
	for (size_t i = 0; i < a.n; i++)
		assert_string_equal(a.sub[i], sub_of(&b, a.ext[i]));

	/* Identity: a re-run with another seed keeps the subtheme ids. */
	opts.seed = 99;
	assert_int_equal(ana_run(f->db, &f->cfg, &opts, NULL, &err), 0);
	take(f->db, &c);
	assert_string_equal(one_for_all(&c, 0, 1), counter);
	assert_string_equal(one_for_all(&c, 1, 1), phone);
	assert_string_equal(one_for_all(&c, 0, 0), top);
}

/* ---------------------------------------------------------------- word refinement */

/* Documents whose semantic-space rows split them first half / second half, while their
 * words (two disjoint vocabularies of six words, columns 0-5 and 6-11) agree with that
 * split for three documents in four and contradict it for the fourth. Each document
 * also has four bigram columns of its half (12-17, 18-23), outnumbering its three words.
 * Rows of WF_ROW columns; space and terms point into the caller's arrays. */
enum { WF_WORDS = 3, WF_ROW = 7 };

/* The semantic space of the fixtures below: two dimensions, rows of the first half near
 * the one axis, of the second half near the other. */
static void halves_space(size_t n, size_t *srow, float *sval)
{
	for (size_t i = 0; i < n; i++) {
		double a = i < n / 2 ? 1.0 : 0.2 + 0.001 * (double)(i % 7);
		double b = i < n / 2 ? 0.2 + 0.001 * (double)(i % 5) : 1.0;
		srow[i] = 2 * i;
		sval[2 * i] = (float)(a / sqrt(a * a + b * b));
		sval[2 * i + 1] = (float)(b / sqrt(a * a + b * b));
	}
	srow[n] = 2 * n;
}

static void words_fixture(size_t n, size_t *srow, float *sval, size_t *trow, uint32_t *tcol,
			  float *tval)
{
	halves_space(n, srow, sval);
	for (size_t i = 0; i < n; i++) {
		trow[i] = WF_ROW * i;
		uint32_t base = (i < n / 2) != (i % 4 == 3) ? 0 : 6, r = (uint32_t)i % 6;
		uint32_t half = i < n / 2 ? 12 : 18;
		uint32_t c[WF_ROW] = {base + r, base + (r + 1) % 6, base + (r + 3) % 6,
				      half + r, half + (r + 1) % 6, half + (r + 2) % 6, half + (r + 4) % 6};
		for (int x = 1; x < WF_ROW; x++) /* ascending within the row */
			for (int y = x; y > 0 && c[y - 1] > c[y]; y--) {
				uint32_t t = c[y];
				c[y] = c[y - 1];
				c[y - 1] = t;
			}
		for (int x = 0; x < WF_ROW; x++) {
			tcol[WF_ROW * i + (size_t)x] = c[x];
			tval[WF_ROW * i + (size_t)x] = (float)(1.0 / sqrt((double)WF_ROW));
		}
	}
	trow[n] = WF_ROW * n;
}

/* The mixture refinement reads the words (words_fixture, 120 documents): k-means alone
 * finds the halves; the refinement must move every document to the theme of its
 * words, leaving the bigrams out. */
static void kmeans_refined_by_words(void **state)
{
	(void)state;
	enum { N = 120 };
	size_t srow[N + 1], trow[N + 1];
	float sval[2 * N], tval[WF_ROW * N];
	uint32_t tcol[WF_ROW * N];
	uint8_t bigram[24];
	struct ana_matrix space = {N, 2, srow, NULL, sval, NULL};
	struct ana_matrix terms = {N, 24, trow, tcol, tval, NULL};
	struct ana_words words = {&terms, bigram, NULL}, all_columns = {&terms, NULL, NULL};

	for (size_t c = 0; c < 24; c++)
		bigram[c] = c >= 12;
	words_fixture(N, srow, sval, trow, tcol, tval);

	struct ana_clustering cl;
	/* Without the words: the halves of the semantic space (document 3 has the
	 * second half's words). */
	assert_int_equal(ana_kmeans(&space, NULL, 2, 7, 2, &cl), 0);
	assert_int_equal(cl.k, 2);
	assert_true(cl.assign[0] >= 0 && cl.assign[N - 1] >= 0 && cl.assign[0] != cl.assign[N - 1]);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(cl.assign[i], cl.assign[i < N / 2 ? 0 : N - 1]);
	ana_clustering_release(&cl);
	for (uint64_t seed = 1; seed <= 3; seed++) {
		/* With them: every document assigned, in the theme of its vocabulary. */
		assert_int_equal(ana_kmeans(&space, &words, 2, seed, 2, &cl), 0);
		assert_int_equal(cl.k, 2);
		assert_true(cl.assign[0] >= 0 && cl.assign[3] >= 0 && cl.assign[0] != cl.assign[3]);
		for (size_t i = 0; i < N; i++)
			assert_int_equal(cl.assign[i], cl.assign[tcol[WF_ROW * i] < 6 ? 0 : 3]);
		ana_clustering_release(&cl);
		/* Counting the bigrams too, the halves would stay. */
		assert_int_equal(ana_kmeans(&space, &all_columns, 2, seed, 2, &cl), 0);
		size_t by_words = 0;
		for (size_t i = 0; i < N; i++)
			by_words += cl.assign[i] == cl.assign[tcol[WF_ROW * i] < 6 ? 0 : 3];
		assert_false(cl.assign[0] != cl.assign[3] && by_words == N);
		ana_clustering_release(&cl);
	}
}

/* Beyond ANA_KMEANS_SAMPLE documents the fit sees every third one; the others must go
 * where the mixture puts them too, not to the nearest centre of the semantic space
 * (which for the documents whose words contradict their half is the wrong theme). */
static void kmeans_words_place_the_rest(void **state)
{
	(void)state;
	size_t n = 2 * ANA_KMEANS_SAMPLE + 100;
	size_t *srow = malloc((n + 1) * sizeof(*srow)), *trow = malloc((n + 1) * sizeof(*trow));
	float *sval = malloc(2 * n * sizeof(*sval)), *tval = malloc(WF_ROW * n * sizeof(*tval));
	uint32_t *tcol = malloc(WF_ROW * n * sizeof(*tcol));
	uint8_t bigram[24];
	assert_true(srow && trow && sval && tval && tcol);
	for (size_t c = 0; c < 24; c++)
		bigram[c] = c >= 12;
	words_fixture(n, srow, sval, trow, tcol, tval);
	struct ana_matrix space = {n, 2, srow, NULL, sval, NULL};
	struct ana_matrix terms = {n, 24, trow, tcol, tval, NULL};
	struct ana_words words = {&terms, bigram, NULL};
	struct ana_clustering cl;

	assert_int_equal(ana_kmeans(&space, &words, 2, 5, 2, &cl), 0);
	assert_int_equal(cl.k, 2);
	assert_true(cl.assign[0] >= 0 && cl.assign[3] >= 0 && cl.assign[0] != cl.assign[3]);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(cl.assign[i], cl.assign[tcol[WF_ROW * i] < 6 ? 0 : 3]);
	ana_clustering_release(&cl);
	free(srow);
	free(trow);
	free(sval);
	free(tval);
	free(tcol);
}

/* The mixture judges a document as if it had left its cluster. Document 0 lies in the
 * first half of the semantic space but has one word only, word 12, which no other
 * document of that half has and the last document (second half) has too. Taken out of
 * its cluster, the first half has none of its word and the second half one, so it
 * moves. Counted in its own cluster it would find its word there already, in a
 * cluster of fewer words than the second half's, and stay. */
static void kmeans_words_judge_without_itself(void **state)
{
	(void)state;
	enum { N = 120, ROW = 5 };
	size_t srow[N + 1], trow[N + 1], at = 0;
	float sval[2 * N], tval[ROW * N];
	uint32_t tcol[ROW * N];
	struct ana_matrix space = {N, 2, srow, NULL, sval, NULL};
	struct ana_matrix terms = {N, 13, trow, tcol, tval, NULL};
	struct ana_words words = {&terms, NULL, NULL};
	struct ana_clustering cl;

	halves_space(N, srow, sval);
	for (size_t i = 0; i < N; i++) {
		uint32_t r = (uint32_t)i % 6, c[ROW];
		size_t len = 0;
		if (i == 0) {
			c[len++] = 12;
		} else if (i < N / 2) { /* three of words 0-5 */
			c[len++] = r;
			c[len++] = (r + 1) % 6;
			c[len++] = (r + 3) % 6;
		} else { /* four of words 6-11, and word 12 for the last document */
			for (uint32_t x = 0; x < 4; x++)
				c[len++] = 6 + (r + x + (x == 3)) % 6;
			if (i == N - 1)
				c[len++] = 12;
		}
		for (size_t x = 1; x < len; x++) /* ascending within the row */
			for (size_t y = x; y > 0 && c[y - 1] > c[y]; y--) {
				uint32_t t = c[y];
				c[y] = c[y - 1];
				c[y - 1] = t;
			}
		trow[i] = at;
		for (size_t x = 0; x < len; x++) {
			tcol[at] = c[x];
			tval[at++] = (float)(1.0 / sqrt((double)len));
		}
	}
	trow[N] = at;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		assert_int_equal(ana_kmeans(&space, &words, 2, seed, 2, &cl), 0);
		assert_int_equal(cl.k, 2);
		assert_true(cl.assign[1] >= 0 && cl.assign[N - 1] >= 0 && cl.assign[1] != cl.assign[N - 1]);
		assert_int_equal(cl.assign[0], cl.assign[N - 1]);
		ana_clustering_release(&cl);
	}
}

/* ana_dmm_place (the subtheme splits place their members by the mixture of the fitted
 * sample): a document joins the cluster whose sample documents share its words; bigram
 * columns are not read; a document with no word of the sample stays unplaced. Columns:
 * 0 and 1 are words of cluster 0, 2 and 3 of cluster 1, 4 a bigram in cluster 0's
 * documents, 5 a word the sample lacks. */
static void dmm_place_by_words(void **state)
{
	(void)state;
	size_t row[] = {0, 3, 5, 7, 8, 9, 10, 12, 13};
	uint32_t col[] = {0, 1, 4, 0, 4, 2, 3, 3, 1, 2, 4, 5, 5};
	float val[13];
	uint8_t bigram[6] = {0, 0, 0, 0, 1, 0};
	for (size_t i = 0; i < 13; i++)
		val[i] = 1.0f;
	struct ana_matrix terms = {8, 6, row, col, val, NULL};
	struct ana_words words = {&terms, bigram, NULL};
	size_t sample[] = {0, 1, 2, 3}, docs[] = {4, 5, 6, 7, 0, 2};
	int sample_assign[] = {0, 0, 1, 1}, placed[6];

	assert_int_equal(ana_dmm_place(&words, sample, 4, sample_assign, 2, docs, 6, placed), 0);
	assert_int_equal(placed[0], 0);  /* word 1 */
	assert_int_equal(placed[1], 1);  /* word 2 */
	assert_int_equal(placed[2], -1); /* the bigram and an unseen word: nothing to read */
	assert_int_equal(placed[3], -1); /* an unseen word */
	assert_int_equal(placed[4], 0);  /* sample documents land where they were */
	assert_int_equal(placed[5], 1);

	/* The same documents numbered otherwise, their rows given by words.rows (as the
	 * subtheme splits number their sample). */
	size_t rows[] = {4, 5, 6, 7, 0, 1, 2, 3}, sample2[] = {4, 5, 6, 7}, docs2[] = {0, 1, 2, 3, 4, 6};
	int placed2[6];
	words.rows = rows;
	assert_int_equal(ana_dmm_place(&words, sample2, 4, sample_assign, 2, docs2, 6, placed2), 0);
	assert_memory_equal(placed2, placed, sizeof(placed));
}

/* ---------------------------------------------------------------- sib200 evaluation */

/* NMI with arithmetic normalisation between two labelings given as small ints. */
static double nmi(const int *a, const int *b, size_t n, int ka, int kb)
{
	double *ct = calloc((size_t)ka * kb, sizeof(double)), *pa = calloc((size_t)ka, sizeof(double)),
	       *pb = calloc((size_t)kb, sizeof(double));
	double mi = 0, ha = 0, hb = 0;
	assert_non_null(ct);
	assert_non_null(pa);
	assert_non_null(pb);
	for (size_t i = 0; i < n; i++) {
		ct[(size_t)a[i] * kb + b[i]]++;
		pa[a[i]]++;
		pb[b[i]]++;
	}
	for (int x = 0; x < ka; x++)
		if (pa[x] > 0)
			ha -= pa[x] / n * log(pa[x] / n);
	for (int y = 0; y < kb; y++)
		if (pb[y] > 0)
			hb -= pb[y] / n * log(pb[y] / n);
	for (int x = 0; x < ka; x++)
		for (int y = 0; y < kb; y++)
			if (ct[(size_t)x * kb + y] > 0)
				mi += ct[(size_t)x * kb + y] / n *
				      log(ct[(size_t)x * kb + y] * n / (pa[x] * pb[y]));
	free(ct);
	free(pa);
	free(pb);
	return ha + hb > 0 ? 2 * mi / (ha + hb) : 0;
}

#define SIB_MAX 1100
struct sib {
	size_t n;
	char ext[SIB_MAX][24];
	int gold[SIB_MAX];
	char cats[16][32];
	int n_cats;
	int pred[SIB_MAX];
	char themes[64][32];
	int n_themes;
};

static int sib_collect(const struct core_item_view *v, void *ctx)
{
	struct sib *s = ctx;
	const char *th = v->theme ? v->theme : "";
	size_t i;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->ext[i], v->item.external_id) == 0)
			break;
	assert_true(i < s->n);
	int t;
	for (t = 0; t < s->n_themes; t++)
		if (strcmp(s->themes[t], th) == 0)
			break;
	if (t == s->n_themes) {
		assert_true(t < 64);
		snprintf(s->themes[s->n_themes++], 32, "%s", th); /* "" (unassigned) counts too */
	}
	s->pred[i] = t;
	return 0;
}

/* Reference: scikit-learn's TF-IDF + KMeans reaches 0.05 on this set (issue 5). */
#define SIB_NL_MIN_MEAN_NMI 0.065

static void sib200_dutch_nmi(void **state)
{
	struct fixture *f = *state;
	static const char *const splits[] = {"train", "dev", "test"};
	static struct sib s;
	struct core_err err = {0};
	char path[512];

	memset(&s, 0, sizeof(s));
	snprintf(path, sizeof(path), "%s/../shared/datasets/sib200_topic_nl_en/nld_Latn/train.tsv",
		 SOURCE_DIR);
	if (access(path, R_OK) != 0)
	{
		print_message("skipped: %s is absent (../shared/datasets)\n", path);
		skip();
	}
	assert_int_equal(core_db_begin(f->db, &err), 0);
	for (size_t k = 0; k < 3; k++) {
		snprintf(path, sizeof(path), "%s/../shared/datasets/sib200_topic_nl_en/nld_Latn/%s.tsv",
			 SOURCE_DIR, splits[k]);
		FILE *in = fopen(path, "r");
		assert_non_null(in);
		char line[4096];
		int header = 1;
		while (fgets(line, sizeof(line), in)) {
			line[strcspn(line, "\r\n")] = '\0';
			if (header) {
				header = 0;
				continue;
			}
			char *id = line, *cat = strchr(id, '\t');
			assert_non_null(cat);
			*cat++ = '\0';
			char *text = strchr(cat, '\t');
			assert_non_null(text);
			*text++ = '\0';
			assert_true(s.n < SIB_MAX);
			int c;
			for (c = 0; c < s.n_cats; c++)
				if (strcmp(s.cats[c], cat) == 0)
					break;
			if (c == s.n_cats)
				snprintf(s.cats[s.n_cats++], 32, "%s", cat);
			snprintf(s.ext[s.n], 24, "%s-%s", splits[k], id);
			s.gold[s.n] = c;
			put(f->db, f->src, s.ext[s.n], text);
			s.n++;
		}
		fclose(in);
	}
	assert_int_equal(core_db_commit(f->db, &err), 0);
	assert_int_equal(s.n, 1004);
	assert_int_equal(s.n_cats, 7);
	/* k-means on 1004 one-sentence texts varies with the seed (and the content order)
	 * by about +-0.02 NMI: the mean over four seeds must beat the reference clearly. */
	static const uint64_t seeds[] = {1, 2, 3, 42};
	double sum = 0.0;
	for (size_t k = 0; k < sizeof(seeds) / sizeof(*seeds); k++) {
		struct ana_opts opts = {.seed = seeds[k], .themes = 7};
		if (ana_run(f->db, &f->cfg, &opts, NULL, &err) != 0)
			fail_msg("ana_run: %s", err.msg);
		struct core_item_filter flt = {0};
		s.n_themes = 0;
		assert_int_equal(core_db_items_each(f->db, &flt, sib_collect, &s, &err), 0);
		double v = nmi(s.gold, s.pred, s.n, s.n_cats, s.n_themes);
		print_message("sib200 nl, seed %llu: NMI %.4f over %zu items, %d themes (reference "
			      "0.05)\n", (unsigned long long)seeds[k], v, s.n, s.n_themes);
		sum += v;
	}
	double mean = sum / (double)(sizeof(seeds) / sizeof(*seeds));
	print_message("sib200 nl: mean NMI %.4f\n", mean);
	assert_true(mean > SIB_NL_MIN_MEAN_NMI);
}

int test_themes(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(camel_case_hashtags),
		cmocka_unit_test(feature_words_and_language_lists),
		cmocka_unit_test(minhash_grouping),
		cmocka_unit_test(near_dups_many),
		cmocka_unit_test(kmeans_bounds_keep_nearest_centre),
		cmocka_unit_test(idmap_ids),
		cmocka_unit_test(sort_u32_orders),
		cmocka_unit_test(kmeans_refined_by_words),
		cmocka_unit_test(kmeans_words_place_the_rest),
		cmocka_unit_test(kmeans_words_judge_without_itself),
		cmocka_unit_test(dmm_place_by_words),
		cmocka_unit_test_setup_teardown(labels_are_topics, setup, teardown),
		cmocka_unit_test_setup_teardown(cues_cluster_but_name_no_theme, setup, teardown),
		cmocka_unit_test_setup_teardown(shuffled_order_same_themes, setup, teardown),
		cmocka_unit_test_setup_teardown(ids_carry_across_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(subthemes_split_sub_subjects, setup, teardown),
		cmocka_unit_test_setup_teardown(compounds_split_into_known_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(sib200_dutch_nmi, setup, teardown),
	};
	return cmocka_run_group_tests_name("themes", tests, NULL, NULL);
}
