/*
 * acl — Mesos' local authorizer: the --acls JSON and its evaluation.
 *
 *   {"permissive": true,
 *    "run_tasks": [{"principals": {"values": ["foo"]}, "users": {"values": ["alice"]}},
 *                  {"principals": {"type": "NONE"}, "users": {"values": ["root"]}}],
 *    "register_frameworks": [{"principals": {...}, "roles": {...}}],
 *    "teardown_frameworks": [{"principals": {...}, "framework_principals": {...}}],
 *    "register_agents": [{"principals": {...}, "agents": {"type": "ANY" | "NONE"}}]}
 *
 * An entity is {"type": "SOME" (default) | "ANY" | "NONE", "values": [...]}.
 * For a request (subject, object) the rules of the action are walked in
 * file order; the first rule whose subject and object both *match* decides,
 * and the answer is allows(subject) && allows(object); with no matching
 * rule the answer is "permissive" (default true). A request without a
 * principal has subject ANY; a register_agents request has object ANY
 * (Mesos: the agent is implicit, so "agents" SOME never matches). Tables (request × rule entity):
 *
 *   match:   SOME⊆SOME, *→NONE yes, SOME/ANY→ANY yes, NONE→NONE only
 *   allows:  SOME⊆SOME, SOME/ANY→ANY yes, NONE→NONE yes, everything→NONE no
 *
 * Other Mesos action keys are accepted and ignored (named in a list the
 * caller can log). Bounds: ACL_MAX_RULES per action, ACL_MAX_VALUES values
 * per entity, values of at most 255 bytes.
 */
#ifndef AGORA_CORE_ACL_H
#define AGORA_CORE_ACL_H

#include <stdbool.h>
#include <stddef.h>

#define ACL_MAX_RULES 4096
#define ACL_MAX_VALUES 4096
#define ACL_MAX_TEXT (4u << 20)

enum acl_entity_type { ACL_SOME = 0, ACL_ANY, ACL_NONE };

struct acl_entity {
	enum acl_entity_type type;
	char **values;
	size_t n;
};

struct acl_rule {
	struct acl_entity subject, object;
};

enum acl_action { ACL_RUN_TASKS = 0, ACL_REGISTER_FRAMEWORKS, ACL_TEARDOWN_FRAMEWORKS,
		  ACL_REGISTER_AGENTS, ACL_ACTION_COUNT };

struct acls {
	bool permissive;
	struct acl_rule *rules[ACL_ACTION_COUNT];
	size_t nrules[ACL_ACTION_COUNT];
	char ignored[512]; /* comma list of action keys agora does not enforce */
};

/* Parses JSON text; errors name source and field ("acls.json: run_tasks[1].users: ..."). */
int acl_parse(const char *text, size_t len, const char *source, struct acls *out, char *err,
	      size_t errlen);
/*
 * Decides a request. subject NULL = no principal (ANY). *rule_out gets the
 * index of the deciding rule, or -1 when "permissive" decided.
 */
bool acl_check(const struct acls *acls, enum acl_action action, const char *subject,
	       const char *object, int *rule_out);
const char *acl_action_name(enum acl_action a);
/* Describes rule i of action a in one line for error messages. */
void acl_describe_rule(const struct acls *acls, enum acl_action a, int i, char *buf, size_t size);
void acl_free(struct acls *acls);

#endif
