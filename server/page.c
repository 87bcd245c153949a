/* page.c: the HTML of the form intake: the form generated from a form's configuration
 * (labels, fieldsets, errors beside their fields and tied to them with
 * aria-describedby), the thank-you page and short message pages. No script, no inline
 * style: the strict Content-Security-Policy allows only the one stylesheet. */
#include <string.h>

#include "internal.h"

const char page_css[] =
	"body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;color:#1b1b1b;"
	"background:#fff}\n"
	"main{max-width:42rem;margin:0 auto;padding:1rem}\n"
	"fieldset{border:1px solid #888;margin:0 0 1rem;padding:.5rem 1rem}\n"
	"legend{font-weight:bold}\n"
	".field{margin:0 0 1rem}\n"
	".field label{display:block;font-weight:bold}\n"
	"textarea,select,input[type=email]{width:100%;box-sizing:border-box;font:inherit}\n"
	".hint{color:#444;margin:.25rem 0}\n"
	".error{color:#a00;font-weight:bold;margin:.25rem 0}\n"
	"[aria-invalid=true]{border:2px solid #a00}\n"
	".summary{border:2px solid #a00;padding:.5rem 1rem;margin:0 0 1rem}\n"
	".hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}\n"
	"button{font:inherit;padding:.5rem 1.5rem}\n"
	":focus{outline:3px solid #0b57d0;outline-offset:2px}\n";

int page_esc(struct core_buf *b, const char *s)
{
	int rc = 0;
	for (const char *p = s ? s : ""; *p && !rc; p++) {
		switch (*p) {
		case '&': rc = core_buf_puts(b, "&amp;"); break;
		case '<': rc = core_buf_puts(b, "&lt;"); break;
		case '>': rc = core_buf_puts(b, "&gt;"); break;
		case '"': rc = core_buf_puts(b, "&quot;"); break;
		case '\'': rc = core_buf_puts(b, "&#39;"); break;
		default: rc = core_buf_append(b, p, 1);
		}
	}
	return rc;
}

static int esc(struct core_buf *b, const char *s)
{
	return page_esc(b, s);
}

/* Pieces of text in both languages. */
static const char *tr(const char *lang, const char *nl, const char *en)
{
	return lang && !strcmp(lang, "en") ? en : nl;
}

static const char *group_label(const char *g, const char *lang)
{
	static const char *const known[][3] = {
		{"inwoner", "Inwoner", "Resident"},
		{"medewerker", "Medewerker van een overheid", "Government staff member"},
		{"organisatie", "Namens een organisatie", "On behalf of an organisation"},
		{"buitenland", "Uit het buitenland", "From abroad"},
		{"lid", "Lid", "Member"},
		{"niet-lid", "Geen lid", "Non-member"},
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(known[i][0], g))
			return tr(lang, known[i][1], known[i][2]);
	return g;
}

static const char *error_of(const struct page_ctx *p, const char *field)
{
	if (!p->sub || !field)
		return NULL;
	for (size_t i = 0; i < p->sub->n_errors; i++)
		if (!strcmp(p->sub->errors[i].field, field))
			return col_form_message(p->sub->errors[i].code, p->lang);
	return NULL;
}

/* Was value among what was sent for name? */
static int was_sent(const struct page_ctx *p, const char *name, const char *value)
{
	if (!p->values)
		return 0;
	for (size_t i = 0; i < p->values->n; i++)
		if (!strcmp(p->values->v[i].name, name) && !strcmp(p->values->v[i].value, value))
			return 1;
	return 0;
}

static const char *sent(const struct page_ctx *p, const char *name)
{
	return p->values ? col_form_fields_get(p->values, name) : NULL;
}

/* The error paragraph beside a field; its id is what aria-describedby names. */
static int error_par(struct core_buf *b, const char *field, const char *msg)
{
	if (!msg)
		return 0;
	return core_buf_puts(b, "<p class=\"error\" id=\"") || esc(b, field) ||
	       core_buf_puts(b, "-error\">") || esc(b, msg) || core_buf_puts(b, "</p>\n");
}

static int described(struct core_buf *b, const char *field, const char *hint, const char *msg)
{
	if (!hint && !msg)
		return 0;
	if (core_buf_puts(b, " aria-describedby=\""))
		return CORE_ENOMEM;
	if (hint && (esc(b, field) || core_buf_puts(b, "-hint")))
		return CORE_ENOMEM;
	if (msg && ((hint && core_buf_puts(b, " ")) || esc(b, field) ||
		    core_buf_puts(b, "-error\" aria-invalid=\"true")))
		return CORE_ENOMEM;
	return core_buf_puts(b, "\"");
}

static int head(struct core_buf *b, const char *lang, const char *title)
{
	return core_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"") || esc(b, lang) ||
	       core_buf_puts(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
				"<meta name=\"viewport\" content=\"width=device-width, "
				"initial-scale=1\">\n<title>") ||
	       esc(b, title) ||
	       core_buf_puts(b, "</title>\n<link rel=\"stylesheet\" href=\"/static/form.css\">\n"
				"</head>\n<body>\n<main>\n");
}

static int shows(const struct core_form *f, const char *field)
{
	return field && (!f->fields.n || core_strlist_contains(&f->fields, field));
}

static int ambitions(const struct page_ctx *p, struct core_buf *b)
{
	const struct core_form *f = p->form;
	const char *name = f->ambition_field, *msg = error_of(p, name);
	int rc;

	if ((rc = core_buf_puts(b, "<fieldset")) || (rc = described(b, name, "x", msg)) ||
	    (rc = core_buf_printf(b, ">\n<legend>%s</legend>\n",
				  tr(p->lang, "Over welke ambities gaat uw reactie?",
				     "Which ambitions is your reaction about?"))) ||
	    (rc = core_buf_puts(b, "<p class=\"hint\" id=\"")) || (rc = esc(b, name)) ||
	    (rc = core_buf_printf(b, "-hint\">%s</p>\n",
				  tr(p->lang, "Kies er een of meer, of 'algemeen' als uw "
					      "reactie over de hele visie gaat.",
				     "Choose one or more, or 'general' when your reaction is "
				     "about the vision as a whole."))) ||
	    (rc = error_par(b, name, msg)))
		return rc;
	for (size_t i = 0; i <= p->cfg->n_ambitions; i++) {
		const struct core_ambition *a = i < p->cfg->n_ambitions ? &p->cfg->ambitions[i] : NULL;
		const char *code = a ? a->code : COL_FORM_GENERAL;
		const char *title = a ? (!strcmp(p->lang, "en") && a->title_en ? a->title_en
									: a->title)
				      : tr(p->lang, "Algemeen: de visie als geheel",
					   "General: the vision as a whole");
		if ((rc = core_buf_puts(b, "<div><input type=\"checkbox\" id=\"")) ||
		    (rc = esc(b, name)) || (rc = core_buf_puts(b, "-")) || (rc = esc(b, code)) ||
		    (rc = core_buf_puts(b, "\" name=\"")) || (rc = esc(b, name)) ||
		    (rc = core_buf_puts(b, "\" value=\"")) || (rc = esc(b, code)) ||
		    (rc = core_buf_puts(b, was_sent(p, name, code) ? "\" checked>" : "\">")) ||
		    (rc = core_buf_puts(b, " <label for=\"")) || (rc = esc(b, name)) ||
		    (rc = core_buf_puts(b, "-")) || (rc = esc(b, code)) ||
		    (rc = core_buf_puts(b, "\">")) ||
		    (a && ((rc = esc(b, code)) || (rc = core_buf_puts(b, " ")))) ||
		    (rc = esc(b, title)) || (rc = core_buf_puts(b, "</label></div>\n")))
			return rc;
	}
	return core_buf_puts(b, "</fieldset>\n");
}

static int stances(const struct page_ctx *p, struct core_buf *b)
{
	static const char *const v[][3] = {
		{"support", "Steun: ik ben het ermee eens", "Support: I agree"},
		{"objection", "Bezwaar: ik ben het er niet mee eens", "Objection: I disagree"},
		{"neutral", "Neutraal", "Neutral"},
		{"mixed", "Gemengd: deels eens, deels oneens", "Mixed: partly agree, partly not"},
	};
	const char *name = p->form->stance_field, *msg = error_of(p, name);
	int rc;

	if ((rc = core_buf_puts(b, "<fieldset")) || (rc = described(b, name, NULL, msg)) ||
	    (rc = core_buf_printf(b, ">\n<legend>%s</legend>\n",
				  tr(p->lang, "Wat vindt u ervan?", "What do you think of it?"))) ||
	    (rc = error_par(b, name, msg)))
		return rc;
	for (size_t i = 0; i < 4; i++) {
		const char *s = sent(p, name);
		int on = s && core_stance_parse(s) == core_stance_parse(v[i][0]);
		if ((rc = core_buf_puts(b, "<div><input type=\"radio\" id=\"")) ||
		    (rc = esc(b, name)) || (rc = core_buf_printf(b, "-%s\" name=\"", v[i][0])) ||
		    (rc = esc(b, name)) ||
		    (rc = core_buf_printf(b, "\" value=\"%s\"%s> <label for=\"", v[i][0],
					  on ? " checked" : "")) ||
		    (rc = esc(b, name)) ||
		    (rc = core_buf_printf(b, "-%s\">%s</label></div>\n", v[i][0],
					  tr(p->lang, v[i][1], v[i][2]))))
			return rc;
	}
	return core_buf_puts(b, "</fieldset>\n");
}

static int groups(const struct page_ctx *p, struct core_buf *b)
{
	const char *name = p->form->group_field, *msg = error_of(p, name), *s = sent(p, name);
	int rc;

	if ((rc = core_buf_puts(b, "<div class=\"field\"><label for=\"")) || (rc = esc(b, name)) ||
	    (rc = core_buf_printf(b, "\">%s</label>\n", tr(p->lang, "Ik reageer als",
							     "I am responding as"))) ||
	    (rc = error_par(b, name, msg)) || (rc = core_buf_puts(b, "<select id=\"")) ||
	    (rc = esc(b, name)) || (rc = core_buf_puts(b, "\" name=\"")) || (rc = esc(b, name)) ||
	    (rc = core_buf_puts(b, "\"")) || (rc = described(b, name, NULL, msg)) ||
	    (rc = core_buf_printf(b, ">\n<option value=\"\">%s</option>\n",
				  tr(p->lang, "(niet opgegeven)", "(not given)"))))
		return rc;
	for (size_t i = 0; i < p->form->groups.n; i++) {
		const char *g = p->form->groups.v[i];
		if ((rc = core_buf_puts(b, "<option value=\"")) || (rc = esc(b, g)) ||
		    (rc = core_buf_puts(b, s && !strcmp(s, g) ? "\" selected>" : "\">")) ||
		    (rc = esc(b, group_label(g, p->lang))) || (rc = core_buf_puts(b, "</option>\n")))
			return rc;
	}
	return core_buf_puts(b, "</select></div>\n");
}

static int textarea(const struct page_ctx *p, struct core_buf *b)
{
	const char *name = p->form->text_field, *msg = error_of(p, name);
	int rc;

	if ((rc = core_buf_puts(b, "<div class=\"field\"><label for=\"")) || (rc = esc(b, name)) ||
	    (rc = core_buf_printf(b, "\">%s</label>\n", tr(p->lang, "Uw reactie", "Your reaction"))) ||
	    (rc = core_buf_puts(b, "<p class=\"hint\" id=\"")) || (rc = esc(b, name)) ||
	    (rc = core_buf_printf(b, "-hint\">%s %zu %s</p>\n",
				  tr(p->lang, "Verplicht; hoogstens", "Required; at most"),
				  p->form->max_text, tr(p->lang, "tekens.", "characters."))) ||
	    (rc = error_par(b, name, msg)) || (rc = core_buf_puts(b, "<textarea id=\"")) ||
	    (rc = esc(b, name)) || (rc = core_buf_puts(b, "\" name=\"")) || (rc = esc(b, name)) ||
	    (rc = core_buf_printf(b, "\" rows=\"10\" maxlength=\"%zu\" required", p->form->max_text)) ||
	    (rc = described(b, name, "x", msg)) || (rc = core_buf_puts(b, ">")) ||
	    (rc = esc(b, sent(p, name))) || (rc = core_buf_puts(b, "</textarea></div>\n")))
		return rc;
	return 0;
}

static int email(const struct page_ctx *p, struct core_buf *b)
{
	const char *msg = error_of(p, COL_FORM_EMAIL), *cmsg = error_of(p, COL_FORM_CONSENT);
	const char *c = sent(p, COL_FORM_CONSENT);
	int rc;

	if ((rc = core_buf_printf(b, "<fieldset>\n<legend>%s</legend>\n",
				  tr(p->lang, "Contact (niet verplicht)", "Contact (optional)"))) ||
	    (rc = core_buf_printf(b, "<div class=\"field\"><label for=\"email\">%s</label>\n",
				  tr(p->lang, "E-mailadres", "E-mail address"))) ||
	    (rc = core_buf_printf(b, "<p class=\"hint\" id=\"email-hint\">%s</p>\n",
				  tr(p->lang, "We bewaren uw adres alleen als u daarvoor "
					      "toestemming geeft.",
				     "We keep your address only when you consent to it."))) ||
	    (rc = error_par(b, COL_FORM_EMAIL, msg)) ||
	    (rc = core_buf_puts(b, "<input type=\"email\" id=\"email\" name=\"email\" "
				   "autocomplete=\"email\" value=\"")) ||
	    (rc = esc(b, sent(p, COL_FORM_EMAIL))) || (rc = core_buf_puts(b, "\"")) ||
	    (rc = described(b, COL_FORM_EMAIL, "x", msg)) || (rc = core_buf_puts(b, "></div>\n")) ||
	    (rc = error_par(b, COL_FORM_CONSENT, cmsg)) ||
	    (rc = core_buf_printf(b, "<div><input type=\"checkbox\" id=\"consent\" "
				     "name=\"consent\" value=\"yes\"%s",
				  c && *c ? " checked" : "")) ||
	    (rc = described(b, COL_FORM_CONSENT, NULL, cmsg)) ||
	    (rc = core_buf_printf(b, "> <label for=\"consent\">%s</label></div>\n</fieldset>\n",
				  tr(p->lang, "Ik geef toestemming om mijn e-mailadres te "
					      "bewaren, zodat u mij over deze reactie kunt "
					      "benaderen.",
				     "I consent to my e-mail address being kept, so you can "
				     "contact me about this reaction."))))
		return rc;
	return 0;
}

int page_form(const struct page_ctx *p, struct core_buf *b)
{
	const struct core_form *f = p->form;
	const char *title = f->title ? f->title : p->cfg->vision_title;
	const char *vision = !strcmp(p->lang, "en") && p->cfg->vision_title_en
				     ? p->cfg->vision_title_en : p->cfg->vision_title;
	const char *other = strcmp(p->lang, "en") ? "en" : "nl";
	int rc;

	if ((rc = head(b, p->lang, title ? title : "inspraak")) || (rc = core_buf_puts(b, "<h1>")) ||
	    (rc = esc(b, title ? title : vision)) || (rc = core_buf_puts(b, "</h1>\n")))
		return rc;
	if (vision && title && strcmp(title, vision) &&
	    ((rc = core_buf_printf(b, "<p>%s ", tr(p->lang, "Uw reactie op", "Your reaction to"))) ||
	     (rc = esc(b, vision)) || (rc = core_buf_puts(b, ".</p>\n"))))
		return rc;
	if (p->sub && p->sub->n_errors &&
	    (rc = core_buf_printf(b, "<div class=\"summary\" role=\"alert\"><p>%s</p></div>\n",
				  tr(p->lang, "Het formulier is niet verstuurd: controleer de "
					      "velden met een melding.",
				     "The form was not sent: please check the fields with a "
				     "message."))))
		return rc;
	if (p->top_error &&
	    ((rc = core_buf_puts(b, "<div class=\"summary\" role=\"alert\" id=\"form-error\"><p>")) ||
	     (rc = esc(b, col_form_message(p->top_error, p->lang))) ||
	     (rc = core_buf_puts(b, "</p></div>\n"))))
		return rc;
	if ((rc = core_buf_puts(b, "<form method=\"post\" action=\"/forms/")) ||
	    (rc = esc(b, f->name)) || (rc = core_buf_printf(b, "?lang=%s\" accept-charset=\"utf-8\" "
				       "novalidate>\n", strcmp(p->lang, "en") ? "nl" : "en")) ||
	    (rc = core_buf_printf(b, "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n",
				  strcmp(p->lang, "en") ? "nl" : "en")))
		return rc;
	if (p->token && ((rc = core_buf_puts(b, "<input type=\"hidden\" name=\"" COL_FORM_TOKEN
					     "\" value=\"")) ||
			 (rc = esc(b, p->token)) || (rc = core_buf_puts(b, "\">\n"))))
		return rc;
	if (shows(f, f->ambition_field) && p->cfg->n_ambitions && (rc = ambitions(p, b)))
		return rc;
	if (shows(f, f->stance_field) && (rc = stances(p, b)))
		return rc;
	if (shows(f, f->group_field) && f->groups.n && (rc = groups(p, b)))
		return rc;
	if ((rc = textarea(p, b)))
		return rc;
	if (shows(f, COL_FORM_EMAIL) && (rc = email(p, b)))
		return rc;
	/* The honeypot: off-screen by the stylesheet, skipped by keyboard and screen reader. */
	if ((rc = core_buf_printf(b, "<div class=\"hp\" aria-hidden=\"true\"><label for=\""
				     COL_FORM_HONEYPOT "\">%s</label><input type=\"text\" id=\""
				     COL_FORM_HONEYPOT "\" name=\"" COL_FORM_HONEYPOT "\" "
				     "tabindex=\"-1\" autocomplete=\"off\" value=\"\"></div>\n",
				  tr(p->lang, "Laat dit veld leeg", "Leave this field empty"))) ||
	    (rc = core_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n",
				  tr(p->lang, "Versturen", "Send"))) ||
	    (rc = core_buf_puts(b, "<p><a href=\"/forms/")) || (rc = esc(b, f->name)) ||
	    (rc = core_buf_printf(b, "?lang=%s\" hreflang=\"%s\" lang=\"%s\">%s</a></p>\n", other,
				  other, other, strcmp(p->lang, "en") ? "English" : "Nederlands")) ||
	    (rc = core_buf_puts(b, "</main>\n</body>\n</html>\n")))
		return rc;
	return 0;
}

int page_thanks(const struct page_ctx *p, struct core_buf *b)
{
	int rc;
	if ((rc = head(b, p->lang, tr(p->lang, "Bedankt", "Thank you"))) ||
	    (rc = core_buf_printf(b, "<h1>%s</h1>\n<p>%s</p>\n",
				  tr(p->lang, "Bedankt voor uw reactie", "Thank you for your reaction"),
				  tr(p->lang, "Uw reactie is goed ontvangen en opgeslagen.",
				     "Your reaction has been received and stored."))) ||
	    (rc = core_buf_puts(b, "<p><a href=\"/forms/")) || (rc = esc(b, p->form->name)) ||
	    (rc = core_buf_printf(b, "?lang=%s\">%s</a></p>\n</main>\n</body>\n</html>\n",
				  strcmp(p->lang, "en") ? "nl" : "en",
				  tr(p->lang, "Nog een reactie geven", "Give another reaction"))))
		return rc;
	return 0;
}

int page_message(const char *lang, const char *title, const char *text, struct core_buf *b)
{
	int rc;
	if ((rc = head(b, lang, title)) || (rc = core_buf_puts(b, "<h1>")) || (rc = esc(b, title)) ||
	    (rc = core_buf_puts(b, "</h1>\n<p>")) || (rc = esc(b, text)) ||
	    (rc = core_buf_puts(b, "</p>\n</main>\n</body>\n</html>\n")))
		return rc;
	return 0;
}
