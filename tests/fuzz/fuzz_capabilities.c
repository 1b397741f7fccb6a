/*
 * libFuzzer target: container.linux_info capability sets (CapabilityInfo),
 * the plan of a task against an agent's flags, and the plan's round trip
 * through the launch description (agent/capabilities.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agent/capabilities.h"
#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct caps_agent agent = { true, true, true, true, 1u << 13, (1u << 13) | 1u, ~0ULL };
	struct caps_plan plan, back;
	struct jerr err;
	char msg[1024];
	json_t *doc = json_parse_bounded((const char *)data, size, 1u << 20, "fuzz", &err), *o;

	if (!doc)
		return 0;
	if (caps_plan_for(&agent, doc, &plan, msg, sizeof(msg)) == 0) {
		if ((plan.effective & ~plan.bounding) && plan.set_bounding)
			__builtin_trap(); /* the plan never asks for more than it bounds */
		o = caps_plan_json(&plan);
		if (o && (caps_plan_parse(o, "p", &back, &err) < 0 ||
			  back.effective != plan.effective || back.bounding != plan.bounding ||
			  back.nnp != plan.nnp))
			__builtin_trap();
		json_decref(o);
	} else if (!msg[0]) {
		__builtin_trap();
	}
	agent.on = false;
	caps_plan_for(&agent, doc, &plan, msg, sizeof(msg));
	caps_plan_parse(doc, "launch.capabilities", &plan, &err);
	json_decref(doc);
	return 0;
}
