/*
 * agent/isolation — parsing --isolation.
 *
 * Mesos agents are configured with a comma list of isolator names
 * (docs/mesos-api.md, "Isolator names"). agora accepts every name Mesos knows so that an existing
 * /etc/mesos-slave/isolation keeps working, and splits them in two:
 *
 *   implemented  cgroups/{cpu,mem,devices,pids} (cgroups/all = those four),
 *                gpu/nvidia, posix/{cpu,mem} (accounting only),
 *                posix/disk and disk/du (sandbox usage), linux/capabilities
 *                and linux/nnp (capabilities.h)
 *   ignored      every other known name; listed once in the start-up log
 *                and in /state so nobody believes it is enforced
 *
 * Invariants:
 *  1. An unknown name is an error that names it; nothing else is.
 *  2. The result depends only on the set of names: order, whitespace,
 *     empty entries and duplicates do not change it.
 *  3. gpu/nvidia implies cgroups/devices (added with a warning): a GPU
 *     task is only confined to its GPUs by the devices cgroup.
 * Runs once, at agent start-up, in the agent's event-loop process.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/isolation.h"
#include "core/util.h"

struct iso_name {
	const char *name;
	unsigned bits; /* 0 = accepted but ignored */
};

#define CGROUPS_ALL (ISO_CGROUPS_CPU | ISO_CGROUPS_MEM | ISO_CGROUPS_DEVICES | ISO_CGROUPS_PIDS)

static const struct iso_name KNOWN[] = {
	{ "appc/runtime", 0 },
	{ "cgroups/all", CGROUPS_ALL },
	{ "cgroups/blkio", 0 },
	{ "cgroups/cpu", ISO_CGROUPS_CPU },
	{ "cgroups/cpuset", 0 },
	{ "cgroups/devices", ISO_CGROUPS_DEVICES },
	{ "cgroups/hugetlb", 0 },
	{ "cgroups/mem", ISO_CGROUPS_MEM },
	{ "cgroups/net_cls", 0 },
	{ "cgroups/net_prio", 0 },
	{ "cgroups/perf_event", 0 },
	{ "cgroups/pids", ISO_CGROUPS_PIDS },
	{ "disk/du", ISO_DISK_DU },
	{ "disk/xfs", 0 },
	{ "docker/runtime", 0 },
	{ "docker/volume", 0 },
	{ "filesystem/linux", 0 },
	{ "filesystem/posix", 0 },
	{ "filesystem/shared", 0 },
	{ "filesystem/windows", 0 },
	{ "gpu/nvidia", ISO_GPU_NVIDIA },
	{ "linux/capabilities", ISO_LINUX_CAPABILITIES },
	{ "linux/devices", 0 },
	{ "linux/nnp", ISO_LINUX_NNP },
	{ "linux/seccomp", 0 },
	{ "namespaces/ipc", 0 },
	{ "namespaces/pid", 0 },
	{ "network/cni", 0 },
	{ "network/port_mapping", 0 },
	{ "network/ports", 0 },
	{ "posix/cpu", ISO_POSIX_CPU },
	{ "posix/disk", ISO_POSIX_DISK },
	{ "posix/mem", ISO_POSIX_MEM },
	{ "posix/rlimits", 0 },
	{ "volume/csi", 0 },
	{ "volume/host_path", 0 },
	{ "volume/image", 0 },
	{ "volume/sandbox_path", 0 },
	{ "volume/secret", 0 },
	{ "windows/cpu", 0 },
	{ "windows/mem", 0 },
};

/* The implemented bits in the order they are printed. */
static const struct iso_name BIT_NAMES[] = {
	{ "cgroups/cpu", ISO_CGROUPS_CPU },	    { "cgroups/mem", ISO_CGROUPS_MEM },
	{ "cgroups/devices", ISO_CGROUPS_DEVICES }, { "cgroups/pids", ISO_CGROUPS_PIDS },
	{ "gpu/nvidia", ISO_GPU_NVIDIA },	    { "posix/cpu", ISO_POSIX_CPU },
	{ "posix/mem", ISO_POSIX_MEM },		    { "posix/disk", ISO_POSIX_DISK },
	{ "disk/du", ISO_DISK_DU },		    { "linux/capabilities", ISO_LINUX_CAPABILITIES },
	{ "linux/nnp", ISO_LINUX_NNP },
};

static const struct iso_name *lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(KNOWN); i++)
		if (!strcmp(KNOWN[i].name, name))
			return &KNOWN[i];
	return NULL;
}

/* Whether the comma list in buf already holds name (exact entries). */
static bool list_has(const char *buf, const char *name)
{
	size_t len = strlen(name);
	const char *p = buf;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == len && !strncmp(p, name, len))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

static void list_add(char *buf, size_t size, const char *name)
{
	if (list_has(buf, name))
		return;
	if (buf[0])
		str_append(buf, ",", size);
	str_append(buf, name, size);
}

/*
 * Calls fn(name, ctx) for each trimmed, non-empty entry of list; stops at
 * the first negative result and returns it. -E2BIG / -ENAMETOOLONG when
 * the list or an entry is longer than the limits.
 */
static int each_name(const char *list, int (*fn)(const char *name, void *ctx), void *ctx)
{
	char buf[ISO_FLAG_MAX + 1];
	char *p, *next;

	if (str_copy(buf, list, sizeof(buf)) >= sizeof(buf))
		return -E2BIG;
	for (p = buf; p; p = next) {
		char *name;
		int rc;

		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		name = str_trim(p);
		if (!name[0])
			continue;
		if (strlen(name) >= ISO_NAME_MAX)
			return -ENAMETOOLONG;
		rc = fn(name, ctx);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct parse_ctx {
	struct isolation *out;
	char *err;
	size_t errlen;
};

static void known_names(char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(KNOWN); i++)
		list_add(buf, size, KNOWN[i].name);
}

static int parse_one(const char *name, void *vctx)
{
	struct parse_ctx *ctx = vctx;
	const struct iso_name *k = lookup(name);

	if (!k) {
		char known[1024];
		known_names(known, sizeof(known));
		snprintf(ctx->err, ctx->errlen, "flag --isolation: unknown isolator '%s' (known: %s)",
			 name, known);
		return -EINVAL;
	}
	if (k->bits)
		ctx->out->bits |= k->bits;
	else
		list_add(ctx->out->ignored, sizeof(ctx->out->ignored), k->name);
	return 0;
}

int iso_parse(const char *flag, struct isolation *out, char *err, size_t errlen)
{
	struct parse_ctx ctx = { out, err, errlen };
	int rc;

	memset(out, 0, sizeof(*out));
	if (!flag)
		flag = ISO_DEFAULT;
	rc = each_name(flag, parse_one, &ctx);
	if (rc == -E2BIG)
		snprintf(err, errlen, "flag --isolation: longer than %d characters", ISO_FLAG_MAX);
	else if (rc == -ENAMETOOLONG)
		snprintf(err, errlen, "flag --isolation: an isolator name is longer than %d characters",
			 ISO_NAME_MAX - 1);
	if (rc < 0) {
		memset(out, 0, sizeof(*out));
		return rc == -EINVAL ? rc : -EINVAL;
	}
	if ((out->bits & ISO_GPU_NVIDIA) && !(out->bits & ISO_CGROUPS_DEVICES)) {
		out->bits |= ISO_CGROUPS_DEVICES;
		snprintf(out->warning, sizeof(out->warning),
			 "--isolation has gpu/nvidia without cgroups/devices; enabling cgroups/devices "
			 "too, since only the devices cgroup confines a task to its GPUs (Mesos "
			 "refuses this configuration; add cgroups/devices to silence this)");
	}
	return 0;
}

void iso_enabled_text(const struct isolation *iso, char *buf, size_t size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(BIT_NAMES); i++)
		if (iso->bits & BIT_NAMES[i].bits)
			list_add(buf, size, BIT_NAMES[i].name);
}

static json_t *list_to_json(const char *list)
{
	json_t *arr = json_array();
	const char *p = list;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		json_array_append_new(arr, json_stringn(p, n));
		if (!end)
			break;
		p = end + 1;
	}
	return arr;
}

json_t *iso_to_json(const struct isolation *iso)
{
	char enabled[512];

	iso_enabled_text(iso, enabled, sizeof(enabled));
	return json_pack("{s:o,s:o}", "enabled", list_to_json(enabled), "ignored",
			 list_to_json(iso->ignored));
}

struct contains_ctx {
	const char *name;
	bool found;
};

static int contains_one(const char *name, void *vctx)
{
	struct contains_ctx *ctx = vctx;
	if (!strcmp(name, ctx->name))
		ctx->found = true;
	return 0;
}

bool iso_list_contains(const char *list, const char *name)
{
	struct contains_ctx ctx = { name, false };

	if (!list)
		list = ISO_DEFAULT;
	each_name(list, contains_one, &ctx);
	return ctx.found;
}
