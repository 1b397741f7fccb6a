/*
 * libFuzzer target: what framework/scheduler does with one event record
 * from a master — the event envelope, then the TaskStatus of an UPDATE or
 * every Offer of an OFFERS, and the exit code derived from a status.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/json.h"
#include "framework/scheduler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_offers(const json_t *ev)
{
	json_t *offers = json_object_get(json_object_get(ev, "offers"), "offers");
	size_t i;
	json_t *item;

	json_array_foreach(offers, i, item) {
		struct mesos_offer o;
		struct jerr err = { { 0 } };
		if (mesos_offer_parse(item, &o, &err) == 0 && (!o.id || !o.agent_id))
			__builtin_trap();
		mesos_offer_free(&o);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jerr err = { { 0 } };
	const char *type = NULL;
	json_t *ev = sched_event_parse((const char *)data, size, &type, &err);
	struct mesos_task_status st;

	if (!ev)
		return 0;
	if (!type)
		__builtin_trap();
	if (!strcmp(type, "UPDATE") &&
	    mesos_task_status_parse(json_object_get(json_object_get(ev, "update"), "status"), &st,
			       &err) == 0) {
		int code = sched_exit_code(st.state, st.message);
		if (!st.task_id || mesos_task_state_parse(mesos_task_state_name(st.state)) !=
					   (int)st.state || code < 0 || code > 255)
			__builtin_trap();
	}
	if (!strcmp(type, "OFFERS"))
		parse_offers(ev);
	json_decref(ev);
	return 0;
}
