/* store.c: the SQLite store, and the only includer of sqlite3.h. It owns the schema and
 * its ordered migrations, the prepared statements, and every read and write the other
 * modules make. Values are always bound, never printed into SQL. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "core.h"

/* 'INSP': marks a file as an inspraak database so we never migrate someone else's. */
#define APPLICATION_ID 0x494E5350

/* Migration N (1-based) brings the schema from version N-1 to N. Append only: a shipped
 * migration is never edited, a change is a new entry. */
static const char *const migrations[] = {
	/* 1: the walking skeleton's schema */
	"CREATE TABLE sources("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  type TEXT NOT NULL,"
	"  url TEXT,"
	"  created_at TEXT NOT NULL,"
	"  last_attempt TEXT, last_success TEXT, next_due TEXT,"
	"  last_status INTEGER NOT NULL DEFAULT 0,"
	"  consecutive_errors INTEGER NOT NULL DEFAULT 0,"
	"  error_count INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT, etag TEXT, last_modified TEXT);"
	"CREATE TABLE items("
	"  id INTEGER PRIMARY KEY,"
	"  source_id INTEGER NOT NULL REFERENCES sources(id),"
	"  external_id TEXT NOT NULL,"
	"  url TEXT, author TEXT, title TEXT,"
	"  text TEXT NOT NULL,"
	"  lang TEXT, published_at TEXT, collected_at TEXT NOT NULL,"
	"  respondent_group TEXT, email TEXT, declared_stance TEXT,"
	"  content_hash TEXT NOT NULL,"
	"  edited INTEGER NOT NULL DEFAULT 0,"
	"  hidden INTEGER NOT NULL DEFAULT 0, hidden_reason TEXT,"
	"  UNIQUE(source_id, external_id));"
	"CREATE INDEX items_content_hash ON items(content_hash);"
	"CREATE TABLE item_declared_ambitions("
	"  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
	"  code TEXT NOT NULL,"
	"  PRIMARY KEY(item_id, code)) WITHOUT ROWID;"
	"CREATE TABLE ambitions("
	"  code TEXT PRIMARY KEY, position INTEGER NOT NULL, title TEXT NOT NULL,"
	"  title_en TEXT, description TEXT, description_en TEXT, updated_at TEXT NOT NULL);"
	"CREATE TABLE runs("
	"  id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,"
	"  seed INTEGER NOT NULL, k INTEGER NOT NULL, items INTEGER NOT NULL, params TEXT);"
	"CREATE TABLE themes("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  id TEXT NOT NULL, parent_id TEXT, label TEXT NOT NULL, size INTEGER NOT NULL,"
	"  top_terms TEXT NOT NULL, quotes TEXT NOT NULL, centroid BLOB,"
	"  PRIMARY KEY(run_id, id));"
	"CREATE TABLE campaigns("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  id TEXT NOT NULL, size INTEGER NOT NULL, template_text TEXT, first_item INTEGER,"
	"  PRIMARY KEY(run_id, id));"
	"CREATE TABLE item_themes("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
	"  lang TEXT, theme_id TEXT, campaign_id TEXT, score REAL,"
	"  PRIMARY KEY(run_id, item_id)) WITHOUT ROWID;"
	"CREATE TABLE item_stances("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
	"  ambition_code TEXT NOT NULL, stance TEXT NOT NULL, score REAL NOT NULL,"
	"  origin TEXT NOT NULL, evidence TEXT,"
	"  PRIMARY KEY(run_id, item_id, ambition_code)) WITHOUT ROWID;"
	"CREATE TABLE review_decisions("
	"  id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, reviewer TEXT NOT NULL,"
	"  action TEXT NOT NULL, target_kind TEXT NOT NULL, target_id TEXT NOT NULL,"
	"  before TEXT, after TEXT, note TEXT);"
	"CREATE INDEX review_decisions_target ON review_decisions(target_kind, target_id);",
	/* 2: web-form intake: the fingerprint of each submission's request, so a retry with
	 * the same idempotency key (the item's external_id) is told from a reused key */
	"CREATE TABLE submissions("
	"  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
	"  request_hash TEXT NOT NULL,"
	"  received_at TEXT NOT NULL);",
	/* 3: syndication: a normalised URL per item, and the other sources' copies of an
	 * item (the same reaction on two feeds is stored once) */
	"ALTER TABLE items ADD COLUMN url_key TEXT;"
	"CREATE INDEX items_url_key ON items(url_key) WHERE url_key IS NOT NULL;"
	"CREATE TABLE item_sources("
	"  source_id INTEGER NOT NULL REFERENCES sources(id),"
	"  external_id TEXT NOT NULL,"
	"  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
	"  seen_at TEXT NOT NULL,"
	"  PRIMARY KEY(source_id, external_id)) WITHOUT ROWID;"
	"CREATE INDEX item_sources_item ON item_sources(item_id);",
	/* 4: review (issue 8): full-text search over the items (external content), the
	 * reviewed mark that exports count, and an index for a theme's items in a run.
	 * New items are indexed in bulk when a search needs them (search_sync), not by an
	 * insert trigger: a trigger made a 1M-row import eight times slower. Edits and
	 * deletes of rows already indexed are kept in step by triggers. */
	"ALTER TABLE items ADD COLUMN reviewed_at TEXT;"
	"CREATE INDEX item_themes_theme ON item_themes(run_id, theme_id, item_id);"
	"CREATE VIRTUAL TABLE items_fts USING fts5(title, text, content='items',"
	"  content_rowid='id', tokenize='unicode61 remove_diacritics 2');"
	"CREATE TABLE items_fts_state(id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  indexed_upto INTEGER NOT NULL);"
	"INSERT INTO items_fts(items_fts) VALUES('rebuild');"
	"INSERT INTO items_fts_state VALUES(1, (SELECT COALESCE(max(id), 0) FROM items));"
	"CREATE TRIGGER items_fts_delete AFTER DELETE ON items"
	"  WHEN old.id <= (SELECT indexed_upto FROM items_fts_state) BEGIN"
	"  INSERT INTO items_fts(items_fts, rowid, title, text)"
	"  VALUES('delete', old.id, old.title, old.text); END;"
	"CREATE TRIGGER items_fts_update AFTER UPDATE OF title, text ON items"
	"  WHEN old.id <= (SELECT indexed_upto FROM items_fts_state) BEGIN"
	"  INSERT INTO items_fts(items_fts, rowid, title, text)"
	"  VALUES('delete', old.id, old.title, old.text);"
	"  INSERT INTO items_fts(rowid, title, text) VALUES(new.id, new.title, new.text); END;",
	/* 5: subthemes (issue 5): an item's subtheme beside its top-level theme */
	"ALTER TABLE item_themes ADD COLUMN subtheme_id TEXT;",
};
#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))
_Static_assert(N_MIGRATIONS == CORE_DB_SCHEMA_VERSION, "schema version and migrations agree");

/* How many runs keep their per-item results; older runs keep only their themes. */
#define KEEP_RUN_RESULTS 3
#define STORE_BUSY_MS 5000          /* how long a connection waits for the write lock */
#define STORE_CACHE_KIB "-32768"    /* page cache per connection (PRAGMA cache_size) */
#define STORE_SCAN_CACHE_KIB "-2048" /* the same while the analysis reads every item */

enum stmt {
	ST_ITEM_FIND, ST_ITEM_INSERT, ST_ITEM_UPDATE, ST_DECLARED_INSERT, ST_SOURCE_FIND,
	ST_SOURCE_INSERT, ST_SOURCE_UPDATE, ST_SUB_FIND, ST_SUB_INSERT, ST_COPY_FIND,
	ST_SYND_URL, ST_SYND_TEXT, ST_COPY_INSERT, ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_ITEM_FIND] = "SELECT id, content_hash FROM items WHERE source_id = ? AND external_id = ?",
	[ST_ITEM_INSERT] =
		"INSERT INTO items(source_id, external_id, url, author, title, text, lang,"
		" published_at, collected_at, respondent_group, email, declared_stance, content_hash,"
		" url_key) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
		/* New items are the common case (imports): try the insert first and look the
		 * row up only when it exists, one index search instead of two. */
		" ON CONFLICT(source_id, external_id) DO NOTHING",
	[ST_ITEM_UPDATE] =
		"UPDATE items SET url = ?, author = ?, title = ?, text = ?, published_at = ?,"
		" content_hash = ?, edited = 1 WHERE id = ?",
	[ST_DECLARED_INSERT] =
		"INSERT OR IGNORE INTO item_declared_ambitions(item_id, code) VALUES(?, ?)",
	[ST_SOURCE_FIND] = "SELECT id, type, url FROM sources WHERE name = ?",
	[ST_SOURCE_INSERT] = "INSERT INTO sources(name, type, url, created_at) VALUES(?,?,?,?)",
	/* A new URL is a new resource: the old one's validators must not be sent to it. */
	[ST_SOURCE_UPDATE] =
		"UPDATE sources SET type = ?1, url = ?2,"
		" etag = CASE WHEN url IS ?2 THEN etag END,"
		" last_modified = CASE WHEN url IS ?2 THEN last_modified END WHERE id = ?3",
	[ST_SUB_FIND] = "SELECT i.id, s.request_hash FROM items i LEFT JOIN submissions s"
			" ON s.item_id = i.id WHERE i.source_id = ? AND i.external_id = ?",
	[ST_SUB_INSERT] = "INSERT INTO submissions(item_id, request_hash, received_at)"
			  " VALUES(?,?,?)",
	[ST_COPY_FIND] = "SELECT item_id FROM item_sources WHERE source_id = ? AND external_id = ?",
	[ST_SYND_URL] = "SELECT id FROM items WHERE url_key = ? AND source_id <> ? ORDER BY id LIMIT 1",
	[ST_SYND_TEXT] = "SELECT id, author FROM items WHERE content_hash = ? AND source_id <> ?"
			 " ORDER BY id",
	[ST_COPY_INSERT] = "INSERT OR IGNORE INTO item_sources(source_id, external_id, item_id,"
			   " seen_at) VALUES(?,?,?,?)",
};

struct core_db {
	sqlite3 *h;
	char *path;
	sqlite3_stmt *st[ST_COUNT];
	struct prune_job *prune; /* core_db_prune_start's, until waited for */
};

static void prune_wait(struct core_db *db);

static int db_fail(struct core_db *db, struct core_err *err, const char *what)
{
	int rc = sqlite3_extended_errcode(db->h);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return core_err_set(err, CORE_EDB,
				    "database '%s' is locked: another inspraak process is writing "
				    "(%s)", db->path, what);
	return core_err_set(err, CORE_EDB, "database '%s': %s: %s", db->path, what,
			    sqlite3_errmsg(db->h));
}

static int exec(struct core_db *db, const char *sql, struct core_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = db_fail(db, err, msg ? msg : "statement failed");
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

static int pragma_int(struct core_db *db, const char *sql, int *out, struct core_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, "cannot read schema");
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		rc = db_fail(db, err, "cannot read schema");
	sqlite3_finalize(st);
	return rc;
}

static int migrate(struct core_db *db, struct core_err *err)
{
	int version = 0, app = 0, rc;

	if ((rc = pragma_int(db, "PRAGMA user_version", &version, err)) ||
	    (rc = pragma_int(db, "PRAGMA application_id", &app, err)))
		return rc;
	if (app != 0 && app != APPLICATION_ID)
		return core_err_set(err, CORE_EDB,
				    "database '%s' belongs to another application (application_id "
				    "%d): refusing to touch it", db->path, app);
	if (version > 0 && app == 0)
		return core_err_set(err, CORE_EDB,
				    "database '%s' is not an inspraak database (user_version %d "
				    "without inspraak's application_id)", db->path, version);
	if (version > CORE_DB_SCHEMA_VERSION)
		return core_err_set(err, CORE_EDB,
				    "database '%s' has schema version %d but this inspraak (%s) "
				    "knows up to %d: use a newer inspraak", db->path, version,
				    INSPRAAK_VERSION, CORE_DB_SCHEMA_VERSION);
	/* Only now, knowing the file is ours, may we change it. */
	if ((rc = pragma_int(db, "PRAGMA journal_mode = WAL", &(int){0}, err)))
		return rc;
	while (version < CORE_DB_SCHEMA_VERSION) {
		char set[96];
		if ((rc = exec(db, "BEGIN IMMEDIATE", err)))
			return rc;
		snprintf(set, sizeof(set), "PRAGMA user_version = %d; PRAGMA application_id = %d",
			 version + 1, APPLICATION_ID);
		if ((rc = exec(db, migrations[version], err)) || (rc = exec(db, set, err)) ||
		    (rc = exec(db, "COMMIT", err))) {
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
			return core_err_prefix(err, "migrating to schema version %d", version + 1);
		}
		version++;
	}
	return 0;
}

/* Set before the library initialises (once; a library already initialised by someone
 * else keeps its settings). SQLite counts every allocation under one process-wide mutex
 * for sqlite3_memory_used(), which inspraak never asks: off. And every connection is
 * used by one thread at a time (the review pages' under their lock, the intake's by its
 * writer, the collector's and the analysis's by one thread, the pruning thread's its
 * own), so the multi-thread mode: no mutex taken per call (42 per item the analysis
 * reads). */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
}

struct core_db *core_db_open(const char *path, struct core_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct core_db *db = calloc(1, sizeof(*db));
	int rc;

	if (!db || !(db->path = strdup(path))) {
		core_err_set(err, CORE_ENOMEM, "cannot open database '%s': out of memory", path);
		goto fail;
	}
	pthread_once(&once, sqlite_setup);
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		core_err_set(err, CORE_EDB, "cannot open database '%s': %s", path,
			     db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, STORE_BUSY_MS);
	/* WAL lets readers (exports, the review pages) run beside the writer. synchronous=FULL
	 * because a form submission is acknowledged only after its commit: with FULL a
	 * committed transaction survives power loss, not just a crash of inspraak. */
	if ((rc = exec(db, "PRAGMA foreign_keys = ON", err)) ||
	    (rc = exec(db, "PRAGMA synchronous = FULL", err)) ||
	    /* 32 MiB of page cache: a large import's transaction then seldom spills pages
	     * to the WAL before its commit (measured: the 1M-row import, issue 4). */
	    (rc = exec(db, "PRAGMA cache_size = " STORE_CACHE_KIB, err)) ||
	    (rc = migrate(db, err)))
		goto fail;
	for (int i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(db->h, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &db->st[i], NULL) != SQLITE_OK) {
			db_fail(db, err, "cannot prepare statements");
			goto fail;
		}
	return db;
fail:
	core_db_close(db);
	return NULL;
}

void core_db_close(struct core_db *db)
{
	if (!db)
		return;
	prune_wait(db);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(db->st[i]);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

int core_db_schema_version(struct core_db *db)
{
	int v = -1;
	pragma_int(db, "PRAGMA user_version", &v, NULL);
	return v;
}

int core_db_begin(struct core_db *db, struct core_err *err)
{
	return exec(db, "BEGIN IMMEDIATE", err);
}

int core_db_commit(struct core_db *db, struct core_err *err)
{
	int rc = exec(db, "COMMIT", err);
	if (rc)
		core_db_rollback(db);
	return rc;
}

void core_db_rollback(struct core_db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

/* ---------------------------------------------------------------- binding helpers */

/* s or NULL as parameter i; keep SQLITE_STATIC for a string that outlives the
 * statement's next step (SQLite then skips its copy: the save binds a few hundred
 * thousand), SQLITE_TRANSIENT for any other. */
static void bind_str(sqlite3_stmt *st, int i, const char *s, sqlite3_destructor_type keep)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, keep);
	else
		sqlite3_bind_null(st, i);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	bind_str(st, i, s, SQLITE_TRANSIENT);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? strdup((const char *)s) : NULL;
}

static void now_iso(char out[21])
{
	core_time_format(time(NULL), out);
}

/* ---------------------------------------------------------------- sources */

int core_db_source_ensure(struct core_db *db, const char *name, enum core_source_type type,
			  const char *url, int64_t *id, struct core_err *err)
{
	sqlite3_stmt *st = db->st[ST_SOURCE_FIND];
	const char *tname = core_source_type_name(type);
	int rc = 0, step;

	sqlite3_reset(st);
	bind_text(st, 1, name);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		const char *old_type = (const char *)sqlite3_column_text(st, 1);
		const char *old_url = (const char *)sqlite3_column_text(st, 2);
		*id = sqlite3_column_int64(st, 0);
		int changed = strcmp(old_type ? old_type : "", tname) != 0 ||
			      (url && strcmp(old_url ? old_url : "", url) != 0);
		sqlite3_reset(st);
		if (changed) {
			sqlite3_stmt *up = db->st[ST_SOURCE_UPDATE];
			sqlite3_reset(up);
			bind_text(up, 1, tname);
			bind_text(up, 2, url);
			sqlite3_bind_int64(up, 3, *id);
			if (sqlite3_step(up) != SQLITE_DONE)
				rc = db_fail(db, err, "cannot update source");
			sqlite3_reset(up);
		}
		return rc;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return db_fail(db, err, "cannot read sources");

	char now[21];
	now_iso(now);
	st = db->st[ST_SOURCE_INSERT];
	sqlite3_reset(st);
	bind_text(st, 1, name);
	bind_text(st, 2, tname);
	bind_text(st, 3, url);
	bind_text(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, err, "cannot add source");
	else
		*id = sqlite3_last_insert_rowid(db->h);
	sqlite3_reset(st);
	return rc;
}

void core_source_state_release(struct core_source_state *s)
{
	free(s->name);
	free(s->type);
	free(s->url);
	free(s->last_attempt);
	free(s->last_success);
	free(s->next_due);
	free(s->last_error);
	free(s->etag);
	free(s->last_modified);
	memset(s, 0, sizeof(*s));
}

#define SOURCE_COLUMNS                                                                     \
	"SELECT s.name, s.type, s.url, s.last_attempt, s.last_success, s.next_due,"        \
	" s.last_error, s.etag, s.last_modified, s.last_status, s.consecutive_errors,"     \
	" s.error_count, (SELECT count(*) FROM items i WHERE i.source_id = s.id)"          \
	" FROM sources s"

static void source_row(sqlite3_stmt *st, struct core_source_state *s)
{
	s->name = col_dup(st, 0);
	s->type = col_dup(st, 1);
	s->url = col_dup(st, 2);
	s->last_attempt = col_dup(st, 3);
	s->last_success = col_dup(st, 4);
	s->next_due = col_dup(st, 5);
	s->last_error = col_dup(st, 6);
	s->etag = col_dup(st, 7);
	s->last_modified = col_dup(st, 8);
	s->last_status = sqlite3_column_int(st, 9);
	s->consecutive_errors = sqlite3_column_int(st, 10);
	s->error_count = sqlite3_column_int64(st, 11);
	s->items = sqlite3_column_int64(st, 12);
}

int core_db_source_state(struct core_db *db, const char *name, struct core_source_state *out,
			 struct core_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db->h, SOURCE_COLUMNS " WHERE s.name = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(db, err, "cannot read source");
	bind_text(st, 1, name);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		source_row(st, out);
	else if (step == SQLITE_DONE)
		rc = core_err_set(err, CORE_ERUNTIME, "no source '%s' in the store", name);
	else
		rc = db_fail(db, err, "cannot read source");
	sqlite3_finalize(st);
	return rc;
}

int core_db_source_record(struct core_db *db, const char *name, int ok, int http_status,
			  const char *error, const char *etag, const char *last_modified,
			  time_t attempt, time_t next_due, struct core_err *err)
{
	static const char sql[] =
		"UPDATE sources SET last_attempt = ?1, last_status = ?2, next_due = ?3,"
		" last_success = CASE WHEN ?4 THEN ?1 ELSE last_success END,"
		" consecutive_errors = CASE WHEN ?4 THEN 0 ELSE consecutive_errors + 1 END,"
		" error_count = error_count + CASE WHEN ?4 THEN 0 ELSE 1 END,"
		" last_error = CASE WHEN ?4 THEN last_error ELSE ?5 END,"
		" etag = COALESCE(?6, etag), last_modified = COALESCE(?7, last_modified)"
		" WHERE name = ?8";
	sqlite3_stmt *st = NULL;
	char at[21], due[21];
	int rc = 0;

	core_time_format(attempt, at);
	core_time_format(next_due, due);
	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, "cannot record fetch");
	bind_text(st, 1, at);
	sqlite3_bind_int(st, 2, http_status);
	bind_text(st, 3, due);
	sqlite3_bind_int(st, 4, ok ? 1 : 0);
	bind_text(st, 5, error ? error : "unknown error");
	bind_text(st, 6, etag);
	bind_text(st, 7, last_modified);
	bind_text(st, 8, name);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, err, "cannot record fetch");
	else if (sqlite3_changes(db->h) == 0)
		rc = core_err_set(err, CORE_ERUNTIME, "no source '%s' in the store", name);
	sqlite3_finalize(st);
	return rc;
}

int core_db_sources_each(struct core_db *db,
			 int (*cb)(const struct core_source_state *s, void *ctx), void *ctx,
			 struct core_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(db->h, SOURCE_COLUMNS " ORDER BY s.name", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(db, err, "cannot read sources");
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct core_source_state s;
		source_row(st, &s);
		rc = cb(&s, ctx);
		core_source_state_release(&s);
		if (rc)
			break;
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(db, err, "cannot read sources");
	sqlite3_finalize(st);
	return rc;
}

/* ---------------------------------------------------------------- items */

void core_item_release(struct core_item *it)
{
	if (!it)
		return;
	free(it->source);
	free(it->external_id);
	free(it->url);
	free(it->author);
	free(it->title);
	free(it->text);
	free(it->lang);
	free(it->published_at);
	free(it->collected_at);
	free(it->group);
	free(it->email);
	core_strlist_release(&it->declared_ambitions);
	memset(it, 0, sizeof(*it));
}

struct core_item *core_item_list_add(struct core_item_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct core_item *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

void core_item_list_release(struct core_item_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		core_item_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The insert binds without copying (the item outlives the step) and rebinds every
 * parameter each time, so no stale pointer is ever read. */
static void bind_item_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* key: the item's URL key, "" for none. */
static int item_insert(struct core_db *db, int64_t source_id, struct core_item *it,
		       const char *key, int *inserted, struct core_err *err)
{
	sqlite3_stmt *st = db->st[ST_ITEM_INSERT];
	char now[21];
	int rc = 0;

	if (!it->collected_at)
		now_iso(now);
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, source_id);
	bind_item_text(st, 2, it->external_id);
	bind_item_text(st, 3, it->url);
	bind_item_text(st, 4, it->author);
	bind_item_text(st, 5, it->title);
	bind_item_text(st, 6, it->text);
	bind_item_text(st, 7, it->lang);
	bind_item_text(st, 8, it->published_at);
	bind_item_text(st, 9, it->collected_at ? it->collected_at : now);
	bind_item_text(st, 10, it->group);
	bind_item_text(st, 11, it->email);
	bind_item_text(st, 12, it->declared_stance ? core_stance_name(it->declared_stance) : NULL);
	bind_item_text(st, 13, it->content_hash);
	bind_item_text(st, 14, key[0] ? key : NULL);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(db, err, "cannot store item");
		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	*inserted = sqlite3_changes(db->h) > 0;
	if (!*inserted)
		return 0;
	it->id = sqlite3_last_insert_rowid(db->h);
	st = db->st[ST_DECLARED_INSERT];
	for (size_t i = 0; i < it->declared_ambitions.n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, it->id);
		bind_text(st, 2, it->declared_ambitions.v[i]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = db_fail(db, err, "cannot store item's ambitions");
			break;
		}
	}
	sqlite3_reset(st);
	return rc;
}

/* A URL as a key for "the same page": scheme and host lower-cased, default port,
 * fragment, tracking parameters (utm_*, fbclid, gclid) and a trailing slash dropped.
 * Writes at most n-1 bytes; "" when url is not http(s). */
static void url_key(const char *url, char *out, size_t n)
{
	struct core_buf b;
	const char *p = url, *host, *end;
	int https;

	out[0] = '\0';
	if (!url || n < 2)
		return;
	https = !strncasecmp(p, "https://", 8);
	if (!https && strncasecmp(p, "http://", 7))
		return;
	core_buf_init(&b, n - 1);
	host = p + (https ? 8 : 7);
	end = host + strcspn(host, "/?#");
	if (core_buf_puts(&b, https ? "https://" : "http://"))
		goto out;
	for (const char *h = host; h < end; h++) {
		char c = (char)tolower((unsigned char)*h);
		if (c == ':' && ((https && !strncmp(h, ":443", 4) && h + 4 == end) ||
				 (!https && !strncmp(h, ":80", 3) && h + 3 == end)))
			break;
		if (core_buf_append(&b, &c, 1))
			goto out;
	}
	p = end;
	size_t path = strcspn(p, "?#");
	while (path > 1 && p[path - 1] == '/')
		path--;
	if (path == 1 && p[0] == '/')
		path = 0;
	if (core_buf_append(&b, p, path))
		goto out;
	p += strcspn(p, "?#");
	if (*p == '?') {
		char sep = '?';
		p++;
		while (*p && *p != '#') {
			size_t len = strcspn(p, "&#");
			if (len && strncmp(p, "utm_", 4) && strncmp(p, "fbclid=", 7) &&
			    strncmp(p, "gclid=", 6)) {
				if (core_buf_append(&b, &sep, 1) || core_buf_append(&b, p, len))
					goto out;
				sep = '&';
			}
			p += len;
			if (*p == '&')
				p++;
		}
	}
	snprintf(out, n, "%s", b.data ? b.data : "");
out:
	core_buf_release(&b);
}

/* The item of another source that `it` is a copy of, 0 when none. */
static int64_t syndicated_from(struct core_db *db, int64_t source_id, const struct core_item *it,
			       const char *key)
{
	sqlite3_stmt *st;
	int64_t found = 0;

	if (key[0]) {
		st = db->st[ST_SYND_URL];
		sqlite3_reset(st);
		bind_text(st, 1, key);
		sqlite3_bind_int64(st, 2, source_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			found = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (found)
			return found;
	}
	/* Same text: only when long enough to be one person's own words, and not signed by
	 * someone else (identical form letters from different people are a campaign). */
	if (strlen(it->text) < 40)
		return 0;
	st = db->st[ST_SYND_TEXT];
	sqlite3_reset(st);
	bind_text(st, 1, it->content_hash);
	sqlite3_bind_int64(st, 2, source_id);
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		const char *author = (const char *)sqlite3_column_text(st, 1);
		if (!author || !it->author || !*author || !*it->author ||
		    !strcasecmp(author, it->author))
			found = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	return found;
}

/* For items that may be another source's and that this source does not have under its
 * own id: already a known copy, or a new copy of an existing item (*result set, 1
 * returned), or neither (0). */
static int put_copy(struct core_db *db, int64_t source_id, struct core_item *it, const char *key,
		    enum core_put *result, struct core_err *err)
{
	sqlite3_stmt *st = db->st[ST_COPY_FIND];
	int64_t of = 0;
	char now[21];

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, source_id);
	bind_text(st, 2, it->external_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		of = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (of) {
		it->id = of;
		*result = CORE_PUT_DUPLICATE;
		return 1;
	}
	if (!(of = syndicated_from(db, source_id, it, key)))
		return 0;
	now_iso(now);
	st = db->st[ST_COPY_INSERT];
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, source_id);
	bind_text(st, 2, it->external_id);
	sqlite3_bind_int64(st, 3, of);
	bind_text(st, 4, now);
	int step = sqlite3_step(st);
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return db_fail(db, err, "cannot record a copy");
	it->id = of;
	*result = CORE_PUT_SYNDICATED;
	return 1;
}

/* The row st is on is it's (source, external_id): the same content is a duplicate, other
 * content an edit. Resets st. */
static int put_existing(struct core_db *db, sqlite3_stmt *st, struct core_item *it,
			enum core_put *result, struct core_err *err)
{
	int64_t id = sqlite3_column_int64(st, 0);
	const char *hash = (const char *)sqlite3_column_text(st, 1);
	int same = hash && strcmp(hash, it->content_hash) == 0, rc = 0;

	sqlite3_reset(st);
	it->id = id;
	if (same) {
		*result = CORE_PUT_DUPLICATE;
		return 0;
	}
	st = db->st[ST_ITEM_UPDATE];
	sqlite3_reset(st);
	bind_text(st, 1, it->url);
	bind_text(st, 2, it->author);
	bind_text(st, 3, it->title);
	bind_text(st, 4, it->text);
	bind_text(st, 5, it->published_at);
	bind_text(st, 6, it->content_hash);
	sqlite3_bind_int64(st, 7, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, err, "cannot update item");
	sqlite3_reset(st);
	*result = CORE_PUT_UPDATED;
	return rc;
}

/* Positions the ITEM_FIND statement on (source_id, external_id): 1 on the row, 0 when
 * there is none (statement reset), negative on error. */
static int find_own(struct core_db *db, int64_t source_id, const struct core_item *it,
		    struct core_err *err)
{
	sqlite3_stmt *st = db->st[ST_ITEM_FIND];
	int step;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, source_id);
	bind_text(st, 2, it->external_id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	return step == SQLITE_DONE ? 0 : db_fail(db, err, "cannot read items");
}

int core_db_item_put(struct core_db *db, int64_t source_id, struct core_item *it,
		     enum core_put *result, struct core_err *err)
{
	int rc = 0, inserted = 0;
	char key[1024];

	if (!it->external_id || !it->text)
		return core_err_set(err, CORE_ERUNTIME, "cannot store item: %s is missing",
				    it->external_id ? "text" : "external id");
	if (!it->content_hash[0])
		core_text_fingerprint(it->text, it->content_hash);
	key[0] = '\0';
	if (it->match_other_sources) {
		/* Feeds mostly bring items already stored: look first, one search for those. */
		if ((rc = find_own(db, source_id, it, err)))
			return rc < 0 ? rc : put_existing(db, db->st[ST_ITEM_FIND], it, result, err);
		url_key(it->url, key, sizeof(key));
		if ((rc = put_copy(db, source_id, it, key, result, err)))
			return rc < 0 ? rc : 0;
	}

	/* New items are the common case otherwise (imports): the insert comes first. */
	if ((rc = item_insert(db, source_id, it, key, &inserted, err)))
		return rc;
	if (inserted) {
		*result = CORE_PUT_NEW;
		return 0;
	}
	if ((rc = find_own(db, source_id, it, err)) <= 0)
		return rc < 0 ? rc : db_fail(db, err, "cannot read items");
	return put_existing(db, db->st[ST_ITEM_FIND], it, result, err);
}

int core_db_item_copies(struct core_db *db, int64_t item_id, struct core_strlist *out,
			struct core_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(db->h,
			       "SELECT s.name FROM item_sources c JOIN sources s ON s.id = c.source_id"
			       " WHERE c.item_id = ? ORDER BY s.name", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, "cannot read copies");
	sqlite3_bind_int64(st, 1, item_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (core_strlist_push(out, (const char *)sqlite3_column_text(st, 0))) {
			rc = core_err_set(err, CORE_ENOMEM, "out of memory");
			break;
		}
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(db, err, "cannot read copies");
	sqlite3_finalize(st);
	return rc;
}

/* The texts of ids[0..n) on connection h into out[] (NULL for an id not found):
 * SQLITE_OK, SQLITE_NOMEM, or the failing result code, with out[] cleared. */
static int read_texts(sqlite3 *h, const int64_t *ids, size_t n, char **out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	if ((rc = sqlite3_prepare_v2(h,
				     "SELECT CASE WHEN text IS NOT NULL AND text != '' THEN text"
				     " ELSE COALESCE(title, '') END FROM items WHERE id = ?",
				     -1, &st, NULL)) != SQLITE_OK)
		return rc;
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ids[i]);
		int step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			if (!(out[i] = col_dup(st, 0)))
				rc = SQLITE_NOMEM;
		} else if (step != SQLITE_DONE) {
			rc = step;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		for (size_t i = 0; i < n; i++) {
			free(out[i]);
			out[i] = NULL;
		}
	return rc;
}

int core_db_item_texts(struct core_db *db, const int64_t *ids, size_t n, char **out,
		       struct core_err *err)
{
	int rc = read_texts(db->h, ids, n, out);

	if (rc == SQLITE_NOMEM)
		return core_err_set(err, CORE_ENOMEM, "cannot read item texts: out of memory");
	return rc == SQLITE_OK ? 0 : db_fail(db, err, "cannot read item texts");
}

/* A helper thread's own connection to the store at path (sqlite3_close it whatever
 * this returns): SQLITE_OK or the open's result code. */
static int side_open(const char *path, sqlite3 **h)
{
	int rc = sqlite3_open_v2(path, h, SQLITE_OPEN_READWRITE, NULL);

	if (rc == SQLITE_OK)
		sqlite3_busy_timeout(*h, STORE_BUSY_MS);
	return rc;
}

struct core_text_fetch {
	char *path;
	int64_t *ids;
	size_t n;
	char **out;
	int started; /* the thread runs; else finish reads on the store's connection */
	int rc;      /* the thread's: read_texts's, or the open's */
	pthread_t th;
};

static void *text_fetch_thread(void *arg)
{
	struct core_text_fetch *f = arg;
	sqlite3 *h = NULL;

	if ((f->rc = side_open(f->path, &h)) == SQLITE_OK)
		f->rc = read_texts(h, f->ids, f->n, f->out);
	sqlite3_close(h);
	return NULL;
}

static void text_fetch_free(struct core_text_fetch *f)
{
	free(f->path);
	free(f->ids);
	free(f->out);
	free(f);
}

struct core_text_fetch *core_db_item_texts_start(struct core_db *db, const int64_t *ids, size_t n)
{
	struct core_text_fetch *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->n = n;
	if (!(f->path = strdup(db->path)) || !(f->ids = malloc((n ? n : 1) * sizeof(*ids))) ||
	    !(f->out = calloc(n ? n : 1, sizeof(*f->out))))
		goto fail;
	memcpy(f->ids, ids, n * sizeof(*ids));
	f->started = pthread_create(&f->th, NULL, text_fetch_thread, f) == 0;
	return f;
fail:
	text_fetch_free(f);
	return NULL;
}

int core_db_item_texts_finish(struct core_db *db, struct core_text_fetch *f, char **out,
			      struct core_err *err)
{
	int rc = 0;

	if (f->started)
		pthread_join(f->th, NULL);
	if (out && f->started && f->rc == SQLITE_OK)
		memcpy(out, f->out, f->n * sizeof(*out));
	else if (out) /* no thread, or it could not read them: this connection reads */
		rc = core_db_item_texts(db, f->ids, f->n, out, err);
	else
		for (size_t i = 0; i < f->n; i++)
			free(f->out[i]);
	text_fetch_free(f);
	return rc;
}

/* The one integer sql answers, -1 on error. */
static int64_t scalar(struct core_db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int64_t core_db_item_count(struct core_db *db)
{
	return scalar(db, "SELECT count(*) FROM items");
}

int64_t core_db_item_id_max(struct core_db *db)
{
	return scalar(db, "SELECT COALESCE(max(id), 0) FROM items");
}

/* The latest run's id, 0 when there is none, negative on error. */
static int64_t latest_run(struct core_db *db)
{
	return scalar(db, "SELECT COALESCE(max(id), 0) FROM runs");
}

/* A cursor over (item_id, ...) rows ordered by item_id, walked in step with the items. */
struct cursor {
	sqlite3_stmt *st;
	int row; /* 1 while positioned on a row */
};

static int cursor_open(struct core_db *db, struct cursor *c, const char *sql, int64_t run,
		       struct core_err *err)
{
	c->row = 0;
	if (sqlite3_prepare_v2(db->h, sql, -1, &c->st, NULL) != SQLITE_OK)
		return db_fail(db, err, "cannot read item details");
	if (run >= 0)
		sqlite3_bind_int64(c->st, 1, run);
	c->row = sqlite3_step(c->st) == SQLITE_ROW;
	return 0;
}

/* Advances past rows whose item_id is below id; returns 1 when on a row for id. */
static int cursor_seek(struct cursor *c, int64_t id)
{
	while (c->row && sqlite3_column_int64(c->st, 0) < id)
		c->row = sqlite3_step(c->st) == SQLITE_ROW;
	return c->row && sqlite3_column_int64(c->st, 0) == id;
}

static void view_release(struct core_item_view *v)
{
	core_item_release(&v->item);
	free(v->theme);
	free(v->campaign);
	free(v->hidden_reason);
	free(v->subtheme);
	for (size_t i = 0; i < v->n_stances; i++)
		free(v->stances[i].evidence);
	free(v->stances);
	memset(v, 0, sizeof(*v));
}

/* Releases a view of core_db_items_each: a lean one's strings are SQLite's (col_ref),
 * its lists and stances its own. */
static void view_done(struct core_item_view *v, int lean)
{
	if (lean) {
		core_strlist_release(&v->item.declared_ambitions);
		memset(&v->item, 0, sizeof(v->item));
		v->theme = v->subtheme = NULL;
	}
	view_release(v);
}

static enum core_origin origin_parse(const char *s)
{
	if (s && strcmp(s, "respondent") == 0)
		return CORE_ORIGIN_RESPONDENT;
	if (s && strcmp(s, "reviewer") == 0)
		return CORE_ORIGIN_REVIEWER;
	return CORE_ORIGIN_ANALYSIS;
}

/* A column's text as SQLite holds it, valid until the statement steps: lean views
 * lend their strings instead of copying them (the callback reads them during the
 * call, as every view is read; two allocations per string a row fewer). */
static char *col_ref(sqlite3_stmt *st, int i)
{
	return (char *)sqlite3_column_text(st, i);
}

/* One item view from a row whose columns are, in order: id, source name, external id,
 * url, author, title, text, language, published, collected, group, e-mail, declared
 * stance, content hash, edited, hidden, theme, campaign, reviewed, hidden reason,
 * subtheme (the items listing and the review pages select the same). A failed copy
 * leaves a NULL the caller checks (text, source, external id). */
static void view_from_row(sqlite3_stmt *st, struct core_item_view *v, int lean)
{
	struct core_item *it = &v->item;
	char *(*col)(sqlite3_stmt *, int) = lean ? col_ref : col_dup;

	memset(v, 0, sizeof(*v));
	it->id = sqlite3_column_int64(st, 0);
	it->source = col(st, 1);
	it->external_id = col(st, 2);
	it->title = col(st, 5);
	it->text = col(st, 6);
	it->lang = col(st, 7);
	it->declared_stance = core_stance_parse((const char *)sqlite3_column_text(st, 12));
	snprintf(it->content_hash, sizeof(it->content_hash), "%s",
		 (const char *)sqlite3_column_text(st, 13));
	v->edited = sqlite3_column_int(st, 14);
	v->hidden = sqlite3_column_int(st, 15);
	v->theme = col(st, 16);
	v->reviewed = sqlite3_column_int(st, 18);
	v->subtheme = col(st, 20);
	if (lean)
		return;
	it->url = col_dup(st, 3);
	it->author = col_dup(st, 4);
	it->published_at = col_dup(st, 8);
	it->collected_at = col_dup(st, 9);
	it->group = col_dup(st, 10);
	it->email = col_dup(st, 11);
	v->campaign = col_dup(st, 17);
	v->hidden_reason = col_dup(st, 19);
}

int core_db_items_each(struct core_db *db, const struct core_item_filter *f,
		       int (*cb)(const struct core_item_view *v, void *ctx), void *ctx,
		       struct core_err *err)
{
	/* The conditions both reads share (the run's language and theme are the full
	 * read's alone). */
#define ITEMS_SOURCE_DATES \
	" AND (:source IS NULL OR s.name = :source)" \
	" AND (:since IS NULL OR COALESCE(i.published_at, i.collected_at) >= :since)" \
	" AND (:until IS NULL OR substr(COALESCE(i.published_at, i.collected_at), 1," \
	"      length(:until)) <= :until)"
#define ITEMS_STANCES \
	" AND (:amb IS NULL" \
	"  OR (:amb = 'general' AND NOT EXISTS (SELECT 1 FROM item_stances x" \
	"      WHERE x.run_id = :run AND x.item_id = i.id))" \
	"  OR EXISTS (SELECT 1 FROM item_stances x WHERE x.run_id = :run" \
	"      AND x.item_id = i.id AND x.ambition_code = :amb" \
	"      AND (:stance IS NULL OR x.stance = :stance)))" \
	" AND (:stance IS NULL OR :amb IS NOT NULL OR EXISTS (SELECT 1 FROM item_stances x" \
	"      WHERE x.run_id = :run AND x.item_id = i.id AND x.stance = :stance))" \
	" ORDER BY i.id LIMIT :limit"
	static const char sql[] =
		"SELECT i.id, s.name, i.external_id, i.url, i.author, i.title, i.text,"
		" COALESCE(r.lang, i.lang), i.published_at, i.collected_at, i.respondent_group,"
		" i.email, i.declared_stance, i.content_hash, i.edited, i.hidden, r.theme_id,"
		" r.campaign_id, i.reviewed_at IS NOT NULL, i.hidden_reason, r.subtheme_id"
		" FROM items i JOIN sources s ON s.id = i.source_id"
		" LEFT JOIN item_themes r ON r.run_id = :run AND r.item_id = i.id"
		" WHERE (:hidden OR i.hidden = 0)" ITEMS_SOURCE_DATES
		" AND (:lang IS NULL OR COALESCE(r.lang, i.lang) = :lang)"
		" AND (:theme IS NULL OR r.theme_id = :theme OR r.subtheme_id = :theme)"
		ITEMS_STANCES;
	/* The analysis's read (lean, no filter on the run's language or theme): the
	 * latest run's themes come from a cursor merged in item order instead of a
	 * lookup per item (1.1 of 1.4 s for a million items), and the language is the
	 * declared one, not the previous run's guess. */
	static const char sql_lean[] =
		"SELECT i.id, s.name, i.external_id, NULL, NULL, i.title, i.text, i.lang,"
		" NULL, NULL, NULL, NULL, i.declared_stance, i.content_hash, i.edited, i.hidden,"
		" NULL, NULL, i.reviewed_at IS NOT NULL, NULL, NULL"
		" FROM items i JOIN sources s ON s.id = i.source_id"
		" WHERE (:hidden OR i.hidden = 0)" ITEMS_SOURCE_DATES ITEMS_STANCES;
#undef ITEMS_SOURCE_DATES
#undef ITEMS_STANCES
	struct core_item_filter none = {0};
	struct cursor decl = {0}, stances = {0}, themes = {0};
	sqlite3_stmt *st = NULL;
	int64_t run;
	int rc = 0, step;

	if (!f)
		f = &none;
	int lean = f->lean && !f->lang && !f->theme;
	if ((run = latest_run(db)) < 0)
		return db_fail(db, err, "cannot read runs");
	if (sqlite3_prepare_v2(db->h, lean ? sql_lean : sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, "cannot read items");
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":run"), run);
	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":hidden"), f->include_hidden);
	bind_text(st, sqlite3_bind_parameter_index(st, ":source"), f->source);
	bind_text(st, sqlite3_bind_parameter_index(st, ":lang"), f->lang);
	bind_text(st, sqlite3_bind_parameter_index(st, ":since"), f->since);
	bind_text(st, sqlite3_bind_parameter_index(st, ":until"), f->until);
	bind_text(st, sqlite3_bind_parameter_index(st, ":theme"), f->theme);
	bind_text(st, sqlite3_bind_parameter_index(st, ":amb"), f->ambition);
	bind_text(st, sqlite3_bind_parameter_index(st, ":stance"),
		  f->stance ? core_stance_name(f->stance) : NULL);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"),
			   f->limit > 0 ? f->limit : -1);

	/* The analysis's read visits each page once: a cache as large as the store's
	 * default would only be 30 MB that the run touches (and the kernel zeroes) for
	 * nothing. Only a setting: a failure leaves the larger cache. */
	if (lean)
		sqlite3_exec(db->h, "PRAGMA cache_size = " STORE_SCAN_CACHE_KIB, NULL, NULL, NULL);
	if ((rc = cursor_open(db, &decl,
			      "SELECT item_id, code FROM item_declared_ambitions"
			      " ORDER BY item_id, code", -1, err)) ||
	    (!f->no_stances && (rc = cursor_open(db, &stances,
			      "SELECT item_id, ambition_code, stance, score, origin, evidence"
			      " FROM item_stances WHERE run_id = ? ORDER BY item_id, ambition_code",
			      run, err))) ||
	    (lean && (rc = cursor_open(db, &themes,
			      "SELECT item_id, theme_id, subtheme_id FROM item_themes"
			      " WHERE run_id = ? ORDER BY item_id", run, err))))
		goto out;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct core_item_view v;
		struct core_item *it = &v.item;

		view_from_row(st, &v, f->lean);
		if (!it->text || !it->source || !it->external_id) {
			view_done(&v, f->lean);
			rc = core_err_set(err, CORE_ENOMEM, "cannot read items: out of memory");
			goto out;
		}
		if (lean && cursor_seek(&themes, it->id)) {
			v.theme = col_ref(themes.st, 1);
			v.subtheme = col_ref(themes.st, 2);
		}
		for (int ok = cursor_seek(&decl, it->id); ok; ok = cursor_seek(&decl, it->id)) {
			core_strlist_push(&it->declared_ambitions,
					  (const char *)sqlite3_column_text(decl.st, 1));
			decl.row = sqlite3_step(decl.st) == SQLITE_ROW;
		}
		for (int ok = cursor_seek(&stances, it->id); ok;
		     ok = cursor_seek(&stances, it->id)) {
			struct core_item_stance *s;
			struct core_item_stance *grown =
				realloc(v.stances, (v.n_stances + 1) * sizeof(*grown));
			if (!grown)
				break;
			v.stances = grown;
			s = &v.stances[v.n_stances++];
			snprintf(s->code, sizeof(s->code), "%s",
				 (const char *)sqlite3_column_text(stances.st, 1));
			s->stance = core_stance_parse(
				(const char *)sqlite3_column_text(stances.st, 2));
			s->score = sqlite3_column_double(stances.st, 3);
			s->origin = origin_parse(
				(const char *)sqlite3_column_text(stances.st, 4));
			s->evidence = col_dup(stances.st, 5);
			stances.row = sqlite3_step(stances.st) == SQLITE_ROW;
		}
		rc = cb(&v, ctx);
		view_done(&v, f->lean);
		if (rc)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = db_fail(db, err, "cannot read items");
out:
	sqlite3_finalize(decl.st);
	sqlite3_finalize(stances.st);
	sqlite3_finalize(themes.st);
	sqlite3_finalize(st);
	if (lean)
		sqlite3_exec(db->h, "PRAGMA cache_size = " STORE_CACHE_KIB, NULL, NULL, NULL);
	return rc;
}

/* ---------------------------------------------------------------- ambitions */

int core_db_ambitions_sync(struct core_db *db, const struct core_config *cfg, struct core_err *err)
{
	static const char sql[] =
		"INSERT INTO ambitions(code, position, title, title_en, description, description_en,"
		" updated_at) VALUES(?,?,?,?,?,?,?) ON CONFLICT(code) DO UPDATE SET"
		" position = excluded.position, title = excluded.title, title_en = excluded.title_en,"
		" description = excluded.description, description_en = excluded.description_en,"
		" updated_at = excluded.updated_at";
	sqlite3_stmt *st = NULL;
	char now[21];
	int rc = 0;

	now_iso(now);
	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, "cannot store ambitions");
	for (size_t i = 0; i < cfg->n_ambitions && !rc; i++) {
		const struct core_ambition *a = &cfg->ambitions[i];
		sqlite3_reset(st);
		bind_text(st, 1, a->code);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		bind_text(st, 3, a->title);
		bind_text(st, 4, a->title_en);
		bind_text(st, 5, a->description);
		bind_text(st, 6, a->description_en);
		bind_text(st, 7, now);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_fail(db, err, "cannot store ambitions");
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---------------------------------------------------------------- runs */

void core_theme_release(struct core_theme *t)
{
	if (!t)
		return;
	free(t->label);
	core_strlist_release(&t->top_terms);
	free(t->quotes);
	free(t->centroid);
	memset(t, 0, sizeof(*t));
}

static char *json_strings(const struct core_strlist *l)
{
	json_t *a = json_array();
	char *s;
	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static char *json_ids(const int64_t *ids, size_t n)
{
	json_t *a = json_array();
	char *s;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(ids[i]));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static int save_themes(struct core_db *db, struct core_run *run, struct core_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(db->h,
			       "INSERT INTO themes(run_id, id, parent_id, label, size, top_terms,"
			       " quotes, centroid) VALUES(?,?,?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, "cannot store themes");
	for (size_t i = 0; i < run->n_themes && !rc; i++) {
		struct core_theme *t = &run->themes[i];
		char *terms = json_strings(&t->top_terms), *quotes = json_ids(t->quotes, t->n_quotes);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, run->id);
		bind_text(st, 2, t->id);
		bind_text(st, 3, t->parent[0] ? t->parent : NULL);
		bind_text(st, 4, t->label ? t->label : t->id);
		sqlite3_bind_int64(st, 5, t->size);
		bind_text(st, 6, terms ? terms : "[]");
		bind_text(st, 7, quotes ? quotes : "[]");
		if (t->centroid && t->n_centroid)
			sqlite3_bind_blob(st, 8, t->centroid, (int)(t->n_centroid * sizeof(float)),
					  SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 8);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_fail(db, err, "cannot store themes");
		free(terms);
		free(quotes);
	}
	sqlite3_finalize(st);
	return rc;
}

static int save_campaigns(struct core_db *db, struct core_run *run, struct core_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(db->h,
			       "INSERT INTO campaigns(run_id, id, size, template_text, first_item)"
			       " VALUES(?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, "cannot store campaigns");
	for (size_t i = 0; i < run->n_campaigns && !rc; i++) {
		struct core_campaign *c = &run->campaigns[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, run->id);
		bind_text(st, 2, c->id);
		sqlite3_bind_int64(st, 3, c->size);
		bind_text(st, 4, c->template_text);
		sqlite3_bind_int64(st, 5, c->first_item);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_fail(db, err, "cannot store campaigns");
	}
	sqlite3_finalize(st);
	return rc;
}

static int save_results(struct core_db *db, struct core_run *run, struct core_err *err)
{
	sqlite3_stmt *it = NULL, *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(db->h,
			       "INSERT INTO item_themes(run_id, item_id, lang, theme_id, campaign_id,"
			       " score, subtheme_id) VALUES(?,?,?,?,?,?,?)", -1, &it, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->h,
			       "INSERT INTO item_stances(run_id, item_id, ambition_code, stance,"
			       " score, origin, evidence) VALUES(?,?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(db, err, "cannot store results");
		goto out;
	}
	for (size_t i = 0; i < run->n_results && !rc; i++) {
		struct core_item_result *r = &run->results[i];
		sqlite3_reset(it);
		sqlite3_bind_int64(it, 1, run->id);
		sqlite3_bind_int64(it, 2, r->item_id);
		bind_str(it, 3, r->lang[0] ? r->lang : NULL, SQLITE_STATIC);
		bind_str(it, 4, r->theme[0] ? r->theme : NULL, SQLITE_STATIC);
		bind_str(it, 5, r->campaign[0] ? r->campaign : NULL, SQLITE_STATIC);
		sqlite3_bind_double(it, 6, r->theme_score);
		bind_str(it, 7, r->subtheme && *r->subtheme ? r->subtheme : NULL, SQLITE_STATIC);
		if (sqlite3_step(it) != SQLITE_DONE) {
			rc = db_fail(db, err, "cannot store item results");
			break;
		}
		for (size_t j = 0; j < r->n_stances; j++) {
			struct core_item_stance *s = &r->stances[j];
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, run->id);
			sqlite3_bind_int64(st, 2, r->item_id);
			bind_str(st, 3, s->code, SQLITE_STATIC);
			bind_str(st, 4, core_stance_name(s->stance), SQLITE_STATIC);
			sqlite3_bind_double(st, 5, s->score);
			bind_str(st, 6, core_origin_name(s->origin), SQLITE_STATIC);
			bind_str(st, 7, s->evidence, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				rc = db_fail(db, err, "cannot store stances");
				break;
			}
		}
	}
out:
	sqlite3_finalize(it);
	sqlite3_finalize(st);
	return rc;
}

/* Per-item results of old runs are bulk that nothing reads; their themes stay for
 * carrying theme identity and review decisions across runs. Pruned before the new
 * rows go in, so those reuse the freed pages instead of growing the file. On
 * connection h (the store's, or the pruning thread's own): SQLITE_OK or the failing
 * result code. */
static int prune_runs(sqlite3 *h, int64_t keep_from)
{
	static const char *const prune[] = {
		"DELETE FROM item_themes WHERE run_id < ?",
		"DELETE FROM item_stances WHERE run_id < ?",
	};
	int rc = SQLITE_OK;

	for (int i = 0; i < 2 && rc == SQLITE_OK; i++) {
		sqlite3_stmt *del = NULL;
		if ((rc = sqlite3_prepare_v2(h, prune[i], -1, &del, NULL)) != SQLITE_OK)
			break;
		sqlite3_bind_int64(del, 1, keep_from);
		rc = sqlite3_step(del) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_finalize(del);
	}
	return rc;
}

struct prune_job {
	char *path;
	int64_t keep_from;
	pthread_t th;
};

static void *prune_thread(void *arg)
{
	struct prune_job *j = arg;
	sqlite3 *h = NULL;

	/* Errors only mean the save prunes itself. */
	if (side_open(j->path, &h) == SQLITE_OK) {
		if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
		    prune_runs(h, j->keep_from) != SQLITE_OK ||
		    sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_close(h);
	return NULL;
}

void core_db_prune_start(struct core_db *db)
{
	int64_t latest = latest_run(db);
	struct prune_job *j;

	/* The next run will be latest + 1 and keeps KEEP_RUN_RESULTS runs with itself. */
	if (db->prune || latest < KEEP_RUN_RESULTS - 1 || !(j = calloc(1, sizeof(*j))))
		return;
	j->keep_from = latest + 1 - KEEP_RUN_RESULTS + 1;
	if (!(j->path = strdup(db->path)) || pthread_create(&j->th, NULL, prune_thread, j) != 0) {
		free(j->path);
		free(j);
		return;
	}
	db->prune = j;
}

static void prune_wait(struct core_db *db)
{
	if (!db->prune)
		return;
	pthread_join(db->prune->th, NULL);
	free(db->prune->path);
	free(db->prune);
	db->prune = NULL;
}

int core_db_run_save(struct core_db *db, struct core_run *run, struct core_err *err)
{
	sqlite3_stmt *st = NULL;
	char now[21];
	int rc;

	prune_wait(db);
	now_iso(now);
	/* The results reference items and the run by the ids this process just read and
	 * wrote, and items are never deleted, so checking a million foreign keys one by
	 * one (a third of the inserts' cost) proves nothing; the pragma only takes effect
	 * outside a transaction, so it is set around this one. A large save also gets
	 * room to keep its pages in memory until the commit. */
	if ((rc = exec(db, "PRAGMA foreign_keys = OFF", err)) ||
	    (rc = exec(db, "PRAGMA cache_size = -262144", err)))
		goto restore;
	if ((rc = core_db_begin(db, err)))
		goto restore;
	if (sqlite3_prepare_v2(db->h,
			       "INSERT INTO runs(started_at, finished_at, seed, k, items, params)"
			       " VALUES(?,?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(db, err, "cannot store run");
		goto out;
	}
	bind_text(st, 1, run->started_at[0] ? run->started_at : now);
	bind_text(st, 2, run->finished_at[0] ? run->finished_at : now);
	/* SQLite integers are signed; the seed round-trips through the same bits. */
	sqlite3_bind_int64(st, 3, (sqlite3_int64)run->seed);
	sqlite3_bind_int(st, 4, run->k);
	sqlite3_bind_int64(st, 5, run->items);
	bind_text(st, 6, run->params);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(db, err, "cannot store run");
		goto out;
	}
	run->id = sqlite3_last_insert_rowid(db->h);
	if (prune_runs(db->h, run->id - KEEP_RUN_RESULTS + 1) != SQLITE_OK)
		rc = db_fail(db, err, "cannot prune old runs");
	if (rc ||
	    (rc = save_themes(db, run, err)) || (rc = save_campaigns(db, run, err)) ||
	    (rc = save_results(db, run, err)))
		goto out;
	rc = core_db_commit(db, err);
out:
	sqlite3_finalize(st);
	if (rc)
		core_db_rollback(db);
restore:
	/* Back to the defaults of core_db_open, whatever happened above. */
	if (sqlite3_exec(db->h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db->h, "PRAGMA cache_size = " STORE_CACHE_KIB, NULL, NULL, NULL) != SQLITE_OK) {
		if (!rc)
			rc = db_fail(db, err, "cannot restore the store's settings");
	}
	return rc;
}

void core_run_info_release(struct core_run_info *r)
{
	free(r->params);
	memset(r, 0, sizeof(*r));
}

int core_db_run_latest(struct core_db *db, struct core_run_info *out, struct core_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db->h,
			       "SELECT id, started_at, finished_at, seed, k, items, params FROM runs"
			       " ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, "cannot read runs");
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		snprintf(out->started_at, sizeof(out->started_at), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		snprintf(out->finished_at, sizeof(out->finished_at), "%s",
			 (const char *)sqlite3_column_text(st, 2));
		out->seed = (uint64_t)sqlite3_column_int64(st, 3);
		out->k = sqlite3_column_int(st, 4);
		out->items = sqlite3_column_int64(st, 5);
		out->params = col_dup(st, 6);
	} else if (step == SQLITE_DONE) {
		rc = core_err_set(err, CORE_ERUNTIME, "no analysis yet: run 'inspraak analyze'");
	} else {
		rc = db_fail(db, err, "cannot read runs");
	}
	sqlite3_finalize(st);
	return rc;
}

int core_db_run_themes(struct core_db *db, int64_t run_id, struct core_theme **themes,
		       size_t *n, struct core_err *err)
{
	sqlite3_stmt *st = NULL;
	struct core_theme *v = NULL;
	size_t count = 0;
	int rc = 0, step;

	if (sqlite3_prepare_v2(db->h,
			       "SELECT id, parent_id, label, size, top_terms, quotes, centroid"
			       " FROM themes WHERE run_id = ? ORDER BY size DESC, id", -1, &st,
			       NULL) != SQLITE_OK)
		return db_fail(db, err, "cannot read themes");
	sqlite3_bind_int64(st, 1, run_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct core_theme *grown = realloc(v, (count + 1) * sizeof(*v)), *t;
		json_t *terms, *quotes;
		if (!grown) {
			rc = core_err_set(err, CORE_ENOMEM, "cannot read themes: out of memory");
			goto out;
		}
		v = grown;
		t = &v[count++];
		memset(t, 0, sizeof(*t));
		snprintf(t->id, sizeof(t->id), "%s", (const char *)sqlite3_column_text(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			snprintf(t->parent, sizeof(t->parent), "%s",
				 (const char *)sqlite3_column_text(st, 1));
		t->label = col_dup(st, 2);
		t->size = sqlite3_column_int64(st, 3);
		terms = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
		quotes = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);
		for (size_t i = 0; i < json_array_size(terms); i++)
			core_strlist_push(&t->top_terms,
					  json_string_value(json_array_get(terms, i)));
		if (json_array_size(quotes) && (t->quotes = calloc(json_array_size(quotes),
								    sizeof(int64_t)))) {
			t->n_quotes = json_array_size(quotes);
			for (size_t i = 0; i < t->n_quotes; i++)
				t->quotes[i] = json_integer_value(json_array_get(quotes, i));
		}
		json_decref(terms);
		json_decref(quotes);
		int bytes = sqlite3_column_bytes(st, 6);
		if (bytes > 0 && (t->centroid = malloc((size_t)bytes))) {
			memcpy(t->centroid, sqlite3_column_blob(st, 6), (size_t)bytes);
			t->n_centroid = (size_t)bytes / sizeof(float);
		}
	}
	if (step != SQLITE_DONE)
		rc = db_fail(db, err, "cannot read themes");
out:
	sqlite3_finalize(st);
	if (rc) {
		for (size_t i = 0; i < count; i++)
			core_theme_release(&v[i]);
		free(v);
		v = NULL;
		count = 0;
	}
	*themes = v;
	*n = count;
	return rc;
}

int core_db_run_campaigns(struct core_db *db, int64_t run_id, struct core_campaign **out,
			  size_t *n, struct core_err *err)
{
	sqlite3_stmt *st = NULL;
	struct core_campaign *v = NULL;
	size_t count = 0;
	int rc = 0, step;

	if (sqlite3_prepare_v2(db->h,
			       "SELECT id, size, template_text, first_item FROM campaigns"
			       " WHERE run_id = ? ORDER BY size DESC, id", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, "cannot read campaigns");
	sqlite3_bind_int64(st, 1, run_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct core_campaign *grown = realloc(v, (count + 1) * sizeof(*v)), *c;
		if (!grown) {
			rc = core_err_set(err, CORE_ENOMEM, "cannot read campaigns: out of memory");
			break;
		}
		v = grown;
		c = &v[count++];
		memset(c, 0, sizeof(*c));
		snprintf(c->id, sizeof(c->id), "%s", (const char *)sqlite3_column_text(st, 0));
		c->size = sqlite3_column_int64(st, 1);
		c->template_text = col_dup(st, 2);
		c->first_item = sqlite3_column_int64(st, 3);
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(db, err, "cannot read campaigns");
	sqlite3_finalize(st);
	if (rc) {
		for (size_t i = 0; i < count; i++)
			free(v[i].template_text);
		free(v);
		v = NULL;
		count = 0;
	}
	*out = v;
	*n = count;
	return rc;
}

/* ---------------------------------------------------------------- form submissions */

int core_db_submission_put(struct core_db *db, int64_t source_id, struct core_item *it,
			   const char *request_hash, enum core_sub_result *result,
			   struct core_err *err)
{
	sqlite3_stmt *st = db->st[ST_SUB_FIND];
	enum core_put put;
	char now[21];
	int rc, step;

	if (!it->external_id || !it->text || !request_hash)
		return core_err_set(err, CORE_ERUNTIME, "cannot store submission: %s is missing",
				    !it->external_id ? "its key" : !it->text ? "text" : "request hash");
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, source_id);
	bind_text(st, 2, it->external_id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);
		it->id = sqlite3_column_int64(st, 0);
		*result = h && !strcmp(h, request_hash) ? CORE_SUB_REPLAY : CORE_SUB_CONFLICT;
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return db_fail(db, err, "cannot read submissions");
	if ((rc = core_db_item_put(db, source_id, it, &put, err)))
		return rc;
	now_iso(now);
	st = db->st[ST_SUB_INSERT];
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, it->id);
	bind_text(st, 2, request_hash);
	bind_text(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, err, "cannot store submission");
	sqlite3_reset(st);
	*result = CORE_SUB_NEW;
	return rc;
}

int core_db_writable(struct core_db *db, struct core_err *err)
{
	int rc = exec(db, "BEGIN IMMEDIATE", err);
	if (!rc)
		rc = core_db_commit(db, err);
	return rc;
}


/* ---------------------------------------------------------------- review (issue 8) */

#define REVIEW_LABEL_MAX 200   /* bytes of a theme label */
#define REVIEW_TEXT_MAX 4000   /* bytes of a reason or a note */
#define REVIEW_NAME_MAX 100    /* bytes of a reviewer's name */
#define REVIEW_SPLIT_MAX 10000 /* items split off at once */
#define REVIEW_MATCH_MAX 400   /* bytes of a search */
#define REVIEW_PAGE_MAX 1000   /* items per page */

static const char *const act_names[] = {NULL, "rename", "merge", "split", "move", "set-stance",
					"mark-reviewed", "hide", "unhide", "note"};

const char *core_review_act_name(enum core_review_act a)
{
	return (unsigned)a < sizeof(act_names) / sizeof(act_names[0]) ? act_names[a] : NULL;
}

enum core_review_act core_review_act_parse(const char *name)
{
	for (size_t i = 1; name && i < sizeof(act_names) / sizeof(act_names[0]); i++)
		if (!strcmp(act_names[i], name))
			return (enum core_review_act)i;
	return 0;
}

void core_decision_release(struct core_decision *d)
{
	free(d->created_at);
	free(d->reviewer);
	free(d->action);
	free(d->target_kind);
	free(d->target_id);
	free(d->before);
	free(d->after);
	free(d->note);
	memset(d, 0, sizeof(*d));
}

/* Prepares sql and binds its values in order, as types says: 't' text (NULL binds
 * NULL), 'i' int64_t, 'd' double. NULL with err set on failure. */
static sqlite3_stmt *prep_bind(struct core_db *db, struct core_err *err, const char *sql,
			       const char *types, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, err, "cannot prepare a review statement");
		return NULL;
	}
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 't')
			bind_text(st, i + 1, va_arg(ap, const char *));
		else if (types[i] == 'i')
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			sqlite3_bind_double(st, i + 1, va_arg(ap, double));
	}
	va_end(ap);
	return st;
}

/* Steps a prepared statement to its end and finalizes it. */
static int step_done(struct core_db *db, sqlite3_stmt *st, const char *what, struct core_err *err)
{
	int rc = 0;
	if (!st)
		return err && err->code ? err->code : CORE_EDB;
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, err, what);
	sqlite3_finalize(st);
	return rc;
}

static int text_ok(const char *s, size_t max, const char *what, int required, struct core_err *err)
{
	size_t n = s ? strlen(s) : 0;
	const char *p = s;

	while (p && *p && isspace((unsigned char)*p))
		p++;
	if (required && (!p || !*p))
		return core_err_set(err, CORE_ERUNTIME, "%s is empty", what);
	if (n > max)
		return core_err_set(err, CORE_ELIMIT, "%s is longer than %zu bytes", what, max);
	if (s && !core_utf8_valid(s, n))
		return core_err_set(err, CORE_ERUNTIME, "%s is not valid UTF-8 text", what);
	return 0;
}

/* "42" -> 42; 0 when s is not a positive decimal number. */
static int64_t item_number(const char *s)
{
	int64_t v = 0;
	if (!s || !*s || strlen(s) > 18)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* A theme of run: its label and size; CORE_ERUNTIME naming it when it is not there. */
static int theme_get(struct core_db *db, int64_t run, const char *id, char **label, int64_t *size,
		     struct core_err *err)
{
	sqlite3_stmt *st;
	int rc = 0, step;

	if (run <= 0)
		return core_err_set(err, CORE_ERUNTIME, "no analysis yet: run 'inspraak analyze' "
				    "before reviewing themes");
	if (!(st = prep_bind(db, err, "SELECT label, size FROM themes WHERE run_id = ? AND id = ?",
			     "it", run, id)))
		return CORE_EDB;
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		if (label)
			*label = col_dup(st, 0);
		if (size)
			*size = sqlite3_column_int64(st, 1);
	} else if (step == SQLITE_DONE) {
		rc = core_err_set(err, CORE_ERUNTIME, "no theme '%s' in the latest analysis", id);
	} else {
		rc = db_fail(db, err, "cannot read themes");
	}
	sqlite3_finalize(st);
	return rc;
}

/* An item: whether it is hidden, and its theme in run (*theme NULL when none; *in_run 0
 * when the run has no result for it). */
static int item_get(struct core_db *db, int64_t run, int64_t id, int *hidden, char **theme,
		    int *in_run, struct core_err *err)
{
	sqlite3_stmt *st;
	int rc = 0, step;

	if (!(st = prep_bind(db, err,
			     "SELECT i.hidden, r.theme_id, r.item_id IS NOT NULL FROM items i"
			     " LEFT JOIN item_themes r ON r.run_id = ? AND r.item_id = i.id"
			     " WHERE i.id = ?", "ii", run, id)))
		return CORE_EDB;
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*hidden = sqlite3_column_int(st, 0);
		*theme = col_dup(st, 1);
		*in_run = sqlite3_column_int(st, 2);
	} else if (step == SQLITE_DONE) {
		rc = core_err_set(err, CORE_ERUNTIME, "no item %lld in the store", (long long)id);
	} else {
		rc = db_fail(db, err, "cannot read items");
	}
	sqlite3_finalize(st);
	return rc;
}

static int theme_resize(struct core_db *db, int64_t run, const char *theme, int64_t delta,
			struct core_err *err)
{
	if (!theme)
		return 0;
	return step_done(db, prep_bind(db, err, "UPDATE themes SET size = max(0, size + ?)"
					   " WHERE run_id = ? AND id = ?", "iit", delta, run, theme),
			 "cannot update theme sizes", err);
}

/* Moves item into theme in run, keeping both themes' sizes right. */
static int item_to_theme(struct core_db *db, int64_t run, int64_t item, const char *from,
			 const char *to, int counted, struct core_err *err)
{
	int rc;
	/* Into a subtheme: the item's theme is its parent, the subtheme beside it. */
	if ((rc = step_done(db, prep_bind(db, err, "UPDATE item_themes SET theme_id = COALESCE("
					  "(SELECT parent_id FROM themes WHERE run_id = ?1 AND id = ?2),"
					  " ?2), subtheme_id = (SELECT CASE WHEN parent_id IS NOT NULL"
					  " THEN id END FROM themes WHERE run_id = ?1 AND id = ?2)"
					  " WHERE run_id = ?1 AND item_id = ?3", "iti", run, to, item),
			    "cannot move the item", err)))
		return rc;
	if (counted && ((rc = theme_resize(db, run, from, -1, err)) ||
			(rc = theme_resize(db, run, to, 1, err))))
		return rc;
	return 0;
}

static int mark_reviewed(struct core_db *db, int64_t item, const char *now, struct core_err *err)
{
	return step_done(db, prep_bind(db, err, "UPDATE items SET reviewed_at = ? WHERE id = ?",
				       "ti", now, item), "cannot mark the item", err);
}

/* A theme id never used before: above every T-number of any run and any split. */
static int fresh_theme_id(struct core_db *db, char out[32], struct core_err *err)
{
	sqlite3_stmt *st = prep_bind(db, err,
		"SELECT max(n) FROM (SELECT CAST(substr(id, 2) AS INTEGER) n FROM themes"
		" WHERE id GLOB 'T[0-9]*' UNION ALL SELECT CAST(substr(json_extract(after,"
		" '$.theme'), 2) AS INTEGER) FROM review_decisions WHERE action = 'split')", "");
	int64_t max = 0;

	if (!st)
		return CORE_EDB;
	if (sqlite3_step(st) == SQLITE_ROW)
		max = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	snprintf(out, 32, "T%lld", (long long)max + 1);
	return 0;
}

static int review_theme(struct core_db *db, int64_t run, struct core_review_action *a,
			const char *now, json_t *before, json_t *after, struct core_err *err)
{
	char *label = NULL, *other = NULL;
	int64_t size = 0, osize = 0;
	int rc;

	if ((rc = theme_get(db, run, a->target, &label, &size, err)))
		goto out;
	json_object_set_new(before, "label", json_string(label ? label : ""));
	json_object_set_new(before, "size", json_integer(size));
	switch (a->act) {
	case CORE_REV_RENAME:
		if ((rc = text_ok(a->label, REVIEW_LABEL_MAX, "the label", 1, err)))
			goto out;
		json_object_set_new(after, "label", json_string(a->label));
		rc = step_done(db, prep_bind(db, err, "UPDATE themes SET label = ? WHERE run_id = ?"
					     " AND id = ?", "tit", a->label, run, a->target),
			       "cannot rename the theme", err);
		break;
	case CORE_REV_MERGE:
		if (!a->theme || !strcmp(a->theme, a->target)) {
			rc = core_err_set(err, CORE_ERUNTIME, "cannot merge theme '%s' into %s",
					  a->target, a->theme ? "itself" : "nothing: name a theme");
			goto out;
		}
		if ((rc = theme_get(db, run, a->theme, &other, &osize, err)))
			goto out;
		json_object_set_new(after, "into", json_string(a->theme));
		/* Members of the theme (or subtheme) merged: into the target's level. */
		if ((rc = step_done(db, prep_bind(db, err, "UPDATE item_themes SET theme_id = COALESCE("
						  "(SELECT parent_id FROM themes WHERE run_id = ?1 AND"
						  " id = ?2), ?2), subtheme_id = CASE WHEN (SELECT"
						  " parent_id FROM themes WHERE run_id = ?1 AND id = ?2)"
						  " IS NOT NULL THEN ?2 WHEN subtheme_id = ?3 THEN NULL"
						  " ELSE subtheme_id END WHERE run_id = ?1 AND"
						  " (theme_id = ?3 OR subtheme_id = ?3)", "itt",
						  run, a->theme, a->target),
				    "cannot merge themes", err)) ||
		    (rc = theme_resize(db, run, a->theme, size, err)) ||
		    (rc = step_done(db, prep_bind(db, err, "UPDATE themes SET parent_id = ?"
						  " WHERE run_id = ? AND parent_id = ?", "tit",
						  a->theme, run, a->target),
				    "cannot merge themes", err)))
			goto out;
		rc = step_done(db, prep_bind(db, err, "DELETE FROM themes WHERE run_id = ? AND id = ?",
					     "it", run, a->target), "cannot merge themes", err);
		break;
	case CORE_REV_SPLIT: {
		json_t *ids = json_array(), *quotes;
		char *q = NULL;
		if ((rc = text_ok(a->label, REVIEW_LABEL_MAX, "the label", 1, err)))
			goto split_out;
		if (a->n_items == 0 || a->n_items > REVIEW_SPLIT_MAX) {
			rc = core_err_set(err, CORE_ERUNTIME, "a split takes 1 to %d items, not %zu",
					  REVIEW_SPLIT_MAX, a->n_items);
			goto split_out;
		}
		for (size_t i = 0; i < a->n_items; i++) {
			char *th = NULL;
			int hidden, in_run, twice = 0;
			for (size_t j = 0; j < json_array_size(ids) && !twice; j++)
				twice = json_integer_value(json_array_get(ids, j)) == a->items[i];
			if (twice) /* a repeated id moves once */
				continue;
			if ((rc = item_get(db, run, a->items[i], &hidden, &th, &in_run, err)))
				goto split_out;
			if (!th || strcmp(th, a->target))
				rc = core_err_set(err, CORE_ERUNTIME, "item %lld is not in theme '%s'",
						  (long long)a->items[i], a->target);
			free(th);
			if (rc)
				goto split_out;
			json_array_append_new(ids, json_integer(a->items[i]));
		}
		if ((rc = fresh_theme_id(db, a->new_theme, err)))
			goto split_out;
		quotes = json_array();
		for (size_t i = 0; i < json_array_size(ids) && i < 3; i++)
			json_array_append(quotes, json_array_get(ids, i));
		q = json_dumps(quotes, JSON_COMPACT);
		json_decref(quotes);
		json_object_set_new(after, "theme", json_string(a->new_theme));
		json_object_set_new(after, "label", json_string(a->label));
		json_object_set(after, "items", ids);
		if ((rc = step_done(db, prep_bind(db, err, "INSERT INTO themes(run_id, id, label, size,"
						  " top_terms, quotes) VALUES(?, ?, ?, 0, '[]', ?)",
						  "ittt", run, a->new_theme, a->label,
						  q ? q : "[]"), "cannot add the theme", err)))
			goto split_out;
		for (size_t i = 0; i < json_array_size(ids) && !rc; i++) {
			int64_t item = json_integer_value(json_array_get(ids, i));
			if (!(rc = item_to_theme(db, run, item, a->target, a->new_theme, 1, err)))
				rc = mark_reviewed(db, item, now, err);
		}
	split_out:
		free(q);
		json_decref(ids);
		break;
	}
	default:
		break;
	}
out:
	free(label);
	free(other);
	return rc;
}

/* Applies an item action; a reviewer stance needs the decision's id, so that part runs
 * after the decision row is written (see core_db_review). */
static int review_item(struct core_db *db, int64_t run, int64_t id, struct core_review_action *a,
		       const char *now, json_t *before, json_t *after, struct core_err *err)
{
	char *theme = NULL, *other = NULL;
	int hidden = 0, in_run = 0, rc;

	if ((rc = item_get(db, run, id, &hidden, &theme, &in_run, err)))
		goto out;
	switch (a->act) {
	case CORE_REV_MOVE:
		if (!a->theme) {
			rc = core_err_set(err, CORE_ERUNTIME, "move item %lld to which theme?",
					  (long long)id);
			goto out;
		}
		if ((rc = theme_get(db, run, a->theme, &other, NULL, err)))
			goto out;
		if (!in_run) {
			rc = core_err_set(err, CORE_ERUNTIME, "item %lld is not in the latest "
					  "analysis: run 'inspraak analyze' first", (long long)id);
			goto out;
		}
		json_object_set_new(before, "theme", theme ? json_string(theme) : json_null());
		json_object_set_new(after, "theme", json_string(a->theme));
		if ((rc = item_to_theme(db, run, id, theme, a->theme, !hidden, err)))
			goto out;
		rc = mark_reviewed(db, id, now, err);
		break;
	case CORE_REV_SET_STANCE: {
		sqlite3_stmt *st;
		if (!a->ambition || !(st = prep_bind(db, err, "SELECT 1 FROM ambitions WHERE code = ?",
						     "t", a->ambition))) {
			rc = a->ambition ? CORE_EDB
					 : core_err_set(err, CORE_ERUNTIME, "set-stance needs an "
							"ambition");
			goto out;
		}
		rc = sqlite3_step(st) == SQLITE_ROW ? 0
			: core_err_set(err, CORE_ERUNTIME, "no ambition '%s' in the vision",
				       a->ambition);
		sqlite3_finalize(st);
		if (rc)
			goto out;
		json_object_set_new(before, "ambition", json_string(a->ambition));
		if (!(st = prep_bind(db, err, "SELECT stance, origin, score FROM item_stances"
				     " WHERE run_id = ? AND item_id = ? AND ambition_code = ?",
				     "iit", run, id, a->ambition))) {
			rc = CORE_EDB;
			goto out;
		}
		if (sqlite3_step(st) == SQLITE_ROW) {
			json_object_set_new(before, "stance", json_string(
				(const char *)sqlite3_column_text(st, 0)));
			json_object_set_new(before, "origin", json_string(
				(const char *)sqlite3_column_text(st, 1)));
			json_object_set_new(before, "score", json_real(sqlite3_column_double(st, 2)));
		} else {
			json_object_set_new(before, "stance", json_null());
		}
		sqlite3_finalize(st);
		json_object_set_new(after, "ambition", json_string(a->ambition));
		json_object_set_new(after, "stance", a->stance ? json_string(core_stance_name(a->stance))
							       : json_null());
		rc = mark_reviewed(db, id, now, err);
		break;
	}
	case CORE_REV_MARK:
		json_object_set_new(after, "reviewed", json_true());
		rc = mark_reviewed(db, id, now, err);
		break;
	case CORE_REV_HIDE:
	case CORE_REV_UNHIDE: {
		int hide = a->act == CORE_REV_HIDE;
		if (hide && (rc = text_ok(a->reason, REVIEW_TEXT_MAX, "the reason", 1, err)))
			goto out;
		json_object_set_new(before, "hidden", json_boolean(hidden));
		json_object_set_new(after, "hidden", json_boolean(hide));
		if (hide)
			json_object_set_new(after, "reason", json_string(a->reason));
		if ((rc = step_done(db, prep_bind(db, err, "UPDATE items SET hidden = ?,"
						  " hidden_reason = ? WHERE id = ?", "iti",
						  (int64_t)hide, hide ? a->reason : NULL, id),
				    "cannot hide the item", err)))
			goto out;
		if (hide != hidden) /* a hidden item is no member of its theme */
			rc = theme_resize(db, run, theme, hide ? -1 : 1, err);
		break;
	}
	default:
		break;
	}
out:
	free(theme);
	free(other);
	return rc;
}

int core_db_review(struct core_db *db, struct core_review_action *a, struct core_err *err)
{
	json_t *before = json_object(), *after = json_object();
	const char *name = core_review_act_name(a->act);
	char *b = NULL, *f = NULL, now[21];
	int64_t run, item = item_number(a->target);
	int rc, is_item = item > 0, began = 0;

	a->decision_id = 0;
	a->new_theme[0] = '\0';
	if (!name) {
		rc = core_err_set(err, CORE_ERUNTIME, "unknown review action %d", (int)a->act);
		goto out;
	}
	if ((rc = text_ok(a->reviewer, REVIEW_NAME_MAX, "the reviewer's name", 1, err)) ||
	    (rc = text_ok(a->target, 64, "the target", 1, err)) ||
	    (rc = text_ok(a->note, REVIEW_TEXT_MAX, "the note", a->act == CORE_REV_NOTE, err)) ||
	    (rc = text_ok(a->theme, 64, "the theme", 0, err)))
		goto out;
	{
		int item_act = a->act == CORE_REV_MOVE || a->act == CORE_REV_SET_STANCE ||
			       a->act == CORE_REV_MARK || a->act == CORE_REV_HIDE ||
			       a->act == CORE_REV_UNHIDE;
		int theme_act = a->act == CORE_REV_RENAME || a->act == CORE_REV_MERGE ||
				a->act == CORE_REV_SPLIT;
		if ((item_act && !is_item) || (theme_act && is_item)) {
			rc = core_err_set(err, CORE_ERUNTIME, "%s works on %s, not '%s'", name,
					  item_act ? "an item (a number)" : "a theme (an id such as T3)",
					  a->target);
			goto out;
		}
	}
	if (!before || !after) {
		rc = core_err_set(err, CORE_ENOMEM, "out of memory");
		goto out;
	}
	now_iso(now);
	if ((rc = core_db_begin(db, err)))
		goto out;
	began = 1;
	if ((run = latest_run(db)) < 0) {
		rc = db_fail(db, err, "cannot read runs");
		goto out;
	}
	if (a->act == CORE_REV_NOTE) {
		if (is_item) {
			int hidden, in_run;
			char *th = NULL;
			rc = item_get(db, run, item, &hidden, &th, &in_run, err);
			free(th);
		} else {
			rc = theme_get(db, run, a->target, NULL, NULL, err);
		}
	} else if (is_item) {
		rc = review_item(db, run, item, a, now, before, after, err);
	} else {
		rc = review_theme(db, run, a, now, before, after, err);
	}
	if (rc)
		goto out;
	b = json_object_size(before) ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	f = json_object_size(after) ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if ((rc = step_done(db, prep_bind(db, err, "INSERT INTO review_decisions(created_at,"
					  " reviewer, action, target_kind, target_id, before, after,"
					  " note) VALUES(?,?,?,?,?,?,?,?)", "tttttttt", now,
					  a->reviewer, name, is_item ? "item" : "theme", a->target, b,
					  f, a->note), "cannot record the decision", err)))
		goto out;
	a->decision_id = sqlite3_last_insert_rowid(db->h);
	if (a->act == CORE_REV_SET_STANCE && run > 0) {
		/* The evidence names the decision, so a page can show who decided. */
		char *ev = core_asprintf("{\"stance\":\"reviewer\",\"decision\":%lld}",
					 (long long)a->decision_id);
		if (!ev) {
			rc = core_err_set(err, CORE_ENOMEM, "out of memory");
			goto out;
		}
		if (a->stance)
			rc = step_done(db, prep_bind(db, err,
				"INSERT INTO item_stances(run_id, item_id, ambition_code, stance, score,"
				" origin, evidence) SELECT ?1, ?2, ?3, ?4, 1.0, 'reviewer', ?5"
				" WHERE EXISTS (SELECT 1 FROM item_themes WHERE run_id = ?1 AND"
				" item_id = ?2) ON CONFLICT(run_id, item_id, ambition_code) DO UPDATE"
				" SET stance = excluded.stance, score = 1.0, origin = 'reviewer',"
				" evidence = excluded.evidence", "iittt", run, item, a->ambition,
				core_stance_name(a->stance), ev), "cannot set the stance", err);
		else
			rc = step_done(db, prep_bind(db, err, "DELETE FROM item_stances WHERE run_id = ?"
						     " AND item_id = ? AND ambition_code = ?", "iit",
						     run, item, a->ambition),
				       "cannot set the stance", err);
		free(ev);
		if (rc)
			goto out;
	}
	rc = core_db_commit(db, err);
	began = 0;
out:
	if (began)
		core_db_rollback(db);
	if (rc)
		a->decision_id = 0;
	free(b);
	free(f);
	json_decref(before);
	json_decref(after);
	return rc;
}

int core_db_decisions_each(struct core_db *db, const struct core_decision_filter *f,
			   int (*cb)(const struct core_decision *d, void *ctx), void *ctx,
			   int64_t *total, struct core_err *err)
{
#define DECISION_WHERE                                                                     \
	" FROM review_decisions WHERE (?1 IS NULL OR target_kind = ?1) AND"                \
	" (?2 IS NULL OR target_id = ?2) AND (?3 IS NULL OR reviewer = ?3)"
	struct core_decision_filter none = {0};
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	if (!f)
		f = &none;
	if (total) {
		if (!(st = prep_bind(db, err, "SELECT count(*)" DECISION_WHERE, "ttt",
				     f->target_kind, f->target_id, f->reviewer)))
			return CORE_EDB;
		*total = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
	}
	if (!(st = prep_bind(db, err, f->newest_first
		? "SELECT id, created_at, reviewer, action, target_kind, target_id, before, after,"
		  " note" DECISION_WHERE " ORDER BY id DESC LIMIT ?4 OFFSET ?5"
		: "SELECT id, created_at, reviewer, action, target_kind, target_id, before, after,"
		  " note" DECISION_WHERE " ORDER BY id LIMIT ?4 OFFSET ?5",
		"tttii", f->target_kind, f->target_id, f->reviewer,
		f->limit > 0 ? f->limit : (int64_t)-1, f->offset > 0 ? f->offset : (int64_t)0)))
		return CORE_EDB;
#undef DECISION_WHERE
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct core_decision d = {
			.id = sqlite3_column_int64(st, 0), .created_at = col_dup(st, 1),
			.reviewer = col_dup(st, 2), .action = col_dup(st, 3),
			.target_kind = col_dup(st, 4), .target_id = col_dup(st, 5),
			.before = col_dup(st, 6), .after = col_dup(st, 7), .note = col_dup(st, 8)};
		if (!d.created_at || !d.reviewer || !d.action || !d.target_kind || !d.target_id)
			rc = core_err_set(err, CORE_ENOMEM, "cannot read the review log: out of memory");
		else
			rc = cb(&d, ctx);
		core_decision_release(&d);
		if (rc)
			break;
	}
	if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = db_fail(db, err, "cannot read the review log");
	sqlite3_finalize(st);
	return rc;
}

/* Turns what a person typed into an FTS5 query that cannot be a syntax error: every
 * word quoted, all of them required; words of four bytes or more also match as a
 * prefix, so "wachttijd" finds "wachttijden" (the index does not stem). "" when nothing
 * searchable is left. */
static int fts_query(const char *in, struct core_buf *out, struct core_err *err)
{
	const char *p = in;

	if (strlen(in) > REVIEW_MATCH_MAX)
		return core_err_set(err, CORE_ELIMIT, "the search is longer than %d bytes",
				    REVIEW_MATCH_MAX);
	if (!core_utf8_valid(in, strlen(in)))
		return core_err_set(err, CORE_ERUNTIME, "the search is not valid UTF-8 text");
	while (*p) {
		size_t n;
		int word = 0;
		while (*p && (isspace((unsigned char)*p) || *p == '"'))
			p++;
		n = strcspn(p, " \t\r\n\"");
		for (size_t i = 0; i < n; i++)
			word |= isalnum((unsigned char)p[i]) || (unsigned char)p[i] >= 0x80;
		if (word && (core_buf_puts(out, out->len ? " \"" : "\"") ||
			     core_buf_append(out, p, n) || core_buf_puts(out, n >= 4 ? "\"*" : "\"")))
			return core_err_set(err, CORE_ELIMIT, "the search is too long");
		p += n;
	}
	return 0;
}

static void stance_fill(sqlite3_stmt *st, struct core_item_stance *s)
{
	snprintf(s->code, sizeof(s->code), "%s", (const char *)sqlite3_column_text(st, 0));
	s->stance = core_stance_parse((const char *)sqlite3_column_text(st, 1));
	s->score = sqlite3_column_double(st, 2);
	s->origin = origin_parse((const char *)sqlite3_column_text(st, 3));
	s->evidence = col_dup(st, 4);
}

/* Indexes the items stored since the last search, in one transaction: a bulk insert is
 * several times cheaper than a trigger per imported row, and than smaller transactions
 * (FTS5 merges its segments at every commit: 20,000-row chunks took 86 s for 1M items,
 * one transaction 10 s). It holds the write lock as long as the import that stored them
 * did; the intake's writer waits (busy timeout) or answers 503 meanwhile. */
static int search_sync(struct core_db *db, struct core_err *err)
{
	sqlite3_stmt *st;
	int64_t upto = 0, max = 0;
	int rc;

	if (!(st = prep_bind(db, err, "SELECT (SELECT indexed_upto FROM items_fts_state),"
			     " (SELECT COALESCE(max(id), 0) FROM items)", "")))
		return CORE_EDB;
	if (sqlite3_step(st) == SQLITE_ROW) {
		upto = sqlite3_column_int64(st, 0);
		max = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (max <= upto)
		return 0;
	if ((rc = core_db_begin(db, err)))
		return rc;
	/* Inside the write transaction nobody adds items, so max is exact here. */
	if ((rc = step_done(db, prep_bind(db, err, "INSERT INTO items_fts(rowid, title, text)"
					  " SELECT id, title, text FROM items WHERE id >"
					  " (SELECT indexed_upto FROM items_fts_state) ORDER BY id",
					  ""), "cannot index items for search", err)) ||
	    (rc = step_done(db, prep_bind(db, err, "UPDATE items_fts_state SET indexed_upto ="
					  " (SELECT COALESCE(max(id), 0) FROM items)", ""),
			    "cannot index items for search", err))) {
		core_db_rollback(db);
		return rc;
	}
	return core_db_commit(db, err);
}

int core_db_review_items(struct core_db *db, const struct core_review_query *q,
			 int (*cb)(const struct core_item_view *v, void *ctx), void *ctx,
			 int64_t *total, struct core_err *err)
{
	/* Constant fragments only; every value is bound. */
	static const char cols[] =
		"SELECT i.id, s.name, i.external_id, i.url, i.author, i.title, i.text,"
		" COALESCE(r.lang, i.lang), i.published_at, i.collected_at, i.respondent_group,"
		" i.email, i.declared_stance, i.content_hash, i.edited, i.hidden, r.theme_id,"
		" r.campaign_id, i.reviewed_at IS NOT NULL, i.hidden_reason, r.subtheme_id";
	static const char where[] =
		" WHERE (:item = 0 OR i.id = :item) AND (:hidden OR i.hidden = 0)"
		" AND (:amb IS NULL OR EXISTS (SELECT 1 FROM item_stances x WHERE x.run_id = :run"
		"      AND x.item_id = i.id AND x.ambition_code = :amb"
		"      AND (:stance IS NULL OR x.stance = :stance)))"
		" AND (:stance IS NULL OR :amb IS NOT NULL OR EXISTS (SELECT 1 FROM item_stances x"
		"      WHERE x.run_id = :run AND x.item_id = i.id AND x.stance = :stance))";
	struct core_buf sql, match;
	sqlite3_stmt *st = NULL, *sst = NULL;
	int64_t run, limit = q->limit > 0 ? q->limit : 50;
	int rc = 0, step, search = q->match && *q->match;

	core_buf_init(&sql, 8192);
	core_buf_init(&match, 4 * REVIEW_MATCH_MAX);
	if (limit > REVIEW_PAGE_MAX)
		limit = REVIEW_PAGE_MAX;
	if (q->match && *q->match &&
	    ((rc = fts_query(q->match, &match, err)) || (rc = search_sync(db, err))))
		goto out;
	if ((run = latest_run(db)) < 0) {
		rc = db_fail(db, err, "cannot read runs");
		goto out;
	}
	for (int pass = total ? 0 : 1; pass < 2; pass++) {
		sql.len = 0;
		/* A theme's page starts from the theme index, a search from the full-text
		 * index, the uncertain list from the lowest analysis score per item;
		 * everything else from the items. */
		if (core_buf_puts(&sql, pass ? cols : "SELECT count(*)") ||
		    core_buf_puts(&sql, q->uncertain ? ", u.score" : ", NULL") ||
		    core_buf_puts(&sql, q->theme ? " FROM item_themes r JOIN items i ON i.id ="
						   " r.item_id AND r.run_id = :run AND r.theme_id"
						   " = :theme"
					: search ? " FROM (SELECT rowid AS fid FROM items_fts WHERE"
						   " items_fts MATCH :match) f JOIN items i ON i.id ="
						   " f.fid LEFT JOIN item_themes r ON r.run_id = :run"
						   " AND r.item_id = i.id"
						 : " FROM items i LEFT JOIN item_themes r ON"
						   " r.run_id = :run AND r.item_id = i.id") ||
		    core_buf_puts(&sql, " JOIN sources s ON s.id = i.source_id") ||
		    (q->uncertain &&
		     core_buf_puts(&sql, " JOIN (SELECT item_id, min(score) score FROM item_stances"
					 " WHERE run_id = :run AND origin = 'analysis' GROUP BY"
					 " item_id) u ON u.item_id = i.id")) ||
		    core_buf_puts(&sql, where) ||
		    (search && q->theme &&
		     core_buf_puts(&sql, " AND i.id IN (SELECT rowid FROM items_fts WHERE"
					 " items_fts MATCH :match)")) ||
		    (q->uncertain && core_buf_puts(&sql, " AND i.reviewed_at IS NULL")) ||
		    (pass && core_buf_puts(&sql, q->uncertain ? " ORDER BY u.score, i.id"
							      : " ORDER BY i.id")) ||
		    (pass && core_buf_puts(&sql, " LIMIT :limit OFFSET :offset"))) {
			rc = core_err_set(err, CORE_ELIMIT, "review query too long");
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (sqlite3_prepare_v2(db->h, sql.data, -1, &st, NULL) != SQLITE_OK) {
			rc = db_fail(db, err, "cannot read items for review");
			goto out;
		}
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":run"), run);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":item"), q->item);
		sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":hidden"),
				 q->include_hidden || q->item);
		bind_text(st, sqlite3_bind_parameter_index(st, ":theme"), q->theme);
		bind_text(st, sqlite3_bind_parameter_index(st, ":amb"), q->ambition);
		bind_text(st, sqlite3_bind_parameter_index(st, ":stance"),
			  q->stance ? core_stance_name(q->stance) : NULL);
		if (search)
			bind_text(st, sqlite3_bind_parameter_index(st, ":match"),
				  match.data ? match.data : "\"\"");
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), limit);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":offset"),
				   q->offset > 0 ? q->offset : 0);
		if (!pass) {
			step = sqlite3_step(st);
			if (step != SQLITE_ROW) {
				rc = db_fail(db, err, "cannot count items for review");
				goto out;
			}
			*total = sqlite3_column_int64(st, 0);
		}
	}
	if (!(sst = prep_bind(db, err, "SELECT ambition_code, stance, score, origin, evidence"
			      " FROM item_stances WHERE run_id = ? AND item_id = ?"
			      " ORDER BY ambition_code", "i", run))) {
		rc = CORE_EDB;
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct core_item_view v;
		struct core_item *it = &v.item;

		view_from_row(st, &v, 0);
		sqlite3_reset(sst);
		sqlite3_bind_int64(sst, 2, it->id);
		while (sqlite3_step(sst) == SQLITE_ROW) {
			struct core_item_stance *grown =
				realloc(v.stances, (v.n_stances + 1) * sizeof(*grown));
			if (!grown)
				break;
			v.stances = grown;
			stance_fill(sst, &v.stances[v.n_stances++]);
		}
		if (!it->text || !it->source || !it->external_id)
			rc = core_err_set(err, CORE_ENOMEM, "cannot read items: out of memory");
		else
			rc = cb(&v, ctx);
		view_release(&v);
		if (rc)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = db_fail(db, err, "cannot read items for review");
out:
	sqlite3_finalize(st);
	sqlite3_finalize(sst);
	core_buf_release(&sql);
	core_buf_release(&match);
	return rc;
}

int core_db_review_counts(struct core_db *db, int by_theme,
			  int (*cb)(const char *key, enum core_stance s, int64_t n, void *ctx),
			  void *ctx, struct core_err *err)
{
	sqlite3_stmt *st;
	int64_t run = latest_run(db);
	int rc = 0, step;

	if (run < 0)
		return db_fail(db, err, "cannot read runs");
	if (!(st = prep_bind(db, err, by_theme
		? "SELECT r.theme_id, x.stance, count(*) FROM item_stances x JOIN item_themes r"
		  " ON r.run_id = x.run_id AND r.item_id = x.item_id JOIN items i ON i.id = x.item_id"
		  " WHERE x.run_id = ? AND i.hidden = 0 AND r.theme_id IS NOT NULL GROUP BY 1, 2"
		: "SELECT x.ambition_code, x.stance, count(*) FROM item_stances x JOIN items i"
		  " ON i.id = x.item_id WHERE x.run_id = ? AND i.hidden = 0 GROUP BY 1, 2",
		"i", run)))
		return CORE_EDB;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = cb((const char *)sqlite3_column_text(st, 0),
			     core_stance_parse((const char *)sqlite3_column_text(st, 1)),
			     sqlite3_column_int64(st, 2), ctx)))
			break;
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(db, err, "cannot count stances");
	sqlite3_finalize(st);
	return rc;
}
