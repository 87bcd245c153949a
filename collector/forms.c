/* forms.c: the pure half of the web-form intake: decoding url-encoded bodies and form
 * tools' JSON into fields, validating them against a form's configuration, the
 * messages shown beside fields, and the HMAC-SHA256 behind signed tokens and request
 * signatures. Bytes and configuration in, a submission or per-field errors out; no I/O. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "collector.h"

#define DEFAULT_MAX_FIELDS 64
#define DEFAULT_MAX_VALUE ((size_t)1 << 20)
#define MAX_ID 200       /* bytes of a tool's submission id */
#define MAX_SHORT 200    /* bytes of group, stance, ambition, lang, author values */
#define MAX_EMAIL 254

/* ---------------------------------------------------------------- fields */

int col_form_fields_add(struct col_form_fields *f, const char *name, size_t nlen,
			const char *value, size_t vlen, struct core_err *err)
{
	size_t max_fields = f->max_fields ? f->max_fields : DEFAULT_MAX_FIELDS;
	size_t max_value = f->max_value ? f->max_value : DEFAULT_MAX_VALUE;
	char shown[48];
	char *n = NULL, *v = NULL;

	snprintf(shown, sizeof(shown), "%.*s", (int)(nlen < 40 ? nlen : 40), name);
	if (!core_utf8_valid(name, nlen))
		return core_err_set(err, CORE_ERUNTIME, "field name is not valid UTF-8 or has a "
				    "NUL byte");
	if (nlen == 0 || nlen > 64)
		return core_err_set(err, CORE_ERUNTIME, "field name '%s' is empty or too long",
				    shown);
	if (f->n >= max_fields)
		return core_err_set(err, CORE_ELIMIT, "more than %zu fields", max_fields);
	if (vlen > max_value)
		return core_err_set(err, CORE_ELIMIT, "field '%s' is longer than %zu bytes", shown,
				    max_value);
	if (!core_utf8_valid(value, vlen))
		return core_err_set(err, CORE_ERUNTIME, "field '%s' is not valid UTF-8 or has a "
				    "NUL byte", shown);
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct col_form_field *nv = realloc(f->v, cap * sizeof(*nv));
		if (!nv)
			return core_err_set(err, CORE_ENOMEM, "out of memory");
		f->v = nv;
		f->cap = cap;
	}
	if (!(n = core_strndup(name, nlen)) || !(v = core_strndup(value, vlen))) {
		free(n);
		return core_err_set(err, CORE_ENOMEM, "out of memory");
	}
	f->v[f->n].name = n;
	f->v[f->n].value = v;
	f->n++;
	return 0;
}

const char *col_form_fields_get(const struct col_form_fields *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return f->v[i].value;
	return NULL;
}

void col_form_fields_release(struct col_form_fields *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].name);
		free(f->v[i].value);
	}
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes s[0..n) into out (at least n bytes); returns the decoded length or -1. */
static long pct_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n || (h = hexval((unsigned char)s[i + 1])) < 0 ||
			    (l = hexval((unsigned char)s[i + 2])) < 0)
				return -1;
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return (long)o;
}

int col_form_urldecode(const char *body, size_t len, struct col_form_fields *f,
		       struct core_err *err)
{
	char *buf = malloc(len + 1);
	size_t pos = 0;
	int rc = 0;

	if (!buf)
		return core_err_set(err, CORE_ENOMEM, "out of memory");
	while (pos < len) {
		const char *pair = body + pos, *amp = memchr(pair, '&', len - pos), *eq;
		size_t plen = amp ? (size_t)(amp - pair) : len - pos;
		long nl, vl;

		pos += plen + 1;
		if (plen == 0)
			continue;
		eq = memchr(pair, '=', plen);
		nl = pct_decode(pair, eq ? (size_t)(eq - pair) : plen, buf);
		if (nl < 0) {
			rc = core_err_set(err, CORE_ERUNTIME, "bad %%-escape in a field name");
			goto out;
		}
		/* The value is decoded behind the name in the same buffer: both fit in len. */
		vl = eq ? pct_decode(eq + 1, plen - (size_t)(eq + 1 - pair), buf + nl) : 0;
		if (vl < 0) {
			rc = core_err_set(err, CORE_ERUNTIME, "bad %%-escape in field '%.*s'",
					  (int)(nl < 40 ? nl : 40), buf);
			goto out;
		}
		if ((rc = col_form_fields_add(f, buf, (size_t)nl, buf + nl, (size_t)vl, err)))
			goto out;
	}
out:
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------- JSON mapping */

static const char *mapped_path(const struct core_form *form, const char *role)
{
	for (size_t i = 0; i < form->n_api_mapping; i++)
		if (!strcmp(form->api_mapping[i].name, role))
			return form->api_mapping[i].value;
	return NULL;
}

/* Follows a dotted path ("answers.reactie", "answers.0"); NULL when absent. */
static json_t *json_path(json_t *root, const char *path)
{
	char seg[256];
	json_t *cur = root;

	while (cur && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(seg))
			return NULL;
		memcpy(seg, path, n);
		seg[n] = 0;
		if (json_is_object(cur)) {
			cur = json_object_get(cur, seg);
		} else if (json_is_array(cur) && n && strspn(seg, "0123456789") == n && n < 9) {
			cur = json_array_get(cur, (size_t)atol(seg));
		} else {
			return NULL;
		}
		path = dot ? dot + 1 : path + n;
	}
	return cur;
}

/* Scalar JSON to text into buf; NULL for null; -1 (via *bad) for objects. */
static const char *json_text(json_t *v, char buf[64], size_t *len, int *bad)
{
	*bad = 0;
	switch (json_typeof(v)) {
	case JSON_STRING: *len = json_string_length(v); return json_string_value(v);
	case JSON_INTEGER:
		*len = (size_t)snprintf(buf, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL: *len = (size_t)snprintf(buf, 64, "%.17g", json_real_value(v)); return buf;
	case JSON_TRUE: *len = 4; return "true";
	case JSON_FALSE: *len = 5; return "false";
	case JSON_NULL: return NULL;
	default: *bad = 1; return NULL;
	}
}

static int map_role(json_t *root, const char *role, const char *path, const char *field,
		    struct col_form_fields *f, struct core_err *err)
{
	json_t *v = json_path(root, path), *e;
	char buf[64];
	size_t len, i;
	int bad;
	const char *s;

	if (!v)
		return 0;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (!(s = json_text(e, buf, &len, &bad))) {
				if (bad)
					return core_err_set(err, CORE_ERUNTIME, "%s ('%s'): a list may "
							    "hold only strings and numbers", role,
							    path);
				continue;
			}
			if (col_form_fields_add(f, field, strlen(field), s, len, err))
				return core_err_prefix(err, "%s ('%s')", role, path);
		}
		return 0;
	}
	if (!(s = json_text(v, buf, &len, &bad))) {
		if (bad)
			return core_err_set(err, CORE_ERUNTIME, "%s ('%s'): must be a string, "
					    "number, boolean or list, not an object", role, path);
		return 0;
	}
	if (col_form_fields_add(f, field, strlen(field), s, len, err))
		return core_err_prefix(err, "%s ('%s')", role, path);
	return 0;
}

int col_form_map_json(const struct core_form *form, const char *body, size_t len,
		      struct col_form_fields *f, char **submission_id, struct core_err *err)
{
	/* role, the field it becomes, its default path */
	const char *roles[][3] = {
		{"text", form->text_field, form->text_field},
		{"ambition", form->ambition_field ? form->ambition_field : "ambition",
		 form->ambition_field ? form->ambition_field : "ambition"},
		{"stance", form->stance_field ? form->stance_field : "stance",
		 form->stance_field ? form->stance_field : "stance"},
		{"group", form->group_field ? form->group_field : "group",
		 form->group_field ? form->group_field : "group"},
		{"email", COL_FORM_EMAIL, "email"},
		{"consent", COL_FORM_CONSENT, "consent"},
		{"lang", "lang", "lang"},
		{"time", "_time", "time"},
		{"author", "_author", "author"},
	};
	json_error_t jerr;
	json_t *root = NULL, *idv;
	int rc = 0;

	*submission_id = NULL;
	if (!core_utf8_valid(body, len)) {
		rc = core_err_set(err, CORE_ERUNTIME, "body is not valid UTF-8 or has a NUL byte");
		goto out;
	}
	if (!(root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr))) {
		rc = core_err_set(err, CORE_ERUNTIME, "not JSON: %s at line %d column %d",
				  jerr.text, jerr.line, jerr.column);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = core_err_set(err, CORE_ERUNTIME, "a submission must be a JSON object");
		goto out;
	}
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		const char *path = mapped_path(form, roles[i][0]);
		if ((rc = map_role(root, roles[i][0], path ? path : roles[i][2], roles[i][1], f,
				   err)))
			goto out;
	}
	{
		const char *path = mapped_path(form, "id");
		char buf[64];
		size_t n = 0;
		int bad;
		const char *s;
		if ((idv = json_path(root, path ? path : "id")) &&
		    (s = json_text(idv, buf, &n, &bad)) && n) {
			if (n > MAX_ID || strpbrk(s, "\r\n\t")) {
				rc = core_err_set(err, CORE_ERUNTIME, "id: longer than %d bytes or "
						  "has control characters", MAX_ID);
				goto out;
			}
			if (!(*submission_id = core_strndup(s, n))) {
				rc = core_err_set(err, CORE_ENOMEM, "out of memory");
				goto out;
			}
		} else if (idv && !json_is_null(idv) && !(json_is_string(idv))) {
			rc = core_err_set(err, CORE_ERUNTIME, "id: must be a string or a number");
			goto out;
		}
	}
out:
	json_decref(root);
	return rc;
}

/* ---------------------------------------------------------------- validation */

static void add_error(struct col_submission *sub, const char *field, const char *code)
{
	for (size_t i = 0; i < sub->n_errors; i++)
		if (!strcmp(sub->errors[i].field, field))
			return; /* one message per field: the first problem */
	if (sub->n_errors >= COL_FORM_MAX_ERRORS)
		return;
	snprintf(sub->errors[sub->n_errors].field, sizeof(sub->errors[0].field), "%s", field);
	sub->errors[sub->n_errors].code = code;
	sub->n_errors++;
}

static size_t count(const struct col_form_fields *f, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += !strcmp(f->v[i].name, name);
	return n;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Copy of s without leading and trailing white space; NULL on no memory. */
static char *trimmed(const char *s)
{
	size_t n;
	while (*s && isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return core_strndup(s, n);
}

static int truthy(const char *v)
{
	static const char *const yes[] = {"on", "yes", "true", "1", "ja", NULL};
	for (int i = 0; yes[i]; i++)
		if (!strcasecmp(v, yes[i]))
			return 1;
	return 0;
}

static int email_ok(const char *e)
{
	const char *at = strchr(e, '@'), *dot;
	size_t n = strlen(e);
	if (!at || at == e || strchr(at + 1, '@') || n > MAX_EMAIL)
		return 0;
	for (const char *p = e; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>()[],;:\\\"", *p))
			return 0;
	dot = strrchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1];
}

static int lang_ok(const char *l)
{
	size_t n = strlen(l);
	if (n < 2 || n > 3)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)l[i]))
			return 0;
	return 1;
}

/* Is name a field this form takes? System fields are always allowed. */
static int known_field(const struct core_form *form, const char *name)
{
	const char *system[] = {COL_FORM_TOKEN, COL_FORM_HONEYPOT, "lang", "_time", "_author"};
	const char *own[] = {form->text_field, form->ambition_field, form->stance_field,
			     form->group_field, COL_FORM_EMAIL, COL_FORM_CONSENT};
	for (size_t i = 0; i < sizeof(system) / sizeof(system[0]); i++)
		if (!strcmp(name, system[i]))
			return 1;
	if (form->fields.n)
		return core_strlist_contains(&form->fields, name) ||
		       (!strcmp(name, COL_FORM_CONSENT) &&
			core_strlist_contains(&form->fields, COL_FORM_EMAIL));
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (own[i] && !strcmp(name, own[i]))
			return 1;
	return 0;
}

static int fingerprint(struct col_submission *sub)
{
	struct core_item *it = &sub->item;
	struct core_buf b;
	uint64_t h;

	core_buf_init(&b, 0);
	/* Fields joined by \x1f (never in valid input's short fields; text may hold it, but a
	 * collision then needs the same other fields too). */
	if (core_buf_printf(&b, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f", it->text,
			    it->lang ? it->lang : "", it->group ? it->group : "",
			    core_stance_name(it->declared_stance), it->email ? it->email : "",
			    it->author ? it->author : "",
			    it->published_at ? it->published_at : ""))
		goto fail;
	for (size_t i = 0; i < it->declared_ambitions.n; i++)
		if (core_buf_printf(&b, "%s,", it->declared_ambitions.v[i]))
			goto fail;
	h = core_hash64(b.data, b.len, 0x696e737072616b);
	snprintf(sub->request_hash, sizeof(sub->request_hash), "%016llx", (unsigned long long)h);
	core_buf_release(&b);
	return 0;
fail:
	core_buf_release(&b);
	return CORE_ENOMEM;
}

int col_form_validate(const struct core_config *cfg, const struct core_form *form,
		      const struct col_form_fields *f, const char *lang,
		      struct col_submission *sub, struct core_err *err)
{
	struct core_item *it = &sub->item;
	const char *v;
	const char *single[] = {form->text_field, form->stance_field, form->group_field,
				COL_FORM_EMAIL, COL_FORM_CONSENT, "lang", "_time", "_author",
				COL_FORM_TOKEN, COL_FORM_HONEYPOT};
	int general = 0;

	memset(sub, 0, sizeof(*sub));
	for (size_t i = 0; i < f->n; i++)
		if (!known_field(form, f->v[i].name))
			add_error(sub, f->v[i].name, "unknown_field");
	for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++)
		if (single[i] && count(f, single[i]) > 1)
			add_error(sub, single[i], "repeated");
	v = col_form_fields_get(f, COL_FORM_HONEYPOT);
	sub->honeypot = v && *v;

	/* text */
	v = col_form_fields_get(f, form->text_field);
	if (!(it->text = trimmed(v ? v : "")))
		goto nomem;
	if (!it->text[0])
		add_error(sub, form->text_field, "required");
	else if (utf8_chars(it->text) > form->max_text)
		add_error(sub, form->text_field, "too_long");

	/* ambitions: codes of the vision, or "general" alone */
	if (form->ambition_field) {
		for (size_t i = 0; i < f->n; i++) {
			const struct core_ambition *a;
			if (strcmp(f->v[i].name, form->ambition_field))
				continue;
			v = f->v[i].value;
			if (!*v)
				continue;
			if (!strcasecmp(v, COL_FORM_GENERAL) || !strcasecmp(v, "algemeen")) {
				general = 1;
			} else if (strlen(v) > MAX_SHORT || !(a = core_config_ambition(cfg, v))) {
				add_error(sub, form->ambition_field, "unknown_value");
			} else if (!core_strlist_contains(&it->declared_ambitions, a->code) &&
				   core_strlist_push(&it->declared_ambitions, a->code)) {
				goto nomem;
			}
		}
		if (general && it->declared_ambitions.n)
			add_error(sub, form->ambition_field, "general_alone");
	}

	/* stance */
	if (form->stance_field && (v = col_form_fields_get(f, form->stance_field)) && *v) {
		it->declared_stance = strlen(v) > MAX_SHORT ? CORE_STANCE_NONE : core_stance_parse(v);
		if (it->declared_stance == CORE_STANCE_NONE)
			add_error(sub, form->stance_field, "unknown_value");
	}

	/* respondent group */
	if (form->group_field && (v = col_form_fields_get(f, form->group_field)) && *v) {
		if (strlen(v) > MAX_SHORT ||
		    (form->groups.n && !core_strlist_contains(&form->groups, v)))
			add_error(sub, form->group_field, "unknown_value");
		else if (!(it->group = core_strdup(v)))
			goto nomem;
	}

	/* e-mail, kept only with consent */
	v = col_form_fields_get(f, COL_FORM_CONSENT);
	sub->consent = v && truthy(v);
	if ((v = col_form_fields_get(f, COL_FORM_EMAIL)) && *v) {
		char *e = trimmed(v);
		if (!e)
			goto nomem;
		if (!email_ok(e))
			add_error(sub, COL_FORM_EMAIL, "invalid_email");
		else if (!sub->consent)
			add_error(sub, COL_FORM_CONSENT, "consent_needed");
		if (sub->consent && email_ok(e))
			it->email = e;
		else
			free(e);
	}

	/* language: the submission's own, else the page's, else the form's */
	v = col_form_fields_get(f, "lang");
	if (v && *v && !lang_ok(v))
		add_error(sub, "lang", "unknown_value");
	if (!(it->lang = core_strdup(v && *v ? v : lang && lang_ok(lang) ? lang : form->lang)))
		goto nomem;

	/* from form tools only */
	if ((v = col_form_fields_get(f, "_author")) && *v) {
		if (strlen(v) > MAX_SHORT)
			add_error(sub, "_author", "too_long");
		else if (!(it->author = core_strdup(v)))
			goto nomem;
	}
	if ((v = col_form_fields_get(f, "_time")) && *v) {
		time_t t;
		char iso[21];
		if (strlen(v) > 64 || core_time_parse(v, &t))
			add_error(sub, "_time", "invalid_time");
		else {
			core_time_format(t, iso);
			if (!(it->published_at = core_strdup(iso)))
				goto nomem;
		}
	}
	if (!sub->n_errors && fingerprint(sub))
		goto nomem;
	if (sub->n_errors) {
		int honeypot = sub->honeypot, consent = sub->consent;
		core_item_release(it);
		sub->honeypot = honeypot;
		sub->consent = consent;
	}
	return 0;
nomem:
	core_item_release(it);
	return core_err_set(err, CORE_ENOMEM, "out of memory");
}

void col_submission_release(struct col_submission *sub)
{
	core_item_release(&sub->item);
	sub->n_errors = 0;
}

const char *col_form_message(const char *code, const char *lang)
{
	static const char *const msgs[][3] = {
		{"required", "Dit veld is verplicht.", "This field is required."},
		{"too_long", "Deze tekst is te lang.", "This text is too long."},
		{"unknown_value", "Kies een van de mogelijkheden.", "Choose one of the options."},
		{"unknown_field", "Dit formulier kent dit veld niet.",
		 "This form has no such field."},
		{"repeated", "Dit veld komt meer dan eens voor.", "This field occurs more than once."},
		{"general_alone", "Kies ambities of 'algemeen', niet allebei.",
		 "Choose ambitions or 'general', not both."},
		{"invalid_email", "Dit is geen geldig e-mailadres.",
		 "This is not a valid e-mail address."},
		{"consent_needed", "Geef toestemming om uw e-mailadres te bewaren, of laat het "
				   "adres leeg.",
		 "Give consent to keep your e-mail address, or leave it empty."},
		{"invalid_time", "Dit is geen geldige datum en tijd.", "This is not a valid time."},
		{"token", "Het formulier is verlopen of te snel verstuurd. Verstuur het opnieuw.",
		 "The form expired or was sent too quickly. Please send it again."},
	};
	int en = lang && !strcmp(lang, "en");
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (!strcmp(msgs[i][0], code))
			return msgs[i][en ? 2 : 1];
	return en ? "This value is not accepted." : "Deze waarde wordt niet geaccepteerd.";
}

/* ---------------------------------------------------------------- SHA-256, HMAC */

struct sha256 {
	uint32_t h[8];
	unsigned char block[64];
	size_t fill;
	uint64_t bytes;
};

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(struct sha256 *c, const unsigned char *p)
{
	uint32_t w[64], a, b, cc, d, e, f, g, h;
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
	e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) +
			      sha_k[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc));
		h = g, g = f, f = e, e = d + t1, d = cc, cc = b, b = a, a = t1 + t2;
	}
	c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d;
	c->h[4] += e, c->h[5] += f, c->h[6] += g, c->h[7] += h;
}

static void sha_init(struct sha256 *c)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, iv, sizeof(iv));
	c->fill = 0;
	c->bytes = 0;
}

static void sha_update(struct sha256 *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	c->bytes += len;
	while (len) {
		size_t take = 64 - c->fill < len ? 64 - c->fill : len;
		memcpy(c->block + c->fill, p, take);
		c->fill += take, p += take, len -= take;
		if (c->fill == 64) {
			sha_block(c, c->block);
			c->fill = 0;
		}
	}
}

static void sha_final(struct sha256 *c, unsigned char out[32])
{
	uint64_t bits = c->bytes * 8;
	unsigned char pad = 0x80, zero = 0, len[8];
	sha_update(c, &pad, 1);
	while (c->fill != 56)
		sha_update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha_update(c, len, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

void col_sha256(const void *data, size_t len, unsigned char out[32])
{
	struct sha256 c;
	sha_init(&c);
	sha_update(&c, data, len);
	sha_final(&c, out);
}

void col_hmac_sha256(const void *key, size_t klen, const void *data, size_t len,
		     unsigned char out[32])
{
	unsigned char k[64] = {0}, pad[64], inner[32];
	struct sha256 c;

	if (klen > 64)
		col_sha256(key, klen, k);
	else
		memcpy(k, key, klen);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha_init(&c);
	sha_update(&c, pad, 64);
	sha_update(&c, data, len);
	sha_final(&c, inner);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha_init(&c);
	sha_update(&c, pad, 64);
	sha_update(&c, inner, 32);
	sha_final(&c, out);
}

static void to_hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

/* Compares two equally long strings without an early exit. */
static int ct_equal(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(tolower((unsigned char)a[i]) ^ b[i]);
	return d == 0;
}

int col_hmac_check(const char *key, const void *data, size_t len, const char *sig)
{
	unsigned char mac[32];
	char hex[65];

	if (!key || !sig)
		return -1;
	if (!strncasecmp(sig, "sha256=", 7))
		sig += 7;
	if (strlen(sig) != 64)
		return -1;
	col_hmac_sha256(key, strlen(key), data, len, mac);
	to_hex(mac, 32, hex);
	return ct_equal(sig, hex, 64) ? 0 : -1;
}

static void token_mac(const char *secret, const char *form, long long t, const char *nonce,
		      char hex[65])
{
	unsigned char mac[32];
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "%s\n%lld\n%s", form, t, nonce);
	col_hmac_sha256(secret, strlen(secret), msg, n < (int)sizeof(msg) ? (size_t)n :
			sizeof(msg) - 1, mac);
	to_hex(mac, 32, hex);
}

void col_form_token_make(const char *secret, const char *form, time_t now,
			 const char nonce[17], char out[COL_TOKEN_MAX])
{
	char hex[65];
	token_mac(secret, form, (long long)now, nonce, hex);
	snprintf(out, COL_TOKEN_MAX, "%lld.%.16s.%s", (long long)now, nonce, hex);
}

int col_form_token_check(const char *secret, const char *form, const char *token,
			 time_t now, long min_fill, long max_age, char nonce_out[17])
{
	char nonce[17], hex[65];
	const char *d1, *d2;
	long long t;
	char *end;

	if (!token || !(d1 = strchr(token, '.')) || !(d2 = strchr(d1 + 1, '.')) ||
	    d2 - d1 - 1 != 16 || strlen(d2 + 1) != 64 || d1 == token || d1 - token > 20)
		return -1;
	t = strtoll(token, &end, 10);
	if (end != d1)
		return -1;
	memcpy(nonce, d1 + 1, 16);
	nonce[16] = 0;
	if (strspn(nonce, "0123456789abcdef") != 16)
		return -1;
	token_mac(secret, form, t, nonce, hex);
	if (!ct_equal(d2 + 1, hex, 64))
		return -1;
	memcpy(nonce_out, nonce, 17);
	if ((long long)now - t < min_fill)
		return -2;
	if ((long long)now - t > max_age)
		return -3;
	return 0;
}
