/*
 * agent/isolation — the --isolation flag: which Mesos isolators the
 * operator asked for, which of them agora implements, and which it accepts
 * but ignores (so a Mesos agent's config starts unchanged).
 */
#ifndef AGORA_AGENT_ISOLATION_H
#define AGORA_AGENT_ISOLATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The isolators agora implements; cgroups/all = the four cgroups bits. */
enum iso_bit {
	ISO_POSIX_CPU = 1u << 0, /* accounting only (usage in /monitor), no limit */
	ISO_POSIX_MEM = 1u << 1, /* accounting only */
	ISO_POSIX_DISK = 1u << 2, /* sandbox du, kill when over (enforce_container_disk_quota) */
	ISO_DISK_DU = 1u << 3,	  /* same as posix/disk (its newer Mesos name) */
	ISO_CGROUPS_CPU = 1u << 4,
	ISO_CGROUPS_MEM = 1u << 5,
	ISO_CGROUPS_DEVICES = 1u << 6,
	ISO_CGROUPS_PIDS = 1u << 7,
	ISO_GPU_NVIDIA = 1u << 8,
	ISO_LINUX_CAPABILITIES = 1u << 9, /* capabilities.h */
	ISO_LINUX_NNP = 1u << 10,	  /* no_new_privs for every task */
};

#define ISO_FLAG_MAX 4096   /* longest --isolation value accepted */
#define ISO_NAME_MAX 64	    /* longest single isolator name */
#define ISO_DEFAULT "posix/cpu,posix/mem"

struct isolation {
	unsigned bits;	       /* enum iso_bit, implemented isolators only */
	char ignored[1024];    /* "filesystem/linux,docker/runtime": accepted, no effect in agora */
	char warning[256];     /* an implicit addition to log at start-up; "" when none */
};

/*
 * Parses an --isolation value (NULL, flag not given, = ISO_DEFAULT; an
 * explicit "" turns everything off, as in Mesos). Names are
 * separated by ',', whitespace around them is trimmed, empty entries and
 * duplicates are fine. An unknown name is -EINVAL with
 * "flag --isolation: unknown isolator 'cgroups/cpuu' (known: ...)".
 * gpu/nvidia without cgroups/devices (or cgroups/all) turns devices
 * isolation on and explains so in out->warning (Mesos refuses to start;
 * agora needs the devices cgroup to confine a task to its GPUs, so it
 * adds it rather than stop the agent).
 */
int iso_parse(const char *flag, struct isolation *out, char *err, size_t errlen);

static inline bool iso_has(const struct isolation *iso, unsigned bit)
{
	return (iso->bits & bit) != 0;
}

/* Comma list of the implemented isolators that are on, in a fixed order. */
void iso_enabled_text(const struct isolation *iso, char *buf, size_t size);

/* {"enabled":["cgroups/cpu",...],"ignored":["filesystem/linux",...]} for /state. */
json_t *iso_to_json(const struct isolation *iso);

/*
 * Whether the comma list contains exactly this name (whitespace trimmed,
 * no substring matches); NULL list = ISO_DEFAULT. For callers holding only
 * the flag text (gpu.c).
 */
bool iso_list_contains(const char *list, const char *name);

#endif
