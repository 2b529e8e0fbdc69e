/* Loading a plug-in of the module (pamsk_plugin.h). */
#include "pamsk_plugin.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sk_log.h"

/* The plug-in's path from the module's own: suffix in place of ".so". */
static int
plugin_path(const char *suffix, char *out, size_t cap, struct stat *module_st)
{
	Dl_info info;
	size_t n;

	if (dladdr((const void *)plugin_path, &info) == 0 || info.dli_fname == NULL ||
	    info.dli_fname[0] != '/') {
		sk_logerr("cannot tell where pam_sekimori is loaded from");
		return -1;
	}
	n = strlen(info.dli_fname);
	if (n < 3 || strcmp(info.dli_fname + n - 3, ".so") != 0 ||
	    snprintf(out, cap, "%.*s%s", (int)(n - 3), info.dli_fname, suffix) >= (int)cap ||
	    stat(info.dli_fname, module_st) != 0) {
		sk_logerr("the module's path %s does not name its plug-ins", info.dli_fname);
		return -1;
	}
	return 0;
}

void *
pamsk_plugin_open(const char *suffix, const char *what)
{
	char path[PATH_MAX];
	struct stat mst, st;
	void *h;

	if (plugin_path(suffix, path, sizeof(path), &mst) != 0)
		return NULL;
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != mst.st_uid ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		sk_logerr("%s %s is missing, or not a regular file owned like the module "
		          "and writable by its owner only", what, path);
		return NULL;
	}
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		sk_logerr("%s %s: %s", what, path, dlerror());
	return h;
}
