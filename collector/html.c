/* html.c: HTML (fragments or documents) to plain UTF-8 text with libxml2's HTML parser,
 * never touching the network. The same walker turns Atom xhtml content and escaped
 * feed HTML into text: scripts and styles dropped, blocks become line breaks, at most
 * one blank line in a row, whitespace collapsed and trimmed. */
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "collector.h"
#include "internal.h"

enum brk { BRK_NONE, BRK_CELL, BRK_LINE, BRK_PARA, BRK_DROP, BRK_BR };

struct tag_rule {
	const char *name;
	enum brk brk;
};

/* Sorted by name for bsearch. */
static const struct tag_rule tag_rules[] = {
	{"address", BRK_PARA},	{"article", BRK_PARA},	  {"aside", BRK_PARA},
	{"blockquote", BRK_PARA}, {"br", BRK_BR},	  {"button", BRK_DROP},
	{"caption", BRK_LINE},	{"center", BRK_LINE},	  {"dd", BRK_LINE},
	{"details", BRK_LINE},	{"div", BRK_LINE},	  {"dl", BRK_PARA},
	{"dt", BRK_LINE},	{"embed", BRK_DROP},	  {"fieldset", BRK_PARA},
	{"figcaption", BRK_LINE}, {"figure", BRK_PARA},	  {"footer", BRK_PARA},
	{"form", BRK_PARA},	{"h1", BRK_PARA},	  {"h2", BRK_PARA},
	{"h3", BRK_PARA},	{"h4", BRK_PARA},	  {"h5", BRK_PARA},
	{"h6", BRK_PARA},	{"head", BRK_DROP},	  {"header", BRK_PARA},
	{"hr", BRK_PARA},	{"iframe", BRK_DROP},	  {"li", BRK_LINE},
	{"main", BRK_PARA},	{"math", BRK_DROP},	  {"nav", BRK_PARA},
	{"noscript", BRK_DROP}, {"object", BRK_DROP},	  {"ol", BRK_PARA},
	{"p", BRK_PARA},	{"pre", BRK_PARA},	  {"script", BRK_DROP},
	{"section", BRK_PARA},	{"select", BRK_DROP},	  {"style", BRK_DROP},
	{"summary", BRK_LINE},	{"svg", BRK_DROP},	  {"table", BRK_PARA},
	{"td", BRK_CELL},	{"template", BRK_DROP},	  {"textarea", BRK_DROP},
	{"th", BRK_CELL},	{"title", BRK_DROP},	  {"tr", BRK_LINE},
	{"ul", BRK_PARA},
};

static int rule_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tag_rule *)elem)->name);
}

/* low: a lower-case element name. */
static enum brk name_brk(const char *low)
{
	const struct tag_rule *r = bsearch(low, tag_rules, sizeof tag_rules / sizeof tag_rules[0],
					   sizeof tag_rules[0], rule_cmp);
	return r ? r->brk : BRK_NONE;
}

static enum brk tag_brk(const xmlNode *n)
{
	char low[16];
	size_t i;

	if (!n->name)
		return BRK_NONE;
	/* XML trees keep the case as written; HTML trees are lower case already. */
	for (i = 0; n->name[i] && i + 1 < sizeof low; i++) {
		char c = (char)n->name[i];
		low[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	if (n->name[i])
		return BRK_NONE;
	low[i] = '\0';
	return name_brk(low);
}

void col_text_init(struct col_text *t, size_t max)
{
	memset(t, 0, sizeof *t);
	core_buf_init(&t->buf, max);
}

void col_text_release(struct col_text *t)
{
	core_buf_release(&t->buf);
	memset(t, 0, sizeof *t);
}

char *col_text_finish(struct col_text *t)
{
	char *s = core_buf_take(&t->buf);

	if (s && !core_utf8_valid(s, strlen(s))) {
		char *clean = core_utf8_sanitize(s, strlen(s));
		free(s);
		s = clean;
	}
	col_text_release(t);
	return s;
}

static void want_break(struct col_text *t, int lines)
{
	if (t->pending_nl < lines)
		t->pending_nl = lines;
}

static int text_cap(struct col_text *t, struct core_err *err)
{
	return core_err_set(err, CORE_ELIMIT, "text exceeds %zu bytes", t->buf.max);
}

/* Appends a run of visible bytes, first paying the owed break or space. */
static int put_run(struct col_text *t, const char *s, size_t n, struct core_err *err)
{
	if (n == 0)
		return 0;
	if (t->buf.len > 0) {
		if (t->pending_nl) {
			if (core_buf_append(&t->buf, "\n\n", t->pending_nl > 1 ? 2 : 1) < 0)
				return text_cap(t, err);
		} else if (t->pending_space) {
			if (core_buf_append(&t->buf, " ", 1) < 0)
				return text_cap(t, err);
		}
	}
	t->pending_nl = 0;
	t->pending_space = 0;
	if (core_buf_append(&t->buf, s, n) < 0)
		return text_cap(t, err);
	return 0;
}

/* Bytes that may start a character put_text collapses (no-break space is C2 A0). */
static const unsigned char maybe_space[256] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1, [0xC2] = 1,
};

/* Whether s starts with a character put_text collapses. */
static int is_space_at(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];

	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
	       (c == 0xC2 && n > 1 && (unsigned char)s[1] == 0xA0);
}

/* Text content: whitespace (and no-break spaces, which feeds use for layout) collapses;
 * newlines are hard only when asked (plain text, <pre>). */
static int put_text(struct col_text *t, const char *s, size_t n, int hard_nl, struct core_err *err)
{
	size_t i = 0, start = 0;
	int rc;

	while (i < n) {
		/* skip over what cannot be whitespace in one tight loop */
		while (i < n && !maybe_space[(unsigned char)s[i]])
			i++;
		if (i == n)
			break;
		unsigned char c = (unsigned char)s[i];
		size_t ws = 0;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
			ws = 1;
		else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0)
			ws = 2;
		/* One space between two words comes out as it went in: keep it in the run
		 * (most text is that) instead of owing it. */
		if (c == ' ' && i > start && i + 1 < n && !is_space_at(s + i + 1, n - i - 1))
			ws = 0;
		if (!ws) {
			i++;
			continue;
		}
		if ((rc = put_run(t, s + start, i - start, err)) < 0)
			return rc;
		if (hard_nl && c == '\n') {
			if (t->pending_nl < 2)
				t->pending_nl++;
		} else if (hard_nl && c == '\r') {
			if (!(i + 1 < n && s[i + 1] == '\n') && t->pending_nl < 2)
				t->pending_nl++;
		} else {
			t->pending_space = 1;
		}
		i += ws;
		start = i;
	}
	return put_run(t, s + start, n - start, err);
}

int col_text_plain(struct col_text *t, const char *s, size_t n, struct core_err *err)
{
	return put_text(t, s, n, 1, err);
}

/* Code point cp as UTF-8 into u; returns the byte count. */
static size_t utf8_put(unsigned int cp, char u[4])
{
	if (cp < 0x80) {
		u[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	u[0] = (char)(0xF0 | (cp >> 18));
	u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	u[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t col_entity_utf8(const char *name, char u[4])
{
	const htmlEntityDesc *e = name ? htmlEntityLookup(BAD_CAST name) : NULL;

	return e ? utf8_put(e->value, u) : 0;
}

/* An entity reference left in an XML tree: map well-known HTML names (RSS 0.91 feeds
 * use &nbsp; &eacute; from a DTD we never load) to their character, by name only, so
 * nothing is ever expanded. */
static int put_entity_ref(struct col_text *t, const xmlNode *n, struct core_err *err)
{
	char u[4];
	size_t len = col_entity_utf8((const char *)n->name, u);

	return len ? put_text(t, u, len, 0, err) : 0;
}

/* An element's start: 1 to go on into its content, 0 to skip it. */
static int el_enter(struct col_text *t, enum brk brk, int is_pre)
{
	switch (brk) {
	case BRK_DROP:
		return 0;
	case BRK_BR:
		if (t->pending_nl < 2)
			t->pending_nl++;
		return 0;
	case BRK_CELL:
		t->pending_space = 1;
		break;
	case BRK_LINE:
		want_break(t, 1);
		break;
	case BRK_PARA:
		want_break(t, 2);
		if (is_pre)
			t->pre++;
		break;
	case BRK_NONE:
		break;
	}
	return 1;
}

static void el_leave(struct col_text *t, enum brk brk, int is_pre)
{
	switch (brk) {
	case BRK_CELL:
		t->pending_space = 1;
		break;
	case BRK_LINE:
		want_break(t, 1);
		break;
	case BRK_PARA:
		want_break(t, 2);
		if (t->pre > 0 && is_pre)
			t->pre--;
		break;
	default:
		break;
	}
}

/* Visits n on the way down; returns 1 to descend into its children, 0 to skip them,
 * negative on error. */
static int enter(struct col_text *t, const xmlNode *n, int xml_refs, struct core_err *err)
{
	switch (n->type) {
	case XML_DOCUMENT_NODE:
	case XML_HTML_DOCUMENT_NODE:
	case XML_DOCUMENT_FRAG_NODE:
		return 1;
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (!n->content)
			return 0;
		return put_text(t, (const char *)n->content, strlen((const char *)n->content),
				t->pre, err);
	case XML_ENTITY_REF_NODE:
		return xml_refs ? put_entity_ref(t, n, err) : 0;
	case XML_ELEMENT_NODE:
		break;
	default: /* comments, processing instructions, DTDs (their children are declarations) */
		return 0;
	}
	enum brk brk = tag_brk(n);
	return el_enter(t, brk, brk == BRK_PARA && xmlStrcasecmp(n->name, BAD_CAST "pre") == 0);
}

static void leave(struct col_text *t, const xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE)
		return;
	enum brk brk = tag_brk(n);
	el_leave(t, brk, brk == BRK_PARA && xmlStrcasecmp(n->name, BAD_CAST "pre") == 0);
}

int col_text_walk(struct col_text *t, const void *node, int xml_refs, struct core_err *err)
{
	const xmlNode *root = node, *cur = node;

	while (cur) {
		int rc = enter(t, cur, xml_refs, err);
		if (rc < 0)
			return rc;
		if (rc > 0 && cur->children) {
			cur = cur->children;
			continue;
		}
		if (rc > 0)
			leave(t, cur);
		/* Climb until a next sibling exists; every parent passed was entered. */
		for (;;) {
			if (cur == root)
				return 0;
			if (cur->next) {
				cur = cur->next;
				break;
			}
			cur = cur->parent;
			if (!cur)
				return 0;
			leave(t, cur);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- fast path */

/* Most feed HTML is a few paragraphs with links, emphasis and entities. For that
 * subset the text is worked out here in one pass, the way libxml2's HTML parser would
 * build the tree the walker above reads: the <p> it implies around leading text, its
 * entity decoding. Anything outside the subset
 * (comments, scripts, tables, unknown entities, odd syntax, a tag libxml2 would close
 * on its own) gives up before any output is final, and the full parser runs instead.
 * tests/unit/test_feed.c and fuzz_html compare the two on many inputs. */

enum fast_kind {
	FK_INLINE, /* phrase elements: anywhere, never hold a block */
	FK_VOID,   /* br, img */
	FK_BLOCK,  /* p, headings: where blocks may start; hold inline content */
	FK_HOLDER, /* div, blockquote, li (FK_ITEM): hold blocks too */
	FK_ITEM,
	FK_LIST, /* ul, ol: hold only li */
};

struct fast_tag {
	const char *name;
	enum fast_kind kind;
};

/* Sorted by name for bsearch. */
static const struct fast_tag fast_tags[] = {
	{"a", FK_INLINE},     {"abbr", FK_INLINE},  {"b", FK_INLINE},    {"blockquote", FK_HOLDER},
	{"br", FK_VOID},      {"cite", FK_INLINE},  {"code", FK_INLINE}, {"div", FK_HOLDER},
	{"em", FK_INLINE},    {"h1", FK_BLOCK},	    {"h2", FK_BLOCK},	 {"h3", FK_BLOCK},
	{"h4", FK_BLOCK},     {"h5", FK_BLOCK},	    {"h6", FK_BLOCK},	 {"i", FK_INLINE},
	{"img", FK_VOID},     {"li", FK_ITEM},	    {"ol", FK_LIST},	 {"p", FK_BLOCK},
	{"q", FK_INLINE},     {"s", FK_INLINE},	    {"small", FK_INLINE}, {"span", FK_INLINE},
	{"strong", FK_INLINE}, {"sub", FK_INLINE},  {"sup", FK_INLINE},	 {"u", FK_INLINE},
	{"ul", FK_LIST},
};

static const struct fast_tag fast_body = {"body", FK_HOLDER};

static int fast_tag_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct fast_tag *)elem)->name);
}

#define FAST_DEPTH 32

struct fast {
	struct col_text *t;
	const struct fast_tag *st[FAST_DEPTH];
	int depth;   /* st[0] is the implied <body> */
	int started; /* an element exists (libxml2 has implied <html><body>) */
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/* Opens an element (tag NULL: the <p> libxml2 implies around leading text). Returns 0
 * to give up. */
static int fast_open(struct fast *f, const struct fast_tag *tag)
{
	f->started = 1;
	if (tag->kind == FK_VOID) {
		enum brk brk = name_brk(tag->name);
		if (el_enter(f->t, brk, 0))
			el_leave(f->t, brk, 0);
		return 1;
	}
	if (f->depth + 1 >= FAST_DEPTH)
		return 0;
	el_enter(f->t, name_brk(tag->name), 0);
	f->depth++;
	f->st[f->depth] = tag;
	return 1;
}

/* Character data s[0..n) as libxml2 delivers it, implying <p> before any element. */
static int fast_chars(struct fast *f, const char *s, size_t n, struct core_err *err)
{
	if (!f->started) {
		const struct fast_tag *p = bsearch("p", fast_tags,
						   sizeof fast_tags / sizeof fast_tags[0],
						   sizeof fast_tags[0], fast_tag_cmp);
		fast_open(f, p);
	}
	return put_text(f->t, s, n, 0, err);
}

/* Whether libxml2 would nest tag inside the current element as written, without
 * closing anything on its own. */
static int fast_nests(const struct fast *f, const struct fast_tag *tag)
{
	const struct fast_tag *top = f->st[f->depth];

	switch (tag->kind) {
	case FK_INLINE:
		if (strcmp(tag->name, "a") == 0)
			for (int d = 1; d <= f->depth; d++)
				if (strcmp(f->st[d]->name, "a") == 0)
					return 0;
		return top->kind != FK_LIST;
	case FK_VOID:
		return top->kind != FK_LIST;
	case FK_ITEM:
		return top->kind == FK_LIST;
	default: /* blocks, holders, lists */
		return top->kind == FK_HOLDER || top->kind == FK_ITEM;
	}
}

/* The tag at s (s[0] == '<'); *used gets its length. 1 done, 0 give up. */
static int fast_tag(struct fast *f, const char *s, size_t n, size_t *used)
{
	char low[12];
	size_t i = 1, k = 0;
	int end = 0;

	if (i < n && s[i] == '/') {
		end = 1;
		i++;
	}
	if (i >= n || !is_alpha(s[i]))
		return 0;
	while (i < n && is_alnum(s[i])) {
		if (k + 1 >= sizeof low)
			return 0;
		low[k++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
		i++;
	}
	low[k] = '\0';
	const struct fast_tag *tag = bsearch(low, fast_tags, sizeof fast_tags / sizeof fast_tags[0],
					     sizeof fast_tags[0], fast_tag_cmp);
	if (!tag)
		return 0;
	if (end) {
		if (i >= n || s[i] != '>' || f->depth == 0 || f->st[f->depth] != tag)
			return 0;
		el_leave(f->t, name_brk(tag->name), 0);
		f->depth--;
		*used = i + 1;
		return 1;
	}
	/* attributes: name, or name="value" / name='value', each after a blank */
	for (;;) {
		if (i >= n)
			return 0;
		if (s[i] == '>') {
			i++;
			break;
		}
		if (s[i] == '/' && i + 1 < n && s[i + 1] == '>' && tag->kind == FK_VOID) {
			i += 2;
			break;
		}
		if (!is_blank(s[i]))
			return 0;
		while (i < n && is_blank(s[i]))
			i++;
		if (i < n && (s[i] == '>' || s[i] == '/'))
			continue;
		if (i >= n || !is_alpha(s[i]))
			return 0;
		while (i < n && (is_alnum(s[i]) || s[i] == '-' || s[i] == '_' || s[i] == ':'))
			i++;
		if (i < n && s[i] == '=') {
			char q = i + 1 < n ? s[i + 1] : 0;
			if (q != '"' && q != '\'')
				return 0;
			i += 2;
			while (i < n && s[i] != q) {
				if (s[i] == '<' || s[i] == '&' || ((unsigned char)s[i] < 0x20 &&
								   !is_blank(s[i])))
					return 0;
				i++;
			}
			if (i >= n)
				return 0;
			i++;
		}
	}
	if (!fast_nests(f, tag) || !fast_open(f, tag))
		return 0;
	*used = i;
	return 1;
}

/* The reference at s (s[0] == '&') as UTF-8 into u: *ulen bytes, *used input bytes.
 * 1 done, 0 give up. */
static int fast_ref(const char *s, size_t n, char u[4], size_t *ulen, size_t *used)
{
	size_t i = 1;

	if (i < n && is_blank(s[i])) { /* a lone ampersand stays itself */
		u[0] = '&';
		*ulen = 1;
		*used = 1;
		return 1;
	}
	if (i < n && s[i] == '#') {
		unsigned long cp = 0;
		int hex = 0, digits = 0;
		i++;
		if (i < n && (s[i] == 'x' || s[i] == 'X')) {
			hex = 1;
			i++;
		}
		for (; i < n && digits < 7; i++, digits++) {
			char c = s[i];
			if (c >= '0' && c <= '9')
				cp = cp * (hex ? 16 : 10) + (unsigned long)(c - '0');
			else if (hex && c >= 'a' && c <= 'f')
				cp = cp * 16 + (unsigned long)(c - 'a' + 10);
			else if (hex && c >= 'A' && c <= 'F')
				cp = cp * 16 + (unsigned long)(c - 'A' + 10);
			else
				break;
		}
		/* only plain characters; controls, surrogates and non-characters go the
		 * long way */
		if (!digits || i >= n || s[i] != ';' || cp < 0x20 || (cp >= 0x7F && cp < 0xA0) ||
		    (cp >= 0xD800 && cp < 0xE000) || cp == 0xFFFE || cp == 0xFFFF ||
		    cp > 0x10FFFF)
			return 0;
		*ulen = utf8_put((unsigned int)cp, u);
		*used = i + 1;
		return 1;
	}
	char name[32];
	size_t k = 0;
	while (i < n && is_alnum(s[i])) {
		if (k + 1 >= sizeof name)
			return 0;
		name[k++] = s[i++];
	}
	name[k] = '\0';
	if (!k || i >= n || s[i] != ';' || !is_alpha(name[0]))
		return 0;
	*ulen = col_entity_utf8(name, u);
	if (!*ulen)
		return 0;
	*used = i + 1;
	return 1;
}

/* Character data up to the next markup: its length, 0 to give up (a character libxml2
 * would refuse). *blank: nothing but blanks. */
static size_t fast_span(const char *s, size_t n, int *blank)
{
	size_t i = 0;

	*blank = 1;
	while (i < n && s[i] != '<' && s[i] != '&') {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && !is_blank((char)c))
			return 0;
		if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
		    ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF))
			return 0; /* U+FFFE, U+FFFF */
		if (!is_blank((char)c))
			*blank = 0;
		i++;
	}
	return i;
}

/* 1 when s[0..n) (valid UTF-8) was turned into text in t, 0 when it is outside the
 * subset (t is then to be reset), negative on error. */
static int fast_text(struct col_text *t, const char *s, size_t n, struct core_err *err)
{
	struct fast f;
	size_t i = 0;
	int rc;

	memset(&f, 0, sizeof f);
	f.t = t;
	f.st[0] = &fast_body;
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		return 0;
	while (i < n && is_blank(s[i]))
		i++;
	while (i < n) {
		size_t used = 0;
		if (s[i] == '<') {
			if (!fast_tag(&f, s + i, n - i, &used))
				return 0;
		} else if (s[i] == '&') {
			char u[4];
			size_t ulen;
			if (!fast_ref(s + i, n - i, u, &ulen, &used))
				return 0;
			if ((rc = fast_chars(&f, u, ulen, err)) < 0)
				return rc;
		} else {
			int blank;
			used = fast_span(s + i, n - i, &blank);
			if (!used)
				return 0;
			/* libxml2 (2.9) keeps blanks before markup as text; at the end they
			 * cannot show */
			if (blank && i + used == n) {
				i += used;
				continue;
			}
			if ((rc = fast_chars(&f, s + i, used, err)) < 0)
				return rc;
		}
		i += used;
	}
	return 1;
}

static void quiet_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

int col_html_to_text(const char *html, size_t len, char **out, struct core_err *err)
{
	return col_html_to_text_how(html, len, 1, out, NULL, err);
}

int col_html_to_text_how(const char *html, size_t len, int fast, char **out, int *was_fast,
			 struct core_err *err)
{
	htmlParserCtxtPtr ctxt = NULL;
	htmlDocPtr doc = NULL;
	char *clean = NULL;
	struct col_text t;
	int rc = 0;

	*out = NULL;
	if (was_fast)
		*was_fast = 0;
	if (!html) {
		html = "";
		len = 0;
	}
	size_t cap = 2 * len + 64;
	col_text_init(&t, cap);
	if (len > COL_HTML_MAX) {
		rc = core_err_set(err, CORE_ELIMIT, "HTML exceeds %zu bytes (%zu)", COL_HTML_MAX,
				  len);
		goto out;
	}
	/* The HTML parser switches to Latin-1 on the first bad UTF-8 byte, mangling
	 * everything after it; repair the input first instead. */
	if (!core_utf8_valid(html, len)) {
		clean = core_utf8_sanitize(html, len);
		if (!clean) {
			rc = core_err_set(err, CORE_ENOMEM, "converting HTML to text: out of memory");
			goto out;
		}
		html = clean;
		len = strlen(clean);
	}
	size_t skip = 0;
	while (skip < len && strchr(" \t\r\n", html[skip]))
		skip++;
	if (skip == len) {
		*out = col_text_finish(&t);
		goto done;
	}
	if (fast) {
		if ((rc = fast_text(&t, html, len, err)) < 0)
			goto out;
		if (rc == 1) {
			rc = 0;
			if (was_fast)
				*was_fast = 1;
			*out = col_text_finish(&t);
			goto done;
		}
		col_text_release(&t);
		col_text_init(&t, cap);
	}
	col_xml_quiet();
	ctxt = htmlNewParserCtxt();
	if (!ctxt) {
		rc = core_err_set(err, CORE_ENOMEM, "converting HTML to text: out of memory");
		goto out;
	}
	if (ctxt->sax)
		ctxt->sax->serror = quiet_error;
	doc = htmlCtxtReadMemory(ctxt, html, (int)len, NULL, "UTF-8",
				 HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
					 HTML_PARSE_RECOVER);
	if (!doc) {
		rc = core_err_set(err, CORE_ERUNTIME, "converting HTML to text: the parser gave up");
		goto out;
	}
	if ((rc = col_text_walk(&t, doc, 0, err)) < 0)
		goto out;
	*out = col_text_finish(&t);
done:
	if (!*out)
		rc = core_err_set(err, CORE_ENOMEM, "converting HTML to text: out of memory");
out:
	col_text_release(&t);
	if (doc)
		xmlFreeDoc(doc);
	if (ctxt)
		htmlFreeParserCtxt(ctxt);
	free(clean);
	return rc;
}
