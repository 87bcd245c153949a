/* feed.c: the pure feed parser: RSS 2.0 / 0.9x / 1.0 (RDF), Atom 1.0 (and 0.3) and
 * JSON Feed 1.x bytes in, items out. No I/O: libxml2 runs without network, without
 * DTD loading and without entity substitution, and entity references left in the tree
 * are never expanded, so XXE and "billion laughs" documents cannot reach anything. */
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include <jansson.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/uri.h>

#include "collector.h"
#include "internal.h"

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_ATOM03 "http://purl.org/atom/ns#"
#define NS_RSS090 "http://my.netscape.com/rdf/simple/0.9/"
#define NS_RSS10 "http://purl.org/rss/1.0/"
#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_DC "http://purl.org/dc/elements/1.1/"

/* Single-line fields (ids, links, titles, names) never need more than this. */
#define FIELD_MAX ((size_t)64 << 10)

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* Refuses every external entity or DTD, whatever the options: defence in depth. */
static xmlParserInputPtr deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static void xml_setup(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(deny_loader);
}

static void quiet_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

/* Encoding and I/O errors bypass the parser context and go to the generic handler. */
static void quiet_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

void col_xml_quiet(void)
{
	pthread_once(&xml_once, xml_setup);
	xmlSetGenericErrorFunc(NULL, quiet_generic);
	xmlSetStructuredErrorFunc(NULL, quiet_error);
}

/* ---------------------------------------------------------------- node helpers */

static const char *ns_of(const xmlNode *n)
{
	return n->ns && n->ns->href ? (const char *)n->ns->href : NULL;
}

static int is_el(const xmlNode *n, const char *local)
{
	return n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, local) == 0;
}

static int ns_is(const xmlNode *n, const char *href)
{
	const char *ns = ns_of(n);
	return ns && strcmp(ns, href) == 0;
}

/* RSS core elements: no namespace (2.0, 0.9x) or one of the RDF flavours' own. */
static int rss_ns(const xmlNode *n)
{
	return !ns_of(n) || ns_is(n, NS_RSS10) || ns_is(n, NS_RSS090);
}

static int atom_ns(const xmlNode *n)
{
	return ns_is(n, NS_ATOM) || ns_is(n, NS_ATOM03);
}

/* The raw character data under n (text, CDATA, known HTML entity names), as written;
 * escaped HTML stays escaped-as-decoded for col_html_to_text. Caller frees. */
static int node_raw(const xmlNode *n, size_t max, char **out, struct core_err *err)
{
	struct core_buf b;
	const xmlNode *cur = n->children;
	int rc = 0;

	core_buf_init(&b, max);
	*out = NULL;
	while (cur) {
		int r = 0;
		if (cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) {
			if (cur->content)
				r = core_buf_puts(&b, (const char *)cur->content);
		} else if (cur->type == XML_ENTITY_REF_NODE) {
			char u[4];
			size_t len = col_entity_utf8((const char *)cur->name, u);
			if (len)
				r = core_buf_append(&b, u, len);
		} else if (cur->type == XML_ELEMENT_NODE && cur->children) {
			/* Sloppy feeds put raw markup in <description>; keep its text. */
			cur = cur->children;
			continue;
		}
		if (r < 0) {
			rc = core_err_set(err, CORE_ELIMIT, "element <%s> exceeds %zu bytes",
					  (const char *)n->name, max);
			goto out;
		}
		while (cur && cur != n && !cur->next)
			cur = cur->parent;
		if (!cur || cur == n)
			break;
		cur = cur->next;
	}
	*out = core_buf_take(&b);
	if (!*out)
		rc = core_err_set(err, CORE_ENOMEM, "reading a feed: out of memory");
out:
	core_buf_release(&b);
	return rc;
}

/* One-line text of n: raw characters, whitespace collapsed. NULL when empty. */
static int node_line(const xmlNode *n, char **out, struct core_err *err)
{
	int rc = node_raw(n, FIELD_MAX, out, err);

	if (rc < 0)
		return rc;
	core_text_squeeze(*out);
	if (!**out) {
		free(*out);
		*out = NULL;
	}
	return 0;
}

static int to_text_html(const char *s, char **out, struct core_err *err)
{
	return col_html_to_text(s, strlen(s), out, err);
}

static int to_text_plain(const char *s, char **out, struct core_err *err)
{
	struct col_text t;
	int rc;

	col_text_init(&t, 2 * strlen(s) + 64);
	rc = col_text_plain(&t, s, strlen(s), err);
	if (rc == 0) {
		*out = col_text_finish(&t);
		if (!*out)
			rc = core_err_set(err, CORE_ENOMEM, "reading a feed: out of memory");
	}
	col_text_release(&t);
	return rc;
}

/* Frees *s and makes it NULL when it holds only whitespace. */
static void drop_empty(char **s)
{
	if (*s && !**s) {
		free(*s);
		*s = NULL;
	}
}

/* A title may carry markup or entities; make it one plain line. */
static int title_text(char **title, struct core_err *err)
{
	char *t = NULL;
	int rc;

	if (!*title)
		return 0;
	if (strpbrk(*title, "<&"))
		rc = to_text_html(*title, &t, err);
	else
		rc = to_text_plain(*title, &t, err);
	if (rc < 0)
		return rc;
	free(*title);
	*title = core_text_squeeze(t);
	drop_empty(title);
	return 0;
}

/* "jan@example.org (Jan de Vries)", RSS's author convention, becomes the name. */
static void author_name(char **author)
{
	char *a = *author, *open, *close;

	if (!a)
		return;
	open = strchr(a, '(');
	close = strrchr(a, ')');
	if (open && close && close > open + 1 && memchr(a, '@', (size_t)(open - a))) {
		char *name = core_strndup(open + 1, (size_t)(close - open - 1));
		if (name) {
			core_text_squeeze(name);
			if (*name) {
				free(a);
				*author = name;
				return;
			}
			free(name);
		}
	}
}

static void set_date(struct core_item *it, const char *s)
{
	time_t t;
	char buf[21];

	if (!s || it->published_at || core_time_parse(s, &t) != 0)
		return;
	core_time_format(t, buf);
	it->published_at = core_strdup(buf);
}

/* Fills the id from what the item had, else a hash of its content; uses the title as
 * text when there is no text. Returns 0 when the item is worth keeping, 1 to drop it. */
static int finish_item(struct core_item *it, char **id, struct core_err *err)
{
	drop_empty(&it->text);
	if (!it->text && it->title) {
		it->text = core_strdup(it->title);
		if (!it->text)
			return core_err_set(err, CORE_ENOMEM, "reading a feed: out of memory");
	}
	if (!it->text)
		return 1;
	if (*id) {
		it->external_id = *id;
		*id = NULL;
	} else if (it->url) {
		it->external_id = core_strdup(it->url);
	} else {
		struct core_buf b;
		core_buf_init(&b, 0);
		uint64_t h = core_hash64(it->title ? it->title : "", it->title ? strlen(it->title) : 0,
					 0);
		h = core_hash64(it->text, strlen(it->text), h);
		if (it->published_at)
			h = core_hash64(it->published_at, strlen(it->published_at), h);
		core_buf_printf(&b, "hash:%016llx", (unsigned long long)h);
		it->external_id = core_buf_take(&b);
		core_buf_release(&b);
	}
	if (!it->external_id)
		return core_err_set(err, CORE_ENOMEM, "reading a feed: out of memory");
	return 0;
}

/* Moves a parsed item into out, or drops it. */
static int keep_item(struct core_item *it, char **id, struct core_item_list *out,
		     struct core_err *err)
{
	int rc = finish_item(it, id, err);
	struct core_item *slot;

	if (rc != 0) {
		core_item_release(it);
		return rc < 0 ? rc : 0;
	}
	slot = core_item_list_add(out);
	if (!slot) {
		core_item_release(it);
		return core_err_set(err, CORE_ENOMEM, "reading a feed: out of memory");
	}
	*slot = *it;
	memset(it, 0, sizeof *it);
	return 0;
}

/* Piped parsing: room for one more item in out, so that appending it does not move the
 * array while the consumer is reading it; growing waits until the consumer is between
 * items. */
static int pipe_room(struct core_item_list *out, struct col_pipe *pipe, struct core_err *err)
{
	int rc = 0;

	if (!pipe || out->n < out->cap)
		return 0;
	pthread_mutex_lock(&pipe->mu);
	while (pipe->busy)
		pthread_cond_wait(&pipe->cv, &pipe->mu);
	size_t cap = out->cap ? 2 * out->cap : 256;
	struct core_item *v = realloc(out->v, cap * sizeof *v);
	if (v) {
		out->v = v;
		out->cap = cap;
	} else {
		rc = core_err_set(err, CORE_ENOMEM, "reading a feed: out of memory");
	}
	pthread_mutex_unlock(&pipe->mu);
	return rc;
}

int col_pipe_init(struct col_pipe *pipe)
{
	memset(pipe, 0, sizeof *pipe);
	if (pthread_mutex_init(&pipe->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&pipe->cv, NULL) != 0) {
		pthread_mutex_destroy(&pipe->mu);
		return -1;
	}
	return 0;
}

void col_pipe_destroy(struct col_pipe *pipe)
{
	pthread_cond_destroy(&pipe->cv);
	pthread_mutex_destroy(&pipe->mu);
}

int col_pipe_take(struct col_pipe *pipe, size_t i, int *parse_rc)
{
	int more;

	pthread_mutex_lock(&pipe->mu);
	pipe->busy = 0;
	pthread_cond_broadcast(&pipe->cv); /* the parser may be waiting to grow the list */
	while (pipe->ready <= i && !pipe->done)
		pthread_cond_wait(&pipe->cv, &pipe->mu);
	*parse_rc = pipe->done ? pipe->rc : 0;
	more = i < pipe->ready && *parse_rc >= 0;
	pipe->busy = more;
	pthread_mutex_unlock(&pipe->mu);
	return more;
}

void col_pipe_leave(struct col_pipe *pipe)
{
	pthread_mutex_lock(&pipe->mu);
	pipe->busy = 0;
	pthread_cond_broadcast(&pipe->cv);
	pthread_mutex_unlock(&pipe->mu);
}

/* Publishes the items appended so far, in batches (one wake-up per batch). */
#define PIPE_BATCH 64

static void pipe_publish(struct col_pipe *pipe, const struct core_item_list *out)
{
	if (!pipe || out->n - pipe->ready < PIPE_BATCH)
		return;
	pthread_mutex_lock(&pipe->mu);
	pipe->ready = out->n;
	pthread_cond_broadcast(&pipe->cv);
	pthread_mutex_unlock(&pipe->mu);
}

/* Keeps the first value of a repeated element. */
static int take_line(const xmlNode *n, char **slot, struct core_err *err)
{
	return *slot ? 0 : node_line(n, slot, err);
}

static int take_raw(const xmlNode *n, char **slot, struct core_err *err)
{
	return *slot ? 0 : node_raw(n, COL_HTML_MAX, slot, err);
}

/* ---------------------------------------------------------------- RSS */

/* RSS never says whether a description is HTML. Escaped or CDATA HTML goes through
 * the HTML converter; raw markup (sloppy feeds put XHTML elements inside) is walked as
 * a tree; text without any tags keeps its line breaks. */
static int rss_body(const xmlNode *n, char **out, struct core_err *err)
{
	char *raw = NULL;
	struct core_buf b;
	int rc;

	*out = NULL;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			struct col_text t;
			col_text_init(&t, COL_HTML_MAX);
			rc = col_text_walk(&t, n, 1, err);
			if (rc == 0 && !(*out = col_text_finish(&t)))
				rc = core_err_set(err, CORE_ENOMEM, "reading a feed: out of memory");
			col_text_release(&t);
			return rc;
		}
	}
	if ((rc = node_raw(n, COL_HTML_MAX, &raw, err)) < 0)
		return rc;
	if (strchr(raw, '<')) {
		rc = to_text_html(raw, out, err);
	} else if (!strchr(raw, '&')) {
		rc = to_text_plain(raw, out, err);
	} else {
		/* entities to decode, but line breaks to keep */
		core_buf_init(&b, 4 * strlen(raw) + 16);
		for (const char *p = raw; *p && rc == 0; p++)
			rc = *p == '\n' ? core_buf_puts(&b, "<br>") : core_buf_append(&b, p, 1);
		if (rc == 0)
			rc = to_text_html(b.data ? b.data : "", out, err);
		else
			rc = core_err_set(err, CORE_ENOMEM, "reading a feed: out of memory");
		core_buf_release(&b);
	}
	free(raw);
	return rc;
}

static int parse_rss_item(const xmlNode *item, struct core_item_list *out, struct core_err *err)
{
	struct core_item it;
	char *guid = NULL, *author = NULL, *creator = NULL;
	char *pub = NULL, *dcdate = NULL, *atomlink = NULL, *about = NULL, *title = NULL;
	const xmlNode *desc = NULL, *content = NULL;
	int rc = 0;

	memset(&it, 0, sizeof it);
	for (const xmlNode *c = item->children; c && rc == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (rss_ns(c)) {
			if (is_el(c, "title"))
				rc = take_raw(c, &title, err);
			else if (is_el(c, "link"))
				rc = take_line(c, &it.url, err);
			else if (is_el(c, "guid"))
				rc = take_line(c, &guid, err);
			else if (is_el(c, "description") && !desc)
				desc = c;
			else if (is_el(c, "author"))
				rc = take_line(c, &author, err);
			else if (is_el(c, "pubDate"))
				rc = take_line(c, &pub, err);
		} else if (ns_is(c, NS_CONTENT) && is_el(c, "encoded")) {
			if (!content)
				content = c;
		} else if (ns_is(c, NS_DC)) {
			if (is_el(c, "creator"))
				rc = take_line(c, &creator, err);
			else if (is_el(c, "date"))
				rc = take_line(c, &dcdate, err);
		} else if (ns_is(c, NS_ATOM) && is_el(c, "link") && !atomlink) {
			xmlChar *href = xmlGetProp(c, BAD_CAST "href");
			if (href) {
				atomlink = core_strdup((const char *)href);
				core_text_squeeze(atomlink);
				xmlFree(href);
			}
		}
	}
	if (rc < 0)
		goto out;
	if (!it.url && atomlink) {
		it.url = atomlink;
		atomlink = NULL;
	}
	xmlChar *ab = xmlGetNsProp(item, BAD_CAST "about", BAD_CAST NS_RDF);
	if (ab) {
		about = core_strdup((const char *)ab);
		xmlFree(ab);
		core_text_squeeze(about);
		drop_empty(&about);
	}
	if (!guid && about) {
		guid = about;
		about = NULL;
	}
	it.title = title;
	title = NULL;
	if ((rc = title_text(&it.title, err)) < 0)
		goto out;
	/* content:encoded is the full text where both exist. */
	if (content && (rc = rss_body(content, &it.text, err)) < 0)
		goto out;
	drop_empty(&it.text);
	if (!it.text && desc && (rc = rss_body(desc, &it.text, err)) < 0)
		goto out;
	if (creator) {
		it.author = creator;
		creator = NULL;
	} else if (author) {
		it.author = author;
		author = NULL;
		author_name(&it.author);
	}
	set_date(&it, pub);
	set_date(&it, dcdate);
	rc = keep_item(&it, &guid, out, err);
out:
	core_item_release(&it);
	free(guid);
	free(author);
	free(creator);
	free(pub);
	free(dcdate);
	free(atomlink);
	free(about);
	free(title);
	return rc;
}

/* RSS 2.0 <ttl>: minutes the feed may be cached; 0 when absent or not a sane number. */
static long rss_ttl(const xmlNode *channel)
{
	long minutes = 0;
	for (const xmlNode *i = channel->children; i; i = i->next) {
		if (!is_el(i, "ttl") || !rss_ns(i))
			continue;
		xmlChar *t = xmlNodeGetContent(i);
		char *end = NULL;
		long v = t ? strtol((const char *)t, &end, 10) : 0;
		/* a week at most: a typo must not silence a feed for months */
		if (t && end != (char *)t && v > 0 && v <= 7 * 24 * 60)
			minutes = v;
		xmlFree(t);
	}
	return minutes * 60;
}

/* Marks an item element already taken (its xmlNode._private, application data). */
static const char taken_mark;

/* One RSS item element: parsed, published, then emptied (what is done with needs no
 * memory). The element itself stays, so the tree the parser is still building keeps
 * its shape. */
static int rss_take(xmlNode *item, struct core_item_list *out, struct col_pipe *pipe,
		    struct core_err *err)
{
	int rc = 0;

	if (item->_private == &taken_mark)
		return 0;
	item->_private = (void *)&taken_mark;
	if ((rc = pipe_room(out, pipe, err)) == 0)
		rc = parse_rss_item(item, out, err);
	pipe_publish(pipe, out);
	xmlFreeNodeList(item->children);
	item->children = item->last = NULL;
	return rc;
}

static int rss_root(const xmlNode *root)
{
	return is_el(root, "rss") || (is_el(root, "RDF") && ns_is(root, NS_RDF));
}

/* Whether n is one of the feed's items: inside <channel> (RSS 2.0/0.9x) or beside it
 * (RSS 1.0 and 0.90). */
static int rss_item_at(const xmlNode *n)
{
	const xmlNode *p = n->parent;

	if (!is_el(n, "item") || !rss_ns(n) || !p || !p->parent)
		return 0;
	if (p->parent->type == XML_DOCUMENT_NODE) /* p is the root */
		return 1;
	return is_el(p, "channel") && rss_ns(p) && p->parent->parent &&
	       p->parent->parent->type == XML_DOCUMENT_NODE;
}

/* Reading RSS while the parser goes on (struct xmlParserCtxt's _private): each item is
 * taken as soon as its end tag is parsed, so a big feed never sits in memory as a
 * whole tree and its items can be stored while the rest is parsed. */
struct rss_read {
	xmlParserCtxtPtr ctxt; /* entity content is parsed in contexts of its own: not items */
	int rss;               /* -1 until the root element is known */
	struct core_item_list *out;
	struct col_pipe *pipe;
	int rc;
	struct core_err err;
};

static void rss_end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
			    const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct rss_read *r = ctxt->_private;
	xmlNode *cur = ctxt->node;

	xmlSAX2EndElementNs(ctx, localname, prefix, uri);
	if (!r || ctxt != r->ctxt || r->rc < 0 || !cur || cur->type != XML_ELEMENT_NODE ||
	    !ctxt->myDoc)
		return;
	if (r->rss < 0) {
		const xmlNode *root = xmlDocGetRootElement(ctxt->myDoc);
		if (!root)
			return;
		r->rss = rss_root(root);
	}
	/* An item that cannot be read stops the taking, not the parse: a malformed
	 * document is reported as such, whatever came before. */
	if (r->rss && rss_item_at(cur))
		r->rc = rss_take(cur, r->out, r->pipe, &r->err);
}

/* After the parse: the channel's <ttl>, and any item not taken yet (none, unless the
 * parser ran without rss_end_element), in order. */
static int parse_rss(xmlNode *root, struct core_item_list *out, struct col_feed_meta *meta,
		     struct col_pipe *pipe, struct core_err *err)
{
	int rc = 0;

	for (xmlNode *c = root->children; c && rc == 0; c = c->next) {
		if (is_el(c, "item") && rss_ns(c)) {
			rc = rss_take(c, out, pipe, err);
		} else if (is_el(c, "channel") && rss_ns(c)) {
			if (meta)
				meta->ttl_s = rss_ttl(c);
			for (xmlNode *i = c->children; i && rc == 0; i = i->next)
				if (is_el(i, "item") && rss_ns(i))
					rc = rss_take(i, out, pipe, err);
		}
	}
	return rc;
}

/* ---------------------------------------------------------------- Atom */

/* An Atom text construct (title, summary, content) as plain text; NULL when empty or
 * not textual (content with src=, base64 media). */
static int atom_text(const xmlNode *n, char **out, struct core_err *err)
{
	xmlChar *type = xmlGetProp(n, BAD_CAST "type");
	xmlChar *mode = xmlGetProp(n, BAD_CAST "mode"); /* Atom 0.3 */
	xmlChar *src = xmlGetProp(n, BAD_CAST "src");
	const char *ty = type ? (const char *)type : "text";
	char *raw = NULL;
	int rc = 0;

	*out = NULL;
	if (src)
		goto out;
	if (strcmp(ty, "xhtml") == 0 || strcmp(ty, "application/xhtml+xml") == 0 ||
	    (mode && strcmp((const char *)mode, "xml") == 0)) {
		struct col_text t;
		col_text_init(&t, COL_HTML_MAX);
		rc = col_text_walk(&t, n, 1, err);
		if (rc == 0) {
			*out = col_text_finish(&t);
			if (!*out)
				rc = core_err_set(err, CORE_ENOMEM, "reading a feed: out of memory");
		}
		col_text_release(&t);
		goto out;
	}
	if ((rc = node_raw(n, COL_HTML_MAX, &raw, err)) < 0)
		goto out;
	if (strcmp(ty, "html") == 0 || strcmp(ty, "text/html") == 0 ||
	    (mode && strcmp((const char *)mode, "escaped") == 0))
		rc = to_text_html(raw, out, err);
	else if (strcmp(ty, "text") == 0 || strncmp(ty, "text/", 5) == 0)
		rc = to_text_plain(raw, out, err);
out:
	if (rc == 0)
		drop_empty(out);
	xmlFree(type);
	xmlFree(mode);
	xmlFree(src);
	free(raw);
	return rc;
}

/* href of n made absolute against xml:base when one applies. Caller frees. */
static char *atom_href(const xmlNode *n)
{
	xmlChar *href = xmlGetProp(n, BAD_CAST "href");
	char *res = NULL;

	if (!href)
		return NULL;
	xmlChar *base = xmlNodeGetBase(n->doc, n);
	if (base) {
		xmlChar *abs = xmlBuildURI(href, base);
		if (abs) {
			res = core_strdup((const char *)abs);
			xmlFree(abs);
		}
		xmlFree(base);
	}
	if (!res)
		res = core_strdup((const char *)href);
	xmlFree(href);
	if (res) {
		core_text_squeeze(res);
		drop_empty(&res);
	}
	return res;
}

static int atom_author(const xmlNode *n, char **out, struct core_err *err)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (is_el(c, "name") && atom_ns(c))
			return take_line(c, out, err);
	return 0;
}

static int parse_atom_entry(const xmlNode *e, const char *feed_author,
			    struct core_item_list *out, struct core_err *err)
{
	struct core_item it;
	char *id = NULL, *alt = NULL, *any = NULL, *content = NULL, *summary = NULL;
	char *published = NULL, *updated = NULL;
	int rc = 0;

	memset(&it, 0, sizeof it);
	for (const xmlNode *c = e->children; c && rc == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || !atom_ns(c))
			continue;
		if (is_el(c, "id"))
			rc = take_line(c, &id, err);
		else if (is_el(c, "title") && !it.title)
			rc = atom_text(c, &it.title, err);
		else if (is_el(c, "content") && !content)
			rc = atom_text(c, &content, err);
		else if (is_el(c, "summary") && !summary)
			rc = atom_text(c, &summary, err);
		else if (is_el(c, "author") && !it.author)
			rc = atom_author(c, &it.author, err);
		else if (is_el(c, "published") || is_el(c, "issued") || is_el(c, "created"))
			rc = take_line(c, &published, err);
		else if (is_el(c, "updated") || is_el(c, "modified"))
			rc = take_line(c, &updated, err);
		else if (is_el(c, "link")) {
			xmlChar *rel = xmlGetProp(c, BAD_CAST "rel");
			int alternate = !rel || strcmp((const char *)rel, "alternate") == 0;
			xmlFree(rel);
			if (alternate && !alt)
				alt = atom_href(c);
			else if (!any)
				any = atom_href(c);
		}
	}
	if (rc < 0)
		goto out;
	if (it.title)
		core_text_squeeze(it.title);
	drop_empty(&it.title);
	it.url = alt ? alt : any;
	if (alt)
		alt = NULL;
	else
		any = NULL;
	if (content) {
		it.text = content;
		content = NULL;
	} else {
		it.text = summary;
		summary = NULL;
	}
	if (!it.author && feed_author)
		it.author = core_strdup(feed_author);
	set_date(&it, published);
	set_date(&it, updated);
	rc = keep_item(&it, &id, out, err);
out:
	core_item_release(&it);
	free(id);
	free(alt);
	free(any);
	free(content);
	free(summary);
	free(published);
	free(updated);
	return rc;
}

static int parse_atom(const xmlNode *root, struct core_item_list *out, struct col_pipe *pipe,
		      struct core_err *err)
{
	char *feed_author = NULL;
	int rc = 0;

	/* Entries without an author inherit the feed's (RFC 4287 4.2.1), which may come
	 * after them: entries are read once the document is complete. */
	for (const xmlNode *c = root->children; c && rc == 0; c = c->next)
		if (is_el(c, "author") && atom_ns(c) && !feed_author)
			rc = atom_author(c, &feed_author, err);
	for (const xmlNode *c = root->children; c && rc == 0; c = c->next) {
		if (is_el(c, "entry") && atom_ns(c) && (rc = pipe_room(out, pipe, err)) == 0) {
			rc = parse_atom_entry(c, feed_author, out, err);
			pipe_publish(pipe, out);
		}
	}
	free(feed_author);
	return rc;
}

/* ---------------------------------------------------------------- JSON Feed */

static char *json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	char *s = NULL;

	if (json_is_string(v))
		s = core_strndup(json_string_value(v), json_string_length(v));
	else if (json_is_integer(v))
		s = core_asprintf("%lld", (long long)json_integer_value(v));
	if (s && !core_utf8_valid(s, strlen(s))) {
		char *clean = core_utf8_sanitize(s, strlen(s));
		free(s);
		s = clean;
	}
	return s;
}

static int parse_jsonfeed_item(json_t *o, struct core_item_list *out, struct core_err *err)
{
	struct core_item it;
	char *id = NULL, *raw = NULL, *pub = NULL, *mod = NULL;
	int rc = 0;

	memset(&it, 0, sizeof it);
	if (!json_is_object(o))
		return 0;
	if ((id = json_str(o, "id")))
		core_text_squeeze(id);
	drop_empty(&id);
	it.url = json_str(o, "url");
	if (!it.url)
		it.url = json_str(o, "external_url");
	it.title = json_str(o, "title");
	if ((rc = title_text(&it.title, err)) < 0)
		goto out;
	if ((raw = json_str(o, "content_html")))
		rc = to_text_html(raw, &it.text, err);
	else if ((raw = json_str(o, "content_text")) || (raw = json_str(o, "summary")))
		rc = to_text_plain(raw, &it.text, err);
	if (rc < 0)
		goto out;
	json_t *authors = json_object_get(o, "authors");
	json_t *a = json_is_array(authors) ? json_array_get(authors, 0)
					   : json_object_get(o, "author"); /* 1.0 */
	if (json_is_object(a)) {
		it.author = json_str(a, "name");
		if (it.author)
			core_text_squeeze(it.author);
		drop_empty(&it.author);
	}
	pub = json_str(o, "date_published");
	mod = json_str(o, "date_modified");
	set_date(&it, pub);
	set_date(&it, mod);
	rc = keep_item(&it, &id, out, err);
out:
	core_item_release(&it);
	free(id);
	free(raw);
	free(pub);
	free(mod);
	return rc;
}

static int parse_jsonfeed(const char *body, size_t len, struct core_item_list *out,
			  struct col_pipe *pipe, struct core_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, 0, &jerr);
	int rc = 0;

	if (!root)
		return core_err_set(err, CORE_ERUNTIME, "not a valid feed: JSON error at line %d: %s",
				    jerr.line, jerr.text);
	json_t *version = json_object_get(root, "version");
	if (!json_is_string(version) ||
	    strncmp(json_string_value(version), "https://jsonfeed.org/version/", 29) != 0) {
		rc = core_err_set(err, CORE_ERUNTIME,
				  "not a feed: JSON without a jsonfeed.org \"version\"");
		goto out;
	}
	json_t *items = json_object_get(root, "items");
	size_t i;
	json_t *v;
	if (!json_is_array(items)) {
		rc = core_err_set(err, CORE_ERUNTIME, "not a valid feed: \"items\" is not an array");
		goto out;
	}
	json_array_foreach(items, i, v)
	{
		if ((rc = pipe_room(out, pipe, err)) < 0 ||
		    (rc = parse_jsonfeed_item(v, out, err)) < 0)
			goto out;
		pipe_publish(pipe, out);
	}
out:
	json_decref(root);
	return rc;
}

/* ---------------------------------------------------------------- entry point */

/* Deliberately absent: XML_PARSE_NOENT (substitution, XXE), XML_PARSE_DTDLOAD,
 * XML_PARSE_DTDATTR, XML_PARSE_DTDVALID and XML_PARSE_HUGE (which would switch off
 * the entity amplification and depth limits). */
#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static int parse_xml(const char *body, size_t len, struct core_item_list *out,
		     struct col_feed_meta *meta, struct col_pipe *pipe, struct core_err *err)
{
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	struct rss_read r = {.rss = -1, .out = out, .pipe = pipe};
	int rc = 0;

	col_xml_quiet();
	if (len > (size_t)INT32_MAX)
		return core_err_set(err, CORE_ELIMIT, "feed exceeds %d bytes", INT32_MAX);
	/* (a memory context cannot be made for nothing; the empty document fails alike) */
	ctxt = len ? xmlCreateMemoryParserCtxt(body, (int)len) : xmlNewParserCtxt();
	if (!ctxt)
		return core_err_set(err, CORE_ENOMEM, "reading a feed: out of memory");
	if (ctxt->sax) {
		ctxt->sax->serror = quiet_error;
		if (ctxt->sax->initialized == XML_SAX2_MAGIC)
			ctxt->sax->endElementNs = rss_end_element;
	}
	r.ctxt = ctxt;
	ctxt->_private = &r;
	if (len) {
		xmlCtxtUseOptions(ctxt, XML_OPTIONS);
		xmlParseDocument(ctxt);
		doc = ctxt->myDoc;
		ctxt->myDoc = NULL;
	} else {
		doc = xmlCtxtReadMemory(ctxt, body, 0, NULL, NULL, XML_OPTIONS);
	}
	if (!doc || !ctxt->wellFormed) {
		const xmlError *e = &ctxt->lastError;
		char msg[512];
		snprintf(msg, sizeof msg, "%s", e->message ? e->message : "unknown error");
		msg[strcspn(msg, "\r\n")] = '\0';
		rc = core_err_set(err, CORE_ERUNTIME, "not a valid feed: XML error at line %d: %s",
				  e->line, msg);
		goto out;
	}
	if (r.rc < 0) {
		*err = r.err;
		rc = r.rc;
		goto out;
	}
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!root) {
		rc = core_err_set(err, CORE_ERUNTIME, "not a feed: no root element");
		goto out;
	}
	if (rss_root(root))
		rc = parse_rss(root, out, meta, pipe, err);
	else if (is_el(root, "feed") && (atom_ns(root) || !ns_of(root)))
		rc = parse_atom(root, out, pipe, err);
	else
		rc = core_err_set(err, CORE_ERUNTIME, "not a feed: root element <%.100s>",
				  (const char *)root->name);
out:
	if (doc)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return rc;
}

static int parse_feed(const char *body, size_t len, const char *content_type,
		      struct core_item_list *out, struct col_feed_meta *meta,
		      struct col_pipe *pipe, struct core_err *err)
{
	size_t i = 0;

	if (meta)
		memset(meta, 0, sizeof(*meta));
	/* JSON Feed by its first byte (or a JSON content type when it is not markup);
	 * servers mislabel feeds too often to trust the type alone. */
	if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && strchr(" \t\r\n", body[i]) && body[i])
		i++;
	if (i < len && (body[i] == '{' ||
			(body[i] != '<' && content_type && strstr(content_type, "json"))))
		return parse_jsonfeed(body + i, len - i, out, pipe, err);
	return parse_xml(body, len, out, meta, pipe, err);
}

int col_parse_feed(const char *body, size_t len, const char *content_type,
		   struct core_item_list *out, struct core_err *err)
{
	return col_parse_feed_meta(body, len, content_type, out, NULL, err);
}

int col_parse_feed_meta(const char *body, size_t len, const char *content_type,
			struct core_item_list *out, struct col_feed_meta *meta,
			struct core_err *err)
{
	size_t start = out->n;
	int had_array = out->v != NULL;
	int rc = parse_feed(body, len, content_type, out, meta, NULL, err);

	if (rc < 0) {
		/* All or nothing: drop what this call appended (items are taken while the
		 * parse goes on, so there may be some before a late error). */
		while (out->n > start)
			core_item_release(&out->v[--out->n]);
		if (!had_array) {
			free(out->v);
			out->v = NULL;
			out->cap = 0;
		}
	}
	return rc;
}

int col_parse_feed_piped(const char *body, size_t len, const char *content_type,
			 struct core_item_list *out, struct col_feed_meta *meta,
			 struct col_pipe *pipe, struct core_err *err)
{
	int rc = parse_feed(body, len, content_type, out, meta, pipe, err);

	pthread_mutex_lock(&pipe->mu);
	if (rc == 0)
		pipe->ready = out->n;
	pipe->done = 1;
	pipe->rc = rc;
	pthread_cond_broadcast(&pipe->cv);
	pthread_mutex_unlock(&pipe->mu);
	return rc;
}
