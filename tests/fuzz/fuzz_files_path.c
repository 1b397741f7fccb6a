/*
 * libFuzzer target: files_resolve() and files_open() over a real sandbox
 * tree with symlinks that stay inside and symlinks that lead out (made
 * once, in LLVMFuzzerInitialize, under a temporary directory removed at
 * exit). The input is the request path. Properties: never crash; a path
 * that resolves is its own realpath and lies inside realpath(work/slaves);
 * a ".." segment never resolves; files_open() of a result never yields a
 * descriptor for anything outside the root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/files_api.h"
#include "core/util.h"

#define AID "A-S0"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fuzzer's own fixture; libFuzzer offers no other way to pass it. */
static char fuzz_tmp[PATH_MAX], fuzz_work[PATH_MAX], fuzz_root[PATH_MAX];

static void fuzz_cleanup(void)
{
	if (fuzz_tmp[0])
		remove_tree(fuzz_tmp);
}

static void make(const char *rel, const char *link_target, int dir)
{
	char p[PATH_MAX];
	if (str_printf(p, sizeof(p), "%s/%s", fuzz_tmp, rel) < 0)
		abort();
	if (link_target ? symlink(link_target, p) : dir ? mkdir_p(p, 0755)
						  : file_write_atomic(p, "x", 1, 0644))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dirs[] = {
		"work/slaves/" AID "/frameworks/F/executors/E/runs/C/sub/deeper",
		"work/slaves/" AID "/frameworks/F/executors/E2/runs/C2",
		"work/meta", "work/slaves2", "outside",
	};
	static const char *const files[] = {
		"work/slaves/" AID "/frameworks/F/executors/E/runs/C/stdout",
		"work/slaves/" AID "/frameworks/F/executors/E/runs/C/sub/f",
		"work/meta/secret", "work/slaves2/x", "outside/x",
	};
	static const char *const links[][2] = {
		{ "work/slaves/latest", AID },
		{ "work/slaves/" AID "/frameworks/F/executors/E/runs/latest", "C" },
		{ "work/slaves/" AID "/frameworks/F/executors/E/runs/C/up", "../../../../../../.." },
		{ "work/slaves/" AID "/frameworks/F/executors/E/runs/C/abs", "/etc" },
		{ "work/slaves/" AID "/frameworks/F/executors/E/runs/C/meta", "../../../../../../../meta" },
		{ "work/slaves/" AID "/frameworks/F/executors/E/runs/C/side", "../../../E2/runs/C2" },
		{ "work/slaves/" AID "/frameworks/F/executors/E/runs/C/self", "." },
		{ "work/slaves/" AID "/frameworks/F/executors/E/runs/C/loop", "loop" },
		{ "work/slaves/" AID "/frameworks/F/executors/E/runs/C/sub/back", "../.." },
	};
	char path[PATH_MAX];

	(void)argc;
	(void)argv;
	str_copy(fuzz_tmp, "/tmp/agora-fuzz-files-XXXXXX", sizeof(fuzz_tmp));
	if (!mkdtemp(fuzz_tmp))
		abort();
	atexit(fuzz_cleanup);
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++)
		make(dirs[i], NULL, 1);
	for (size_t i = 0; i < ARRAY_LEN(files); i++)
		make(files[i], NULL, 0);
	for (size_t i = 0; i < ARRAY_LEN(links); i++)
		make(links[i][0], links[i][1], 0);
	snprintf(fuzz_work, sizeof(fuzz_work), "%s/work", fuzz_tmp);
	snprintf(path, sizeof(path), "%s/work/slaves", fuzz_tmp);
	if (!realpath(path, fuzz_root))
		abort();
	return 0;
}

static int has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")); s++)
		if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return 1;
	return 0;
}

static void check_open(const char *resolved)
{
	char link[64], target[PATH_MAX + 1];
	size_t n = strlen(fuzz_root);
	ssize_t len;
	int fd = files_open(fuzz_work, resolved, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, target, sizeof(target) - 1);
	close(fd);
	if (len < 0)
		return;
	target[len] = '\0';
	if (strncmp(target, fuzz_root, n) || (target[n] && target[n] != '/'))
		__builtin_trap(); /* opened something outside the root */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX + 64], out[PATH_MAX], again[PATH_MAX];
	size_t n = strlen(fuzz_root);
	int rc;

	if (size >= sizeof(path))
		size = sizeof(path) - 1;
	memcpy(path, data, size);
	path[size] = '\0';
	rc = files_resolve(fuzz_work, AID, path, out, sizeof(out));
	if (rc == 0) {
		if (strncmp(out, fuzz_root, n) || (out[n] && out[n] != '/'))
			__builtin_trap(); /* outside the root */
		if (!realpath(out, again) || strcmp(again, out))
			__builtin_trap(); /* not canonical */
		if (has_dotdot(path))
			__builtin_trap(); /* ".." must be refused */
		check_open(out);
	} else if (rc != -EINVAL && rc != -ENOENT && rc != -ENAMETOOLONG && rc != -EACCES) {
		__builtin_trap(); /* an error the handlers do not expect */
	}
	return 0;
}
