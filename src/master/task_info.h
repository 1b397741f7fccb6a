/*
 * master/task_info — see task_info.c.
 */
#ifndef AGORA_MASTER_TASK_INFO_H
#define AGORA_MASTER_TASK_INFO_H

#include <jansson.h>
#include <stddef.h>

#include "core/task_spec.h"

/*
 * Parses info (core/task_spec.h) and checks it for a launch on agent (its
 * id) by a framework whose FrameworkInfo.user is framework_user. Returns
 * 0 with *spec filled (spec->user is the user to authorize and send), or
 * -EINVAL with msg saying why, naming the field. *spec needs
 * task_spec_free() either way.
 */
int task_info_check(const json_t *info, const char *agent, const char *framework_user,
		    struct task_spec *spec, char *msg, size_t msglen);

#endif
