/*
 * fetch_libs — see fetch_libs.h. Runs only in a task's child process
 * (through fetcher_fetch), before exec; never on the agent's loop.
 */
#include "agent/fetch_libs.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct {
	struct fetch_libs fns;
	void *curl, *archive;
	int loaded; /* 1 ok, -1 failed */
} libs;

struct binding {
	void *handle_is_archive; /* NULL: libcurl, else libarchive */
	const char *name;
	size_t offset;
};

#define CURL_FN(n) { NULL, #n, offsetof(struct fetch_libs, n) }
#define ARCH_FN(n) { (void *)1, #n, offsetof(struct fetch_libs, n) }

static const struct binding bindings[] = {
	CURL_FN(curl_global_init), CURL_FN(curl_global_cleanup), CURL_FN(curl_easy_init),
	CURL_FN(curl_easy_setopt), CURL_FN(curl_easy_perform), CURL_FN(curl_easy_getinfo),
	CURL_FN(curl_easy_strerror), CURL_FN(curl_easy_cleanup),
	ARCH_FN(archive_read_new), ARCH_FN(archive_read_support_filter_all),
	ARCH_FN(archive_read_support_format_tar), ARCH_FN(archive_read_support_format_zip),
	ARCH_FN(archive_read_support_format_raw), ARCH_FN(archive_read_open_fd),
	ARCH_FN(archive_read_next_header), ARCH_FN(archive_read_data_block),
	ARCH_FN(archive_read_free), ARCH_FN(archive_filter_code), ARCH_FN(archive_error_string),
	ARCH_FN(archive_write_disk_new), ARCH_FN(archive_write_disk_set_options),
	ARCH_FN(archive_write_header), ARCH_FN(archive_write_data_block),
	ARCH_FN(archive_write_finish_entry), ARCH_FN(archive_write_close),
	ARCH_FN(archive_write_free), ARCH_FN(archive_entry_hardlink),
	ARCH_FN(archive_entry_pathname),
	ARCH_FN(archive_entry_filetype), ARCH_FN(archive_entry_perm),
	ARCH_FN(archive_entry_set_pathname), ARCH_FN(archive_entry_set_filetype),
	ARCH_FN(archive_entry_set_perm),
};

int fetch_libs_load(char *err, size_t errlen)
{
	if (libs.loaded > 0)
		return 0;
	libs.curl = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	libs.archive = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
	if (!libs.curl || !libs.archive) {
		snprintf(err, errlen, "cannot load %s: %s", libs.curl ? "libarchive.so.13" :
							 "libcurl.so.4",
			 dlerror());
		libs.loaded = -1;
		return -ENOENT;
	}
	for (size_t i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++) {
		void *h = bindings[i].handle_is_archive ? libs.archive : libs.curl;
		void *sym = dlsym(h, bindings[i].name);
		if (!sym) {
			snprintf(err, errlen, "cannot find %s: %s", bindings[i].name, dlerror());
			libs.loaded = -1;
			return -ENOENT;
		}
		memcpy((char *)&libs.fns + bindings[i].offset, &sym, sizeof(sym));
	}
	libs.loaded = 1;
	return 0;
}

const struct fetch_libs *fetch_libs(void)
{
	return &libs.fns;
}
