/* cli.h: private to cli/: the shared state of one inspraak invocation and the helpers
 * every command uses to load the configuration, open the store and report errors. */
#ifndef INSPRAAK_CLI_H
#define INSPRAAK_CLI_H

#include "core.h"

struct cli {
	const char *config_path; /* --config, default "inspraak.json" */
	const char *db_path;     /* --db, overrides the configuration */
	int quiet, verbose;
	struct core_config cfg;
	int cfg_loaded;
	struct core_db *db;
	char **argv; /* main's, for cli_reexec_huge_pages */
};

struct cli_option {
	const char *spelling; /* "--source NAME" */
	const char *help;
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *synopsis; /* the argument line after the name */
	const char *summary;  /* one line for the command list */
	const char *description;
	const struct cli_option *options; /* ends with {0} */
};

extern const struct cli_command cli_commands[];

/* Loads the configuration once; on failure prints the error and returns its exit code. */
int cli_config(struct cli *cli);
/* Loads the configuration and opens the store; returns an exit code (0 = ready). */
int cli_store(struct cli *cli);
/* Prints "inspraak: <message>" on stderr and returns the exit code for err->code. */
int cli_fail(const struct core_err *err);
/* Prints "inspraak CMD: <message>" and a hint, returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For getopt_long's ':' (missing value) and '?' (unknown option): prints and returns 2. */
int cli_opt_error(const char *cmd, int c, char **argv);
/* Parses the options of a command whose only option is --json; returns 0 or an exit code. */
int cli_json_flag(const char *cmd, int argc, char **argv, int *json);
/* Prints the help of one command on out. */
void cli_help_command(const struct cli_command *c, FILE *out);
const struct cli_command *cli_find(const char *name);
/* Parses a positive integer option value; returns -1 when invalid. */
long cli_parse_long(const char *s, long lo, long hi);
/* Starts this process again with glibc's heap on transparent huge pages (main.c says
 * when); returns only when it does not. */
void cli_reexec_huge_pages(const struct cli *cli);
/* Prints out, respecting -q for informational lines. */
void cli_info(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_analyze(struct cli *cli, int argc, char **argv);
int cmd_check_config(struct cli *cli, int argc, char **argv);
int cmd_collect(struct cli *cli, int argc, char **argv);
int cmd_daemon(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_help(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_items(struct cli *cli, int argc, char **argv);
int cmd_review(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_sources(struct cli *cli, int argc, char **argv);
int cmd_stance(struct cli *cli, int argc, char **argv);
int cmd_themes(struct cli *cli, int argc, char **argv);

#endif
