/* outfile.c: how every export file reaches the disk: the folder is created when
 * missing, the content goes to "<name>.tmp", and only a complete, flushed and synced
 * file is renamed into place, so readers never see a half-written export. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"

int exp_mkdirs(const char *dir, struct core_err *err)
{
	char *path = NULL;
	struct stat st;
	int rc = 0;

	if (!dir || !*dir)
		return core_err_set(err, CORE_EUSAGE, "exporting: no output folder given");
	path = core_strdup(dir);
	if (!path)
		return core_err_set(err, CORE_ENOMEM, "creating '%s': out of memory", dir);
	/* Walk the path, creating each missing component in turn. */
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST) {
			rc = core_err_set(err, CORE_ERUNTIME, "cannot create folder '%s': %s", path,
					  strerror(errno));
			goto out;
		}
		*p = saved;
		if (!saved)
			break;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		rc = core_err_set(err, CORE_ERUNTIME, "cannot use '%s' as export folder: %s", dir,
				  stat(dir, &st) != 0 ? strerror(errno) : "not a folder");
out:
	free(path);
	return rc;
}

int exp_file_open(struct exp_file *o, const char *dir, const char *name, struct core_err *err)
{
	memset(o, 0, sizeof(*o));
	o->path = core_asprintf("%s/%s", dir, name);
	o->tmp = core_asprintf("%s/%s.tmp", dir, name);
	if (!o->path || !o->tmp) {
		exp_file_abort(o);
		return core_err_set(err, CORE_ENOMEM, "writing '%s': out of memory", name);
	}
	o->f = fopen(o->tmp, "wb");
	if (!o->f) {
		int rc = core_err_set(err, CORE_ERUNTIME, "cannot write '%s': %s", o->tmp,
				      strerror(errno));
		free(o->tmp);
		free(o->path);
		o->tmp = o->path = NULL;
		return rc;
	}
	return 0;
}

int exp_file_commit(struct exp_file *o, struct core_strlist *written, struct core_err *err)
{
	int rc = 0, bad;

	errno = 0;
	bad = fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0;
	if (fclose(o->f) != 0)
		bad = 1;
	o->f = NULL;
	if (bad) {
		rc = core_err_set(err, CORE_ERUNTIME, "cannot write '%s': %s", o->tmp,
				  errno ? strerror(errno) : "write error");
		goto out;
	}
	if (rename(o->tmp, o->path) != 0) {
		rc = core_err_set(err, CORE_ERUNTIME, "cannot rename '%s' to '%s': %s", o->tmp,
				  o->path, strerror(errno));
		goto out;
	}
	free(o->tmp);
	o->tmp = NULL;
	if (written && core_strlist_push(written, o->path) != 0)
		rc = core_err_set(err, CORE_ENOMEM, "writing '%s': out of memory", o->path);
out:
	exp_file_abort(o);
	return rc;
}

void exp_file_abort(struct exp_file *o)
{
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
}
