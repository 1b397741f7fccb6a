/*
 * files_api — see files_api.h. The Mesos Files API over the agent's task
 * sandboxes, with Mesos' semantics (docs/mesos-api.md, "Files API").
 *
 * Runs on the agent's event loop. Every file operation is a local,
 * bounded, blocking call (one directory listing, one 64 KiB pread, one
 * open); downloads are handed to libevent as a file segment (sendfile),
 * so a large file is never read into memory.
 *
 * Invariants:
 *  1. The only root is R = realpath(<work_dir>/slaves). A request path is
 *     served only if realpath() of it (every symlink resolved) is R or lies
 *     under R/. Paths outside, and symlinks inside a sandbox that point out
 *     of R, are 404 — Mesos' "outside the attached roots" answer, which
 *     also does not tell whether the target exists (Mesos itself answers
 *     400/500 for such a symlink; 404 is the safer of the two).
 *  2. A ".." segment in the request is 400 before any lookup.
 *  3. After resolution, files are opened by walking from R one component
 *     at a time with O_NOFOLLOW (files_open), so a directory swapped for a
 *     symlink between realpath() and open() makes the open fail instead of
 *     leading out (the TOCTOU window of realpath-then-open is closed).
 *  4. Only regular files are read or downloaded; FIFOs and devices are
 *     400, so the loop never blocks on one.
 *  5. /files/read returns bytes as a JSON string: valid UTF-8 is kept,
 *     other bytes are taken as Latin-1 (files_bytes_to_json). Mesos sends
 *     the raw bytes, which is not valid JSON for binary files.
 *  6. Browse lists symlinks by their target's metadata (as Mesos' stat()
 *     does) only when the target stays inside R; otherwise the link itself
 *     is described ("lrwxrwxrwx"), leaking nothing about the outside.
 */
#include "agent/files_api.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "agent/agent.h"
#include "core/log.h"
#include "core/util.h"

/* ---- path resolution (no HTTP; unit-tested and fuzzed) ---- */

/* R = realpath(<work_dir>/slaves) into out (PATH_MAX bytes); 0 or -errno. */
static int slaves_root(const char *work_dir, char *out)
{
	char p[PATH_MAX];

	if (!work_dir || !*work_dir)
		return -ENOENT;
	if (str_printf(p, sizeof(p), "%s/slaves", work_dir) < 0)
		return -ENAMETOOLONG;
	if (!realpath(p, out))
		return -errno;
	if (!strcmp(out, "/"))
		return -ENOENT; /* a root of "/" would serve the whole host */
	return 0;
}

static bool path_under(const char *root, const char *path)
{
	size_t n = strlen(root);
	return !strncmp(path, root, n) && (path[n] == '\0' || path[n] == '/');
}

int files_normalize(const char *request_path, char *out, size_t outlen)
{
	const char *seg = request_path;
	size_t n = 0, len;

	if (!request_path || request_path[0] != '/')
		return -EINVAL;
	if (strnlen(request_path, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	for (;;) {
		while (*seg == '/')
			seg++;
		len = strcspn(seg, "/");
		if (len == 0)
			break;
		if (len == 2 && seg[0] == '.' && seg[1] == '.')
			return -EINVAL;
		if (!(len == 1 && seg[0] == '.')) {
			if (n + 1 + len + 1 > outlen)
				return -ENAMETOOLONG;
			out[n++] = '/';
			memcpy(out + n, seg, len);
			n += len;
		}
		seg += len;
	}
	if (n == 0) {
		if (outlen < 2)
			return -ENAMETOOLONG;
		out[n++] = '/';
	}
	out[n] = '\0';
	return 0;
}

/* /frameworks/<fid>/executors/<eid>/runs/latest[/...] (normalised) */
static bool is_virtual(const char *norm)
{
	static const char *const fixed[] = { "frameworks", NULL, "executors", NULL, "runs",
					     "latest" };
	const char *p = norm;
	size_t len;

	for (size_t i = 0; i < ARRAY_LEN(fixed); i++) {
		if (*p != '/')
			return false;
		p++;
		len = strcspn(p, "/");
		if (len == 0 || (fixed[i] && (strlen(fixed[i]) != len || strncmp(p, fixed[i], len))))
			return false;
		p += len;
	}
	return *p == '\0' || *p == '/';
}

static bool agent_id_ok(const char *agent_id)
{
	return agent_id && *agent_id && !strchr(agent_id, '/') && strcmp(agent_id, ".") &&
	       strcmp(agent_id, "..");
}

int files_resolve(const char *work_dir, const char *agent_id, const char *request_path, char *out,
		  size_t outlen)
{
	char norm[PATH_MAX], candidate[PATH_MAX], real[PATH_MAX], root[PATH_MAX];
	int rc;

	if ((rc = files_normalize(request_path, norm, sizeof(norm))) < 0)
		return rc;
	if ((rc = slaves_root(work_dir, root)) < 0)
		return rc == -ENAMETOOLONG ? rc : -ENOENT;
	if (is_virtual(norm)) {
		if (!agent_id_ok(agent_id))
			return -ENOENT;
		if (str_printf(candidate, sizeof(candidate), "%s/slaves/%s%s", work_dir, agent_id,
			       norm) < 0)
			return -ENAMETOOLONG;
	} else {
		str_copy(candidate, norm, sizeof(candidate));
	}
	if (!realpath(candidate, real)) {
		rc = errno;
		if (rc == ENAMETOOLONG)
			return -ENAMETOOLONG;
		/* 403 only where the path is (lexically) ours; elsewhere, say nothing */
		if (rc == EACCES && path_under(root, candidate))
			return -EACCES;
		return rc == EACCES || rc == ENOENT || rc == ENOTDIR || rc == ELOOP ? -ENOENT : -rc;
	}
	if (!path_under(root, real))
		return -ENOENT;
	if (str_copy(out, real, outlen) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

/* The final step of files_open: dir/seg, no symlink, same inode before and after open. */
static int open_final(int dir, const char *seg, int flags)
{
	struct stat before, after;
	int fd;

	if (fstatat(dir, seg, &before, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(before.st_mode))
		return -ELOOP;
	if (!S_ISREG(before.st_mode) && !S_ISDIR(before.st_mode))
		return -EOPNOTSUPP; /* never open a FIFO or a device: it may block or act */
	fd = openat(dir, seg, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &after) < 0 || after.st_dev != before.st_dev ||
	    after.st_ino != before.st_ino) {
		close(fd);
		return -ENOENT; /* swapped under us */
	}
	return fd;
}

int files_open(const char *work_dir, const char *resolved, int flags)
{
	char root[PATH_MAX], seg[NAME_MAX + 1] = ".";
	const char *rest;
	int dir, next, rc;
	size_t len;

	if ((rc = slaves_root(work_dir, root)) < 0)
		return rc;
	if (!path_under(root, resolved) || resolved[strlen(resolved) - 1] == '/')
		return -ENOENT; /* not a files_resolve() result */
	dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	rest = resolved + strlen(root);
	for (rest += *rest == '/'; *rest; rest += len + (rest[len] == '/')) {
		len = strcspn(rest, "/");
		if (len == 0 || len > NAME_MAX || (len == 1 && rest[0] == '.') ||
		    (len == 2 && rest[0] == '.' && rest[1] == '.')) {
			close(dir);
			return -ENOENT;
		}
		memcpy(seg, rest, len);
		seg[len] = '\0';
		if (!rest[len])
			break;
		next = openat(dir, seg, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		rc = -errno;
		close(dir);
		if (next < 0)
			return rc;
		dir = next;
	}
	rc = open_final(dir, seg, flags);
	close(dir);
	return rc;
}

/* Length of the valid UTF-8 sequence at s, or 0 if the byte starts none. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, cp = s[0] & 0x1Fu;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3, cp = s[0] & 0x0Fu;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3Fu);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return n;
}

json_t *files_bytes_to_json(const char *data, size_t len)
{
	const unsigned char *in = (const unsigned char *)data;
	char *buf = xmalloc(len * 2 + 1);
	size_t i = 0, o = 0, n;
	json_t *s;

	while (i < len) {
		n = utf8_seq(in + i, len - i);
		if (n) {
			memcpy(buf + o, in + i, n);
			o += n;
			i += n;
		} else { /* Latin-1: U+0080..U+00FF as two UTF-8 bytes */
			buf[o++] = (char)(0xC0 | (in[i] >> 6));
			buf[o++] = (char)(0x80 | (in[i] & 0x3F));
			i++;
		}
	}
	s = json_stringn(buf, o);
	free(buf);
	return s ? s : json_string("");
}

/* ---- HTTP helpers ---- */

/* Replies for a files_resolve()/files_open() failure. */
static void reply_path_error(struct http_req *r, int rc, const char *path)
{
	switch (rc) {
	case -EINVAL:
		http_reply_text(r, 400,
				"path: expected an absolute path without '..' segments, got '%.256s'",
				path);
		return;
	case -ENAMETOOLONG:
		http_reply_text(r, 400, "path: longer than %d bytes", PATH_MAX - 1);
		return;
	case -EOPNOTSUPP:
		http_reply_text(r, 400, "path: '%.256s' is not a regular file or directory", path);
		return;
	case -ENOENT:
	case -ENOTDIR:
	case -ELOOP:
		http_reply_text(r, 404, "No such file or directory: '%.256s'", path);
		return;
	case -EACCES:
	case -EPERM:
		http_reply_text(r, 403, "Access to '%.256s' is forbidden", path);
		return;
	default:
		log_warnx("files: '%.256s': %s", path, strerror(-rc));
		http_reply_text(r, 500, "path '%.256s': %s", path, strerror(-rc));
	}
}

/*
 * Resolves ?path= into norm (normalised request form) and resolved (real
 * file), both PATH_MAX bytes. On failure replies and returns -1.
 */
static int request_path(struct http_req *r, struct agent *a, char *norm, char *resolved)
{
	const char *path = http_query(r, "path");
	int rc;

	if (!path || !*path) {
		http_reply_text(r, 400, "Expecting 'path=value' in query.\n");
		return -1;
	}
	if ((rc = files_normalize(path, norm, PATH_MAX)) < 0 ||
	    (rc = files_resolve(a->flags.work_dir, a->id, path, resolved, PATH_MAX)) < 0) {
		reply_path_error(r, rc, path);
		return -1;
	}
	return 0;
}

/* Opens a regular file for read/download; replies and returns -1 on failure. */
static int open_regular(struct http_req *r, struct agent *a, const char *resolved,
			const char *path, const char *verb, struct stat *st)
{
	int fd = files_open(a->flags.work_dir, resolved, O_RDONLY | O_NONBLOCK);

	if (fd < 0) {
		reply_path_error(r, fd, path);
		return -1;
	}
	if (fstat(fd, st) < 0) {
		int rc = -errno;
		close(fd);
		reply_path_error(r, rc, path);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		if (S_ISDIR(st->st_mode))
			http_reply_text(r, 400, "Cannot %s a directory.\n", verb);
		else
			http_reply_text(r, 400, "path: '%.256s' is not a regular file", path);
		return -1;
	}
	return fd;
}

/* ---- /files/browse ---- */

struct browse_entry {
	char *name;
	struct stat st;
};

struct id_names {
	uid_t uid;
	gid_t gid;
	bool have_uid, have_gid;
	char user[256], group[256];
};

static const char *user_name(struct id_names *c, uid_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (c->have_uid && c->uid == uid)
		return c->user;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		str_copy(c->user, res->pw_name, sizeof(c->user));
	else
		snprintf(c->user, sizeof(c->user), "%lu", (unsigned long)uid);
	c->uid = uid;
	c->have_uid = true;
	return c->user;
}

static const char *group_name(struct id_names *c, gid_t gid)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (c->have_gid && c->gid == gid)
		return c->group;
	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &res) == 0 && res)
		str_copy(c->group, res->gr_name, sizeof(c->group));
	else
		snprintf(c->group, sizeof(c->group), "%lu", (unsigned long)gid);
	c->gid = gid;
	c->have_gid = true;
	return c->group;
}

/* "drwxr-xr-x", as ls -l prints it. */
static void mode_string(mode_t m, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	char type = '-';

	if (S_ISDIR(m))
		type = 'd';
	else if (S_ISLNK(m))
		type = 'l';
	else if (S_ISCHR(m))
		type = 'c';
	else if (S_ISBLK(m))
		type = 'b';
	else if (S_ISFIFO(m))
		type = 'p';
	else if (S_ISSOCK(m))
		type = 's';
	out[0] = type;
	for (int i = 0; i < 9; i++)
		out[1 + i] = (m & (0400u >> i)) ? rwx[i] : '-';
	if (m & S_ISUID)
		out[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID)
		out[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX)
		out[9] = (m & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

/* Metadata of dir/name: a symlink's target's only when it stays inside root. */
static int entry_stat(int dfd, const char *dir, const char *name, const char *root,
		      struct stat *st)
{
	char p[PATH_MAX], real[PATH_MAX];

	if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISLNK(st->st_mode))
		return 0;
	if (str_printf(p, sizeof(p), "%s/%s", dir, name) == 0 && realpath(p, real) &&
	    path_under(root, real))
		fstatat(dfd, name, st, 0);
	return 0;
}

static int cmp_entry(const void *x, const void *y)
{
	return strcmp(((const struct browse_entry *)x)->name,
		      ((const struct browse_entry *)y)->name);
}

static json_t *entry_json(const char *norm, const struct browse_entry *e, struct id_names *ids)
{
	char path[PATH_MAX + NAME_MAX + 2], mode[11];
	const char *user = user_name(ids, e->st.st_uid), *group = group_name(ids, e->st.st_gid);

	snprintf(path, sizeof(path), "%s/%s", strcmp(norm, "/") ? norm : "", e->name);
	mode_string(e->st.st_mode, mode);
	return json_pack("{s:o, s:I, s:I, s:I, s:s, s:o, s:o}", "path",
			 files_bytes_to_json(path, strlen(path)), "nlink",
			 (json_int_t)e->st.st_nlink, "size", (json_int_t)e->st.st_size, "mtime",
			 (json_int_t)e->st.st_mtim.tv_sec, "mode", mode, "uid",
			 files_bytes_to_json(user, strlen(user)), "gid",
			 files_bytes_to_json(group, strlen(group)));
}

/* Lists the directory open at fd (taken) as the Mesos browse array. */
static json_t *list_dir(int fd, const char *resolved, const char *norm, const char *root)
{
	DIR *d = fdopendir(fd);
	struct browse_entry *ents = NULL;
	struct id_names ids = { 0 };
	size_t n = 0, cap = 0;
	struct dirent *de;
	json_t *out = json_array();

	if (!d) {
		close(fd);
		return out;
	}
	while ((de = readdir(d)) && n < FILES_BROWSE_MAX) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			ents = xreallocarray(ents, cap, sizeof(*ents));
		}
		if (entry_stat(dirfd(d), resolved, de->d_name, root, &ents[n].st) < 0)
			continue; /* vanished since readdir: not listed, as in Mesos */
		ents[n++].name = xstrdup(de->d_name);
	}
	if (de)
		log_warnx("files: %s has more than %d entries; listing the first", resolved,
			  FILES_BROWSE_MAX);
	closedir(d);
	if (n) /* ents is NULL for an empty directory; qsort(NULL, 0) is undefined */
		qsort(ents, n, sizeof(*ents), cmp_entry);
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(out, entry_json(norm, &ents[i], &ids));
		free(ents[i].name);
	}
	free(ents);
	return out;
}

void files_browse(struct http_req *r, void *arg)
{
	struct agent *a = arg;
	char norm[PATH_MAX], resolved[PATH_MAX], root[PATH_MAX];
	struct stat st;
	int fd, rc = 0;

	if (request_path(r, a, norm, resolved) < 0)
		return;
	fd = files_open(a->flags.work_dir, resolved, O_RDONLY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || (rc = slaves_root(a->flags.work_dir, root)) < 0) {
		rc = fd < 0 ? fd : rc < 0 ? rc : -errno;
		if (fd >= 0)
			close(fd);
		reply_path_error(r, rc, http_query(r, "path"));
		return;
	}
	if (!S_ISDIR(st.st_mode)) { /* a file: Mesos lists nothing */
		close(fd);
		http_reply_json(r, 200, json_array());
		return;
	}
	http_reply_json(r, 200, list_dir(fd, resolved, norm, root));
}

/* ---- /files/read ---- */

/* ?name= as an integer >= -1; absent leaves *out. Replies 400 and returns -1 when bad. */
static int int_param(struct http_req *r, const char *name, int64_t *out)
{
	const char *v = http_query(r, name);

	if (!v)
		return 0;
	if (strnlen(v, FILES_QUERY_MAX + 1) > FILES_QUERY_MAX || parse_int64(v, out) < 0) {
		http_reply_text(r, 400, "%s: expected an integer, got '%.64s'", name, v);
		return -1;
	}
	if (*out < -1) {
		http_reply_text(r, 400, "%s: must be -1 or more, got %lld", name,
				(long long)*out);
		return -1;
	}
	return 0;
}

static void reply_read(struct http_req *r, int64_t offset, json_t *data)
{
	http_reply_json(r, 200, json_pack("{s:I, s:o}", "offset", (json_int_t)offset, "data", data));
}

void files_read(struct http_req *r, void *arg)
{
	struct agent *a = arg;
	char norm[PATH_MAX], resolved[PATH_MAX], *buf;
	int64_t offset = -1, length = -1;
	size_t want, got = 0;
	struct stat st;
	ssize_t n;
	int fd;

	if (!http_query(r, "path") || !*http_query(r, "path")) {
		http_reply_text(r, 400, "Expecting 'path=value' in query.\n");
		return;
	}
	if (int_param(r, "offset", &offset) < 0 || int_param(r, "length", &length) < 0 ||
	    request_path(r, a, norm, resolved) < 0)
		return;
	if ((fd = open_regular(r, a, resolved, http_query(r, "path"), "read", &st)) < 0)
		return;
	if (offset == -1 || length == 0 || offset >= st.st_size) {
		close(fd);
		reply_read(r, offset == -1 ? st.st_size : offset, json_string(""));
		return;
	}
	want = (size_t)(st.st_size - offset);
	if (length > 0 && (uint64_t)length < want)
		want = (size_t)length;
	if (want > FILES_READ_MAX)
		want = FILES_READ_MAX;
	buf = xmalloc(want);
	while (got < want) {
		n = pread(fd, buf + got, want - got, (off_t)(offset + (int64_t)got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) /* EOF: the file shrank; an error: send what we have */
			break;
		got += (size_t)n;
	}
	close(fd);
	reply_read(r, offset, files_bytes_to_json(buf, got));
	free(buf);
}

/* ---- /files/download ---- */

void files_download(struct http_req *r, void *arg)
{
	struct agent *a = arg;
	char norm[PATH_MAX], resolved[PATH_MAX], disposition[NAME_MAX + 64];
	const char *base;
	struct stat st;
	size_t i, start;
	int fd;

	if (request_path(r, a, norm, resolved) < 0)
		return;
	if ((fd = open_regular(r, a, resolved, http_query(r, "path"), "download", &st)) < 0)
		return;
	base = strrchr(resolved, '/') + 1; /* resolved is absolute */
	start = str_copy(disposition, "attachment; filename=", sizeof(disposition));
	str_append(disposition, base, sizeof(disposition));
	for (i = start; disposition[i]; i++) /* no header injection, no parameter confusion */
		if ((unsigned char)disposition[i] < 0x20 || disposition[i] == 0x7f ||
		    disposition[i] == ';' || disposition[i] == '"' || disposition[i] == '\\')
			disposition[i] = '_';
	if (st.st_size == 0) {
		close(fd);
	} else if (evbuffer_add_file(evhttp_request_get_output_buffer(r->ev), fd, 0,
				     st.st_size) < 0) {
		close(fd);
		http_reply_text(r, 500, "Cannot send '%.256s'", http_query(r, "path"));
		return;
	}
	http_add_header(r, "Content-Disposition", disposition);
	/* the body is already queued in the output buffer (fd now owned by it) */
	http_reply_raw(r, 200, "application/octet-stream", NULL, 0);
}

/* ---- /files/debug ---- */

/* Adds {virtual: real} for the latest run of every executor of framework fid. */
static void debug_framework(json_t *out, const char *work_dir, const char *agent_id,
			    const char *fid, const char *root, size_t *count)
{
	char execs[PATH_MAX], latest[PATH_MAX], real[PATH_MAX], virt[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (str_printf(execs, sizeof(execs), "%s/slaves/%s/frameworks/%s/executors", work_dir,
		       agent_id, fid) < 0 ||
	    !(d = opendir(execs)))
		return;
	while ((de = readdir(d)) && *count < FILES_DEBUG_MAX) {
		if (de->d_name[0] == '.' ||
		    str_printf(latest, sizeof(latest), "%s/%s/runs/latest", execs, de->d_name) < 0 ||
		    str_printf(virt, sizeof(virt), "/frameworks/%s/executors/%s/runs/latest", fid,
			       de->d_name) < 0 ||
		    !realpath(latest, real) || !path_under(root, real))
			continue;
		/* keys must be UTF-8 for jansson; ids that are not are skipped */
		if (json_object_set_new(out, virt, json_string(real)) == 0)
			(*count)++;
		json_object_set_new(out, latest, json_string(real));
	}
	closedir(d);
}

void files_debug(struct http_req *r, void *arg)
{
	struct agent *a = arg;
	char fws[PATH_MAX], root[PATH_MAX];
	json_t *out = json_object();
	struct dirent *de;
	size_t count = 0;
	DIR *d;

	if (agent_id_ok(a->id) && slaves_root(a->flags.work_dir, root) == 0 &&
	    str_printf(fws, sizeof(fws), "%s/slaves/%s/frameworks", a->flags.work_dir, a->id) ==
		    0 &&
	    (d = opendir(fws))) {
		while ((de = readdir(d)) && count < FILES_DEBUG_MAX)
			if (de->d_name[0] != '.')
				debug_framework(out, a->flags.work_dir, a->id, de->d_name, root,
						&count);
		closedir(d);
	}
	http_reply_json(r, 200, out);
}
