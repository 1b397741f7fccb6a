/*
 * agent/capabilities — see capabilities.h. The plan is computed on the
 * agent's loop (pure functions of the flags and the TaskInfo); the two
 * apply functions are the only code here that changes a process, and run
 * in a task's process after vfork(): they make system calls only (no
 * allocation, no stdio, no locks).
 *
 * Order in the task's process (supervisor.c task_main):
 *   as root:  drop the bounding set (PR_CAPBSET_DROP needs CAP_SETPCAP);
 *             PR_SET_KEEPCAPS so the permitted set outlives setuid, or
 *             SECBIT_NOROOT for a task that stays root (else exec gives
 *             root every capability of the bounding set back);
 *   setgroups/setgid/setuid (supervisor.c);
 *   as user:  capset(permitted = effective = inheritable = the set), then
 *             raise each as ambient (Linux >= 4.3), which is what carries
 *             them across exec of an ordinary file; then no_new_privs.
 * The bounding set is checked against the effective one before any of
 * this (caps_plan_for), so the inheritable and ambient sets can be raised.
 */
#include "agent/capabilities.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/util.h"

/* Mesos' CapabilityInfo.Capability names, indexed by the Linux number. */
static const char *const NAMES[] = {
	"CHOWN",	    "DAC_OVERRIDE",	"DAC_READ_SEARCH", "FOWNER",
	"FSETID",	    "KILL",		"SETGID",	   "SETUID",
	"SETPCAP",	    "LINUX_IMMUTABLE",	"NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_ADMIN",	    "NET_RAW",		"IPC_LOCK",	   "IPC_OWNER",
	"SYS_MODULE",	    "SYS_RAWIO",	"SYS_CHROOT",	   "SYS_PTRACE",
	"SYS_PACCT",	    "SYS_ADMIN",	"SYS_BOOT",	   "SYS_NICE",
	"SYS_RESOURCE",	    "SYS_TIME",		"SYS_TTY_CONFIG",  "MKNOD",
	"LEASE",	    "AUDIT_WRITE",	"AUDIT_CONTROL",   "SETFCAP",
	"MAC_OVERRIDE",	    "MAC_ADMIN",	"SYSLOG",	   "WAKE_ALARM",
	"BLOCK_SUSPEND",    "AUDIT_READ",	"PERFMON",	   "BPF",
	"CHECKPOINT_RESTORE",
};

#define NNAMES (sizeof(NAMES) / sizeof(NAMES[0]))

const char *caps_name(unsigned cap)
{
	return cap < NNAMES ? NAMES[cap] : NULL;
}

void caps_mask_text(uint64_t mask, char *buf, size_t size)
{
	char num[16];

	buf[0] = '\0';
	if (!mask) {
		str_copy(buf, "(none)", size);
		return;
	}
	for (unsigned i = 0; i < CAPS_MAX; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		if (buf[0])
			str_append(buf, ",", size);
		if (caps_name(i)) {
			str_append(buf, caps_name(i), size);
		} else {
			snprintf(num, sizeof(num), "%u", i);
			str_append(buf, num, size);
		}
	}
}

uint64_t caps_kernel_known(void)
{
	char text[16] = "";
	unsigned long last = NNAMES - 1;
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, text, sizeof(text) - 1);
		unsigned long v;
		char *end;
		close(fd);
		if (n > 0) {
			text[n] = '\0';
			v = strtoul(text, &end, 10);
			if (end != text && v < CAPS_MAX)
				last = v;
		}
	}
	return last >= CAPS_MAX - 1 ? ~0ULL : (1ULL << (last + 1)) - 1;
}

static int cap_of_name(const char *name)
{
	if (!strncmp(name, "CAP_", 4)) /* as printed by capsh and getpcaps */
		name += 4;
	for (unsigned i = 0; i < NNAMES; i++)
		if (!strcmp(NAMES[i], name))
			return (int)i;
	return -1;
}

/* An array of capability names at path. */
static int parse_list(const json_t *arr, const char *path, uint64_t *out, struct jerr *err)
{
	char where[300];
	json_t *v;
	size_t i;

	*out = 0;
	json_array_foreach(arr, i, v) {
		const char *name = json_string_value(v);
		int cap;
		jpath_index(where, sizeof(where), path, i);
		if (!name || json_string_length(v) > 64)
			return jerr_set(err, where, NULL, "expected a capability name such as "
							 "\"NET_RAW\"");
		cap = cap_of_name(name);
		if (cap < 0)
			return jerr_set(err, where, NULL, "unknown capability '%s'", name);
		*out |= 1ULL << cap;
	}
	return 0;
}

int caps_info_parse(const json_t *info, const char *path, uint64_t *out, struct jerr *err)
{
	json_t *arr = NULL;
	char sub[300];

	if (!json_is_object(info))
		return jerr_set(err, path, NULL, "expected a CapabilityInfo object "
						 "{\"capabilities\": [...]}");
	if (jget_array(info, "capabilities", path, false, CAPS_MAX_LIST, &arr, err) < 0)
		return -EINVAL;
	jpath(sub, sizeof(sub), path, "capabilities");
	return parse_list(arr, sub, out, err);
}

int caps_flag_parse(const char *text, const char *flag, uint64_t *out, char *err, size_t errlen)
{
	struct jerr je;
	json_t *doc = json_parse_bounded(text, strlen(text), 1u << 16, flag, &je);
	int r;

	if (!doc)
		return snprintf(err, errlen, "flag %s: %s", flag, je.msg), -EINVAL;
	r = caps_info_parse(doc, flag, out, &je);
	json_decref(doc);
	if (r < 0)
		return snprintf(err, errlen, "flag %s", je.msg), -EINVAL;
	return 0;
}

/* A CapabilityInfo of linux_info at key: 1 absent, 0 parsed, -EINVAL. */
static int task_set(const json_t *linux_info, const char *key, uint64_t *out, struct jerr *err)
{
	json_t *info = jget(linux_info, key);
	char path[128];

	if (!info)
		return 1;
	jpath(path, sizeof(path), "container.linux_info", key);
	return caps_info_parse(info, path, out, err);
}

int caps_plan_for(const struct caps_agent *agent, const json_t *linux_info,
		  struct caps_plan *out, char *msg, size_t msglen)
{
	uint64_t eff = 0, bnd = 0, allowed;
	int has_eff = 1, has_bnd = 1;
	char a[512], b[512];
	struct jerr err;

	memset(out, 0, sizeof(*out));
	out->nnp = agent->nnp;
	if (linux_info && !json_is_object(linux_info))
		return snprintf(msg, msglen, "container.linux_info: expected an object"), 1;
	if (linux_info) {
		if ((has_eff = task_set(linux_info, "effective_capabilities", &eff, &err)) == 1)
			has_eff = task_set(linux_info, "capability_info", &eff, &err);
		if (has_eff >= 0)
			has_bnd = task_set(linux_info, "bounding_capabilities", &bnd, &err);
		if (has_eff < 0 || has_bnd < 0)
			return snprintf(msg, msglen, "%s", err.msg), 1;
	}
	if (!agent->on) {
		if (has_eff == 0 || has_bnd == 0)
			return snprintf(msg, msglen,
					"the task asks for Linux capabilities "
					"(container.linux_info) but this agent runs without the "
					"linux/capabilities isolator; it was not run with other "
					"capabilities instead"),
			       1;
		return 0;
	}
	if ((eff | bnd) & ~agent->known) {
		caps_mask_text((eff | bnd) & ~agent->known, a, sizeof(a));
		return snprintf(msg, msglen, "container.linux_info: %s not known to this agent's "
					     "kernel", a),
		       1;
	}
	allowed = agent->has_bounding ? agent->bounding : agent->known;
	if ((has_eff == 0 && (eff & ~allowed)) || (has_bnd == 0 && (bnd & ~allowed))) {
		caps_mask_text((eff | bnd) & ~allowed, a, sizeof(a));
		caps_mask_text(allowed, b, sizeof(b));
		return snprintf(msg, msglen,
				"container.linux_info asks for %s, outside this agent's "
				"--bounding_capabilities (%s)",
				a, b),
		       1;
	}
	out->set_effective = has_eff == 0 || agent->has_effective;
	out->effective = has_eff == 0 ? eff : agent->effective;
	out->set_bounding = has_bnd == 0 || agent->has_bounding;
	out->bounding = has_bnd == 0 ? bnd : agent->bounding;
	if (out->set_effective && out->set_bounding && (out->effective & ~out->bounding)) {
		caps_mask_text(out->effective & ~out->bounding, a, sizeof(a));
		caps_mask_text(out->bounding, b, sizeof(b));
		return snprintf(msg, msglen,
				"effective capabilities %s are outside the task's bounding set (%s)",
				a, b),
		       1;
	}
	return 0;
}

static json_t *names_json(uint64_t mask)
{
	json_t *arr = json_array();
	for (unsigned i = 0; i < CAPS_MAX; i++)
		if ((mask & (1ULL << i)) && caps_name(i))
			json_array_append_new(arr, json_string(caps_name(i)));
	return arr;
}

json_t *caps_plan_json(const struct caps_plan *p)
{
	json_t *o;

	if (!p->set_effective && !p->set_bounding && !p->nnp)
		return NULL;
	o = json_pack("{s:b}", "nnp", p->nnp);
	if (p->set_effective)
		json_object_set_new(o, "effective", names_json(p->effective));
	if (p->set_bounding)
		json_object_set_new(o, "bounding", names_json(p->bounding));
	return o;
}

int caps_plan_parse(const json_t *o, const char *path, struct caps_plan *out, struct jerr *err)
{
	json_t *eff = NULL, *bnd = NULL;
	char sub[128];
	int r;

	memset(out, 0, sizeof(*out));
	if (!o)
		return 0;
	if (!json_is_object(o))
		return jerr_set(err, path, NULL, "expected an object");
	if (jget_bool(o, "nnp", path, false, &out->nnp, err) < 0 ||
	    (r = jget_array(o, "effective", path, false, CAPS_MAX_LIST, &eff, err)) < 0)
		return -EINVAL;
	out->set_effective = r == 0;
	if ((r = jget_array(o, "bounding", path, false, CAPS_MAX_LIST, &bnd, err)) < 0)
		return -EINVAL;
	out->set_bounding = r == 0;
	if (parse_list(eff, jpath(sub, sizeof(sub), path, "effective"), &out->effective, err) < 0 ||
	    parse_list(bnd, jpath(sub, sizeof(sub), path, "bounding"), &out->bounding, err) < 0)
		return -EINVAL;
	return 0;
}

/* ---- in the task's process ---- */

int caps_apply_as_root(const struct caps_plan *p, bool stays_root)
{
	if (p->set_bounding) {
		for (unsigned cap = 0; cap < CAPS_MAX; cap++) {
			int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
			if (in < 0)
				break; /* past this kernel's last capability */
			if (in && !(p->bounding & (1ULL << cap)) &&
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
				return -errno;
		}
	}
	if (p->set_effective) {
		if (stays_root ? prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0,
				       0) < 0
			       : prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			return -errno;
	}
	return 0;
}

int caps_apply_as_user(const struct caps_plan *p)
{
	if (p->set_effective) {
		struct __user_cap_header_struct head = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct data[2];
		uint32_t lo = (uint32_t)p->effective, hi = (uint32_t)(p->effective >> 32);

		data[0].effective = data[0].permitted = data[0].inheritable = lo;
		data[1].effective = data[1].permitted = data[1].inheritable = hi;
		if (syscall(SYS_capset, &head, data) < 0 ||
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
			return -errno;
		for (unsigned cap = 0; cap < CAPS_MAX; cap++)
			if ((p->effective & (1ULL << cap)) &&
			    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
				return -errno;
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	}
	if (p->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}
