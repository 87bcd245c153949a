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
	const struct tag_rule *r = bsearch(low, tag_rules, sizeof tag_rules / sizeof tag_rules[0],
					   sizeof tag_rules[0], rule_cmp);
	return r ? r->brk : BRK_NONE;
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

/* Text content: whitespace (and no-break spaces, which feeds use for layout) collapses;
 * newlines are hard only when asked (plain text, <pre>). */
static int put_text(struct col_text *t, const char *s, size_t n, int hard_nl, struct core_err *err)
{
	size_t i = 0, start = 0;
	int rc;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t ws = 0;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
			ws = 1;
		else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0)
			ws = 2;
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

size_t col_entity_utf8(const char *name, char u[4])
{
	const htmlEntityDesc *e = name ? htmlEntityLookup(BAD_CAST name) : NULL;

	if (!e)
		return 0;
	unsigned int cp = e->value;
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

/* An entity reference left in an XML tree: map well-known HTML names (RSS 0.91 feeds
 * use &nbsp; &eacute; from a DTD we never load) to their character, by name only, so
 * nothing is ever expanded. */
static int put_entity_ref(struct col_text *t, const xmlNode *n, struct core_err *err)
{
	char u[4];
	size_t len = col_entity_utf8((const char *)n->name, u);

	return len ? put_text(t, u, len, 0, err) : 0;
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
	switch (tag_brk(n)) {
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
		if (xmlStrcasecmp(n->name, BAD_CAST "pre") == 0)
			t->pre++;
		break;
	case BRK_NONE:
		break;
	}
	return 1;
}

static void leave(struct col_text *t, const xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE)
		return;
	switch (tag_brk(n)) {
	case BRK_CELL:
		t->pending_space = 1;
		break;
	case BRK_LINE:
		want_break(t, 1);
		break;
	case BRK_PARA:
		want_break(t, 2);
		if (t->pre > 0 && xmlStrcasecmp(n->name, BAD_CAST "pre") == 0)
			t->pre--;
		break;
	default:
		break;
	}
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

static void quiet_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

int col_html_to_text(const char *html, size_t len, char **out, struct core_err *err)
{
	htmlParserCtxtPtr ctxt = NULL;
	htmlDocPtr doc = NULL;
	char *clean = NULL;
	struct col_text t;
	int rc = 0;

	*out = NULL;
	if (!html) {
		html = "";
		len = 0;
	}
	col_text_init(&t, 2 * len + 64);
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
