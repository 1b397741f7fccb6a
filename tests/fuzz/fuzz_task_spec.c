/*
 * libFuzzer target: core/task_spec, the one TaskInfo parser (what every
 * framework sends; the agent parses it again from LAUNCH and from its
 * checkpoints). Checks the parser's promises: an error names something,
 * a success has an id, a name, a command value when shell, bounded arrays,
 * a user that follows the one rule, and task_spec_free() releases all.
 * Also its inverse: task_spec_to_json() of an accepted spec parses again,
 * and building from that gives the same JSON (a fixed point).
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/task_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct task_spec *s, const char *fw_user)
{
	json_t *built = task_spec_to_json(s), *again;
	struct task_spec t;
	struct jerr err;

	if (task_spec_parse(built, fw_user, &t, &err) != 0)
		__builtin_trap();
	again = task_spec_to_json(&t);
	if (!json_equal(built, again) || strcmp(t.user, s->user))
		__builtin_trap();
	json_decref(again);
	json_decref(built);
	task_spec_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *info = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	const char *fw_user = size % 2 ? "fw-user" : NULL;
	struct task_spec s;
	struct jerr err;
	char msg[512];

	if (!info)
		return 0;
	err.msg[0] = '\0';
	if (task_spec_parse(info, fw_user, &s, &err) == 0) {
		if (!s.id || !s.name || (s.command.shell && !s.command.value) ||
		    s.command.nargs > TASK_SPEC_ARGS_MAX || s.command.nenv > TASK_SPEC_ENV_MAX ||
		    s.command.nuris > TASK_SPEC_URIS_MAX || s.nlabels > TASK_SPEC_LABELS_MAX ||
		    strcmp(s.user, task_spec_user(s.command.user, fw_user)) || s.kill_grace < 0)
			__builtin_trap();
		for (size_t i = 0; i < s.command.nenv; i++)
			if (!s.command.env[i].name[0] || strchr(s.command.env[i].name, '='))
				__builtin_trap();
		if (task_spec_unsupported(&s, msg, sizeof(msg)) && !msg[0])
			__builtin_trap();
		round_trip(&s, fw_user);
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	task_spec_free(&s);
	json_decref(info);
	return 0;
}
