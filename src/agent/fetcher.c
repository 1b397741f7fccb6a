/*
 * fetcher — see fetcher.h. Puts a task's URIs into its sandbox.
 *
 * Runs in the task's child process between fork and exec: synchronous,
 * blocking, as the task's user, no event loop and no logging (the caller
 * reports err). It owns nothing that outlives the call.
 *
 * Invariants:
 *  1. Nothing is written outside the sandbox. Destinations are validated
 *     relative paths (no "..", not absolute) opened component by component
 *     from a descriptor of the sandbox with O_NOFOLLOW, so a symlink left
 *     in the sandbox (by an earlier archive, say) is never written through.
 *     Archives are unpacked with libarchive's SECURE_NODOTDOT,
 *     SECURE_SYMLINKS and SECURE_NOABSOLUTEPATHS checks, with the process
 *     cwd set to the sandbox for the duration (and put back after).
 *  2. Every transfer is bounded: FETCH_MAX_BYTES per download,
 *     FETCH_MAX_EXTRACT_BYTES and FETCH_MAX_EXTRACT_ENTRIES per archive,
 *     FETCH_MAX_REDIRECTS redirects, a 30 s connect timeout and a stall
 *     timeout; and all URIs of a task together by the caller's limit (its
 *     disk): every byte written to the sandbox is counted against it, and
 *     the write that would pass it is not made (a gzip bomb stops at the
 *     limit, not at the end of the archive).
 *  3. libcurl speaks http, https and ftp only, redirects included (a
 *     redirect to file:// is refused). file:// URLs and bare absolute paths
 *     are copied with open/read in this process, which is what makes their
 *     errors carry the errno text ("No such file or directory").
 *  4. Archives never restore ownership; setuid/setgid/sticky bits are
 *     dropped and the process umask is applied (what tar does for a
 *     non-root user), so executables stay executable but nothing becomes
 *     world-writable under the usual 022. Device nodes, FIFOs and sockets
 *     in archives are skipped.
 *  5. A failed download leaves no partial file behind.
 */
#include "agent/fetcher.h"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#define AGORA_FETCH_LIBS_ROUTE /* calls go through the dlopen'ed table */
#include "agent/fetch_libs.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json.h"
#include "core/util.h"

#define COPY_CHUNK (64 * 1024)

enum archive_kind { ARCH_NONE = 0, ARCH_TAR, ARCH_ZIP, ARCH_GZ };

struct fetch_item {
	const char *value;
	bool executable;
	bool extract;
	char dest[PATH_MAX];		    /* relative to the sandbox */
	char shown[FETCH_MAX_URI_LEN + 8]; /* value with credentials masked */
};

struct fetch_ctx {
	int sandbox_fd;
	char *err;
	size_t errlen;
	mode_t file_umask; /* applied to archive entries, as tar does for non-root */
	uint64_t budget;   /* bytes all URIs may still write; UINT64_MAX = unbounded */
	const char *limit_what;
	char partial[PATH_MAX]; /* the entry whose data was cut short, relative to the sandbox */
};

#define OVER_BUDGET "stopped: the task's URIs may not take more than"

/* Takes n bytes from the task's budget; false (nothing taken) when they do not fit. */
static bool budget_take(struct fetch_ctx *c, uint64_t n)
{
	if (c->budget == UINT64_MAX)
		return true;
	if (n > c->budget)
		return false;
	c->budget -= n;
	return true;
}

/* A write target for downloads, bounded by max and by the task's budget. */
struct sink {
	int fd;
	uint64_t written;
	uint64_t max;
	int error; /* -errno of the first failure */
	bool over_budget;
	struct fetch_ctx *c;
};

/* Masks the user:password part of a URL's authority as "***"; other text unchanged. */
static void mask_credentials(const char *uri, char *out, size_t outlen)
{
	const char *auth = strstr(uri, "://");
	const char *end, *at = NULL;

	if (!auth) {
		str_copy(out, uri, outlen);
		return;
	}
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at) {
		str_copy(out, uri, outlen);
		return;
	}
	snprintf(out, outlen, "%.*s***%s", (int)(auth - uri), uri, at);
}

/* A relative path whose every segment is a plain name. */
static bool relpath_ok(const char *rel)
{
	const char *seg = rel;
	size_t n;

	if (!*rel || *rel == '/' || strlen(rel) >= PATH_MAX)
		return false;
	for (;;) {
		n = strcspn(seg, "/");
		if (n == 0 || n > NAME_MAX || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (!seg[n])
			return true;
		seg += n + 1;
	}
}

/* The last path segment of a URI or path, query and fragment removed. */
static int uri_basename(const char *value, char *out, size_t outlen)
{
	const char *path = value, *scheme = value[0] == '/' ? NULL : strstr(value, "://");
	size_t len;
	const char *slash;

	if (scheme)
		path = scheme + 3 + strcspn(scheme + 3, "/?#");
	len = strcspn(path, scheme ? "?#" : "");
	slash = memrchr(path, '/', len);
	if (slash) {
		len -= (size_t)(slash + 1 - path);
		path = slash + 1;
	}
	if (len == 0 || len >= outlen)
		return -EINVAL;
	memcpy(out, path, len);
	out[len] = '\0';
	return relpath_ok(out) ? 0 : -EINVAL;
}

static int parse_item(const json_t *entry, size_t index, struct fetch_item *it,
		      struct fetch_ctx *c)
{
	char where[32];
	const char *output_file = NULL;
	bool cache = false;
	struct jerr je;

	jpath_index(where, sizeof(where), "uris", index);
	memset(it, 0, sizeof(*it));
	it->extract = true;
	if (!json_is_object(entry))
		return str_fail(c->err, c->errlen, -EINVAL, "%s: expected an object", where);
	if (jget_str(entry, "value", where, true, FETCH_MAX_URI_LEN, &it->value, &je) < 0 ||
	    jget_bool(entry, "executable", where, false, &it->executable, &je) < 0 ||
	    jget_bool(entry, "extract", where, false, &it->extract, &je) < 0 ||
	    jget_bool(entry, "cache", where, false, &cache, &je) < 0 ||
	    jget_str(entry, "output_file", where, false, PATH_MAX - 1, &output_file, &je) < 0)
		return str_fail(c->err, c->errlen, -EINVAL, "%s", je.msg);
	mask_credentials(it->value, it->shown, sizeof(it->shown));
	if (output_file) {
		if (!relpath_ok(output_file))
			return str_fail(c->err, c->errlen, -EINVAL,
				    "%s.output_file: '%s' must be a relative path inside the "
				    "sandbox, without '..' or '.' segments",
				    where, output_file);
		str_copy(it->dest, output_file, sizeof(it->dest));
	} else if (uri_basename(it->value, it->dest, sizeof(it->dest)) < 0) {
		return str_fail(c->err, c->errlen, -EINVAL,
			    "%s: cannot tell a file name from '%s'; set output_file", where,
			    it->shown);
	}
	return 0;
}

/*
 * Opens sandbox/<rel> for writing without following any symlink, creating
 * missing directories. Returns the fd and the parent directory's fd in
 * *dir_out (caller closes both), or -errno.
 */
static int open_dest(int sandbox_fd, const char *rel, int *dir_out)
{
	char seg[NAME_MAX + 1];
	int dir = dup(sandbox_fd), next, fd, saved;
	size_t n;

	if (dir < 0)
		return -errno;
	for (;;) {
		n = strcspn(rel, "/");
		memcpy(seg, rel, n);
		seg[n] = '\0';
		if (!rel[n])
			break;
		if (mkdirat(dir, seg, 0755) < 0 && errno != EEXIST)
			goto fail;
		next = openat(dir, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			goto fail;
		close(dir);
		dir = next;
		rel += n + 1;
	}
	/* not O_TRUNC: the source may be this very file (see fetch_local) */
	fd = openat(dir, seg, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	*dir_out = dir;
	return fd;
fail:
	saved = errno;
	close(dir);
	return -saved;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * file:///p and file://localhost/p -> "/p", percent-decoded, query and
 * fragment dropped; a bare "/p" is taken literally.
 */
static int local_path(const char *value, char *out, size_t outlen)
{
	bool url = !strncasecmp(value, "file://", 7);
	const char *p = value;
	size_t n = 0;

	if (url) {
		p += 7;
		if (!strncasecmp(p, "localhost/", 10))
			p += 9;
	}
	if (*p != '/')
		return -EINVAL;
	for (; *p && !(url && (*p == '?' || *p == '#')); p++) {
		char ch = *p;
		if (url && ch == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			ch = (char)(hexval(p[1]) * 16 + hexval(p[2]));
			p += 2;
		}
		if (ch == '\0' || n + 1 >= outlen)
			return -EINVAL;
		out[n++] = ch;
	}
	out[n] = '\0';
	return 0;
}

static int fetch_local(struct fetch_item *it, int out_fd, struct fetch_ctx *c)
{
	char path[PATH_MAX];
	struct stat st, dst;
	char *buf = NULL;
	int fd, rc = 0;
	ssize_t n;

	if (local_path(it->value, path, sizeof(path)) < 0)
		return str_fail(c->err, c->errlen, -EINVAL,
			    "fetch %s: only local file:// URLs (file:///path) are supported",
			    it->shown);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return str_fail(c->err, c->errlen, -errno, "fetch %s: %s", it->shown, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = str_fail(c->err, c->errlen, -errno, "fetch %s: %s", it->shown, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = str_fail(c->err, c->errlen, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL, "fetch %s: %s", it->shown,
			  S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > FETCH_MAX_BYTES) {
		rc = str_fail(c->err, c->errlen, -EFBIG, "fetch %s: larger than the %llu-byte limit", it->shown,
			  (unsigned long long)FETCH_MAX_BYTES);
		goto out;
	}
	if (fstat(out_fd, &dst) == 0 && dst.st_dev == st.st_dev && dst.st_ino == st.st_ino)
		goto out; /* already in place: the URI names the sandbox file itself */
	if (c->budget != UINT64_MAX && (uint64_t)st.st_size > c->budget) {
		rc = str_fail(c->err, c->errlen, -EFBIG, "fetch %s: " OVER_BUDGET " %s", it->shown, c->limit_what);
		goto out;
	}
	if (ftruncate(out_fd, 0) < 0) {
		rc = str_fail(c->err, c->errlen, -errno, "fetch %s: truncate %s: %s", it->shown, it->dest,
			  strerror(errno));
		goto out;
	}
	buf = xmalloc(COPY_CHUNK);
	while ((n = read(fd, buf, COPY_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = str_fail(c->err, c->errlen, -errno, "fetch %s: %s", it->shown, strerror(errno));
			goto out;
		}
		if (!budget_take(c, (uint64_t)n)) {
			rc = str_fail(c->err, c->errlen, -EFBIG, "fetch %s: " OVER_BUDGET " %s", it->shown,
				  c->limit_what);
			goto out;
		}
		if ((rc = fd_write_all(out_fd, buf, (size_t)n)) < 0) {
			rc = str_fail(c->err, c->errlen, rc, "fetch %s: write %s: %s", it->shown, it->dest,
				  strerror(-rc));
			goto out;
		}
	}
out:
	free(buf);
	close(fd);
	return rc;
}

static size_t curl_sink(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;
	int rc;

	if (s->written + n > s->max) {
		s->error = -EFBIG;
		return 0;
	}
	if (!budget_take(s->c, n)) {
		s->error = -EFBIG;
		s->over_budget = true;
		return 0;
	}
	if ((rc = fd_write_all(s->fd, data, n)) < 0) {
		s->error = rc;
		return 0;
	}
	s->written += n;
	return n;
}

static void curl_configure(CURL *h, const char *url, struct sink *s, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)FETCH_CONNECT_TIMEOUT_SECS);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)FETCH_STALL_SECS);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)FETCH_MAX_BYTES);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "agora-fetcher");
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,ftp");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https,ftp");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FTP);
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS,
			 CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FTP);
#endif
}

static int fetch_curl(struct fetch_item *it, int out_fd, struct fetch_ctx *c)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink s = { out_fd, 0, FETCH_MAX_BYTES, 0, false, c };
	CURL *h = curl_easy_init();
	CURLcode rc;
	long status = 0;
	int ret = 0;

	if (!h)
		return str_fail(c->err, c->errlen, -ENOMEM, "fetch %s: cannot initialise libcurl", it->shown);
	if (ftruncate(out_fd, 0) < 0) {
		ret = str_fail(c->err, c->errlen, -errno, "fetch %s: truncate %s: %s", it->shown, it->dest,
			   strerror(errno));
		goto out;
	}
	curl_configure(h, it->value, &s, errbuf);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		goto out;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_HTTP_RETURNED_ERROR)
		ret = str_fail(c->err, c->errlen, -EIO, "fetch %s: HTTP %ld", it->shown, status);
	else if (s.over_budget)
		ret = str_fail(c->err, c->errlen, -EFBIG, "fetch %s: " OVER_BUDGET " %s", it->shown, c->limit_what);
	else if (rc == CURLE_FILESIZE_EXCEEDED || s.error == -EFBIG)
		ret = str_fail(c->err, c->errlen, -EFBIG, "fetch %s: larger than the %llu-byte limit", it->shown,
			   (unsigned long long)FETCH_MAX_BYTES);
	else if (s.error)
		ret = str_fail(c->err, c->errlen, s.error, "fetch %s: write %s: %s", it->shown, it->dest,
			   strerror(-s.error));
	else if (rc == CURLE_TOO_MANY_REDIRECTS)
		ret = str_fail(c->err, c->errlen, -ELOOP, "fetch %s: more than %d redirects", it->shown,
			   FETCH_MAX_REDIRECTS);
	else
		ret = str_fail(c->err, c->errlen, -EIO, "fetch %s: %s", it->shown,
			   errbuf[0] ? errbuf : curl_easy_strerror(rc));
out:
	curl_easy_cleanup(h);
	return ret;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && !strcasecmp(s + n - m, suffix);
}

static enum archive_kind archive_kind_of(const char *name)
{
	static const char *const tars[] = { ".tar", ".tar.gz", ".tgz", ".tar.bz2",
					    ".tbz2", ".tar.xz", ".txz" };
	for (size_t i = 0; i < ARRAY_LEN(tars); i++)
		if (ends_with_ci(name, tars[i]))
			return ARCH_TAR;
	if (ends_with_ci(name, ".zip"))
		return ARCH_ZIP;
	if (ends_with_ci(name, ".gz"))
		return ARCH_GZ;
	return ARCH_NONE;
}

static int copy_data(struct archive *in, struct archive *out, uint64_t *total, const char *name,
		     struct fetch_ctx *c)
{
	const void *buf;
	size_t size;
	la_int64_t offset;
	int r;

	for (;;) {
		r = archive_read_data_block(in, &buf, &size, &offset);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return str_fail(c->err, c->errlen, -EIO, "extract %s: %s", name, archive_error_string(in));
		*total += size;
		if (*total > FETCH_MAX_EXTRACT_BYTES)
			return str_fail(c->err, c->errlen, -EFBIG, "extract %s: unpacks to more than %llu bytes", name,
				    (unsigned long long)FETCH_MAX_EXTRACT_BYTES);
		if (!budget_take(c, size))
			return str_fail(c->err, c->errlen, -EFBIG, "extract %s: " OVER_BUDGET " %s", name,
				    c->limit_what);
		if (archive_write_data_block(out, buf, size, offset) < ARCHIVE_WARN)
			return str_fail(c->err, c->errlen, -EIO, "extract %s: %s", name, archive_error_string(out));
	}
}

/* gz_name: for ARCH_GZ, the single output file's name; NULL otherwise. */
static int copy_entries(struct archive *in, struct archive *out, const char *name,
			const char *gz_name, struct fetch_ctx *c)
{
	struct archive_entry *e;
	uint64_t total = 0;
	size_t count = 0;
	int r, type;

	while ((r = archive_read_next_header(in, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN)
			return str_fail(c->err, c->errlen, -EIO, "extract %s: %s", name, archive_error_string(in));
		if (++count > FETCH_MAX_EXTRACT_ENTRIES)
			return str_fail(c->err, c->errlen, -EFBIG, "extract %s: more than %d entries", name,
				    FETCH_MAX_EXTRACT_ENTRIES);
		if (gz_name) {
			if (archive_filter_code(in, 0) != ARCHIVE_FILTER_GZIP)
				return str_fail(c->err, c->errlen, -EINVAL, "extract %s: not gzip data", name);
			archive_entry_set_pathname(e, gz_name);
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
		}
		type = (int)archive_entry_filetype(e);
		if (!archive_entry_hardlink(e) && type != AE_IFREG && type != AE_IFDIR &&
		    type != AE_IFLNK)
			continue;
		archive_entry_set_perm(e, archive_entry_perm(e) & 0777 & ~c->file_umask);
		if (archive_write_header(out, e) < ARCHIVE_WARN)
			return str_fail(c->err, c->errlen, -EPERM, "extract %s: %s", name, archive_error_string(out));
		if ((r = copy_data(in, out, &total, name, c)) < 0) {
			str_copy(c->partial, archive_entry_pathname(e), sizeof(c->partial));
			return r;
		}
		if (archive_write_finish_entry(out) < ARCHIVE_WARN)
			return str_fail(c->err, c->errlen, -EIO, "extract %s: %s", name, archive_error_string(out));
	}
	return 0;
}

#define EXTRACT_FLAGS                                                                           \
	(ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |        \
	 ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS)

/* Unpacks the archive open at fd into the sandbox (the cwd while it runs). */
static int extract(struct fetch_item *it, int fd, enum archive_kind kind, struct fetch_ctx *c)
{
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	const char *leaf = strrchr(it->dest, '/') ? strrchr(it->dest, '/') + 1 : it->dest;
	char gz_name[NAME_MAX + 1];
	int cwd = -1, rc;

	if (!in || !out) {
		rc = str_fail(c->err, c->errlen, -ENOMEM, "extract %s: out of memory", leaf);
		goto out;
	}
	archive_read_support_filter_all(in);
	if (kind == ARCH_TAR)
		archive_read_support_format_tar(in);
	else if (kind == ARCH_ZIP)
		archive_read_support_format_zip(in);
	else
		archive_read_support_format_raw(in);
	archive_write_disk_set_options(out, EXTRACT_FLAGS);
	if (kind == ARCH_GZ) /* "x.gz" -> "x"; archive_kind_of() saw the suffix */
		snprintf(gz_name, sizeof(gz_name), "%.*s", (int)(strlen(leaf) - 3), leaf);
	if (lseek(fd, 0, SEEK_SET) < 0 ||
	    (cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fchdir(c->sandbox_fd) < 0) {
		rc = str_fail(c->err, c->errlen, -errno, "extract %s: %s", leaf, strerror(errno));
		goto out;
	}
	if (archive_read_open_fd(in, fd, COPY_CHUNK) != ARCHIVE_OK) {
		rc = str_fail(c->err, c->errlen, -EIO, "extract %s: %s", leaf, archive_error_string(in));
		goto out;
	}
	rc = copy_entries(in, out, leaf, kind == ARCH_GZ ? gz_name : NULL, c);
	if (archive_write_close(out) < ARCHIVE_WARN && rc == 0)
		rc = str_fail(c->err, c->errlen, -EIO, "extract %s: %s", leaf, archive_error_string(out));
out:
	if (cwd >= 0) {
		if (fchdir(cwd) < 0 && rc == 0)
			rc = str_fail(c->err, c->errlen, -errno, "extract %s: cannot return to the previous directory",
				  leaf);
		close(cwd);
	}
	archive_read_free(in);
	archive_write_free(out);
	/*
	 * libarchive sizes a file to its header when the entry is closed: a
	 * cut-short entry would stay as a sparse file of the full size.
	 */
	if (c->partial[0])
		unlinkat(c->sandbox_fd, c->partial, 0);
	c->partial[0] = '\0';
	return rc;
}

static bool is_network(const char *value)
{
	return !strncasecmp(value, "http://", 7) || !strncasecmp(value, "https://", 8) ||
	       !strncasecmp(value, "ftp://", 6);
}

static int fetch_one(struct fetch_item *it, struct fetch_ctx *c)
{
	const char *leaf = strrchr(it->dest, '/') ? strrchr(it->dest, '/') + 1 : it->dest;
	enum archive_kind kind = it->extract ? archive_kind_of(leaf) : ARCH_NONE;
	int dir = -1, fd, rc;

	if (!is_network(it->value) && it->value[0] != '/' && strncasecmp(it->value, "file://", 7))
		return str_fail(c->err, c->errlen, -EPROTONOSUPPORT,
			    "fetch %s: unsupported scheme; use http://, https://, ftp://, "
			    "file:// or an absolute path",
			    it->shown);
	fd = open_dest(c->sandbox_fd, it->dest, &dir);
	if (fd < 0)
		return str_fail(c->err, c->errlen, fd, "fetch %s: cannot create %s in the sandbox: %s", it->shown,
			    it->dest, fd == -ELOOP ? "a symlink is in the way" : strerror(-fd));
	rc = is_network(it->value) ? fetch_curl(it, fd, c) : fetch_local(it, fd, c);
	if (rc < 0) {
		unlinkat(dir, leaf, 0);
		goto out;
	}
	if (it->executable) {
		if (fchmod(fd, 0755) < 0)
			rc = str_fail(c->err, c->errlen, -errno, "fetch %s: chmod %s: %s", it->shown, it->dest,
				  strerror(errno));
		goto out;
	}
	if (kind != ARCH_NONE)
		rc = extract(it, fd, kind, c);
out:
	close(fd);
	close(dir);
	return rc;
}

int fetcher_fetch(const json_t *uris, const char *sandbox, const struct fetch_limit *limit,
		  char *err, size_t errlen)
{
	struct fetch_ctx c = { -1, err, errlen, umask(022), UINT64_MAX, "", "" };
	struct fetch_item *it = xmalloc(sizeof(*it));
	const json_t *entry;
	size_t i;
	int rc = 0;

	umask(c.file_umask); /* umask() can only be read by setting it */
	if (limit && limit->bytes) {
		c.budget = limit->bytes;
		c.limit_what = limit->what ? limit->what : "the task's fetch limit";
	}
	err[0] = '\0';
	if (!uris || json_is_null(uris))
		goto out;
	if (!json_is_array(uris)) {
		rc = str_fail(c.err, c.errlen, -EINVAL, "uris: expected an array");
		goto out;
	}
	if (json_array_size(uris) > FETCH_MAX_URIS) {
		rc = str_fail(c.err, c.errlen, -EINVAL, "uris: more than %d entries", FETCH_MAX_URIS);
		goto out;
	}
	c.sandbox_fd = open(sandbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.sandbox_fd < 0) {
		rc = str_fail(c.err, c.errlen, -errno, "sandbox %s: %s", sandbox, strerror(errno));
		goto out;
	}
	{
		char why[512];
		if (fetch_libs_load(why, sizeof(why)) < 0) {
			rc = str_fail(c.err, c.errlen, -ENOENT, "fetch: %s", why);
			goto out;
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	json_array_foreach(uris, i, entry) {
		if ((rc = parse_item(entry, i, it, &c)) < 0 || (rc = fetch_one(it, &c)) < 0)
			break;
	}
	curl_global_cleanup();
out:
	if (c.sandbox_fd >= 0)
		close(c.sandbox_fd);
	free(it);
	return rc;
}
