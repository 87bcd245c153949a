/* cmd_sources.c: `inspraak sources`: the health table operators look at first. Lists
 * configured feeds (also those never fetched) and every other source in the store
 * (imports, forms, feeds since removed from the configuration). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

struct listing {
	struct cli *cli;
	json_t *json; /* array when --json */
	int header;
};

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void emit(struct listing *l, const struct core_source_state *s, const char *cfg_type,
		 int configured, int enabled)
{
	const char *status = !s || !s->last_attempt ? "never fetched"
			     : s->consecutive_errors   ? "failing"
						       : "ok";
	if (!configured && s && s->type && (!strcmp(s->type, "import") || !strcmp(s->type, "form")))
		status = "-";
	if (configured && !enabled)
		status = "disabled";
	if (l->json) {
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(s ? s->name : ""));
		json_object_set_new(o, "type", json_string(cfg_type ? cfg_type : s->type));
		json_object_set_new(o, "url", str_or_null(s ? s->url : NULL));
		json_object_set_new(o, "configured", json_boolean(configured));
		json_object_set_new(o, "enabled", json_boolean(enabled));
		json_object_set_new(o, "status", json_string(status));
		json_object_set_new(o, "last_attempt", str_or_null(s ? s->last_attempt : NULL));
		json_object_set_new(o, "last_success", str_or_null(s ? s->last_success : NULL));
		json_object_set_new(o, "last_http_status",
				    s && s->last_status ? json_integer(s->last_status) : json_null());
		json_object_set_new(o, "next_due", str_or_null(s ? s->next_due : NULL));
		json_object_set_new(o, "consecutive_errors",
				    json_integer(s ? s->consecutive_errors : 0));
		json_object_set_new(o, "error_count", json_integer(s ? s->error_count : 0));
		json_object_set_new(o, "last_error", str_or_null(s ? s->last_error : NULL));
		json_object_set_new(o, "items", json_integer(s ? s->items : 0));
		json_array_append_new(l->json, o);
		return;
	}
	if (!l->header) {
		printf("%-20s %-8s %-14s %-20s %-20s %6s %7s  %s\n", "NAME", "TYPE", "STATUS",
		       "LAST FETCH", "NEXT DUE", "ERRORS", "ITEMS", "URL");
		l->header = 1;
	}
	printf("%-20s %-8s %-14s %-20s %-20s %6lld %7lld  %s\n", s ? s->name : "?",
	       cfg_type ? cfg_type : (s && s->type ? s->type : "?"), status,
	       s && s->last_attempt ? s->last_attempt : "-",
	       s && s->next_due && configured && enabled ? s->next_due : "-",
	       (long long)(s ? s->error_count : 0), (long long)(s ? s->items : 0),
	       s && s->url ? s->url : "-");
	/* the error on its own line: it is long, and it is what an operator reads first */
	if (s && s->last_error && s->consecutive_errors)
		printf("    last error (%d in a row): %s\n", s->consecutive_errors, s->last_error);
}

static int unconfigured(const struct core_source_state *s, void *ctx)
{
	struct listing *l = ctx;
	if (!core_config_source(&l->cli->cfg, s->name))
		emit(l, s, NULL, 0, 0);
	return 0;
}

int cmd_sources(struct cli *cli, int argc, char **argv)
{
	struct listing l = {cli, NULL, 0};
	struct core_err err = {0};
	int json = 0, rc;

	if ((rc = cli_json_flag("sources", argc, argv, &json)) || (rc = cli_store(cli)))
		return rc;
	if (json)
		l.json = json_array();
	for (size_t i = 0; i < cli->cfg.n_sources; i++) {
		const struct core_source *cs = &cli->cfg.sources[i];
		struct core_source_state s;
		if (core_db_source_state(cli->db, cs->name, &s, &err)) {
			if (err.code == CORE_EDB) {
				json_decref(l.json);
				return cli_fail(&err);
			}
			memset(&s, 0, sizeof(s));
			s.name = (char *)cs->name;
			s.url = cs->url;
			emit(&l, &s, core_source_type_name(cs->type), 1, cs->enabled);
			continue;
		}
		emit(&l, &s, core_source_type_name(cs->type), 1, cs->enabled);
		core_source_state_release(&s);
	}
	if (core_db_sources_each(cli->db, unconfigured, &l, &err)) {
		json_decref(l.json);
		return cli_fail(&err);
	}
	if (json) {
		json_dumpf(l.json, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(l.json);
	} else if (!l.header) {
		cli_info(cli, "no sources configured or stored\n");
	}
	return 0;
}
