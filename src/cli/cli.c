/*
 * cli — what the client verbs share: how a verb reports an error to the
 * person at the terminal, how it keeps an HTTP answer, and where a task's
 * sandbox is in an agent's /state. Runs in the verb's own short-lived process.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/util.h"

void cli_fail(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "agora %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_reply_done(int status, const char *body, size_t len, struct evkeyvalq *headers,
		    void *arg)
{
	struct cli_reply *rep = arg;
	(void)headers;
	rep->status = status;
	rep->body = xmalloc(len + 1);
	memcpy(rep->body, body, len);
	rep->body[len] = '\0';
	rep->len = len;
	rep->done = true;
}

static bool executor_has_task(const json_t *ex, const char *task_id)
{
	static const char *const keys[] = { "tasks", "queued_tasks", "completed_tasks" };
	size_t i;
	json_t *t;

	for (size_t k = 0; k < ARRAY_LEN(keys); k++)
		json_array_foreach(json_object_get(ex, keys[k]), i, t) {
			const char *id = json_string_value(json_object_get(t, "id"));
			if (id && !strcmp(id, task_id))
				return true;
		}
	return false;
}

const char *cli_sandbox_of(const json_t *state, const char *framework_id, const char *task_id)
{
	static const char *const fw_keys[] = { "frameworks", "completed_frameworks" };
	static const char *const ex_keys[] = { "executors", "completed_executors" };
	size_t i, j;
	json_t *fw, *ex;

	for (size_t a = 0; a < ARRAY_LEN(fw_keys); a++)
		json_array_foreach(json_object_get(state, fw_keys[a]), i, fw) {
			const char *id = json_string_value(json_object_get(fw, "id"));
			if (!id || strcmp(id, framework_id))
				continue;
			for (size_t b = 0; b < ARRAY_LEN(ex_keys); b++)
				json_array_foreach(json_object_get(fw, ex_keys[b]), j, ex) {
					const char *eid = json_string_value(json_object_get(ex, "id"));
					const char *dir =
						json_string_value(json_object_get(ex, "directory"));
					if (dir && ((eid && !strcmp(eid, task_id)) ||
						    executor_has_task(ex, task_id)))
						return dir;
				}
		}
	return NULL;
}
