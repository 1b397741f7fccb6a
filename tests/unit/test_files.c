/*
 * Unit tests for agent/files_api's pure parts: path normalisation, the
 * resolver (real and virtual forms, "..", trailing slashes, symlinks that
 * escape the sandbox root), the symlink-proof open, and the byte-to-JSON
 * encoding of /files/read. Each test builds a real directory tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/files_api.h"
#include "core/json.h"
#include "core/util.h"

#define AID "20261125-S0"
#define RUN "/slaves/" AID "/frameworks/F1/executors/E1/runs"

struct fx {
	char root[PATH_MAX];  /* mkdtemp */
	char real[PATH_MAX];  /* realpath(root) */
	char work[PATH_MAX];  /* root/work, the agent's --work_dir */
	char run[PATH_MAX];   /* realpath of the run directory C1 */
	char out[PATH_MAX];   /* files_resolve output */
};

static void mk(struct fx *f, const char *rel, bool dir, const char *link_target)
{
	char p[PATH_MAX];
	assert_int_equal(str_printf(p, sizeof(p), "%s/%s", f->root, rel), 0);
	if (link_target)
		assert_int_equal(symlink(link_target, p), 0);
	else if (dir)
		assert_int_equal(mkdir_p(p, 0755), 0);
	else
		assert_int_equal(file_write_atomic(p, "data\n", 5, 0644), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	str_copy(f->root, "/tmp/agora-files-XXXXXX", sizeof(f->root));
	if (!mkdtemp(f->root) || !realpath(f->root, f->real))
		return -1;
	snprintf(f->work, sizeof(f->work), "%s/work", f->root);
	mk(f, "work" RUN "/C1/sub", true, NULL);
	mk(f, "work" RUN "/C1/stdout", false, NULL);
	mk(f, "work" RUN "/C1/sub/file.txt", false, NULL);
	mk(f, "work" RUN "/latest", false, "C1");
	mk(f, "work/slaves/latest", false, AID);
	mk(f, "work" RUN "/C1/escape_abs", false, "/etc/passwd");
	mk(f, "work" RUN "/C1/escape_rel", false, "../../../../../../../meta/secret");
	mk(f, "work" RUN "/C1/escape_dir", false, "../../../../../../../../outside");
	mk(f, "work" RUN "/C1/inside", false, "sub/file.txt");
	mk(f, "work" RUN "/C1/loop", false, "loop");
	mk(f, "work" RUN "/C1/dangling", false, "nope");
	mk(f, "work/meta", true, NULL);
	mk(f, "work/meta/secret", false, NULL);
	mk(f, "work/slaves2", true, NULL);
	mk(f, "work/slaves2/x", false, NULL);
	mk(f, "outside", true, NULL);
	mk(f, "outside/x", false, NULL);
	snprintf(f->run, sizeof(f->run), "%s/work" RUN "/C1", f->real);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	remove_tree(f->root);
	free(f);
	return 0;
}

static int resolve(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int resolve(struct fx *f, const char *fmt, ...)
{
	char req[PATH_MAX * 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	f->out[0] = '\0';
	return files_resolve(f->work, AID, req, f->out, sizeof(f->out));
}

static void expect_out(struct fx *f, const char *suffix)
{
	char want[PATH_MAX];
	snprintf(want, sizeof(want), "%s%s", f->run, suffix);
	assert_string_equal(f->out, want);
}

static void test_normalize(void **state)
{
	char out[64], tiny[4];
	(void)state;
	assert_int_equal(files_normalize("/a//b/./c/", out, sizeof(out)), 0);
	assert_string_equal(out, "/a/b/c");
	assert_int_equal(files_normalize("/", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(files_normalize("///./", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(files_normalize("/a/.../..b/b..", out, sizeof(out)), 0);
	assert_string_equal(out, "/a/.../..b/b..");
	assert_int_equal(files_normalize("/a/../b", out, sizeof(out)), -EINVAL);
	assert_int_equal(files_normalize("/..", out, sizeof(out)), -EINVAL);
	assert_int_equal(files_normalize("/a/..", out, sizeof(out)), -EINVAL);
	assert_int_equal(files_normalize("a/b", out, sizeof(out)), -EINVAL);
	assert_int_equal(files_normalize("", out, sizeof(out)), -EINVAL);
	assert_int_equal(files_normalize(NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(files_normalize("/abcd", tiny, sizeof(tiny)), -ENAMETOOLONG);
	assert_int_equal(files_normalize("/abc", out, 0), -ENAMETOOLONG);

	char *huge = xmalloc(PATH_MAX + 2);
	memset(huge, 'a', PATH_MAX + 1);
	huge[0] = '/';
	huge[PATH_MAX + 1] = '\0';
	assert_int_equal(files_normalize(huge, out, sizeof(out)), -ENAMETOOLONG);
	free(huge);
}

static void test_real_paths(void **state)
{
	struct fx *f = *state;
	assert_int_equal(resolve(f, "%s" RUN "/C1", f->work), 0);
	expect_out(f, "");
	assert_int_equal(resolve(f, "%s" RUN "/C1/", f->work), 0); /* trailing slash */
	expect_out(f, "");
	assert_int_equal(resolve(f, "%s" RUN "//C1/./sub//file.txt", f->work), 0);
	expect_out(f, "/sub/file.txt");
	assert_int_equal(resolve(f, "%s" RUN "/latest/stdout", f->work), 0); /* symlink inside */
	expect_out(f, "/stdout");
	assert_int_equal(resolve(f, "%s/slaves/latest/frameworks/F1/executors/E1/runs/latest",
				 f->work),
			 0);
	expect_out(f, "");
	assert_int_equal(resolve(f, "%s" RUN "/C1/inside", f->work), 0);
	expect_out(f, "/sub/file.txt");
	/* the root itself may be browsed */
	assert_int_equal(resolve(f, "%s/slaves/", f->work), 0);
	assert_true(str_ends_with(f->out, "/work/slaves"));
	/* the resolved form resolves to itself */
	assert_int_equal(resolve(f, "%s/work" RUN "/C1/stdout", f->real), 0);
	expect_out(f, "/stdout");
}

static void test_virtual_paths(void **state)
{
	struct fx *f = *state;
	assert_int_equal(resolve(f, "/frameworks/F1/executors/E1/runs/latest"), 0);
	expect_out(f, "");
	assert_int_equal(resolve(f, "/frameworks/F1/executors/E1/runs/latest/"), 0);
	expect_out(f, "");
	assert_int_equal(resolve(f, "//frameworks/F1/executors/E1/runs/latest/./stdout"), 0);
	expect_out(f, "/stdout");
	assert_int_equal(resolve(f, "/frameworks/F1/executors/E1/runs/latest/sub/file.txt"), 0);
	expect_out(f, "/sub/file.txt");
	/* only runs/latest is a virtual root, as in Mesos */
	assert_int_equal(resolve(f, "/frameworks/F1/executors/E1/runs/C1"), -ENOENT);
	assert_int_equal(resolve(f, "/frameworks/F1/executors/E1"), -ENOENT);
	assert_int_equal(resolve(f, "/frameworks/F1/executors/E2/runs/latest"), -ENOENT);
	assert_int_equal(resolve(f, "/frameworks/F1/executors/E1/runs/latestx"), -ENOENT);
	/* before registration there is no agent id to map with */
	assert_int_equal(files_resolve(f->work, "", "/frameworks/F1/executors/E1/runs/latest",
				       f->out, sizeof(f->out)),
			 -ENOENT);
	assert_int_equal(files_resolve(f->work, "..", "/frameworks/F1/executors/E1/runs/latest",
				       f->out, sizeof(f->out)),
			 -ENOENT);
}

static void test_dotdot_is_400(void **state)
{
	struct fx *f = *state;
	assert_int_equal(resolve(f, "/frameworks/F1/executors/E1/runs/latest/../../../../../.."
				    "/../../etc/passwd"),
			 -EINVAL);
	assert_int_equal(resolve(f, "%s" RUN "/C1/../C1/stdout", f->work), -EINVAL);
	assert_int_equal(resolve(f, "%s" RUN "/C1/sub/..", f->work), -EINVAL);
	assert_int_equal(resolve(f, "relative/stdout"), -EINVAL);
	assert_int_equal(resolve(f, "%s", ""), -EINVAL);
}

static void test_outside_is_404(void **state)
{
	struct fx *f = *state;
	assert_int_equal(resolve(f, "/etc/passwd"), -ENOENT);
	assert_int_equal(resolve(f, "/"), -ENOENT);
	assert_int_equal(resolve(f, "%s", f->work), -ENOENT);
	assert_int_equal(resolve(f, "%s/meta/secret", f->work), -ENOENT);
	assert_int_equal(resolve(f, "%s/slaves2/x", f->work), -ENOENT); /* prefix, not parent */
	assert_int_equal(resolve(f, "%s" RUN "/C1/missing", f->work), -ENOENT);
	assert_int_equal(resolve(f, "%s" RUN "/C1/stdout/x", f->work), -ENOENT);
}

static void test_symlink_escapes_are_404(void **state)
{
	struct fx *f = *state;
	assert_int_equal(resolve(f, "%s" RUN "/C1/escape_abs", f->work), -ENOENT);
	assert_int_equal(resolve(f, "%s" RUN "/C1/escape_rel", f->work), -ENOENT);
	assert_int_equal(resolve(f, "%s" RUN "/C1/escape_dir", f->work), -ENOENT);
	assert_int_equal(resolve(f, "%s" RUN "/C1/escape_dir/x", f->work), -ENOENT);
	assert_int_equal(resolve(f, "/frameworks/F1/executors/E1/runs/latest/escape_abs"),
			 -ENOENT);
	assert_int_equal(resolve(f, "/frameworks/F1/executors/E1/runs/latest/escape_dir/x"),
			 -ENOENT);
	assert_int_equal(resolve(f, "%s" RUN "/C1/loop", f->work), -ENOENT);
	assert_int_equal(resolve(f, "%s" RUN "/C1/dangling", f->work), -ENOENT);
	assert_string_equal(f->out, "");
}

static void test_work_dir_forms(void **state)
{
	struct fx *f = *state;
	char link[PATH_MAX], via[PATH_MAX];

	/* --work_dir given through a symlink and with a trailing slash */
	snprintf(link, sizeof(link), "%s/worklink", f->root);
	assert_int_equal(symlink(f->work, link), 0);
	snprintf(via, sizeof(via), "%s/", link);
	assert_int_equal(files_resolve(via, AID, "/frameworks/F1/executors/E1/runs/latest/stdout",
				       f->out, sizeof(f->out)),
			 0);
	expect_out(f, "/stdout");
	snprintf(via, sizeof(via), "%s" RUN "/C1/stdout", link);
	assert_int_equal(files_resolve(link, AID, via, f->out, sizeof(f->out)), 0);
	expect_out(f, "/stdout");
	/* no slaves directory yet: nothing to serve */
	assert_int_equal(files_resolve(f->root, AID, "/frameworks/F1/executors/E1/runs/latest",
				       f->out, sizeof(f->out)),
			 -ENOENT);
	assert_int_equal(files_resolve("", AID, "/x", f->out, sizeof(f->out)), -ENOENT);
	/* a too-small output buffer */
	assert_int_equal(files_resolve(f->work, AID, "/frameworks/F1/executors/E1/runs/latest",
				       f->out, 8),
			 -ENAMETOOLONG);
}

static void test_open_refuses_swapped_symlinks(void **state)
{
	struct fx *f = *state;
	char sub[PATH_MAX], moved[PATH_MAX], outside[PATH_MAX], buf[8] = "";
	int fd;

	assert_int_equal(resolve(f, "%s" RUN "/C1/sub/file.txt", f->work), 0);
	fd = files_open(f->work, f->out, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 5);
	assert_string_equal(buf, "data\n");
	close(fd);

	/* after resolution, the directory becomes a symlink to the outside */
	snprintf(sub, sizeof(sub), "%s/sub", f->run);
	snprintf(moved, sizeof(moved), "%s/sub.real", f->run);
	snprintf(outside, sizeof(outside), "%s/outside", f->real);
	assert_int_equal(rename(sub, moved), 0);
	assert_int_equal(symlink(outside, sub), 0);
	mk(f, "outside/file.txt", false, NULL);
	assert_int_equal(files_open(f->work, f->out, O_RDONLY), -ENOTDIR);
	/* the file itself swapped for a symlink */
	assert_int_equal(unlink(sub), 0);
	assert_int_equal(rename(moved, sub), 0);
	snprintf(moved, sizeof(moved), "%s/sub/file.txt", f->run);
	assert_int_equal(unlink(moved), 0);
	assert_int_equal(symlink("/etc/passwd", moved), 0);
	assert_int_equal(files_open(f->work, f->out, O_RDONLY), -ELOOP);

	/* not under the root, or not in resolved form */
	assert_int_equal(files_open(f->work, "/etc/passwd", O_RDONLY), -ENOENT);
	snprintf(moved, sizeof(moved), "%s/", f->run);
	assert_int_equal(files_open(f->work, moved, O_RDONLY), -ENOENT);
	snprintf(moved, sizeof(moved), "%s/../C1", f->run);
	assert_int_equal(files_open(f->work, moved, O_RDONLY), -ENOENT);

	/* FIFOs are never opened (an open could block the event loop) */
	snprintf(moved, sizeof(moved), "%s/fifo", f->run);
	assert_int_equal(mkfifo(moved, 0644), 0);
	assert_int_equal(files_open(f->work, moved, O_RDONLY), -EOPNOTSUPP);

	/* directories, and the root itself */
	fd = files_open(f->work, f->run, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(resolve(f, "%s/slaves", f->work), 0);
	fd = files_open(f->work, f->out, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	close(fd);
}

static void expect_json(const char *data, size_t len, const char *want)
{
	json_t *s = files_bytes_to_json(data, len);
	char *text;
	assert_non_null(s);
	text = json_compact(s);
	assert_string_equal(text, want);
	free(text);
	json_decref(s);
}

static void test_bytes_to_json(void **state)
{
	(void)state;
	expect_json("plain text\n", 11, "\"plain text\\n\"");
	expect_json("", 0, "\"\"");
	expect_json("a\0b", 3, "\"a\\u0000b\"");
	expect_json("caf\xc3\xa9", 5, "\"caf\\u00E9\"");			 /* valid UTF-8 kept */
	expect_json("caf\xe9", 4, "\"caf\\u00E9\"");			 /* Latin-1 byte */
	expect_json("\xff\xfe", 2, "\"\\u00FF\\u00FE\"");		 /* never valid UTF-8 */
	expect_json("\xc3", 1, "\"\\u00C3\"");				 /* truncated sequence */
	expect_json("\xe2\x82\xac", 3, "\"\\u20AC\"");			 /* euro sign */
	expect_json("\xc0\xaf", 2, "\"\\u00C0\\u00AF\"");		 /* overlong '/' */
	expect_json("\xed\xa0\x80", 3, "\"\\u00ED\\u00A0\\u0080\"");	 /* surrogate */
	expect_json("\xf0\x9f\x98\x80", 4, "\"\\uD83D\\uDE00\"");	 /* astral, kept */
	expect_json("\xf4\x90\x80\x80", 4, "\"\\u00F4\\u0090\\u0080\\u0080\""); /* > U+10FFFF */

	/* bytes 0..255 in order (no valid multi-byte run among them): U+0000..U+00FF */
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	json_t *s = files_bytes_to_json(all, sizeof(all));
	const unsigned char *u;
	assert_non_null(s);
	assert_int_equal(json_string_length(s), 128 + 128 * 2);
	u = (const unsigned char *)json_string_value(s);
	for (unsigned cp = 0; cp < 256; cp++) {
		if (cp < 0x80) {
			assert_int_equal(*u++, cp);
		} else {
			assert_int_equal(((u[0] & 0x1Fu) << 6) | (u[1] & 0x3Fu), cp);
			u += 2;
		}
	}
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_bytes_to_json),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_real_paths),
		T(test_virtual_paths),
		T(test_dotdot_is_400),
		T(test_outside_is_404),
		T(test_symlink_escapes_are_404),
		T(test_work_dir_forms),
		T(test_open_refuses_swapped_symlinks),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
