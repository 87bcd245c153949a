/* schedule.c: when to poll a source next. Pure functions of what the last attempt
 * said, so the policy is tested without a clock: polite on success (interval, floor,
 * max-age, ttl), patient on failure (backoff, Retry-After), never parked forever. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

long col_retry_after(const char *value, time_t now)
{
	const char *p = value;
	time_t when;

	if (!value)
		return 0;
	while (isspace((unsigned char)*p))
		p++;
	if (isdigit((unsigned char)*p)) {
		char *end;
		long v = strtol(p, &end, 10);
		while (isspace((unsigned char)*end))
			end++;
		return *end == '\0' && v > 0 ? v : 0;
	}
	if (core_time_parse(p, &when) == 0 && when > now)
		return (long)(when - now);
	return 0;
}

long col_max_age(const char *value)
{
	long age = 0;
	const char *p = value;

	if (!value)
		return 0;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		const char *tok = p;
		while (*p && *p != ',')
			p++;
		size_t n = (size_t)(p - tok);
		if ((n >= 8 && !strncasecmp(tok, "no-store", 8)) ||
		    (n >= 8 && !strncasecmp(tok, "no-cache", 8)))
			return 0;
		if (n > 8 && !strncasecmp(tok, "max-age=", 8)) {
			char *end;
			long v = strtol(tok + 8, &end, 10);
			if (end > tok + 8 && v > 0)
				age = v;
		}
	}
	return age;
}

time_t col_schedule_next(time_t now, long interval_s, const char *name, const struct col_poll *p)
{
	long floor = p->floor_s > 0 ? p->floor_s : COL_INTERVAL_FLOOR_S;
	long cap = p->cap_s > 0 ? p->cap_s : COL_BACKOFF_CAP_S;
	long wait = interval_s > floor ? interval_s : floor;

	if (cap < wait)
		cap = wait;

	if (p->ok) {
		/* the server's own freshness is a lower bound, within reason */
		if (p->max_age_s > wait)
			wait = p->max_age_s < cap ? p->max_age_s : cap;
		if (p->ttl_s > wait)
			wait = p->ttl_s < cap ? p->ttl_s : cap;
	} else {
		for (int i = 0; i < p->prev_errors && wait < cap; i++)
			wait *= 2;
		if (p->retry_after_s > wait && (p->http_status == 429 || p->http_status == 503))
			wait = p->retry_after_s;
		if (wait > cap)
			wait = cap;
	}
	/* up to +10% jitter: only later, so every lower bound above still holds */
	uint64_t h = core_hash64(name ? name : "", name ? strlen(name) : 0, (uint64_t)now);
	wait += (long)(h % (uint64_t)(wait / 10 + 1));
	return now + wait;
}
