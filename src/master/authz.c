/*
 * master/authz — who may do what: the local authorizer over --acls
 * (core/acl.c) plus agora's one rule of its own: without --acls, a task
 * may not run as root unless --allow_root_tasks. Every refusal carries a
 * sentence naming the principal, the user or role and the deciding rule,
 * which frameworks get in TASK_ERROR and operators in the log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "master/master.h"

int master_load_acls(struct master *m, char *err, size_t errlen)
{
	const char *text = m->flags.acls;
	char source[256];

	if (!text || !*text)
		return 0;
	snprintf(source, sizeof(source), "flag --acls");
	if (acl_parse(text, strlen(text), source, &m->acls, err, errlen) < 0)
		return -EINVAL;
	m->have_acls = true;
	if (m->acls.ignored[0])
		log_warnx("master: --acls: actions not enforced by agora (ignored): %s",
			  m->acls.ignored);
	return 0;
}

bool master_authorize_task(struct master *m, const struct framework *fw, const char *user,
			   char *why, size_t whylen)
{
	const char *principal = fw->principal[0] ? fw->principal : NULL;
	char rule[512];
	int idx;

	if (!m->have_acls) {
		if (!strcmp(user, "root") && !m->flags.allow_root_tasks) {
			snprintf(why, whylen,
				 "Not authorized to launch as user 'root': principal '%s' may not run "
				 "tasks as root (the master has no --acls and no --allow_root_tasks)",
				 principal ? principal : "(none)");
			return false;
		}
		return true;
	}
	if (acl_check(&m->acls, ACL_RUN_TASKS, principal, user, &idx))
		return true;
	acl_describe_rule(&m->acls, ACL_RUN_TASKS, idx, rule, sizeof(rule));
	snprintf(why, whylen,
		 "Not authorized to launch as user '%s': principal '%s' is refused by ACL %s", user,
		 principal ? principal : "(none)", rule);
	return false;
}

bool master_authorize_framework(struct master *m, const char *principal, const char *role,
				char *why, size_t whylen)
{
	char rule[512];
	int idx;

	if (!m->have_acls || acl_check(&m->acls, ACL_REGISTER_FRAMEWORKS, principal, role, &idx))
		return true;
	acl_describe_rule(&m->acls, ACL_REGISTER_FRAMEWORKS, idx, rule, sizeof(rule));
	snprintf(why, whylen,
		 "Not authorized to register with role '%s': principal '%s' is refused by ACL %s",
		 role, principal ? principal : "(none)", rule);
	return false;
}

bool master_authorize_agent(struct master *m, const char *principal, char *why, size_t whylen)
{
	const char *subject = principal && *principal ? principal : NULL;
	char rule[512];
	int idx;

	if (!m->have_acls || acl_check(&m->acls, ACL_REGISTER_AGENTS, subject, NULL, &idx))
		return true;
	acl_describe_rule(&m->acls, ACL_REGISTER_AGENTS, idx, rule, sizeof(rule));
	snprintf(why, whylen, "Not authorized to register an agent: principal '%s' is refused by "
			      "ACL %s",
		 subject ? subject : "(none)", rule);
	return false;
}
