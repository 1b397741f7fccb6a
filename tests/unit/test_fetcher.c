/*
 * Unit tests for agent/fetcher: local and HTTP fetches, output_file and its
 * refusals, the executable bit, archive extraction (tar.gz, zip, gz, xz)
 * and the archive attacks libarchive's secure flags must stop, the task's
 * byte limit over all its URIs (gzip bombs, big downloads), and the error
 * texts a person reads.
 *
 * Archives are built here with libarchive's writer; HTTP is a real evhttp
 * server on a loopback port, run in a forked child for the test's length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/fetcher.h"
#include "core/util.h"

struct fx {
	char root[PATH_MAX];	/* everything lives under here */
	char sandbox[PATH_MAX]; /* root/sandbox */
	char src[PATH_MAX];	/* root/src: files to fetch */
	char outside[PATH_MAX]; /* root/outside: must stay empty */
	char err[1024];
	pid_t httpd;
	int port;
	struct fetch_limit limit; /* bytes 0 = none */
};

/* ---- helpers ---- */

static void path_of(char *out, const char *dir, const char *name)
{
	assert_int_equal(str_printf(out, PATH_MAX, "%s/%s", dir, name), 0);
}

static void put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char p[PATH_MAX];
	path_of(p, dir, name);
	assert_int_equal(file_write_atomic(p, text, strlen(text), (int)mode), 0);
}

static char *get(const char *dir, const char *name)
{
	char p[PATH_MAX], *data = NULL;
	path_of(p, dir, name);
	if (file_read_all(p, 1 << 20, &data, NULL) < 0)
		return NULL;
	return data;
}

static void assert_file(const char *dir, const char *name, const char *text)
{
	char *data = get(dir, name);
	if (!data)
		fail_msg("%s/%s is missing", dir, name);
	assert_string_equal(data, text);
	free(data);
}

static bool exists(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;
	path_of(p, dir, name);
	return lstat(p, &st) == 0;
}

static mode_t perm_of(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;
	path_of(p, dir, name);
	assert_int_equal(stat(p, &st), 0);
	return st.st_mode & 07777;
}

static bool dir_empty(const char *dir)
{
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", dir);
	return system(cmd) == 0;
}

/* Runs fetcher_fetch on JSON text (printf-formatted); returns its result. */
static int fetch(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fetch(struct fx *f, const char *fmt, ...)
{
	char text[8192];
	json_error_t je;
	json_t *uris;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	uris = json_loads(text, JSON_DECODE_ANY, &je);
	if (!uris)
		fail_msg("bad test JSON %s: %s", text, je.text);
	rc = fetcher_fetch(uris, f->sandbox, &f->limit, f->err, sizeof(f->err));
	json_decref(uris);
	return rc;
}

struct ent {
	const char *name;
	const char *content; /* regular file content, or NULL */
	mode_t mode;	     /* with the type bits (S_IFREG|0644, S_IFDIR|0755, ...) */
	const char *link;    /* symlink target (S_IFLNK) or hardlink target (S_IFREG) */
};

/* Writes an archive with libarchive; false when this libarchive cannot. */
static bool make_archive(const char *path, int format, int filter, const struct ent *ents,
			 size_t n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	bool ok = true;

	if (archive_write_set_format(a, format) != ARCHIVE_OK ||
	    archive_write_add_filter(a, filter) != ARCHIVE_OK) {
		archive_write_free(a);
		return false;
	}
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		size_t len = ents[i].content ? strlen(ents[i].content) : 0;
		e = archive_entry_new();
		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_mode(e, ents[i].mode);
		archive_entry_set_size(e, (la_int64_t)len);
		archive_entry_set_mtime(e, 1700000000, 0);
		if (ents[i].link && S_ISLNK(ents[i].mode))
			archive_entry_set_symlink(e, ents[i].link);
		else if (ents[i].link)
			archive_entry_set_hardlink(e, ents[i].link);
		if (archive_write_header(a, e) != ARCHIVE_OK)
			ok = false;
		if (len)
			archive_write_data(a, ents[i].content, len);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	assert_true(ok);
	return true;
}

/* ---- a real HTTP server in a child process ---- */

static void httpd_cb(struct evhttp_request *req, void *arg)
{
	struct fx *f = arg;
	const char *uri = evhttp_request_get_uri(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *body = evbuffer_new();
	char *data;

	if (!strcmp(uri, "/hello.txt")) {
		evbuffer_add_printf(body, "hello over http\n");
		evhttp_send_reply(req, 200, "OK", body);
	} else if (!strcmp(uri, "/redirect")) {
		evhttp_add_header(out, "Location", "/hello.txt");
		evhttp_send_reply(req, 302, "Found", body);
	} else if (!strcmp(uri, "/loop")) {
		evhttp_add_header(out, "Location", "/loop");
		evhttp_send_reply(req, 302, "Found", body);
	} else if (!strcmp(uri, "/to-file")) {
		evhttp_add_header(out, "Location", "file:///etc/hostname");
		evhttp_send_reply(req, 302, "Found", body);
	} else if (!strncmp(uri, "/src/", 5) && !strchr(uri + 5, '/') &&
		   (data = get(f->src, uri + 5))) {
		char p[PATH_MAX];
		struct stat st;
		path_of(p, f->src, uri + 5);
		stat(p, &st);
		free(data);
		evbuffer_add_file(body, open(p, O_RDONLY), 0, st.st_size);
		evhttp_send_reply(req, 200, "OK", body);
	} else {
		evhttp_send_reply(req, 404, "Not Found", body);
	}
	evbuffer_free(body);
}

static void httpd_start(struct fx *f)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	f->port = ntohs(sa.sin_port);
	f->httpd = fork();
	assert_true(f->httpd >= 0);
	if (f->httpd == 0) {
		struct event_base *base = event_base_new();
		struct evhttp *http = evhttp_new(base);
		evutil_make_socket_nonblocking(fd);
		evhttp_accept_socket(http, fd);
		evhttp_set_gencb(http, httpd_cb, f);
		event_base_dispatch(base);
		_exit(0);
	}
	close(fd);
}

/* ---- fixture ---- */

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	str_copy(f->root, "/tmp/agora-fetch-XXXXXX", sizeof(f->root));
	if (!mkdtemp(f->root))
		return -1;
	path_of(f->sandbox, f->root, "sandbox");
	path_of(f->src, f->root, "src");
	path_of(f->outside, f->root, "outside");
	if (mkdir(f->sandbox, 0755) || mkdir(f->src, 0755) || mkdir(f->outside, 0755))
		return -1;
	put(f->src, "hello.txt", "hello\n", 0644);
	umask(022);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f->httpd > 0) {
		kill(f->httpd, SIGKILL);
		waitpid(f->httpd, NULL, 0);
	}
	remove_tree(f->root);
	free(f);
	return 0;
}

/* ---- local fetches ---- */

static void test_file_url(void **state)
{
	struct fx *f = *state;
	assert_int_equal(fetch(f, "[{\"value\": \"file://%s/hello.txt\"}]", f->src), 0);
	assert_file(f->sandbox, "hello.txt", "hello\n");
	assert_int_equal(perm_of(f->sandbox, "hello.txt") & 0111, 0);
}

static void test_bare_path_and_nulls(void **state)
{
	struct fx *f = *state;
	put(f->src, "a b#c?.txt", "odd name\n", 0644);
	assert_int_equal(fetch(f,
			       "[{\"value\": \"%s/a b#c?.txt\", \"executable\": null, "
			       "\"extract\": null, \"cache\": null, \"output_file\": null}]",
			       f->src),
			 0);
	assert_file(f->sandbox, "a b#c?.txt", "odd name\n");
	/* percent-escapes are decoded in file:// URLs only */
	assert_int_equal(fetch(f,
			       "[{\"value\": \"file://localhost%s/a%%20b%%23c%%3F.txt\", "
			       "\"output_file\": \"decoded.txt\"}]",
			       f->src),
			 0);
	assert_file(f->sandbox, "decoded.txt", "odd name\n");
	assert_int_equal(fetch(f, "null"), 0);
	assert_int_equal(fetch(f, "[]"), 0);
}

static void test_executable_bit(void **state)
{
	struct fx *f = *state;
	put(f->src, "tool.sh", "#!/bin/sh\necho hi\n", 0644);
	assert_int_equal(fetch(f, "[{\"value\": \"%s/tool.sh\", \"executable\": true}]", f->src),
			 0);
	assert_int_equal(perm_of(f->sandbox, "tool.sh"), 0755);
}

static void test_output_file(void **state)
{
	struct fx *f = *state;
	char sub[PATH_MAX];
	assert_int_equal(fetch(f,
			       "[{\"value\": \"%s/hello.txt\", \"output_file\": \"renamed.txt\"},"
			       " {\"value\": \"%s/hello.txt\", \"output_file\": \"a/b/deep.txt\"}]",
			       f->src, f->src),
			 0);
	assert_file(f->sandbox, "renamed.txt", "hello\n");
	path_of(sub, f->sandbox, "a/b");
	assert_file(sub, "deep.txt", "hello\n");
	assert_false(exists(f->sandbox, "hello.txt"));
}

static void test_overwrite_and_self_fetch(void **state)
{
	struct fx *f = *state;
	put(f->sandbox, "hello.txt", "an older, longer content\n", 0644);
	assert_int_equal(fetch(f, "[{\"value\": \"%s/hello.txt\"}]", f->src), 0);
	assert_file(f->sandbox, "hello.txt", "hello\n");
	/* a URI naming the sandbox file itself leaves it intact */
	assert_int_equal(fetch(f, "[{\"value\": \"%s/hello.txt\"}]", f->sandbox), 0);
	assert_file(f->sandbox, "hello.txt", "hello\n");
}

static void test_output_file_escapes_refused(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = { "../x",	 "a/../../x", "/tmp/x", "", "a/./b",
					   "a//b",	 "a/",	      ".",	"..",
					   "../outside/x" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		assert_int_equal(fetch(f,
				       "[{\"value\": \"%s/hello.txt\", \"output_file\": \"%s\"}]",
				       f->src, bad[i]),
				 -EINVAL);
		assert_non_null(strstr(f->err, "uris[0].output_file: '"));
		assert_non_null(strstr(f->err, "must be a relative path inside the sandbox"));
	}
	assert_true(dir_empty(f->sandbox));
	assert_true(dir_empty(f->outside));
}

static void test_symlink_in_the_way(void **state)
{
	struct fx *f = *state;
	char link[PATH_MAX];

	path_of(link, f->sandbox, "out");
	assert_int_equal(symlink(f->outside, link), 0);
	assert_int_equal(
		fetch(f, "[{\"value\": \"%s/hello.txt\", \"output_file\": \"out/x.txt\"}]", f->src),
		-ENOTDIR);
	assert_true(dir_empty(f->outside));

	path_of(link, f->sandbox, "victim.txt");
	assert_int_equal(symlink("../outside/victim.txt", link), 0);
	assert_int_equal(
		fetch(f, "[{\"value\": \"%s/hello.txt\", \"output_file\": \"victim.txt\"}]", f->src),
		-ELOOP);
	assert_non_null(strstr(f->err, "cannot create victim.txt in the sandbox: a symlink is "
				       "in the way"));
	assert_true(dir_empty(f->outside));
}

static void test_error_texts(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "[{\"value\": \"file:///nope/missing.txt\"}]"), -ENOENT);
	assert_string_equal(f->err, "fetch file:///nope/missing.txt: No such file or directory");
	assert_false(exists(f->sandbox, "missing.txt")); /* no partial file left */

	assert_int_equal(fetch(f, "[{\"value\": \"/nope/bare.txt\"}]"), -ENOENT);
	assert_string_equal(f->err, "fetch /nope/bare.txt: No such file or directory");

	assert_int_equal(fetch(f, "[{\"value\": \"%s\", \"output_file\": \"d\"}]", f->src),
			 -EISDIR);
	assert_non_null(strstr(f->err, ": Is a directory"));

	assert_int_equal(fetch(f, "[{\"value\": \"hdfs://nn/x.tgz\"}]"), -EPROTONOSUPPORT);
	assert_string_equal(f->err, "fetch hdfs://nn/x.tgz: unsupported scheme; use http://, "
				    "https://, ftp://, file:// or an absolute path");

	assert_int_equal(fetch(f, "[{\"value\": \"file://otherhost/x\"}]"), -EINVAL);
	assert_non_null(strstr(f->err, "only local file:// URLs"));

	assert_int_equal(fetch(f, "[{\"value\": \"http://example.invalid/\"}]"), -EINVAL);
	assert_string_equal(f->err, "uris[0]: cannot tell a file name from "
				    "'http://example.invalid/'; set output_file");
}

static void test_bad_json(void **state)
{
	struct fx *f = *state;
	assert_int_equal(fetch(f, "{\"value\": \"x\"}"), -EINVAL);
	assert_string_equal(f->err, "uris: expected an array");
	assert_int_equal(fetch(f, "[{\"executable\": true}]"), -EINVAL);
	assert_string_equal(f->err, "uris[0].value: required field is missing");
	assert_int_equal(fetch(f, "[{\"value\": \"/x\"}, {\"value\": \"/y\", \"extract\": \"no\"}]"),
			 -ENOENT); /* the first entry fails first */
	assert_int_equal(fetch(f, "[{\"value\": \"%s/hello.txt\"}, {\"value\": \"/y\", "
				  "\"extract\": \"no\"}]",
			       f->src),
			 -EINVAL);
	assert_string_equal(f->err, "uris[1].extract: expected true or false");
	assert_int_equal(fetch(f, "[7]"), -EINVAL);
	assert_string_equal(f->err, "uris[0]: expected an object");
}

static void test_stops_at_first_failure(void **state)
{
	struct fx *f = *state;
	assert_int_equal(fetch(f, "[{\"value\": \"/nope\"}, {\"value\": \"%s/hello.txt\"}]", f->src),
			 -ENOENT);
	assert_false(exists(f->sandbox, "hello.txt"));
}

/* ---- archives ---- */

static const struct ent good_tree[] = {
	{ "top.txt", "top\n", S_IFREG | 0644, NULL },
	{ "dir", NULL, S_IFDIR | 0755, NULL },
	{ "dir/run.sh", "#!/bin/sh\n", S_IFREG | 0755, NULL },
	{ "dir/suid", "x", S_IFREG | 04755, NULL },
	{ "dir/open", "x", S_IFREG | 0666, NULL },
	{ "dir/link", NULL, S_IFLNK | 0777, "run.sh" },
	{ "dir/fifo", NULL, S_IFIFO | 0644, NULL },
};

static void check_good_tree(struct fx *f)
{
	char dir[PATH_MAX], target[64] = "";
	path_of(dir, f->sandbox, "dir");
	assert_file(f->sandbox, "top.txt", "top\n");
	assert_file(dir, "run.sh", "#!/bin/sh\n");
	assert_int_equal(perm_of(dir, "run.sh"), 0755);
	assert_int_equal(perm_of(dir, "suid"), 0755); /* setuid dropped */
	assert_int_equal(perm_of(dir, "open"), 0644); /* umask 022 applied */
	path_of(dir, f->sandbox, "dir/link");
	assert_int_equal(readlink(dir, target, sizeof(target) - 1), 6);
	assert_string_equal(target, "run.sh");
	assert_false(exists(f->sandbox, "dir/fifo"));
}

static void test_tar_gz_extract(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	path_of(p, f->src, "bundle.tar.gz");
	assert_true(make_archive(p, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP,
				 good_tree, ARRAY_LEN(good_tree)));
	assert_int_equal(fetch(f, "[{\"value\": \"file://%s\"}]", p), 0);
	check_good_tree(f);
	assert_true(exists(f->sandbox, "bundle.tar.gz")); /* the archive stays, as in Mesos */
}

static void test_tgz_by_output_file_and_other_filters(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	const struct ent one[] = { { "inner.txt", "inner\n", S_IFREG | 0644, NULL } };

	path_of(p, f->src, "download");
	assert_true(make_archive(p, ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP, one, 1));
	assert_int_equal(fetch(f, "[{\"value\": \"%s\", \"output_file\": \"x.tgz\"}]", p), 0);
	assert_file(f->sandbox, "inner.txt", "inner\n");

	path_of(p, f->src, "plain.tar");
	assert_true(make_archive(p, ARCHIVE_FORMAT_TAR_GNUTAR, ARCHIVE_FILTER_NONE, one, 1));
	path_of(p, f->sandbox, "inner.txt");
	unlink(p);
	path_of(p, f->src, "plain.tar");
	assert_int_equal(fetch(f, "[{\"value\": \"%s\"}]", p), 0);
	assert_file(f->sandbox, "inner.txt", "inner\n");

	path_of(p, f->src, "comp.tar.xz");
	if (make_archive(p, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_XZ, good_tree,
			 ARRAY_LEN(good_tree))) {
		assert_int_equal(fetch(f, "[{\"value\": \"%s\"}]", p), 0);
		check_good_tree(f);
	}
	path_of(p, f->src, "comp.tbz2");
	if (make_archive(p, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_BZIP2, good_tree,
			 ARRAY_LEN(good_tree))) {
		assert_int_equal(fetch(f, "[{\"value\": \"%s\"}]", p), 0);
		check_good_tree(f);
	}
}

static void test_extract_false_and_executable_skip_extraction(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	path_of(p, f->src, "bundle.tgz");
	assert_true(make_archive(p, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP,
				 good_tree, ARRAY_LEN(good_tree)));
	assert_int_equal(fetch(f, "[{\"value\": \"%s\", \"extract\": false}]", p), 0);
	assert_true(exists(f->sandbox, "bundle.tgz"));
	assert_false(exists(f->sandbox, "top.txt"));
	assert_int_equal(fetch(f, "[{\"value\": \"%s\", \"executable\": true}]", p), 0);
	assert_false(exists(f->sandbox, "top.txt"));
	assert_int_equal(perm_of(f->sandbox, "bundle.tgz"), 0755);
}

static void test_zip_extract(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	const struct ent z[] = {
		{ "z.txt", "zipped\n", S_IFREG | 0644, NULL },
		{ "zdir/", NULL, S_IFDIR | 0755, NULL },
		{ "zdir/tool", "#!/bin/sh\n", S_IFREG | 0755, NULL },
	};
	path_of(p, f->src, "pack.zip");
	assert_true(make_archive(p, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, z, ARRAY_LEN(z)));
	assert_int_equal(fetch(f, "[{\"value\": \"%s\"}]", p), 0);
	assert_file(f->sandbox, "z.txt", "zipped\n");
	path_of(p, f->sandbox, "zdir");
	assert_file(p, "tool", "#!/bin/sh\n");
	assert_int_equal(perm_of(p, "tool"), 0755);
}

static void test_gz_single_file(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	const struct ent raw[] = { { "data", "gunzipped text\n", S_IFREG | 0644, NULL } };
	path_of(p, f->src, "notes.txt.gz");
	assert_true(make_archive(p, ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, raw, 1));
	assert_int_equal(fetch(f, "[{\"value\": \"%s\"}]", p), 0);
	assert_file(f->sandbox, "notes.txt", "gunzipped text\n");
	assert_true(exists(f->sandbox, "notes.txt.gz"));

	put(f->src, "fake.gz", "not gzip at all", 0644);
	assert_int_equal(fetch(f, "[{\"value\": \"%s/fake.gz\"}]", f->src), -EINVAL);
	assert_string_equal(f->err, "extract fake.gz: not gzip data");
}

static void expect_extract_refused(struct fx *f, const char *name, const struct ent *ents,
				   size_t n)
{
	char p[PATH_MAX], prefix[NAME_MAX + 16];
	path_of(p, f->src, name);
	assert_true(make_archive(p, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, ents,
				 n));
	assert_true(fetch(f, "[{\"value\": \"%s\"}]", p) < 0);
	snprintf(prefix, sizeof(prefix), "extract %s: ", name);
	if (strncmp(f->err, prefix, strlen(prefix)))
		fail_msg("unexpected error text: %s", f->err);
	assert_true(dir_empty(f->outside));
}

static void test_archive_escapes_refused(void **state)
{
	struct fx *f = *state;
	char abs[PATH_MAX], deep[PATH_MAX];
	path_of(abs, f->outside, "abs.txt");
	path_of(deep, f->outside, "pwned");

	const struct ent dotdot[] = { { "../outside/dotdot.txt", "x", S_IFREG | 0644, NULL } };
	const struct ent absolute[] = { { abs, "x", S_IFREG | 0644, NULL } };
	const struct ent through_link[] = {
		{ "ln", NULL, S_IFLNK | 0777, f->outside },
		{ "ln/pwned", "x", S_IFREG | 0644, NULL },
	};
	const struct ent hardlink_out[] = { { "hl", NULL, S_IFREG | 0644, deep } };
	const struct ent hardlink_up[] = { { "hl2", NULL, S_IFREG | 0644, "../outside/x" } };

	expect_extract_refused(f, "dotdot.tgz", dotdot, 1);
	expect_extract_refused(f, "abs.tgz", absolute, 1);
	expect_extract_refused(f, "link.tgz", through_link, 2);
	expect_extract_refused(f, "hardlink.tgz", hardlink_out, 1);
	expect_extract_refused(f, "hardlink2.tgz", hardlink_up, 1);
	assert_false(exists(f->root, "dotdot.txt"));
}

static void test_corrupt_archive(void **state)
{
	struct fx *f = *state;
	put(f->src, "broken.tar.gz", "\x1f\x8b garbage that is not a gzip stream", 0644);
	assert_true(fetch(f, "[{\"value\": \"%s/broken.tar.gz\"}]", f->src) < 0);
	assert_non_null(strstr(f->err, "extract broken.tar.gz: "));
}

/* ---- HTTP ---- */

static void test_http(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	httpd_start(f);
	assert_int_equal(fetch(f, "[{\"value\": \"http://127.0.0.1:%d/hello.txt\"}]", f->port), 0);
	assert_file(f->sandbox, "hello.txt", "hello over http\n");

	assert_int_equal(fetch(f, "[{\"value\": \"http://127.0.0.1:%d/missing.tgz?x=1\"}]",
			       f->port),
			 -EIO);
	snprintf(p, sizeof(p), "fetch http://127.0.0.1:%d/missing.tgz?x=1: HTTP 404", f->port);
	assert_string_equal(f->err, p);
	assert_false(exists(f->sandbox, "missing.tgz"));

	assert_int_equal(fetch(f,
			       "[{\"value\": \"http://127.0.0.1:%d/redirect\", "
			       "\"output_file\": \"followed.txt\"}]",
			       f->port),
			 0);
	assert_file(f->sandbox, "followed.txt", "hello over http\n");

	assert_int_equal(fetch(f, "[{\"value\": \"http://127.0.0.1:%d/loop\"}]", f->port), -ELOOP);
	assert_non_null(strstr(f->err, ": more than 5 redirects"));

	assert_int_equal(fetch(f, "[{\"value\": \"http://127.0.0.1:%d/to-file\"}]", f->port), -EIO);
	assert_false(exists(f->sandbox, "to-file"));

	/* credentials never reach the error text */
	assert_int_equal(fetch(f, "[{\"value\": \"http://bob:s3cret@127.0.0.1:%d/nope.txt\"}]",
			       f->port),
			 -EIO);
	snprintf(p, sizeof(p), "fetch http://***@127.0.0.1:%d/nope.txt: HTTP 404", f->port);
	assert_string_equal(f->err, p);
}

static void test_http_archive_and_refused_connection(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	int closed_port;

	path_of(p, f->src, "app.tgz");
	assert_true(make_archive(p, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP,
				 good_tree, ARRAY_LEN(good_tree)));
	httpd_start(f);
	assert_int_equal(fetch(f, "[{\"value\": \"http://127.0.0.1:%d/src/app.tgz\"}]", f->port),
			 0);
	check_good_tree(f);

	kill(f->httpd, SIGKILL);
	waitpid(f->httpd, NULL, 0);
	f->httpd = 0;
	closed_port = f->port;
	assert_int_equal(fetch(f, "[{\"value\": \"http://127.0.0.1:%d/src/app.tgz\"}]",
			       closed_port),
			 -EIO);
	snprintf(p, sizeof(p), "fetch http://127.0.0.1:%d/src/app.tgz: ", closed_port);
	assert_true(str_starts_with(f->err, p));
	assert_non_null(strstr(f->err, "onnect")); /* curl's "Failed to connect ..." */
}

/* A compressed archive of one file of size zero bytes (a few KB on disk). */
static void make_bomb(const char *path, int format, uint64_t size)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	static const char zeros[65536];

	if (format == ARCHIVE_FORMAT_RAW)
		assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	else
		assert_int_equal(archive_write_set_format(a, format), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter(a, ARCHIVE_FILTER_GZIP), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	archive_entry_set_pathname(e, "zeros");
	archive_entry_set_mode(e, S_IFREG | 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	for (uint64_t left = size; left > 0;) {
		size_t n = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);
		assert_int_equal(archive_write_data(a, zeros, n), (la_ssize_t)n);
		left -= n;
	}
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
}

static off_t size_of(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;
	path_of(p, dir, name);
	return stat(p, &st) == 0 ? st.st_size : -1;
}

#define MiB (1024 * 1024)
#define OVER "stopped: the task's URIs may not take more than its disk resource (1 MB)"

static void test_gzip_bomb_stops_at_the_limit(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], want[PATH_MAX + 200];

	f->limit = (struct fetch_limit){ MiB, "its disk resource (1 MB)" };
	path_of(p, f->src, "bomb.tar.gz");
	make_bomb(p, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, 64 * MiB);
	assert_true(size_of(f->src, "bomb.tar.gz") < 200 * 1024);
	assert_int_equal(fetch(f, "[{\"value\": \"file://%s\"}]", p), -EFBIG);
	assert_string_equal(f->err, "extract bomb.tar.gz: " OVER);
	/* what was written stays within the limit, archive included */
	assert_true(size_of(f->sandbox, "bomb.tar.gz") + size_of(f->sandbox, "zeros") <= MiB);

	/* a single-file .gz the same */
	path_of(p, f->src, "zeros.gz");
	make_bomb(p, ARCHIVE_FORMAT_RAW, 64 * MiB);
	remove_tree(f->sandbox);
	assert_int_equal(mkdir(f->sandbox, 0755), 0);
	assert_int_equal(fetch(f, "[{\"value\": \"file://%s\"}]", p), -EFBIG);
	snprintf(want, sizeof(want), "extract zeros.gz: %s", OVER);
	assert_string_equal(f->err, want);
	assert_true(size_of(f->sandbox, "zeros") <= MiB);

	/* under the limit it unpacks */
	f->limit.bytes = 80 * MiB;
	assert_int_equal(fetch(f, "[{\"value\": \"file://%s\"}]", p), 0);
	assert_int_equal(size_of(f->sandbox, "zeros"), 64 * MiB);
}

static void test_downloads_count_against_the_limit(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], want[PATH_MAX + 300];
	char *big = xmalloc(600 * 1024 + 1);

	memset(big, 'x', 600 * 1024);
	big[600 * 1024] = '\0';
	put(f->src, "a.bin", big, 0644);
	put(f->src, "b.bin", big, 0644);
	free(big);
	f->limit = (struct fetch_limit){ MiB, "its disk resource (1 MB)" };
	/* one fits, the second passes the limit: refused before a byte is copied */
	path_of(p, f->src, "a.bin");
	assert_int_equal(fetch(f, "[{\"value\": \"%s\"}, {\"value\": \"%s/b.bin\"}]", p, f->src),
			 -EFBIG);
	snprintf(want, sizeof(want), "fetch %s/b.bin: %s", f->src, OVER);
	assert_string_equal(f->err, want);
	assert_int_equal(size_of(f->sandbox, "a.bin"), 600 * 1024);
	assert_false(exists(f->sandbox, "b.bin")); /* no partial file */

	/* over HTTP the transfer stops at the limit */
	remove_tree(f->sandbox);
	assert_int_equal(mkdir(f->sandbox, 0755), 0);
	httpd_start(f);
	f->limit.bytes = 512 * 1024;
	assert_int_equal(fetch(f, "[{\"value\": \"http://127.0.0.1:%d/src/a.bin\"}]", f->port),
			 -EFBIG);
	snprintf(want, sizeof(want), "fetch http://127.0.0.1:%d/src/a.bin: %s", f->port, OVER);
	assert_string_equal(f->err, want);
	assert_false(exists(f->sandbox, "a.bin"));
	f->limit.bytes = MiB;
	assert_int_equal(fetch(f, "[{\"value\": \"http://127.0.0.1:%d/src/a.bin\"}]", f->port),
			 0);
	assert_int_equal(size_of(f->sandbox, "a.bin"), 600 * 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_file_url),
		T(test_bare_path_and_nulls),
		T(test_executable_bit),
		T(test_output_file),
		T(test_overwrite_and_self_fetch),
		T(test_output_file_escapes_refused),
		T(test_symlink_in_the_way),
		T(test_error_texts),
		T(test_bad_json),
		T(test_stops_at_first_failure),
		T(test_tar_gz_extract),
		T(test_tgz_by_output_file_and_other_filters),
		T(test_extract_false_and_executable_skip_extraction),
		T(test_zip_extract),
		T(test_gz_single_file),
		T(test_archive_escapes_refused),
		T(test_corrupt_archive),
		T(test_http),
		T(test_http_archive_and_refused_connection),
		T(test_gzip_bomb_stops_at_the_limit),
		T(test_downloads_count_against_the_limit),
#undef T
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
