/*
 * agent/checkpoint — what must survive an agent restart, under
 * <work_dir>/meta in the Mesos layout:
 *
 *   meta/slaves/latest -> <agent_id>
 *   meta/slaves/<agent_id>/slave.info   {"id":..,"hostname":..,"port":..,
 *                                        "resources":[..],"attributes":[..]}
 *
 * Written with write-to-temp + fsync + rename, so a kill -9 leaves either
 * the old or the new file. Unlike Mesos, a change of resources does not
 * force a new agent id: the agent re-registers under its id with the new
 * resources and logs the difference.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

int checkpoint_load_id(struct agent *a, struct resources *previous)
{
	char link[PATH_MAX], target[256], info_path[PATH_MAX];
	char *text = NULL;
	ssize_t n;
	json_t *info;
	char err[256];

	if (str_printf(link, sizeof(link), "%s/meta/slaves/latest", a->flags.work_dir) < 0)
		return -ENAMETOOLONG;
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return -ENOENT;
	target[n] = '\0';
	if (id_invalid_reason(target)) {
		log_warnx("agent: ignoring malformed checkpointed agent id in %s", link);
		return -EINVAL;
	}
	str_copy(a->id, target, sizeof(a->id));
	if (str_printf(info_path, sizeof(info_path), "%s/meta/slaves/%s/slave.info",
		       a->flags.work_dir, target) < 0 ||
	    file_read_all(info_path, 4u << 20, &text, NULL) < 0)
		return 0;
	info = json_loads(text, 0, NULL);
	free(text);
	if (info && previous &&
	    res_parse_json(json_object_get(info, "resources"), "resources", previous, err,
			   sizeof(err)) < 0)
		log_warnx("agent: %s: unreadable resources: %s", info_path, err);
	json_decref(info);
	return 0;
}

int checkpoint_save_agent(struct agent *a)
{
	char dir[PATH_MAX], path[PATH_MAX], link[PATH_MAX], tmp[PATH_MAX];
	json_t *info;
	char *text;
	int r;

	if (str_printf(dir, sizeof(dir), "%s/meta/slaves/%s", a->flags.work_dir, a->id) < 0 ||
	    str_printf(path, sizeof(path), "%s/slave.info", dir) < 0 ||
	    str_printf(link, sizeof(link), "%s/meta/slaves/latest", a->flags.work_dir) < 0 ||
	    str_printf(tmp, sizeof(tmp), "%s/meta/slaves/.latest.tmp", a->flags.work_dir) < 0)
		return -ENAMETOOLONG;
	r = mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	info = json_pack("{s:s, s:s, s:i, s:o, s:O}", "id", a->id, "hostname", a->hostname,
			 "port", (int)a->port, "resources", res_to_json(&a->resources),
			 "attributes", a->attributes);
	text = json_compact(info);
	json_decref(info);
	r = file_write_atomic(path, text, strlen(text), 0600);
	free(text);
	if (r < 0)
		return r;
	unlink(tmp);
	if (symlink(a->id, tmp) < 0)
		return -errno;
	if (rename(tmp, link) < 0)
		return -errno;
	return 0;
}
