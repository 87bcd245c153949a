/* log.c: one-line log messages on stderr, filtered by level. The daemon's fetch lines
 * and warnings come through here; user-facing output is cli/'s job, not this. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "core.h"

static enum core_log_level level = CORE_LOG_INFO;

void core_log_set_level(enum core_log_level lvl)
{
	level = lvl;
}

enum core_log_level core_log_get_level(void)
{
	return level;
}

void core_log(enum core_log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	char line[2048];
	va_list ap;

	if (lvl > level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "inspraak: %s: %s\n", names[lvl], line);
}
