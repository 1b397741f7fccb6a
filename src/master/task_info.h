/*
 * master/task_info — see task_info.c.
 */
#ifndef AGORA_MASTER_TASK_INFO_H
#define AGORA_MASTER_TASK_INFO_H

#include <jansson.h>
#include <stddef.h>

#include "core/resources.h"

/*
 * Checks info for a launch on agent (its id). On success fills *res (must
 * be empty), *user (command.user or framework_user) and *id (both point
 * into info) and returns 0; else -EINVAL with msg saying why.
 */
int task_info_check(const json_t *info, const char *agent, const char *framework_user,
		    struct resources *res, const char **user, const char **id, char *msg,
		    size_t msglen);

#endif
