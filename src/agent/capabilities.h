/*
 * agent/capabilities — Mesos' linux/capabilities and linux/nnp isolators.
 *
 * Sets of Linux capabilities are bit masks (bit n = capability number n,
 * CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40). Mesos names them without
 * the CAP_ prefix in a CapabilityInfo: {"capabilities": ["NET_RAW", "CHOWN"]}.
 *
 * Sources of a task's sets (docs/isolation.md has the operator's view):
 *   --effective_capabilities   granted to every task (ambient, so they
 *                              survive the switch to the task's user and
 *                              exec); absent = the user's default
 *   --bounding_capabilities    the most any task may have or ask for;
 *                              absent = every capability
 *   container.linux_info.effective_capabilities / bounding_capabilities
 *                              (capability_info, deprecated, = effective):
 *                              a task's own sets, each replacing the flag's;
 *                              a capability outside --bounding_capabilities
 *                              refuses the task
 *   linux/nnp                  PR_SET_NO_NEW_PRIVS for every task: no
 *                              setuid or file capabilities gained by exec
 *
 * The pure part (names, parsing, the plan of one task) runs on the agent's
 * loop; caps_apply_*() run in the task's process between vfork and exec
 * (supervisor.c), as root before the switch to the task's user and after.
 */
#ifndef AGORA_AGENT_CAPABILITIES_H
#define AGORA_AGENT_CAPABILITIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

#define CAPS_MAX 64		/* bits in a mask */
#define CAPS_MAX_LIST 256	/* entries in one CapabilityInfo.capabilities */

/* The agent's configuration, from its flags. */
struct caps_agent {
	bool on;	    /* linux/capabilities */
	bool nnp;	    /* linux/nnp */
	bool has_effective; /* --effective_capabilities given */
	bool has_bounding;  /* --bounding_capabilities given */
	uint64_t effective, bounding;
	uint64_t known; /* the capabilities of this kernel (0..cap_last_cap) */
};

/* What one task's process does; all false = nothing. */
struct caps_plan {
	bool set_effective; /* effective, permitted, inheritable and ambient = effective */
	bool set_bounding;  /* drop every capability outside bounding */
	bool nnp;
	uint64_t effective, bounding;
};

/* "CHOWN" for 0; NULL beyond the known names. */
const char *caps_name(unsigned cap);
/* "NET_RAW,CHOWN" (in number order) into buf; "(none)" for 0. */
void caps_mask_text(uint64_t mask, char *buf, size_t size);
/* All capabilities of the running kernel (/proc/sys/kernel/cap_last_cap). */
uint64_t caps_kernel_known(void);

/*
 * A CapabilityInfo object at path: {"capabilities": [names]}. 0 with *out,
 * or -EINVAL naming the field and the unknown name.
 */
int caps_info_parse(const json_t *info, const char *path, uint64_t *out, struct jerr *err);
/* A flag's JSON text (already read from a file:// path); err names the flag. */
int caps_flag_parse(const char *text, const char *flag, uint64_t *out, char *err, size_t errlen);

/*
 * The plan for a task whose container.linux_info is linux_info (NULL when
 * none): 0, or 1 with msg saying why the task may not run (a capability
 * outside the bounding set, an unknown name, capabilities asked of an
 * agent without linux/capabilities).
 */
int caps_plan_for(const struct caps_agent *agent, const json_t *linux_info,
		  struct caps_plan *out, char *msg, size_t msglen);
/* The plan for the launch description ({"effective": [...], ...}); NULL when it does nothing. */
json_t *caps_plan_json(const struct caps_plan *p);
/* Decodes caps_plan_json's object (NULL = nothing); -EINVAL with err naming the field. */
int caps_plan_parse(const json_t *o, const char *path, struct caps_plan *out, struct jerr *err);

/*
 * In the task's process, as root, before it switches to its user (or
 * stays root: stays_root): drops the bounding set, keeps the permitted set
 * across setuid, and for a task that stays root keeps exec from handing
 * root every capability again (SECBIT_NOROOT). 0 or -errno.
 */
int caps_apply_as_root(const struct caps_plan *p, bool stays_root);
/* After the switch: permitted/effective/inheritable/ambient, then no_new_privs. 0 or -errno. */
int caps_apply_as_user(const struct caps_plan *p);

#endif
