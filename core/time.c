/* time.c: the date formats feeds and form tools really send (RFC 3339, RFC 822 as in
 * RSS, Dutch day-first dates) into time_t, and durations such as "30m". Times without
 * a zone are taken as UTC so that the same input always gives the same store. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core.h"

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static void skip_space(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

/* Parses "Z", "UTC", "GMT", "+01:00", "+0100", "-05", US zone names; *off in seconds. */
static int zone(const char **p, long *off)
{
	static const struct { const char *name; int hours; } names[] = {
		{"UTC", 0}, {"GMT", 0}, {"UT", 0}, {"Z", 0}, {"EST", -5}, {"EDT", -4},
		{"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7},
		{"CET", 1}, {"CEST", 2},
	};
	skip_space(p);
	*off = 0;
	if (**p == '\0')
		return 0;
	if (**p == '+' || **p == '-') {
		int sign = **p == '-' ? -1 : 1, h, m = 0;
		(*p)++;
		if (digits(p, 2, &h))
			return -1;
		if (**p == ':')
			(*p)++;
		if (isdigit((unsigned char)**p) && digits(p, 2, &m))
			return -1;
		if (h > 14 || m > 59)
			return -1;
		*off = sign * (h * 3600L + m * 60L);
		return 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i].name);
		if (strncasecmp(*p, names[i].name, n) == 0 && !isalpha((unsigned char)(*p)[n])) {
			*p += n;
			*off = names[i].hours * 3600L;
			return 0;
		}
	}
	return -1;
}

static int clock_part(const char **p, struct tm *tm)
{
	if (digits(p, 2, &tm->tm_hour) || **p != ':')
		return -1;
	(*p)++;
	if (digits(p, 2, &tm->tm_min))
		return -1;
	if (**p == ':') {
		(*p)++;
		if (digits(p, 2, &tm->tm_sec))
			return -1;
		if (**p == '.' || **p == ',') /* fractions of a second are dropped */
			for ((*p)++; isdigit((unsigned char)**p); (*p)++)
				;
	}
	return 0;
}

static int finish(struct tm *tm, long off, const char *rest, time_t *out)
{
	/* years 1..9999 only: four digits is what core_time_format writes back */
	if (tm->tm_mon < 0 || tm->tm_mon > 11 || tm->tm_mday < 1 || tm->tm_mday > 31 ||
	    tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 60 || tm->tm_year < 1 - 1900 ||
	    tm->tm_year > 9999 - 1900)
		return -1;
	skip_space(&rest);
	if (*rest)
		return -1;
	*out = timegm(tm) - off;
	return 0;
}

static int parse_rfc822(const char *p, time_t *out)
{
	static const char *months[] = {"jan", "feb", "mar", "apr", "may", "jun",
				       "jul", "aug", "sep", "oct", "nov", "dec"};
	struct tm tm = {0};
	long off = 0;
	int year;

	/* optional day name and comma */
	if (isalpha((unsigned char)*p)) {
		while (isalpha((unsigned char)*p))
			p++;
		if (*p == ',')
			p++;
		skip_space(&p);
	}
	if (!isdigit((unsigned char)*p))
		return -1;
	tm.tm_mday = (int)strtol(p, (char **)&p, 10);
	skip_space(&p);
	tm.tm_mon = -1;
	for (int i = 0; i < 12; i++)
		if (strncasecmp(p, months[i], 3) == 0)
			tm.tm_mon = i;
	if (tm.tm_mon < 0)
		return -1;
	while (isalpha((unsigned char)*p))
		p++;
	skip_space(&p);
	if (!isdigit((unsigned char)*p))
		return -1;
	year = (int)strtol(p, (char **)&p, 10);
	if (year < 100)
		year += year < 50 ? 2000 : 1900;
	tm.tm_year = year - 1900;
	skip_space(&p);
	if (*p && clock_part(&p, &tm))
		return -1;
	if (zone(&p, &off))
		return -1;
	return finish(&tm, off, p, out);
}

int core_time_parse(const char *s, time_t *out)
{
	struct tm tm = {0};
	const char *p;
	long off = 0;
	int a, b, c;

	if (!s)
		return -1;
	skip_space(&s);
	p = s;
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) && p[4] == '-') {
		/* ISO 8601 / RFC 3339 */
		if (digits(&p, 4, &a) || *p++ != '-' || digits(&p, 2, &b) || *p++ != '-' ||
		    digits(&p, 2, &c))
			return -1;
		tm.tm_year = a - 1900;
		tm.tm_mon = b - 1;
		tm.tm_mday = c;
		if (*p == 'T' || *p == 't' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
			p++;
			if (clock_part(&p, &tm) || zone(&p, &off))
				return -1;
		}
		return finish(&tm, off, p, out);
	}
	if (isdigit((unsigned char)p[0]) && (p[1] == '-' || p[1] == '/' || p[1] == '.' ||
					     (isdigit((unsigned char)p[1]) &&
					      (p[2] == '-' || p[2] == '/' || p[2] == '.')))) {
		/* Dutch day-first: 5-3-2024, 05-03-2024 10:00, 05/03/2024 */
		char sep;
		tm.tm_mday = (int)strtol(p, (char **)&p, 10);
		sep = *p++;
		tm.tm_mon = (int)strtol(p, (char **)&p, 10) - 1;
		if (*p++ != sep || !isdigit((unsigned char)*p))
			return -1;
		if (digits(&p, 4, &a))
			return -1;
		tm.tm_year = a - 1900;
		skip_space(&p);
		if (isdigit((unsigned char)*p) && (clock_part(&p, &tm) || zone(&p, &off)))
			return -1;
		return finish(&tm, off, p, out);
	}
	return parse_rfc822(s, out);
}

void core_time_format(time_t t, char out[21])
{
	/* 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z: always exactly 20 characters */
	const time_t lo = -62135596800, hi = 253402300799;
	struct tm tm;

	if (t < lo)
		t = lo;
	if (t > hi)
		t = hi;
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, 21, "1970-01-01T00:00:00Z");
		return;
	}
	snprintf(out, 21, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int core_duration_parse(const char *s, long *seconds)
{
	char *end;
	double v;
	long mult = 1;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -1;
	v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (*end) {
		switch (*end) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: return -1;
		}
		if (end[1])
			return -1;
	}
	if (v * mult > 365.0 * 86400 * 10)
		return -1;
	*seconds = (long)(v * mult + 0.5);
	return 0;
}
