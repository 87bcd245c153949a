/* fuzz_csv.c: `import` of CSV exports (libcsv, delimiter detection, BOM, windows-1252
 * when the first byte asks for it) through col_import_file on a temporary file, as a dry
 * run into a scratch store: any bytes must import or be refused, never crash or leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"

static const char cfg_json[] =
	"{\"vision\": {\"title\": \"V\", \"ambitions\": ["
	" {\"code\": \"A1\", \"title\": \"Digitaal\", \"keywords\": {\"nl\": [\"d\"]}}]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct core_config cfg;
	static struct core_db *db;
	static char path[64];
	struct col_import_opts o = {0};
	struct col_import_report rep = {0};
	struct core_err err = {0};
	FILE *f;

	if (!db) {
		char dbp[80];
		int fd;
		snprintf(path, sizeof(path), "/tmp/inspraak-fuzz-csv-XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
		snprintf(dbp, sizeof(dbp), "%s.db", path);
		if (core_config_parse(cfg_json, strlen(cfg_json), "fuzz.json", &cfg, &err) ||
		    !(db = core_db_open(dbp, &err)))
			abort();
		unlink(dbp); /* the open connection keeps it; nothing is left behind */
	}
	if (!(f = fopen(path, "wb")))
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	o.path = path;
	o.format = COL_FMT_CSV;
	o.source = "fuzz";
	o.dry_run = 1;
	o.encoding = size && (data[0] & 1) ? "windows-1252" : NULL;
	/* Dutch exports name the text column "reactie"; others use the default "text". */
	for (size_t i = 0; i + 7 <= size && i < 200; i++)
		if (!memcmp(data + i, "reactie", 7))
			o.col_text = "reactie";
	if (col_import_file(db, &cfg, &o, &rep, &err) == 0) {
		if (rep.imported + rep.duplicates + rep.rejected > rep.read)
			abort();
	} else if (!err.msg[0]) {
		abort();
	}
	col_import_report_release(&rep);
	return 0;
}
