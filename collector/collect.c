/* collect.c: one collection run. Picks the feed sources that are due (or forced),
 * fetches each through fetch.c, parses with feed.c, stores the items in one transaction
 * per source and records every attempt with its backoff. A failing source is reported
 * and recorded; it never stops the others. */
#include <stdlib.h>
#include <string.h>
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

static int store_items(struct core_db *db, int64_t source_id, const struct core_source *src,
		       struct core_item_list *items, time_t now, struct col_source_result *r,
		       struct core_err *err)
{
	char when[21];
	int rc;

	core_time_format(now, when);
	if ((rc = core_db_begin(db, err)) < 0)
		return rc;
	for (size_t i = 0; i < items->n; i++) {
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
	if ((rc = core_db_commit(db, err)) < 0)
		goto fail;
	return 0;
fail:
	core_db_rollback(db);
	r->new_items = r->updated = 0;
	return rc;
}

/* Fetches, parses and stores one source; the outcome goes into r (and the store).
 * Returns < 0 only when the store itself failed, which ends the run. */
static int collect_one(struct core_db *db, const struct core_config *cfg,
		       const struct core_source *src, time_t now, struct col_source_result *r,
		       struct core_err *err)
{
	struct core_source_state st;
	struct col_fetch_opts fo;
	struct col_fetch_result fr;
	struct core_item_list items;
	struct core_err ferr, ignored;
	struct col_feed_meta meta = {0};
	struct col_poll poll = {0};
	struct timespec t0;
	int64_t source_id = 0;
	int rc = 0, prev_errors = 0, fresh;

	memset(&st, 0, sizeof st);
	memset(&fr, 0, sizeof fr);
	memset(&items, 0, sizeof items);
	core_err_clear(&ferr);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	if ((rc = core_db_source_ensure(db, src->name, src->type, src->url, &source_id, err)) < 0)
		goto out;
	if (core_db_source_state(db, src->name, &st, &ignored) == 0)
		prev_errors = st.consecutive_errors;

	switch (src->type) {
	case CORE_SRC_AUTO:
	case CORE_SRC_RSS:
	case CORE_SRC_ATOM:
	case CORE_SRC_JSONFEED:
		break;
	default:
		core_err_set(&ferr, CORE_ERUNTIME, "source '%s': type %s not supported yet",
			     src->name, core_source_type_name(src->type));
		goto record;
	}

	col_fetch_opts_init(&fo);
	fo.url = src->url;
	fo.contact = cfg->contact;
	fo.etag = st.etag;
	fo.last_modified = st.last_modified;
	fo.headers = src->headers;
	fo.n_headers = src->n_headers;
	fo.max_bytes = src->max_bytes;
	fo.allow_private = src->allow_private;
	if (col_fetch(&fo, &fr, &ferr) < 0)
		goto record;
	if (fr.not_modified)
		goto record;
	if (col_parse_feed_meta(fr.body.data ? fr.body.data : "", fr.body.len, fr.content_type,
				&items, &meta, &ferr) < 0) {
		core_err_prefix(&ferr, "cannot read '%s'", src->url);
		goto record;
	}
	r->found = items.n;
	if (store_items(db, source_id, src, &items, now, r, &ferr) < 0)
		goto record;

record:
	r->bytes = fr.body.len;
	r->http_status = fr.http_status;
	r->not_modified = fr.not_modified;
	r->ok = ferr.code == 0;
	if (!r->ok) {
		r->error = core_strdup(ferr.msg);
		if (!r->error) {
			rc = core_err_set(err, CORE_ENOMEM, "collecting: out of memory");
			goto out;
		}
	}
	/* Validators only from a fresh 2xx: a failed parse must not make the next
	 * request conditional on a body we never stored. */
	fresh = r->ok && !fr.not_modified;
	poll.ok = r->ok;
	poll.http_status = fr.http_status;
	poll.retry_after_s = col_retry_after(fr.retry_after, now);
	poll.max_age_s = fresh || fr.not_modified ? col_max_age(fr.cache_control) : 0;
	poll.ttl_s = fresh ? meta.ttl_s : 0;
	poll.prev_errors = prev_errors;
	rc = core_db_source_record(db, src->name, r->ok, fr.http_status, r->error,
				   fresh ? fr.etag : NULL, fresh ? fr.last_modified : NULL, now,
				   col_schedule_next(now, src->interval_s, src->name, &poll), err);
out:
	r->ms = ms_since(&t0);
	core_item_list_release(&items);
	col_fetch_result_release(&fr);
	core_source_state_release(&st);
	return rc;
}

int col_collect(struct core_db *db, const struct core_config *cfg, const char *const *only,
		size_t n_only, int all, time_t now, struct col_collect_report *rep,
		struct core_err *err)
{
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
	if (!rep->v)
		return core_err_set(err, CORE_ENOMEM, "collecting: out of memory");

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
		struct col_source_result *r = &rep->v[rep->n++];
		r->name = core_strdup(src->name);
		if (!r->name) {
			rc = core_err_set(err, CORE_ENOMEM, "collecting: out of memory");
			break;
		}
		core_log(CORE_LOG_DEBUG, "collecting source '%s' from %s", src->name,
			 src->url ? src->url : "(no url)");
		if ((rc = collect_one(db, cfg, src, now, r, err)) < 0)
			break;
		if (!r->ok)
			rep->failed++;
	}
	return rc;
}
