/* redact.c: privacy redaction for every export. Before user text leaves the store it
 * passes here: e-mail addresses, phone numbers, IBANs (mod-97 checked), BSNs (11-check),
 * postcode with house number and URL query strings are replaced by fixed markers. The
 * checks keep ordinary words and numbers intact; the rules are in exports/README.md. */
#include <string.h>

#include "model.h"

/* ASCII only on purpose: the patterns are ASCII, and a byte >= 0x80 (part of a UTF-8
 * letter) counts as a word character so a match never starts or ends inside a word. */
static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static int is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}

static int is_word(int c)
{
	return is_alnum(c) || c >= 0x80 || c == '_';
}

static int is_local(int c)
{
	return is_alnum(c) || (c && strchr("._%+-", c));
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* ---------------------------------------------------------------- matchers
 * Each gets the text, its length and a start that is already at a word boundary, and
 * returns the length of the match (0 for none). */

/* local@domain.tld, the top-level domain letters only. */
static size_t match_email(const unsigned char *s, size_t n, size_t i)
{
	size_t p = i, last_dot = 0, end;
	int labels = 0;

	while (p < n && is_local(s[p]))
		p++;
	if (p == i || p >= n || s[p] != '@')
		return 0;
	p++;
	for (;;) {
		size_t start = p;
		while (p < n && (is_alnum(s[p]) || s[p] == '-'))
			p++;
		if (p == start)
			return 0;
		labels++;
		if (p + 1 < n && s[p] == '.' && (is_alnum(s[p + 1]))) {
			last_dot = p;
			p++;
			continue;
		}
		break;
	}
	end = p;
	if (labels < 2 || end - last_dot - 1 < 2)
		return 0;
	for (size_t k = last_dot + 1; k < end; k++)
		if (!is_alpha(s[k]))
			return 0;
	if (end < n && is_word(s[end]))
		return 0;
	return end - i;
}

/* http(s):// or www. URLs: returns the URL's length and in *query where its query
 * string starts ("?" included), or 0 when it has none. */
static size_t match_url(const unsigned char *s, size_t n, size_t i, size_t *query)
{
	static const char *const starts[] = {"http://", "https://", "www."};
	size_t p = i, head = 0;

	*query = 0;
	for (size_t k = 0; k < 3 && !head; k++) {
		size_t len = strlen(starts[k]), j;
		for (j = 0; j < len && i + j < n && lower(s[i + j]) == starts[k][j]; j++)
			;
		if (j == len)
			head = len;
	}
	if (!head)
		return 0;
	for (p = i + head; p < n && s[p] > ' ' && s[p] != 0x7F && !strchr("<>\"'`", s[p]); p++)
		;
	/* Sentence punctuation right after a URL is not part of it. */
	while (p > i + head && strchr(".,;:!?)]}", s[p - 1]))
		p--;
	if (p <= i + head)
		return 0;
	for (size_t k = i + head; k < p; k++)
		if (s[k] == '?' || s[k] == '#') {
			if (s[k] == '?' && k + 1 < p)
				*query = k - i;
			break;
		}
	return p - i;
}

/* Phone numbers. National Dutch: a 0, then ten digits in all, in groups separated by
 * single spaces, dashes, dots or slashes ("06-12345678", "020 123 4567"); a first group
 * of two digits must be 06, so dates like 01-02-2024 are not numbers. International:
 * "+CC ..." or "00CC ..." with 8 to 15 digits after the prefix, exactly 11 for +31,
 * and an optional "(0)" after the country code. */
static size_t match_phone(const unsigned char *s, size_t n, size_t i)
{
	size_t p = i, digits = 0, first_group = 0, limit, groups = 1;
	int intl = 0;
	char cc[3] = {0};

	if (s[p] == '+' && p + 1 < n && is_digit(s[p + 1]) && s[p + 1] != '0') {
		intl = 1;
		p++;
	} else if (p + 2 < n && s[p] == '0' && s[p + 1] == '0' && is_digit(s[p + 2]) &&
		   s[p + 2] != '0') {
		intl = 1;
		p += 2;
	} else if (!(s[p] == '0' && p + 1 < n && is_digit(s[p + 1]) && s[p + 1] != '0')) {
		return 0;
	}
	limit = intl ? 15 : 10;
	while (p < n) {
		if (is_digit(s[p])) {
			if (digits == limit)
				return 0; /* a longer number: not a phone number */
			if (intl && digits < 2)
				cc[digits] = (char)s[p];
			digits++;
			if (groups == 1)
				first_group++;
			p++;
			if (intl && digits == 2 && strcmp(cc, "31") == 0)
				limit = 11;
			continue;
		}
		if (intl && p + 2 < n && s[p] == '(' && s[p + 1] == '0' && s[p + 2] == ')') {
			p += 3;
			if (p < n && s[p] == ' ')
				p++;
			groups++;
			continue;
		}
		if (strchr(" -./", s[p]) && s[p] && p + 1 < n && is_digit(s[p + 1])) {
			if (digits == limit)
				break;
			p++;
			groups++;
			continue;
		}
		if (s[p] == ' ' && p + 1 < n && s[p + 1] == '(' && intl) {
			p++;
			continue;
		}
		break;
	}
	if (p < n && is_word(s[p]))
		return 0;
	if (!intl) {
		if (digits != 10)
			return 0;
		if (first_group == 2 && s[i + 1] != '6')
			return 0;
	} else if (digits < 8 || digits > limit || (limit == 11 && digits != 11)) {
		return 0;
	}
	return p - i;
}

/* ISO 13616 check: the first four characters moved to the end, letters as 10..35,
 * the whole number mod 97 must be 1. c holds upper-case letters and digits. */
static int iban_valid(const char *c, size_t len)
{
	unsigned mod = 0;

	if (len < 15 || len > 34 || !is_upper(c[0]) || !is_upper(c[1]) || !is_digit(c[2]) ||
	    !is_digit(c[3]))
		return 0;
	for (size_t k = 0; k < len; k++) {
		char ch = c[(k + 4) % len];
		if (is_digit(ch))
			mod = (mod * 10 + (unsigned)(ch - '0')) % 97;
		else if (is_upper(ch))
			mod = (mod * 100 + (unsigned)(ch - 'A' + 10)) % 97;
		else
			return 0;
	}
	return mod == 1;
}

/* An IBAN written whole ("NL91ABNA0417164300") or in groups of four separated by single
 * spaces ("NL91 ABNA 0417 1643 00"); case does not matter. The longest valid prefix
 * ending at a group boundary wins, so words after an IBAN are not swallowed. When the
 * IBAN-shaped text fails the check, *shape gets its length so the caller leaves all of
 * it alone (its digits are an account number that is wrong, not a phone number). */
static size_t match_iban(const unsigned char *s, size_t n, size_t i, size_t *shape)
{
	char c[35];
	size_t ends[35], at_len[35], n_ends = 0, len = 0, p = i, group = 0;

	*shape = 0;
	if (!(i + 4 <= n && is_alpha(s[i]) && is_alpha(s[i + 1]) && is_digit(s[i + 2]) &&
	      is_digit(s[i + 3])))
		return 0;
	while (p < n && len < 35) {
		if (is_alnum(s[p])) {
			if (len == 34)
				break;
			c[len++] = (char)(is_alpha(s[p]) ? s[p] & ~0x20 : s[p]);
			group++;
			p++;
			if (p >= n || !is_alnum(s[p])) {
				ends[n_ends] = p;
				at_len[n_ends++] = len;
			}
			continue;
		}
		/* Only after a full group of four does a space continue the IBAN. */
		if (s[p] == ' ' && p + 1 < n && is_alnum(s[p + 1]) && group == 4) {
			group = 0;
			p++;
			continue;
		}
		break;
	}
	while (n_ends-- > 0) {
		size_t e = ends[n_ends];
		if (e < n && is_word(s[e]))
			continue;
		if (iban_valid(c, at_len[n_ends]))
			return e - i;
		if (!*shape && at_len[n_ends] >= 15)
			*shape = e - i;
	}
	return 0;
}

/* The Dutch 11-check ("elfproef") for a BSN of nine digits. */
static int bsn_valid(const int d[9])
{
	int sum = 0, any = 0;

	for (int k = 0; k < 8; k++) {
		sum += (9 - k) * d[k];
		any |= d[k];
	}
	sum -= d[8];
	return any && sum % 11 == 0;
}

/* Nine digits, optionally grouped by single dots, spaces or dashes ("123456782",
 * "1234.56.782"), that pass the 11-check. */
static size_t match_bsn(const unsigned char *s, size_t n, size_t i)
{
	int d[9];
	size_t p = i, digits = 0;

	while (p < n) {
		if (is_digit(s[p])) {
			if (digits == 9)
				return 0;
			d[digits++] = s[p++] - '0';
			continue;
		}
		if (digits < 9 && strchr(".- ", s[p]) && s[p] && p + 1 < n && is_digit(s[p + 1])) {
			p++;
			continue;
		}
		break;
	}
	if (digits != 9 || (p < n && is_word(s[p])))
		return 0;
	/* "123.456.782.1" is a longer number, not a BSN followed by a digit. */
	if (p + 1 < n && (s[p] == '.' || s[p] == '-') && is_digit(s[p + 1]))
		return 0;
	return bsn_valid(d) ? p - i : 0;
}

/* A Dutch postcode followed by a house number: "1234 AB 12", "1234AB 12a", "1234 AB
 * 12-3". The letters must be capitals so "2020 is 12" stays. */
static size_t match_postcode(const unsigned char *s, size_t n, size_t i)
{
	size_t p = i, k;

	if (i + 4 > n || s[i] == '0')
		return 0;
	for (k = 0; k < 4; k++)
		if (!is_digit(s[i + k]))
			return 0;
	p = i + 4;
	if (p < n && s[p] == ' ')
		p++;
	if (!(p + 2 <= n && is_upper(s[p]) && is_upper(s[p + 1])))
		return 0;
	p += 2;
	if (p < n && s[p] == ',')
		p++;
	if (!(p < n && s[p] == ' '))
		return 0;
	while (p < n && s[p] == ' ')
		p++;
	for (k = 0; p < n && is_digit(s[p]) && k < 5; k++)
		p++;
	if (k == 0 || (p < n && is_digit(s[p])))
		return 0;
	if (p + 1 < n && s[p] == '-' && is_alnum(s[p + 1])) {
		p++;
		for (k = 0; p < n && is_alnum(s[p]) && k < 4; k++)
			p++;
	} else {
		for (k = 0; p < n && is_alpha(s[p]) && k < 2; k++)
			p++;
	}
	if (p < n && is_word(s[p]))
		return 0;
	return p - i;
}

/* ---------------------------------------------------------------- the scan */

static int redact_into(struct core_buf *b, const unsigned char *s, size_t n, int urls)
{
	size_t i = 0, copied = 0;

	while (i < n) {
		int c = s[i], boundary = i == 0 || !is_word(s[i - 1]);
		size_t len = 0, query = 0;
		const char *mark = NULL;

		if (boundary && urls && (c == 'h' || c == 'H' || c == 'w' || c == 'W'))
			len = match_url(s, n, i, &query);
		if (len) {
			if (core_buf_append(b, s + copied, i - copied))
				return CORE_ENOMEM;
			/* Scheme, host and path stay (themselves redacted); the query goes. */
			if (redact_into(b, s + i, query ? query : len, 0))
				return CORE_ENOMEM;
			if (query && core_buf_puts(b, EXP_MARK_QUERY))
				return CORE_ENOMEM;
			i += len;
			copied = i;
			continue;
		}
		if ((i == 0 || !is_local(s[i - 1])) && is_local(c) && (len = match_email(s, n, i))) {
			mark = EXP_MARK_EMAIL;
		} else if (boundary && is_alpha(c)) {
			size_t shape = 0;
			if ((len = match_iban(s, n, i, &shape))) {
				mark = EXP_MARK_IBAN;
			} else if (shape) {
				i += shape; /* copied as it is */
				continue;
			}
		}
		if (!mark && boundary && (c == '+' || c == '0') && (len = match_phone(s, n, i)))
			mark = EXP_MARK_PHONE;
		else if (!mark && boundary && is_digit(c) && (len = match_postcode(s, n, i)))
			mark = EXP_MARK_ADDRESS;
		else if (!mark && boundary && is_digit(c) && (len = match_bsn(s, n, i)))
			mark = EXP_MARK_BSN;
		if (!mark) {
			i++;
			continue;
		}
		if (core_buf_append(b, s + copied, i - copied) || core_buf_puts(b, mark))
			return CORE_ENOMEM;
		i += len;
		copied = i;
	}
	return core_buf_append(b, s + copied, n - copied) ? CORE_ENOMEM : 0;
}

char *exp_redact(const char *s)
{
	struct core_buf b;
	size_t n = s ? strlen(s) : 0;

	/* Every pattern needs a digit, an '@' or a '?': most texts have none of these. */
	if (!s || !s[strcspn(s, "0123456789@?")])
		return core_strdup(s ? s : "");
	/* Markers are at most a few bytes longer than what they replace. */
	core_buf_init(&b, 2 * n + 64);
	if (core_buf_puts(&b, "") || redact_into(&b, (const unsigned char *)(s ? s : ""), n, 1)) {
		core_buf_release(&b);
		return NULL;
	}
	return core_buf_take(&b);
}
