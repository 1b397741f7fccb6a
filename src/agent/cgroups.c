/*
 * agent/cgroups — see cgroups.h for the API. This file owns every path under
 * --cgroups_hierarchy that agora creates: the root cgroup(s)
 * <mount>/<--cgroups_root> and one child per container below each root.
 *
 * Layout:
 *   v1  one tree per mounted controller we use, e.g.
 *       /sys/fs/cgroup/{cpu,cpuacct,memory,pids,devices,freezer}/agora/<name>;
 *       co-mounted controllers (cpu,cpuacct) share one tree.
 *   v2  /sys/fs/cgroup/agora/<name>; the wanted controllers are enabled in
 *       cgroup.subtree_control of every cgroup from the mount down to
 *       /sys/fs/cgroup/agora, so each <name> gets cpu.*, memory.*, pids.*.
 *
 * Invariants:
 *  1. No path is built from an unchecked container name: cg_check_name()
 *     runs first in every entry point, and every path goes through a
 *     bounded builder (-ENAMETOOLONG, never truncation).
 *  2. struct cg_system is written only by cg_detect(); everything else reads
 *     it. No other state, no globals.
 *  3. v2 "no internal processes": our root holds no process, only container
 *     cgroups; containers are leaves. The agent never lives inside our root
 *     (cg_detect refuses that rather than moving it among containers).
 *  4. cg_enter() runs in the task child between fork and exec: it uses only
 *     the stack, open/write/close and string copies; no malloc, no stdio.
 *  5. A v1 memory limit is always <= the memory+swap limit, so the two are
 *     written in the order that keeps that true (raise memsw first, lower
 *     the plain limit first); the kernel rejects the other order.
 *  6. cg_kill_all() leaves the cgroup thawed, whatever happened.
 *
 * Which process calls what: the agent's event loop calls everything except
 * cg_enter(), which the task process calls. cg_kill_all() and cg_destroy()
 * may block the loop for a bounded time (milliseconds in practice).
 */
#include "agent/cgroups.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"

#define CFS_PERIOD_US 100000
#define CFS_MIN_QUOTA_US 1000
#define MOUNTINFO_MAX (4u << 20)
#define PROCS_MAX (8u << 20) /* cgroup.procs of a huge container: 4M pids * 8 bytes */
#define AGENT_LEAF "agora-agent"
#define V1_UNLIMITED (UINT64_C(1) << 62) /* v1 reports "no limit" as ~2^63 */

/* Mesos' default device whitelist (isolators/cgroups/subsystems/devices.cpp). */
static const char *const default_devices[] = {
	"c *:* m",     "b *:* m",   "c 5:1 rwm", "c 4:0 rwm", "c 4:1 rwm",
	"c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm", "c 1:3 rwm", "c 1:5 rwm",
	"c 1:7 rwm",   "c 5:0 rwm", "c 1:9 rwm", "c 1:8 rwm",
};

/* ---- small helpers ---- */

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Async-signal-safe concatenation: dst = a + b + c + d (any may be NULL). */
static int path_cat(char *dst, size_t size, const char *a, const char *b, const char *c, const char *d)
{
	const char *parts[4] = { a, b, c, d };
	size_t len = 0;

	for (size_t i = 0; i < 4; i++) {
		size_t n;
		if (!parts[i])
			continue;
		n = strlen(parts[i]);
		if (len + n >= size)
			return -ENAMETOOLONG;
		memcpy(dst + len, parts[i], n);
		len += n;
	}
	dst[len] = '\0';
	return 0;
}

/* <root of hierarchy h>[/<name>][/<file>] */
static int hier_path(const struct cg_system *sys, size_t h, const char *name, const char *file, char *out,
		     size_t outlen)
{
	int rc = path_cat(out, outlen, sys->hier[h].root, name ? "/" : NULL, name, NULL);
	if (rc == 0 && file)
		rc = path_cat(out + strlen(out), outlen - strlen(out), "/", file, NULL, NULL);
	return rc;
}

static int write_file(const char *path, const char *value, char *err, size_t errlen)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	n = write(fd, value, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	close(fd);
out:
	if (rc)
		set_err(err, errlen, "cannot write %s to %s: %s", value, path, strerror(-rc));
	return rc;
}

/* Writes value to <root h>/<name>/<file>. */
static int write_cg(const struct cg_system *sys, size_t h, const char *name, const char *file,
		    const char *value, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int rc = hier_path(sys, h, name, file, path, sizeof(path));

	if (rc) {
		set_err(err, errlen, "cgroup path too long: %s/%s/%s", sys->hier[h].root, name, file);
		return rc;
	}
	return write_file(path, value, err, errlen);
}

static int write_cg_u64(const struct cg_system *sys, size_t h, const char *name, const char *file,
			uint64_t value, char *err, size_t errlen)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)value);
	return write_cg(sys, h, name, file, buf, err, errlen);
}

/* Reads a small file into buf (NUL-terminated, truncated to size-1). */
static int read_small(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int rc = -errno;
			close(fd);
			return rc;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return 0;
}

/* "max" is UINT64_MAX; anything else must be a plain unsigned number. */
static int parse_cg_u64(const char *s, uint64_t *out)
{
	char tmp[64];
	char *t;

	if (str_copy(tmp, s, sizeof(tmp)) >= sizeof(tmp))
		return -EINVAL;
	t = str_trim(tmp);
	if (strcmp(t, "max") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	return parse_uint64(t, out);
}

static int read_cg_u64(const struct cg_system *sys, size_t h, const char *name, const char *file, uint64_t *out)
{
	char path[PATH_MAX], buf[64];
	int rc = hier_path(sys, h, name, file, path, sizeof(path));

	if (rc == 0)
		rc = read_small(path, buf, sizeof(buf));
	return rc ? rc : parse_cg_u64(buf, out);
}

/* Finds "key value" on a line of text (memory.stat, cpu.stat, memory.events, ...). */
static int find_keyed(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			char num[32];
			size_t n = strcspn(p + klen + 1, "\n");
			if (n >= sizeof(num))
				return -EINVAL;
			memcpy(num, p + klen + 1, n);
			num[n] = '\0';
			return parse_uint64(num, out);
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

static int read_cg_keyed(const struct cg_system *sys, size_t h, const char *name, const char *file,
			 const char *key, uint64_t *out)
{
	char path[PATH_MAX], buf[8192];
	int rc = hier_path(sys, h, name, file, path, sizeof(path));

	if (rc == 0)
		rc = read_small(path, buf, sizeof(buf));
	return rc ? rc : find_keyed(buf, key, out);
}

int cg_check_name(const char *name)
{
	size_t len;

	if (!name)
		return -EINVAL;
	len = strnlen(name, CG_NAME_MAX + 1);
	if (len == 0 || len > CG_NAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\\' || (unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return -EINVAL;
	return 0;
}

/* root_name: relative, '/'-separated, no empty, "." or ".." component. */
static int check_root_name(const char *root)
{
	const char *p = root;

	if (!*root || *root == '/')
		return -EINVAL;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20)
				return -EINVAL;
		p += n;
		if (*p == '/')
			p++;
		if (*p == '\0' && p[-1] == '/')
			return -EINVAL;
	}
	return 0;
}

/* ---- detection ---- */

struct mount_ent {
	char *root;   /* the path inside the filesystem that is mounted */
	char *point;  /* where */
	char *fstype; /* "cgroup", "cgroup2", ... */
	char *opts;   /* super options: "rw,cpu,cpuacct" */
};

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Splits one mountinfo line in place; -EINVAL when malformed. */
static int parse_mount_line(char *line, struct mount_ent *m)
{
	char *f[5], *p = line, *sep;

	for (int i = 0; i < 5; i++) {
		f[i] = p;
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		*p++ = '\0';
	}
	sep = strstr(p, " - ");
	if (!sep)
		return -EINVAL;
	m->fstype = sep + 3;
	p = strchr(m->fstype, ' ');
	if (!p)
		return -EINVAL;
	*p++ = '\0';
	p = strchr(p, ' '); /* skip the source */
	if (!p)
		return -EINVAL;
	m->opts = p + 1;
	m->root = f[3];
	m->point = f[4];
	unescape_octal(m->root);
	unescape_octal(m->point);
	return 0;
}

static bool opts_has(const char *opts, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = opts; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

/* v1 controllers, in the order hierarchies are created and joined. */
enum v1_ctl { V1_CPU, V1_CPUACCT, V1_MEMORY, V1_PIDS, V1_DEVICES, V1_FREEZER, V1_NCTL };
static const char *const v1_names[V1_NCTL] = { "cpu", "cpuacct", "memory", "pids", "devices", "freezer" };

struct detect_scan {
	bool hier_is_v2;		      /* <hierarchy> itself is a cgroup2 mount */
	bool unified_v2;		      /* <hierarchy>/unified is (hybrid) */
	char v2_mount_root[CG_PATH_MAX];      /* mountinfo root of the v2 mount */
	char v1_mount[V1_NCTL][CG_PATH_MAX];  /* mount point per v1 controller, "" if none */
};

static void scan_entry(const struct mount_ent *m, const char *hierarchy, struct detect_scan *s)
{
	size_t hl = strlen(hierarchy);
	bool child = strncmp(m->point, hierarchy, hl) == 0 && m->point[hl] == '/' &&
		     !strchr(m->point + hl + 1, '/');

	if (strcmp(m->fstype, "cgroup2") == 0) {
		if (strcmp(m->point, hierarchy) == 0) {
			s->hier_is_v2 = true;
			str_copy(s->v2_mount_root, m->root, sizeof(s->v2_mount_root));
		} else if (child && strcmp(m->point + hl + 1, "unified") == 0) {
			s->unified_v2 = true;
		}
		return;
	}
	if (strcmp(m->fstype, "cgroup") != 0 || !child)
		return;
	for (int c = 0; c < V1_NCTL; c++)
		if (opts_has(m->opts, v1_names[c]) && !s->v1_mount[c][0])
			str_copy(s->v1_mount[c], m->point, sizeof(s->v1_mount[c]));
}

static int scan_mounts(const char *hierarchy, struct detect_scan *s, char *err, size_t errlen)
{
	char *data = NULL, *line, *next;
	int rc = file_read_all("/proc/self/mountinfo", MOUNTINFO_MAX, &data, NULL);

	if (rc) {
		set_err(err, errlen, "cannot read /proc/self/mountinfo: %s", strerror(-rc));
		return rc;
	}
	for (line = data; line && *line; line = next) {
		struct mount_ent m;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (parse_mount_line(line, &m) == 0)
			scan_entry(&m, hierarchy, s);
	}
	free(data);
	return 0;
}

/* Adds (or finds) the tree rooted at <mount>/<root_name>; returns its index. */
static int add_hier(struct cg_system *sys, const char *mount, unsigned ctls, bool cpuacct, char *err,
		    size_t errlen)
{
	char root[CG_PATH_MAX];
	size_t h;

	if (str_printf(root, sizeof(root), "%s/%s", mount, sys->root_name)) {
		set_err(err, errlen, "cgroup root path too long: %s/%s", mount, sys->root_name);
		return -ENAMETOOLONG;
	}
	for (h = 0; h < sys->nhier; h++)
		if (strcmp(sys->hier[h].root, root) == 0)
			break;
	if (h == sys->nhier) {
		if (h == CG_MAX_HIER)
			return -E2BIG;
		str_copy(sys->hier[h].root, root, sizeof(sys->hier[h].root));
		sys->nhier++;
	}
	sys->hier[h].ctls |= ctls;
	sys->hier[h].cpuacct |= cpuacct;
	return (int)h;
}

static int detect_v1(struct cg_system *sys, const struct detect_scan *s, char *err, size_t errlen)
{
	static const unsigned need_bit[V1_NCTL] = { CG_CPU, CG_CPU, CG_MEM, CG_PIDS, CG_DEVICES, CG_FREEZER };
	static const unsigned own_bit[V1_NCTL] = { CG_CPU, 0, CG_MEM, CG_PIDS, CG_DEVICES, CG_FREEZER };
	int *slot[V1_NCTL] = { &sys->cpu_hier,	   &sys->cpuacct_hier, &sys->mem_hier,
			       &sys->pids_hier,	   &sys->devices_hier, &sys->freezer_hier };

	sys->version = s->unified_v2 ? CG_V1_HYBRID : CG_V1_LEGACY;
	for (int c = 0; c < V1_NCTL; c++) {
		bool wanted = (sys->want & need_bit[c]) != 0;
		int h;

		if (!s->v1_mount[c][0]) {
			if (!wanted)
				continue; /* an unwanted freezer is only a nicety */
			set_err(err, errlen, "cgroup v1 controller '%s' is not mounted under %s", v1_names[c],
				sys->hierarchy);
			return -ENOENT;
		}
		if (!wanted && c != V1_FREEZER)
			continue;
		h = add_hier(sys, s->v1_mount[c], own_bit[c], c == V1_CPUACCT, err, errlen);
		if (h < 0)
			return h;
		*slot[c] = h;
		sys->have |= need_bit[c];
	}
	if (sys->nhier == 0) {
		set_err(err, errlen, "no cgroup v1 controller asked for, and no freezer under %s", sys->hierarchy);
		return -EINVAL;
	}
	return 0;
}

/* Whether word is one of the whitespace-separated words of list. */
static bool words_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p;) {
		size_t len;
		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p += len;
	}
	return false;
}

/* The agent's own v2 cgroup as a directory under the mount, or "" when unknown. */
static void agent_cgroup_dir(const struct cg_system *sys, const struct detect_scan *s, char *out, size_t outlen)
{
	char buf[4096], *p, *nl;
	size_t mrl = strlen(s->v2_mount_root);

	out[0] = '\0';
	if (read_small("/proc/self/cgroup", buf, sizeof(buf)) != 0)
		return;
	p = strstr(buf, "0::");
	if (!p || (p != buf && p[-1] != '\n'))
		return;
	p += 3;
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	if (strcmp(s->v2_mount_root, "/") != 0) {
		if (strncmp(p, s->v2_mount_root, mrl) != 0 || (p[mrl] != '/' && p[mrl] != '\0'))
			return; /* outside what is mounted here */
		p += mrl;
	}
	if (strcmp(p, "/") == 0)
		p = "";
	if (str_printf(out, outlen, "%s%s", sys->hierarchy, p))
		out[0] = '\0';
}

static bool path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Moves the agent out of dir into dir/agora-agent so dir may enable controllers. */
static int move_agent(struct cg_system *sys, const char *dir, char *err, size_t errlen)
{
	char leaf[CG_PATH_MAX], procs[PATH_MAX];

	if (str_printf(leaf, sizeof(leaf), "%s/%s", dir, AGENT_LEAF) ||
	    str_printf(procs, sizeof(procs), "%s/cgroup.procs", leaf))
		return -ENAMETOOLONG;
	if (mkdir(leaf, 0755) < 0 && errno != EEXIST) {
		int rc = -errno;
		set_err(err, errlen, "cannot create %s: %s", leaf, strerror(errno));
		return rc;
	}
	if (write_file(procs, "0", err, errlen))
		return -EBUSY;
	str_copy(sys->agent_leaf, leaf, sizeof(sys->agent_leaf));
	log_warnx("cgroups: moved the agent from %s into %s so that %s can delegate controllers", dir, leaf, dir);
	return 0;
}

static const struct {
	unsigned bit;
	const char *name;
} v2_ctls[] = { { CG_CPU, "cpu" }, { CG_MEM, "memory" }, { CG_PIDS, "pids" } };

/* Enables ctls in dir/cgroup.subtree_control (moving the agent away if it is in dir). */
static int enable_in(struct cg_system *sys, const char *dir, unsigned ctls, const char *agent_dir, char *err,
		     size_t errlen)
{
	char path[PATH_MAX], value[16];

	if (str_printf(path, sizeof(path), "%s/cgroup.subtree_control", dir))
		return -ENAMETOOLONG;
	for (size_t i = 0; i < ARRAY_LEN(v2_ctls); i++) {
		int rc;

		if (!(ctls & v2_ctls[i].bit))
			continue;
		snprintf(value, sizeof(value), "+%s", v2_ctls[i].name);
		rc = write_file(path, value, err, errlen);
		if (rc == -EBUSY && !sys->agent_leaf[0] && strcmp(agent_dir, dir) == 0 &&
		    move_agent(sys, dir, err, errlen) == 0)
			rc = write_file(path, value, err, errlen);
		if (rc == -EBUSY && err)
			str_append(err, " (cgroup v2 lets only a cgroup without processes hand controllers to "
					"its children; run the agent in a leaf cgroup, e.g. systemd Delegate=yes)",
				   errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* Enables the wanted controllers from the mount down to our root, inclusive. */
static int enable_v2_controllers(struct cg_system *sys, const struct detect_scan *s, char *err, size_t errlen)
{
	unsigned ctls = sys->want & (CG_CPU | CG_MEM | CG_PIDS);
	char agent_dir[CG_PATH_MAX], dir[CG_PATH_MAX];
	const char *rest = sys->root_name;
	int rc;

	agent_cgroup_dir(sys, s, agent_dir, sizeof(agent_dir));
	if (agent_dir[0] && path_within(agent_dir, sys->hier[0].root)) {
		set_err(err, errlen, "the agent runs in cgroup %s, inside --cgroups_root %s; run it elsewhere "
				     "or choose another --cgroups_root", agent_dir, sys->hier[0].root);
		return -EBUSY;
	}
	if (!ctls)
		return 0;
	str_copy(dir, sys->hierarchy, sizeof(dir));
	for (;;) {
		size_t n;

		rc = enable_in(sys, dir, ctls, agent_dir, err, errlen);
		if (rc || !*rest)
			return rc;
		n = strcspn(rest, "/");
		if (strlen(dir) + 1 + n >= sizeof(dir))
			return -ENAMETOOLONG;
		str_append(dir, "/", sizeof(dir));
		strncat(dir, rest, n);
		rest += n + (rest[n] == '/');
	}
}

static int detect_v2(struct cg_system *sys, char *err, size_t errlen)
{
	char path[PATH_MAX], avail[1024];
	unsigned ctls = sys->want & (CG_CPU | CG_MEM | CG_PIDS);
	int rc;

	sys->version = CG_V2;
	if (str_printf(path, sizeof(path), "%s/cgroup.controllers", sys->hierarchy))
		return -ENAMETOOLONG;
	rc = read_small(path, avail, sizeof(avail));
	if (rc) {
		set_err(err, errlen, "cannot read %s: %s", path, strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < ARRAY_LEN(v2_ctls); i++) {
		if ((ctls & v2_ctls[i].bit) && !words_has(avail, v2_ctls[i].name)) {
			set_err(err, errlen, "cgroup v2 controller '%s' is not available in %s (bound to a v1 "
					     "hierarchy, or not delegated to this cgroup)", v2_ctls[i].name, path);
			return -ENOENT;
		}
	}
	rc = add_hier(sys, sys->hierarchy, ctls, true, err, errlen);
	if (rc < 0)
		return rc;
	sys->have = ctls;
	sys->cpuacct_hier = 0; /* cpu.stat exists without the cpu controller */
	sys->cpu_hier = (ctls & CG_CPU) ? 0 : -1;
	sys->mem_hier = (ctls & CG_MEM) ? 0 : -1;
	sys->pids_hier = (ctls & CG_PIDS) ? 0 : -1;
	return 0;
}

/* mkdir -p every root; then the probes that need a non-root cgroup to look at. */
static int make_roots(struct cg_system *sys, const struct detect_scan *s, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int rc;

	for (size_t h = 0; h < sys->nhier; h++) {
		rc = mkdir_p(sys->hier[h].root, 0755);
		if (rc) {
			set_err(err, errlen, "cannot create cgroup %s: %s", sys->hier[h].root, strerror(-rc));
			return rc;
		}
	}
	if (sys->version != CG_V2) {
		if (sys->mem_hier >= 0 && hier_path(sys, (size_t)sys->mem_hier, NULL, "memory.memsw.limit_in_bytes",
						    path, sizeof(path)) == 0)
			sys->v1_memsw = path_exists(path);
		return 0;
	}
	rc = enable_v2_controllers(sys, s, err, errlen);
	if (rc)
		return rc;
	if (hier_path(sys, 0, NULL, "cgroup.kill", path, sizeof(path)) == 0)
		sys->v2_kill = path_exists(path);
	if (hier_path(sys, 0, NULL, "cgroup.freeze", path, sizeof(path)) == 0)
		sys->v2_freeze = path_exists(path);
	if ((sys->have & CG_MEM) && hier_path(sys, 0, NULL, "memory.swap.max", path, sizeof(path)) == 0)
		sys->v2_swap_max = path_exists(path);
	if (sys->v2_freeze) {
		sys->have |= CG_FREEZER;
		sys->freezer_hier = 0;
	} else if (sys->want & CG_FREEZER) {
		set_err(err, errlen, "cgroup v2 freezer: %s/cgroup.freeze is missing (Linux < 5.2)", sys->hier[0].root);
		return -ENOENT;
	}
	return 0;
}

int cg_detect(struct cg_system *sys, const char *hierarchy, const char *root_name, unsigned want, char *err,
	      size_t errlen)
{
	struct detect_scan *scan = NULL;
	size_t hl;
	int rc;

	memset(sys, 0, sizeof(*sys));
	sys->mem_hier = sys->cpu_hier = sys->cpuacct_hier = sys->pids_hier = -1;
	sys->devices_hier = sys->freezer_hier = -1;
	sys->want = want;
	if (!hierarchy || hierarchy[0] != '/' || str_copy(sys->hierarchy, hierarchy, sizeof(sys->hierarchy)) >=
							    sizeof(sys->hierarchy)) {
		set_err(err, errlen, "--cgroups_hierarchy must be an absolute path, got '%s'", hierarchy ? hierarchy : "");
		return -EINVAL;
	}
	for (hl = strlen(sys->hierarchy); hl > 1 && sys->hierarchy[hl - 1] == '/'; hl--)
		sys->hierarchy[hl - 1] = '\0';
	if (!root_name || check_root_name(root_name) ||
	    str_copy(sys->root_name, root_name, sizeof(sys->root_name)) >= sizeof(sys->root_name)) {
		set_err(err, errlen, "--cgroups_root must be a relative cgroup path without '..', got '%s'",
			root_name ? root_name : "");
		return -EINVAL;
	}
	scan = xcalloc(1, sizeof(*scan));
	rc = scan_mounts(sys->hierarchy, scan, err, errlen);
	if (rc)
		goto out;
	if (scan->hier_is_v2) {
		rc = detect_v2(sys, err, errlen);
	} else {
		bool any = false;
		for (int c = 0; c < V1_NCTL; c++)
			any |= scan->v1_mount[c][0] != '\0';
		if (!any) {
			set_err(err, errlen, "no cgroup filesystem is mounted at or under %s", sys->hierarchy);
			rc = -ENOENT;
			goto out;
		}
		rc = detect_v1(sys, scan, err, errlen);
	}
	if (rc == 0)
		rc = make_roots(sys, scan, err, errlen);
out:
	free(scan);
	return rc;
}

const char *cg_version_name(const struct cg_system *sys)
{
	switch (sys->version) {
	case CG_V1_LEGACY:
		return "v1-legacy";
	case CG_V1_HYBRID:
		return "v1-hybrid";
	case CG_V2:
		return "v2";
	}
	return "none";
}

/* ---- creation and limits ---- */

static uint64_t cpu_shares(double cpus)
{
	double shares = cpus > 0 ? cpus * 1024 : 1024;

	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return (uint64_t)shares;
}

static uint64_t cfs_quota_us(double cpus)
{
	double quota = cpus * CFS_PERIOD_US;
	return quota < CFS_MIN_QUOTA_US ? CFS_MIN_QUOTA_US : (uint64_t)quota;
}

static int v1_cpu(const struct cg_system *sys, const char *name, const struct cg_limits *lim, char *err,
		  size_t errlen)
{
	size_t h = (size_t)sys->cpu_hier;
	int rc = write_cg_u64(sys, h, name, "cpu.shares", cpu_shares(lim->cpus), err, errlen);

	if (rc)
		return rc;
	if (!lim->cfs_quota || lim->cpus <= 0)
		return write_cg(sys, h, name, "cpu.cfs_quota_us", "-1", err, errlen);
	rc = write_cg_u64(sys, h, name, "cpu.cfs_period_us", CFS_PERIOD_US, err, errlen);
	if (rc == 0)
		rc = write_cg_u64(sys, h, name, "cpu.cfs_quota_us", cfs_quota_us(lim->cpus), err, errlen);
	return rc;
}

/* Invariant 5: memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every step. */
static int v1_memory(const struct cg_system *sys, const char *name, const struct cg_limits *lim, char *err,
		     size_t errlen)
{
	size_t h = (size_t)sys->mem_hier;
	char value[32];
	uint64_t current = 0;
	bool raising;
	int rc;

	if (lim->mem_bytes)
		snprintf(value, sizeof(value), "%llu", (unsigned long long)lim->mem_bytes);
	else
		str_copy(value, "-1", sizeof(value));
	if (read_cg_u64(sys, h, name, "memory.limit_in_bytes", &current) != 0)
		current = 0;
	raising = lim->mem_bytes == 0 || lim->mem_bytes > current;
	if (sys->v1_memsw && raising) {
		rc = write_cg(sys, h, name, "memory.memsw.limit_in_bytes", value, err, errlen);
		if (rc)
			return rc;
	}
	rc = write_cg(sys, h, name, "memory.limit_in_bytes", value, err, errlen);
	if (rc)
		return rc;
	if (sys->v1_memsw && !raising) {
		rc = write_cg(sys, h, name, "memory.memsw.limit_in_bytes", value, err, errlen);
		if (rc)
			return rc;
	}
	return write_cg(sys, h, name, "memory.soft_limit_in_bytes", value, err, errlen);
}

static int device_rule(const struct cg_device *d, char *out, size_t outlen)
{
	char major[24], minor[24];

	if (d->type != 'c' && d->type != 'b' && d->type != 'a')
		return -EINVAL;
	if (!d->access[0] || strnlen(d->access, sizeof(d->access)) == sizeof(d->access) ||
	    strspn(d->access, "rwm") != strlen(d->access) || d->major < -1 || d->minor < -1)
		return -EINVAL;
	if (d->type == 'a')
		return str_printf(out, outlen, "a");
	if (d->major < 0)
		str_copy(major, "*", sizeof(major));
	else
		snprintf(major, sizeof(major), "%lld", (long long)d->major);
	if (d->minor < 0)
		str_copy(minor, "*", sizeof(minor));
	else
		snprintf(minor, sizeof(minor), "%lld", (long long)d->minor);
	return str_printf(out, outlen, "%c %s:%s %s", d->type, major, minor, d->access);
}

/*
 * Unrestricted: a new cgroup keeps what it inherited (all, unless the agent
 * itself runs in a device-restricted container, where "a" would be EPERM);
 * a reused one may hold an old whitelist, so it is opened up again.
 */
static int v1_devices(const struct cg_system *sys, const char *name, const struct cg_limits *lim, bool created,
		      char *err, size_t errlen)
{
	size_t h = (size_t)sys->devices_hier;
	char rule[96];
	int rc;

	if (!lim->restrict_devices)
		return created ? 0 : write_cg(sys, h, name, "devices.allow", "a", err, errlen);
	rc = write_cg(sys, h, name, "devices.deny", "a", err, errlen);
	for (size_t i = 0; rc == 0 && i < ARRAY_LEN(default_devices); i++)
		rc = write_cg(sys, h, name, "devices.allow", default_devices[i], err, errlen);
	for (size_t i = 0; rc == 0 && i < lim->nallow; i++) {
		rc = device_rule(&lim->allow[i], rule, sizeof(rule));
		if (rc) {
			set_err(err, errlen, "device %zu: expected type c/b/a, major/minor >= -1, access in rwm", i);
			return rc;
		}
		rc = write_cg(sys, h, name, "devices.allow", rule, err, errlen);
	}
	return rc;
}

static int apply_v1(const struct cg_system *sys, const char *name, const struct cg_limits *lim,
		    const bool *created, char *err, size_t errlen)
{
	int rc = 0;

	if (sys->cpu_hier >= 0)
		rc = v1_cpu(sys, name, lim, err, errlen);
	if (rc == 0 && sys->mem_hier >= 0)
		rc = v1_memory(sys, name, lim, err, errlen);
	if (rc == 0 && sys->pids_hier >= 0) {
		if (lim->pids_max)
			rc = write_cg_u64(sys, (size_t)sys->pids_hier, name, "pids.max", lim->pids_max, err, errlen);
		else
			rc = write_cg(sys, (size_t)sys->pids_hier, name, "pids.max", "max", err, errlen);
	}
	if (rc == 0 && sys->devices_hier >= 0)
		rc = v1_devices(sys, name, lim, created[sys->devices_hier], err, errlen);
	if (rc == 0 && sys->freezer_hier >= 0) /* a leftover may have been left frozen */
		rc = write_cg(sys, (size_t)sys->freezer_hier, name, "freezer.state", "THAWED", err, errlen);
	return rc;
}

/*
 * v2. Weight from shares as systemd and runc convert it. memory.swap.max = 0
 * is runc's translation of v1's memsw == limit (swap may not hold what RAM
 * may not), so a container cannot dodge its limit by swapping.
 */
static int apply_v2(const struct cg_system *sys, const char *name, const struct cg_limits *lim, char *err,
		    size_t errlen)
{
	char value[64];
	int rc = 0;

	if (sys->have & CG_CPU) {
		uint64_t weight = 1 + ((cpu_shares(lim->cpus) - 2) * 9999) / 262142;
		rc = write_cg_u64(sys, 0, name, "cpu.weight", weight, err, errlen);
		if (lim->cfs_quota && lim->cpus > 0)
			snprintf(value, sizeof(value), "%llu %d", (unsigned long long)cfs_quota_us(lim->cpus),
				 CFS_PERIOD_US);
		else
			snprintf(value, sizeof(value), "max %d", CFS_PERIOD_US);
		if (rc == 0)
			rc = write_cg(sys, 0, name, "cpu.max", value, err, errlen);
	}
	if (rc == 0 && (sys->have & CG_MEM)) {
		if (lim->mem_bytes)
			rc = write_cg_u64(sys, 0, name, "memory.max", lim->mem_bytes, err, errlen);
		else
			rc = write_cg(sys, 0, name, "memory.max", "max", err, errlen);
		if (rc == 0 && sys->v2_swap_max)
			rc = write_cg(sys, 0, name, "memory.swap.max", lim->mem_bytes ? "0" : "max", err, errlen);
	}
	if (rc == 0 && (sys->have & CG_PIDS)) {
		if (lim->pids_max)
			rc = write_cg_u64(sys, 0, name, "pids.max", lim->pids_max, err, errlen);
		else
			rc = write_cg(sys, 0, name, "pids.max", "max", err, errlen);
	}
	if (rc == 0 && sys->v2_freeze)
		rc = write_cg(sys, 0, name, "cgroup.freeze", "0", err, errlen);
	return rc;
}

int cg_create(const struct cg_system *sys, const char *name, const struct cg_limits *lim, char *err,
	      size_t errlen)
{
	bool created[CG_MAX_HIER] = { false }, reused = false;
	char path[PATH_MAX];
	int rc;

	if (cg_check_name(name)) {
		set_err(err, errlen, "invalid container name for a cgroup: '%.64s'", name ? name : "");
		return -EINVAL;
	}
	if (lim->restrict_devices && sys->version == CG_V2) {
		set_err(err, errlen, "cgroup v2 restricts devices only with eBPF, which agora does not load; "
				     "give the container a private /dev instead");
		return -EOPNOTSUPP;
	}
	if (lim->restrict_devices && !(sys->have & CG_DEVICES)) {
		set_err(err, errlen, "device restriction asked for, but the devices controller is not in use "
				     "(--isolation lacks cgroups/devices)");
		return -EINVAL;
	}
	for (size_t h = 0; h < sys->nhier; h++) {
		struct stat st;

		rc = hier_path(sys, h, name, NULL, path, sizeof(path));
		if (rc) {
			set_err(err, errlen, "cgroup path too long: %s/%s", sys->hier[h].root, name);
			goto out;
		}
		if (mkdir(path, 0755) == 0) {
			created[h] = true;
			continue;
		}
		rc = -errno;
		if (rc != -EEXIST || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
			set_err(err, errlen, "cannot create cgroup %s: %s", path, strerror(-rc));
			goto out;
		}
		reused = true;
	}
	if (reused)
		log_info("cgroups: reusing leftover cgroup %s/%s; rewriting its limits", sys->hier[0].root, name);
	if (sys->version == CG_V2)
		rc = apply_v2(sys, name, lim, err, errlen);
	else
		rc = apply_v1(sys, name, lim, created, err, errlen);
out:
	for (size_t h = 0; rc && h < sys->nhier; h++)
		if (created[h] && hier_path(sys, h, name, NULL, path, sizeof(path)) == 0)
			rmdir(path);
	return rc;
}

/* ---- joining (task child: invariant 4) ---- */

int cg_enter(const struct cg_system *sys, const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (cg_check_name(name))
		return -EINVAL;
	for (size_t h = 0; h < sys->nhier; h++) {
		int fd, rc = 0;

		if (path_cat(path, sizeof(path), sys->hier[h].root, "/", name, "/cgroup.procs"))
			return -ENAMETOOLONG;
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
		} else {
			ssize_t n = write(fd, "0", 1);
			rc = n < 0 ? -errno : n != 1 ? -EIO : 0;
			close(fd);
		}
		if (rc) {
			if (err && errlen) {
				str_copy(err, "cannot join ", errlen);
				str_append(err, path, errlen);
				str_append(err, ": ", errlen);
				str_append(err, strerror(-rc), errlen);
			}
			return rc;
		}
	}
	return 0;
}

/* ---- killing and removal ---- */

/*
 * Reads cgroup.procs at path: stores up to max pids in out, SIGKILLs each
 * when do_kill. Returns how many were listed, or -errno.
 */
static int procs_scan(const char *path, bool do_kill, pid_t *out, size_t max)
{
	char *data = NULL, *line, *next;
	int rc, count = 0;

	rc = file_read_all(path, PROCS_MAX, &data, NULL);
	if (rc)
		return rc;
	for (line = data; *line; line = next) {
		int64_t pid;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (parse_int64(line, &pid) != 0 || pid <= 0 || pid > INT_MAX)
			continue;
		if (out && (size_t)count < max)
			out[count] = (pid_t)pid;
		if (do_kill)
			kill((pid_t)pid, SIGKILL);
		if (count < INT_MAX)
			count++;
	}
	free(data);
	return count;
}

/* Freezes (on) or thaws the container; waits up to 0.5 s for "frozen", then goes on anyway. */
static int freeze(const struct cg_system *sys, const char *name, bool on, char *err, size_t errlen)
{
	size_t h = (size_t)sys->freezer_hier;
	bool v2 = sys->version == CG_V2;
	const char *file = v2 ? "cgroup.freeze" : "freezer.state";
	const char *value = v2 ? (on ? "1" : "0") : (on ? "FROZEN" : "THAWED");
	const char *state_file = v2 ? "cgroup.events" : "freezer.state";
	char path[PATH_MAX], state[256];
	double give_up = now_mono() + 0.5;
	int rc = write_cg(sys, h, name, file, value, err, errlen);

	if (rc || !on || hier_path(sys, h, name, state_file, path, sizeof(path)))
		return rc;
	while (now_mono() < give_up) {
		uint64_t frozen = 0;
		if (read_small(path, state, sizeof(state)) != 0)
			break;
		if (v2 ? find_keyed(state, "frozen", &frozen) == 0 && frozen == 1 : str_starts_with(state, "FROZEN"))
			break;
		sleep_ms(1);
	}
	return 0;
}

/* One round: cgroup.kill, or freeze + SIGKILL each listed pid + thaw. */
static int kill_round(const struct cg_system *sys, const char *name, const char *procs, char *err, size_t errlen)
{
	int rc;

	if (sys->version == CG_V2 && sys->v2_kill)
		return write_cg(sys, 0, name, "cgroup.kill", "1", err, errlen);
	if (sys->freezer_hier >= 0) {
		rc = freeze(sys, name, true, err, errlen);
		if (rc)
			return rc;
	}
	rc = procs_scan(procs, true, NULL, 0);
	if (sys->freezer_hier >= 0) {
		int thaw = freeze(sys, name, false, err, errlen);
		if (rc >= 0)
			rc = thaw;
	}
	return rc < 0 ? rc : 0;
}

int cg_kill_all(const struct cg_system *sys, const char *name, double timeout_secs, char *err, size_t errlen)
{
	size_t h = sys->freezer_hier >= 0 ? (size_t)sys->freezer_hier : 0;
	double deadline = now_mono() + (timeout_secs > 0 ? timeout_secs : 10);
	char procs[PATH_MAX];
	long nap = 1;
	int rc, left;

	if (cg_check_name(name))
		return -EINVAL;
	if (sys->nhier == 0)
		return -ENOENT;
	if (hier_path(sys, h, name, "cgroup.procs", procs, sizeof(procs)))
		return -ENAMETOOLONG;
	for (;;) {
		left = procs_scan(procs, false, NULL, 0);
		if (left == -ENOENT || left == 0) {
			rc = 0; /* empty, or no such cgroup */
			break;
		}
		if (left < 0) {
			rc = left;
			set_err(err, errlen, "cannot read %s: %s", procs, strerror(-rc));
			break;
		}
		if (now_mono() > deadline) {
			rc = -ETIMEDOUT;
			set_err(err, errlen, "%d processes are still in %s after SIGKILL (stuck in the kernel?)",
				left, procs);
			break;
		}
		rc = kill_round(sys, name, procs, err, errlen);
		if (rc)
			break;
		sleep_ms(nap);
		nap = nap < 32 ? nap * 2 : 32;
	}
	if (sys->freezer_hier >= 0 && rc != 0) /* invariant 6, even when a round failed half-way */
		freeze(sys, name, false, NULL, 0);
	return rc;
}

/* rmdir, retrying EBUSY until deadline while the cgroup lists no process (still being released). */
static int remove_dir(const char *path, double deadline)
{
	char procs[PATH_MAX];

	for (;;) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		if (now_mono() > deadline || str_printf(procs, sizeof(procs), "%s/cgroup.procs", path) ||
		    procs_scan(procs, false, NULL, 0) != 0)
			return -EBUSY;
		sleep_ms(10);
	}
}

int cg_destroy(const struct cg_system *sys, const char *name, char *err, size_t errlen)
{
	double deadline = now_mono() + 1;
	char path[PATH_MAX];
	int first = 0;

	if (cg_check_name(name))
		return -EINVAL;
	for (size_t i = sys->nhier; i-- > 0;) {
		int rc = hier_path(sys, i, name, NULL, path, sizeof(path));

		if (rc == 0)
			rc = remove_dir(path, deadline);
		if (rc && first == 0) {
			first = rc;
			set_err(err, errlen, "cannot remove cgroup %s: %s%s", path, strerror(-rc),
				rc == -EBUSY ? " (processes remain; cg_kill_all first)" : "");
		}
	}
	return first;
}

/* ---- reading ---- */

bool cg_exists(const struct cg_system *sys, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return cg_check_name(name) == 0 && sys->nhier > 0 && hier_path(sys, 0, name, NULL, path, sizeof(path)) == 0 &&
	       stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void stats_v1(const struct cg_system *sys, const char *name, struct cg_stats *out)
{
	uint64_t a = 0, b = 0;

	if (sys->cpuacct_hier >= 0 && read_cg_keyed(sys, (size_t)sys->cpuacct_hier, name, "cpuacct.stat", "user", &a) == 0 &&
	    read_cg_keyed(sys, (size_t)sys->cpuacct_hier, name, "cpuacct.stat", "system", &b) == 0) {
		long hz = sysconf(_SC_CLK_TCK);
		if (hz <= 0)
			hz = 100;
		out->cpu_user_secs = (double)a / (double)hz;
		out->cpu_system_secs = (double)b / (double)hz;
		out->have |= CG_CPU;
	}
	if (sys->mem_hier >= 0) {
		size_t h = (size_t)sys->mem_hier;
		if (read_cg_u64(sys, h, name, "memory.usage_in_bytes", &out->mem_usage_bytes) == 0)
			out->have |= CG_MEM;
		read_cg_u64(sys, h, name, "memory.max_usage_in_bytes", &out->mem_max_bytes);
		if (read_cg_u64(sys, h, name, "memory.limit_in_bytes", &a) == 0)
			out->mem_limit_bytes = a >= V1_UNLIMITED ? 0 : a;
		if (read_cg_keyed(sys, h, name, "memory.stat", "total_rss", &out->mem_rss_bytes) != 0)
			read_cg_keyed(sys, h, name, "memory.stat", "rss", &out->mem_rss_bytes);
		read_cg_keyed(sys, h, name, "memory.oom_control", "oom_kill", &out->oom_kills);
		/* with swap accounting the memsw counter is charged first and fails first */
		if (read_cg_u64(sys, h, name, "memory.failcnt", &a) == 0)
			out->mem_limit_hits = a;
		if (sys->v1_memsw && read_cg_u64(sys, h, name, "memory.memsw.failcnt", &a) == 0)
			out->mem_limit_hits += a;
	}
}

static void stats_v2(const struct cg_system *sys, const char *name, struct cg_stats *out)
{
	uint64_t a = 0, b = 0;

	if (read_cg_keyed(sys, 0, name, "cpu.stat", "user_usec", &a) == 0 &&
	    read_cg_keyed(sys, 0, name, "cpu.stat", "system_usec", &b) == 0) {
		out->cpu_user_secs = (double)a / 1e6;
		out->cpu_system_secs = (double)b / 1e6;
		out->have |= CG_CPU;
	}
	if (sys->have & CG_MEM) {
		if (read_cg_u64(sys, 0, name, "memory.current", &out->mem_usage_bytes) == 0)
			out->have |= CG_MEM;
		read_cg_u64(sys, 0, name, "memory.peak", &out->mem_max_bytes);
		if (read_cg_u64(sys, 0, name, "memory.max", &a) == 0)
			out->mem_limit_bytes = a == UINT64_MAX ? 0 : a;
		read_cg_keyed(sys, 0, name, "memory.stat", "anon", &out->mem_rss_bytes);
		read_cg_keyed(sys, 0, name, "memory.events", "oom_kill", &out->oom_kills);
		read_cg_keyed(sys, 0, name, "memory.events", "max", &out->mem_limit_hits);
	}
}

int cg_stats(const struct cg_system *sys, const char *name, struct cg_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (cg_check_name(name))
		return -EINVAL;
	if (!cg_exists(sys, name))
		return -ENOENT;
	if (sys->version == CG_V2)
		stats_v2(sys, name, out);
	else
		stats_v1(sys, name, out);
	if (sys->pids_hier >= 0 &&
	    read_cg_u64(sys, (size_t)sys->pids_hier, name, "pids.current", &out->pids_current) == 0) {
		uint64_t max = 0;
		out->have |= CG_PIDS;
		if (read_cg_u64(sys, (size_t)sys->pids_hier, name, "pids.max", &max) == 0)
			out->pids_max = max == UINT64_MAX ? 0 : max;
	}
	return 0;
}

int cg_pids(const struct cg_system *sys, const char *name, pid_t *out, size_t max)
{
	char path[PATH_MAX];

	if (cg_check_name(name))
		return -EINVAL;
	if (sys->nhier == 0 || hier_path(sys, 0, name, "cgroup.procs", path, sizeof(path)))
		return -ENAMETOOLONG;
	return procs_scan(path, false, out, max);
}

int cg_list(const struct cg_system *sys, int (*fn)(const char *name, void *arg), void *arg)
{
	DIR *dir;
	struct dirent *de;
	int rc = 0;

	if (sys->nhier == 0)
		return -ENOENT;
	dir = opendir(sys->hier[0].root);
	if (!dir)
		return -errno;
	while (rc == 0 && (de = readdir(dir)) != NULL) {
		if (de->d_type != DT_DIR || cg_check_name(de->d_name))
			continue;
		rc = fn(de->d_name, arg);
	}
	closedir(dir);
	return rc;
}

int cg_path(const struct cg_system *sys, unsigned ctl, const char *name, const char *file, char *out,
	    size_t outlen)
{
	int h;

	if (cg_check_name(name))
		return -EINVAL;
	switch (ctl) {
	case 0:
		h = sys->nhier ? 0 : -1;
		break;
	case CG_CPU:
		h = sys->cpu_hier;
		break;
	case CG_MEM:
		h = sys->mem_hier;
		break;
	case CG_PIDS:
		h = sys->pids_hier;
		break;
	case CG_DEVICES:
		h = sys->devices_hier;
		break;
	case CG_FREEZER:
		h = sys->freezer_hier;
		break;
	default:
		return -EINVAL;
	}
	if (h < 0)
		return -ENOENT;
	return hier_path(sys, (size_t)h, name, file, out, outlen);
}
