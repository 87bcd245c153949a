/* config_locate.h: private to core/: where each JSON path sits in the configuration. */
#ifndef INSPRAAK_CONFIG_LOCATE_H
#define INSPRAAK_CONFIG_LOCATE_H

#include <stddef.h>
#include <stdio.h>

#define CFG_PATH_MAX 512

struct cfg_loc {
	char *path;         /* "$.sources[1].type" */
	int kline, kcol;    /* the member's key (for array elements: the value) */
	int vline, vcol;    /* the value */
};

struct cfg_locs {
	struct cfg_loc *v;
	size_t n, cap;
};

/* Scans text (already accepted by jansson) and records every path. Never fails: on
 * memory shortage some paths are simply missing and messages lose their position. */
void cfg_locate(const char *text, size_t len, struct cfg_locs *out);
const struct cfg_loc *cfg_locate_find(const struct cfg_locs *l, const char *path);
void cfg_locs_release(struct cfg_locs *l);

#endif
