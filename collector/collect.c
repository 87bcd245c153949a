/* collect.c: one collection run. Picks the feed sources that are due (or forced),
 * fetches each through fetch.c, parses with feed.c, stores the items in one transaction
 * per source and records every attempt with its backoff. A failing source is reported
 * and recorded; it never stops the others. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "collector.h"
#include "internal.h"


void col_collect_report_release(struct col_collect_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].error);
	}
	free(r->v);
	memset(r, 0, sizeof *r);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static int named(const char *const *only, size_t n_only, const char *name)
{
	for (size_t i = 0; i < n_only; i++)
		if (only[i] && strcmp(only[i], name) == 0)
			return 1;
	return 0;
}

static int is_due(struct core_db *db, const struct core_source *src, time_t now)
{
	struct core_source_state st;
	struct core_err ignored;
	time_t due;
	int res = 1;

	memset(&st, 0, sizeof st);
	/* Not in the store yet means never fetched: due. */
	if (core_db_source_state(db, src->name, &st, &ignored) < 0)
		return 1;
	if (st.next_due && core_time_parse(st.next_due, &due) == 0 && due > now)
		res = 0;
	core_source_state_release(&st);
	return res;
}

/* Whether item i is there to store: within the list, or published by the parser on
 * the other thread. *parse_rc: the parser's result once it is done. */
static int item_ready(struct col_pipe *pipe, const struct core_item_list *items, size_t i,
		      int *parse_rc)
{
	return pipe ? col_pipe_take(pipe, i, parse_rc) : i < items->n;
}

/* Stores items in one transaction; with pipe, while a parser still appends them (a
 * failed parse rolls back what was stored and returns its code). */
static int store_items(struct core_db *db, int64_t source_id, const struct core_source *src,
		       struct core_item_list *items, struct col_pipe *pipe, time_t now,
		       struct col_source_result *r, struct core_err *err)
{
	char when[21];
	int rc, parse_rc = 0;

	size_t new0 = r->new_items, updated0 = r->updated;

	core_time_format(now, when);
	if ((rc = core_db_begin(db, err)) < 0)
		goto fail;
	for (size_t i = 0; item_ready(pipe, items, i, &parse_rc); i++) {
		struct core_item *it = &items->v[i];
		enum core_put put;
		free(it->source);
		free(it->collected_at);
		it->source = core_strdup(src->name);
		it->collected_at = core_strdup(when);
		if (!it->lang && src->lang)
			it->lang = core_strdup(src->lang);
		if (!it->group && src->group)
			it->group = core_strdup(src->group);
		/* the same reaction on another feed counts once */
		it->match_other_sources = 1;
		if (!it->source || !it->collected_at) {
			rc = core_err_set(err, CORE_ENOMEM, "storing items: out of memory");
			goto fail;
		}
		if ((rc = core_db_item_put(db, source_id, it, &put, err)) < 0)
			goto fail;
		if (put == CORE_PUT_NEW)
			r->new_items++;
		else if (put == CORE_PUT_UPDATED)
			r->updated++;
	}
	if ((rc = parse_rc) < 0)
		goto fail;
	if ((rc = core_db_commit(db, err)) < 0)
		goto fail;
	return 0;
fail:
	if (pipe)
		col_pipe_leave(pipe);
	core_db_rollback(db);
	/* this batch was rolled back: only its own counts go */
	r->new_items = new0;
	r->updated = updated0;
	return rc;
}

/* One source in a collection run: what it needs before the fetch and keeps after. */
struct job {
	const struct core_config *cfg;
	const struct core_source *src;
	struct col_source_result *r;
	struct core_source_state st;
	int64_t source_id;
	struct col_fetch_opts fo;
	struct col_fetch_result fr;
	struct core_err ferr;
	int fetch_rc;
	int fetchable;
	struct timespec t0;
};

/* Before the fetch: the source row, its validators and its failure streak. Returns < 0
 * only when the store failed. */
static int job_prepare(struct core_db *db, const struct core_config *cfg, struct job *j,
		       struct core_err *err)
{
	const struct core_source *src = j->src;
	struct core_err ignored;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &j->t0);
	core_err_clear(&j->ferr);
	if ((rc = core_db_source_ensure(db, src->name, src->type, src->url, &j->source_id,
					err)) < 0)
		return rc;
	if (core_db_source_state(db, src->name, &j->st, &ignored) != 0)
		memset(&j->st, 0, sizeof j->st);
	switch (src->type) {
	case CORE_SRC_AUTO:
	case CORE_SRC_RSS:
	case CORE_SRC_ATOM:
	case CORE_SRC_JSONFEED:
	case CORE_SRC_MASTODON:
	case CORE_SRC_JSON:
		break;
	default:
		core_err_set(&j->ferr, CORE_ERUNTIME, "source '%s': type %s not supported yet",
			     src->name, core_source_type_name(src->type));
		return 0;
	}
	col_fetch_opts_init(&j->fo);
	j->fo.url = src->url;
	j->fo.contact = cfg->contact;
	j->fo.etag = j->st.etag;
	j->fo.last_modified = j->st.last_modified;
	j->fo.headers = src->headers;
	j->fo.n_headers = src->n_headers;
	j->fo.max_bytes = src->max_bytes;
	j->fo.allow_private = src->allow_private;
	j->fo.connect_timeout_ms = cfg->collect.connect_timeout_s * 1000;
	j->fo.timeout_ms = cfg->collect.timeout_s * 1000;
	j->fo.low_speed_time_s = cfg->collect.stall_s;
	j->fetchable = 1;
	return 0;
}

/* Pages followed per poll at most: a burst bigger than this waits for the next poll. */
#define MAX_PAGES 20

/* Whether the body is a feed (RSS, Atom, JSON Feed) rather than a Mastodon timeline or
 * mapped JSON; Mastodon timelines are recognised by their array. */
static int is_feed(const struct core_source *src, const struct col_fetch_result *fr)
{
	const char *body = fr->body.data ? fr->body.data : "";
	size_t i = 0;

	while (i < fr->body.len && strchr(" \t\r\n", body[i]) && body[i])
		i++;
	if (src->type == CORE_SRC_JSON)
		return 0;
	return !(src->type == CORE_SRC_MASTODON ||
		 (src->type == CORE_SRC_AUTO && i < fr->body.len && body[i] == '['));
}

/* A body in the source's format. */
static int parse_body(const struct core_source *src, const struct col_fetch_result *fr,
		      struct core_item_list *items, struct col_feed_meta *meta,
		      struct core_err *err)
{
	const char *body = fr->body.data ? fr->body.data : "";

	if (is_feed(src, fr))
		return col_parse_feed_meta(body, fr->body.len, fr->content_type, items, meta, err);
	if (src->type == CORE_SRC_JSON)
		return col_parse_json_mapped(body, fr->body.len, src->mapping, src->n_mapping, items,
					     err);
	return col_parse_mastodon(body, fr->body.len, items, err);
}

/* The store side of parse_and_store, on its own thread. */
struct store_job {
	struct core_db *db;
	struct job *j;
	struct core_item_list *items;
	struct col_pipe pipe;
	time_t now;
	struct core_err err;
	int rc;
};

static void *store_main(void *arg)
{
	struct store_job *sj = arg;

	sj->rc = store_items(sj->db, sj->j->source_id, sj->j->src, sj->items, &sj->pipe, sj->now,
			     sj->j->r, &sj->err);
	return NULL;
}

/* Parses the fetched body and stores its items. A feed is parsed on this thread while
 * another stores the items already parsed, in the same order and the same one
 * transaction as one after the other would: parsing and storing cost about the same,
 * so a big feed takes half the time on two cores. On failure ferr says which. */
static int parse_and_store(struct core_db *db, struct job *j, struct core_item_list *items,
			   struct col_feed_meta *meta, time_t now, struct core_err *ferr)
{
	const struct col_fetch_result *fr = &j->fr;
	struct store_job sj;
	pthread_t th;
	int rc;

	if (!is_feed(j->src, fr))
		goto serial;
	memset(&sj, 0, sizeof sj);
	sj.db = db;
	sj.j = j;
	sj.items = items;
	sj.now = now;
	if (col_pipe_init(&sj.pipe) < 0)
		goto serial;
	/* Signals stay with the threads that wait for them (the daemon's sigwait, or the
	 * default action): the store thread starts with all of them blocked. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int started = pthread_create(&th, NULL, store_main, &sj) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!started) {
		col_pipe_destroy(&sj.pipe);
		goto serial;
	}
	rc = col_parse_feed_piped(fr->body.data ? fr->body.data : "", fr->body.len,
				  fr->content_type, items, meta, &sj.pipe, ferr);
	pthread_join(th, NULL);
	col_pipe_destroy(&sj.pipe);
	if (rc < 0) {
		core_err_prefix(ferr, "cannot read '%s'", j->src->url);
		return rc;
	}
	j->r->found = items->n;
	if (sj.rc < 0)
		*ferr = sj.err;
	return sj.rc;

serial:
	if ((rc = parse_body(j->src, fr, items, meta, ferr)) < 0) {
		core_err_prefix(ferr, "cannot read '%s'", j->src->url);
		return rc;
	}
	j->r->found = items->n;
	return store_items(db, j->source_id, j->src, items, NULL, now, j->r, ferr);
}

/* "scheme://host:port" of a and b are the same (paging must not lead elsewhere). */
static int same_origin(const char *a, const char *b)
{
	const char *ea = strstr(a, "://"), *eb = strstr(b, "://");
	if (!ea || !eb)
		return 0;
	ea = strchr(ea + 3, '/');
	eb = strchr(eb + 3, '/');
	size_t na = ea ? (size_t)(ea - a) : strlen(a), nb = eb ? (size_t)(eb - b) : strlen(b);
	return na == nb && strncasecmp(a, b, na) == 0;
}

/* Mastodon returns the newest statuses first: when every status of a page was new, the
 * burst since the last poll may go on, so follow rel="next" (older) until a page holds
 * one we already have. Failures here are reported but keep what was stored. */
static int follow_pages(struct core_db *db, struct job *j, const char *link, time_t now,
			struct core_err *ferr)
{
	char *next = col_link_next(link);
	int rc = 0;

	for (int page = 1; next && page < MAX_PAGES; page++) {
		struct col_fetch_opts fo = j->fo;
		struct col_fetch_result fr;
		struct core_item_list items = {0};
		size_t before = j->r->new_items;

		if (!same_origin(next, j->src->url))
			break;
		fo.url = next;
		fo.etag = fo.last_modified = NULL;
		if ((rc = col_fetch(&fo, &fr, ferr)) == 0 &&
		    (rc = parse_body(j->src, &fr, &items, NULL, ferr)) == 0) {
			j->r->found += items.n;
			j->r->bytes += fr.body.len;
			rc = store_items(db, j->source_id, j->src, &items, NULL, now, j->r, ferr);
		}
		free(next);
		next = NULL;
		if (rc == 0 && items.n && j->r->new_items - before == items.n)
			next = col_link_next(fr.link);
		core_item_list_release(&items);
		col_fetch_result_release(&fr);
		if (rc < 0)
			break;
	}
	free(next);
	return rc;
}

/* After the fetch: parse, store, record the attempt and when to come back. Returns < 0
 * only when the store itself failed, which ends the run. */
static int job_finish(struct core_db *db, struct job *j, time_t now, struct core_err *err)
{
	const struct core_source *src = j->src;
	struct col_source_result *r = j->r;
	struct col_fetch_result *fr = &j->fr;
	struct core_item_list items;
	struct col_feed_meta meta = {0};
	struct col_poll poll = {0};
	struct core_err *ferr = &j->ferr;
	int rc = 0, fresh;

	memset(&items, 0, sizeof items);
	if (!j->fetchable || j->fetch_rc < 0 || fr->not_modified)
		goto record;
	if (parse_and_store(db, j, &items, &meta, now, ferr) < 0)
		goto record;
	if (fr->link && items.n && r->new_items == items.n)
		follow_pages(db, j, fr->link, now, ferr);

record:
	r->bytes += fr->body.len;
	r->http_status = fr->http_status;
	r->not_modified = fr->not_modified;
	r->ok = ferr->code == 0;
	r->ms = j->fetchable ? fr->ms : ms_since(&j->t0);
	if (!r->ok && !(r->error = core_strdup(ferr->msg))) {
		rc = core_err_set(err, CORE_ENOMEM, "collecting: out of memory");
		goto out;
	}
	/* Validators only from a fresh 2xx: a failed parse must not make the next
	 * request conditional on a body we never stored. */
	fresh = r->ok && !fr->not_modified;
	poll.ok = r->ok;
	poll.http_status = fr->http_status;
	poll.retry_after_s = col_retry_after(fr->retry_after, now);
	poll.max_age_s = fresh || fr->not_modified ? col_max_age(fr->cache_control) : 0;
	poll.ttl_s = fresh ? meta.ttl_s : 0;
	poll.prev_errors = j->st.consecutive_errors;
	poll.floor_s = j->cfg->collect.min_interval_s;
	poll.cap_s = j->cfg->collect.max_backoff_s;
	rc = core_db_source_record(db, src->name, r->ok, fr->http_status, r->error,
				   fresh ? fr->etag : NULL, fresh ? fr->last_modified : NULL, now,
				   col_schedule_next(now, src->interval_s, src->name, &poll), err);
out:
	core_item_list_release(&items);
	return rc;
}

static int collect(struct core_db *db, const struct core_config *cfg, const char *const *only,
		   size_t n_only, int all, time_t now, volatile const int *stop,
		   struct col_collect_report *rep, struct core_err *err);

int col_collect(struct core_db *db, const struct core_config *cfg, const char *const *only,
		size_t n_only, int all, time_t now, struct col_collect_report *rep,
		struct core_err *err)
{
	return collect(db, cfg, only, n_only, all, now, NULL, rep, err);
}

int col_collect_until(struct core_db *db, const struct core_config *cfg, time_t now,
		      volatile const int *stop, struct col_collect_report *rep,
		      struct core_err *err)
{
	return collect(db, cfg, NULL, 0, 0, now, stop, rep, err);
}

time_t col_next_due(struct core_db *db, const struct core_config *cfg, time_t now)
{
	time_t best = now + 3600;

	for (size_t i = 0; i < cfg->n_sources; i++) {
		struct core_source_state st;
		struct core_err ignored;
		time_t due;
		if (!cfg->sources[i].enabled)
			continue;
		if (core_db_source_state(db, cfg->sources[i].name, &st, &ignored) != 0)
			return now; /* never fetched */
		if (!st.next_due || core_time_parse(st.next_due, &due) != 0)
			due = now;
		core_source_state_release(&st);
		if (due < best)
			best = due;
	}
	return best < now ? now : best;
}

static int collect(struct core_db *db, const struct core_config *cfg, const char *const *only,
		   size_t n_only, int all, time_t now, volatile const int *stop,
		   struct col_collect_report *rep, struct core_err *err)
{
	struct job *jobs = NULL;
	struct col_fetch_opts *fo = NULL;
	struct col_fetch_result *fr = NULL;
	struct core_err *ferr = NULL;
	int *frc = NULL;
	size_t n = 0, nf = 0;
	int rc = 0;

	memset(rep, 0, sizeof *rep);
	for (size_t i = 0; i < n_only; i++) {
		if (!only[i] || !core_config_source(cfg, only[i]))
			return core_err_set(err, CORE_EUSAGE, "no source named '%s' in the configuration",
					    only[i] ? only[i] : "(null)");
	}
	if (cfg->n_sources == 0)
		return 0;
	rep->v = calloc(cfg->n_sources, sizeof *rep->v);
	jobs = calloc(cfg->n_sources, sizeof *jobs);
	if (!rep->v || !jobs) {
		rc = core_err_set(err, CORE_ENOMEM, "collecting: out of memory");
		goto out;
	}

	/* 1: what is due, and what each needs for its request */
	for (size_t i = 0; i < cfg->n_sources; i++) {
		const struct core_source *src = &cfg->sources[i];
		if (n_only > 0) {
			if (!named(only, n_only, src->name))
				continue;
		} else {
			if (!src->enabled)
				continue;
			if (!all && !is_due(db, src, now))
				continue;
		}
		struct job *j = &jobs[n];
		j->cfg = cfg;
		j->src = src;
		j->r = &rep->v[rep->n++];
		n++;
		if (!(j->r->name = core_strdup(src->name))) {
			rc = core_err_set(err, CORE_ENOMEM, "collecting: out of memory");
			goto out;
		}
		core_log(CORE_LOG_DEBUG, "collecting source '%s' from %s", src->name,
			 src->url ? src->url : "(no url)");
		if ((rc = job_prepare(db, cfg, j, err)) < 0)
			goto out;
		nf += j->fetchable;
	}

	/* 2: fetch them all at once, within the overall and per-host limits, so one slow
	 * feed does not hold up the others */
	fo = calloc(nf ? nf : 1, sizeof *fo);
	fr = calloc(nf ? nf : 1, sizeof *fr);
	ferr = calloc(nf ? nf : 1, sizeof *ferr);
	frc = calloc(nf ? nf : 1, sizeof *frc);
	if (!fo || !fr || !ferr || !frc) {
		rc = core_err_set(err, CORE_ENOMEM, "collecting: out of memory");
		goto out;
	}
	for (size_t i = 0, k = 0; i < n; i++)
		if (jobs[i].fetchable)
			fo[k++] = jobs[i].fo;
	struct col_fetch_limits lim = {cfg->collect.parallel, cfg->collect.per_host, stop};
	if (nf && (rc = col_fetch_many(fo, nf, fr, frc, ferr, &lim)) < 0) {
		rc = core_err_set(err, rc, "collecting: out of memory");
		goto out;
	}
	for (size_t i = 0, k = 0; i < n; i++) {
		if (!jobs[i].fetchable)
			continue;
		jobs[i].fr = fr[k];
		memset(&fr[k], 0, sizeof fr[k]); /* the job owns it now */
		jobs[i].fetch_rc = frc[k];
		jobs[i].ferr = ferr[k];
		jobs[i].r->aborted = jobs[i].fr.aborted;
		k++;
	}

	/* 3: parse and store each, in configuration order */
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].r->aborted) {
			jobs[i].r->error = core_strdup(jobs[i].ferr.msg);
			continue;
		}
		if ((rc = job_finish(db, &jobs[i], now, err)) < 0)
			goto out;
		if (!jobs[i].r->ok)
			rep->failed++;
	}
out:
	for (size_t i = 0; i < n; i++) {
		col_fetch_result_release(&jobs[i].fr);
		core_source_state_release(&jobs[i].st);
	}
	for (size_t k = 0; fr && k < nf; k++)
		col_fetch_result_release(&fr[k]);
	free(jobs);
	free(fo);
	free(fr);
	free(ferr);
	free(frc);
	return rc;
}
