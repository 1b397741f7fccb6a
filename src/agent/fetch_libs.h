/*
 * fetch_libs — libcurl and libarchive, bound at run time with dlopen().
 *
 * Why: linked normally, the two libraries pull ~40 shared objects (TLS,
 * Kerberos, LDAP, ICU, compressors ...) into the agent, and so into the
 * spawner and every per-task supervisor they fork: ~250 memory mappings
 * whose page tables each fork copies. Only a task child that actually
 * fetches URIs needs them, so the fetcher loads them there, once.
 *
 * fetcher.c includes this header after <curl/curl.h> and <archive.h> and
 * calls the libraries by their usual names; the macros below route each
 * call through the table fetch_libs_load() filled. The table is the one
 * piece of process-wide state outside a daemon struct: what dlopen loads is
 * process-wide by nature, and it is only ever filled in a task's child.
 */
#ifndef AGORA_AGENT_FETCH_LIBS_H
#define AGORA_AGENT_FETCH_LIBS_H

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <stddef.h>

struct fetch_libs {
	CURLcode (*curl_global_init)(long);
	void (*curl_global_cleanup)(void);
	CURL *(*curl_easy_init)(void);
	CURLcode (*curl_easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*curl_easy_perform)(CURL *);
	CURLcode (*curl_easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*curl_easy_strerror)(CURLcode);
	void (*curl_easy_cleanup)(CURL *);

	struct archive *(*archive_read_new)(void);
	int (*archive_read_support_filter_all)(struct archive *);
	int (*archive_read_support_format_tar)(struct archive *);
	int (*archive_read_support_format_zip)(struct archive *);
	int (*archive_read_support_format_raw)(struct archive *);
	int (*archive_read_open_fd)(struct archive *, int, size_t);
	int (*archive_read_next_header)(struct archive *, struct archive_entry **);
	la_ssize_t (*archive_read_data_block)(struct archive *, const void **, size_t *,
					      la_int64_t *);
	int (*archive_read_free)(struct archive *);
	int (*archive_filter_code)(struct archive *, int);
	const char *(*archive_error_string)(struct archive *);
	struct archive *(*archive_write_disk_new)(void);
	int (*archive_write_disk_set_options)(struct archive *, int);
	int (*archive_write_header)(struct archive *, struct archive_entry *);
	la_ssize_t (*archive_write_data_block)(struct archive *, const void *, size_t,
					       la_int64_t);
	int (*archive_write_finish_entry)(struct archive *);
	int (*archive_write_close)(struct archive *);
	int (*archive_write_free)(struct archive *);
	const char *(*archive_entry_hardlink)(struct archive_entry *);
	const char *(*archive_entry_pathname)(struct archive_entry *);
	__LA_MODE_T (*archive_entry_filetype)(struct archive_entry *);
	__LA_MODE_T (*archive_entry_perm)(struct archive_entry *);
	void (*archive_entry_set_pathname)(struct archive_entry *, const char *);
	void (*archive_entry_set_filetype)(struct archive_entry *, unsigned int);
	void (*archive_entry_set_perm)(struct archive_entry *, __LA_MODE_T);
};

/* Loads both libraries (once per process); 0, or -ENOENT with err naming what failed. */
int fetch_libs_load(char *err, size_t errlen);
/* The loaded table (valid after fetch_libs_load() returned 0). */
const struct fetch_libs *fetch_libs(void);

#ifdef AGORA_FETCH_LIBS_ROUTE
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init (fetch_libs()->curl_global_init)
#define curl_global_cleanup (fetch_libs()->curl_global_cleanup)
#define curl_easy_init (fetch_libs()->curl_easy_init)
#define curl_easy_setopt (fetch_libs()->curl_easy_setopt)
#define curl_easy_perform (fetch_libs()->curl_easy_perform)
#define curl_easy_getinfo (fetch_libs()->curl_easy_getinfo)
#define curl_easy_strerror (fetch_libs()->curl_easy_strerror)
#define curl_easy_cleanup (fetch_libs()->curl_easy_cleanup)
#define archive_read_new (fetch_libs()->archive_read_new)
#define archive_read_support_filter_all (fetch_libs()->archive_read_support_filter_all)
#define archive_read_support_format_tar (fetch_libs()->archive_read_support_format_tar)
#define archive_read_support_format_zip (fetch_libs()->archive_read_support_format_zip)
#define archive_read_support_format_raw (fetch_libs()->archive_read_support_format_raw)
#define archive_read_open_fd (fetch_libs()->archive_read_open_fd)
#define archive_read_next_header (fetch_libs()->archive_read_next_header)
#define archive_read_data_block (fetch_libs()->archive_read_data_block)
#define archive_read_free (fetch_libs()->archive_read_free)
#define archive_filter_code (fetch_libs()->archive_filter_code)
#define archive_error_string (fetch_libs()->archive_error_string)
#define archive_write_disk_new (fetch_libs()->archive_write_disk_new)
#define archive_write_disk_set_options (fetch_libs()->archive_write_disk_set_options)
#define archive_write_header (fetch_libs()->archive_write_header)
#define archive_write_data_block (fetch_libs()->archive_write_data_block)
#define archive_write_finish_entry (fetch_libs()->archive_write_finish_entry)
#define archive_write_close (fetch_libs()->archive_write_close)
#define archive_write_free (fetch_libs()->archive_write_free)
#define archive_entry_hardlink (fetch_libs()->archive_entry_hardlink)
#define archive_entry_pathname (fetch_libs()->archive_entry_pathname)
#define archive_entry_filetype (fetch_libs()->archive_entry_filetype)
#define archive_entry_perm (fetch_libs()->archive_entry_perm)
#define archive_entry_set_pathname (fetch_libs()->archive_entry_set_pathname)
#define archive_entry_set_filetype (fetch_libs()->archive_entry_set_filetype)
#define archive_entry_set_perm (fetch_libs()->archive_entry_set_perm)
#endif

#endif
