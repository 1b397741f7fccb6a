/*
 * acl — see acl.h. Pure parsing and evaluation; no state between calls.
 */
#include "core/acl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"

static const char *const action_keys[ACL_ACTION_COUNT] = {
	"run_tasks", "register_frameworks", "teardown_frameworks", "register_agents"
};
/* Field names of subject and object for each action. */
static const char *const subject_keys[ACL_ACTION_COUNT] = { "principals", "principals",
							    "principals", "principals" };
/* register_agents' object is implicit: Mesos uses "agents" ANY or NONE. */
static const char *const object_keys[ACL_ACTION_COUNT] = { "users", "roles",
							   "framework_principals", "agents" };

const char *acl_action_name(enum acl_action a)
{
	return a < ACL_ACTION_COUNT ? action_keys[a] : "?";
}

static void entity_free(struct acl_entity *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->values[i]);
	free(e->values);
	memset(e, 0, sizeof(*e));
}

static int parse_entity(const json_t *rule, const char *key, const char *path,
			struct acl_entity *out, struct jerr *je)
{
	static const char *const types[] = { "SOME", "ANY", "NONE" };
	json_t *obj = NULL, *values = NULL, *v;
	char sub[256], vpath[300];
	int type = ACL_SOME;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (jget_obj(rule, key, path, true, &obj, je))
		return -EINVAL;
	jpath(sub, sizeof(sub), path, key);
	if (jget_enum(obj, "type", sub, false, types, 3, &type, je) < 0 ||
	    jget_array(obj, "values", sub, false, ACL_MAX_VALUES, &values, je) < 0)
		return -EINVAL;
	out->type = (enum acl_entity_type)type;
	if (out->type != ACL_SOME)
		return 0; /* values are ignored for ANY and NONE */
	if (!values || json_array_size(values) == 0)
		return jerr_set(je, sub, "values",
				"a SOME entity needs at least one value (or use type ANY/NONE)");
	out->values = xcalloc(json_array_size(values), sizeof(char *));
	json_array_foreach(values, i, v) {
		jpath_index(vpath, sizeof(vpath), sub, i);
		if (!json_is_string(v) || json_string_length(v) > 255 ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			jerr_set(je, vpath, NULL, "expected a string of at most 255 bytes");
			entity_free(out);
			return -EINVAL;
		}
		out->values[out->n++] = xstrdup(json_string_value(v));
	}
	return 0;
}

static int parse_action(const json_t *doc, enum acl_action a, struct acls *out, struct jerr *je)
{
	json_t *arr = NULL, *rule;
	size_t i;
	int r = jget_array(doc, action_keys[a], NULL, false, ACL_MAX_RULES, &arr, je);
	if (r)
		return r < 0 ? r : 0;
	out->rules[a] = xcalloc(json_array_size(arr) + 1, sizeof(struct acl_rule));
	json_array_foreach(arr, i, rule) {
		char path[64];
		struct acl_rule *ar = &out->rules[a][out->nrules[a]];
		jpath_index(path, sizeof(path), action_keys[a], i);
		if (!json_is_object(rule))
			return jerr_set(je, path, NULL, "expected an object");
		if (parse_entity(rule, subject_keys[a], path, &ar->subject, je) < 0)
			return -EINVAL;
		if (parse_entity(rule, object_keys[a], path, &ar->object, je) < 0) {
			entity_free(&ar->subject);
			return -EINVAL;
		}
		out->nrules[a]++;
	}
	return 0;
}

int acl_parse(const char *text, size_t len, const char *source, struct acls *out, char *err,
	      size_t errlen)
{
	struct jerr je;
	json_t *doc;
	const char *key;
	json_t *v;
	int r = 0;

	memset(out, 0, sizeof(*out));
	out->permissive = true;
	doc = json_parse_bounded(text, len, ACL_MAX_TEXT, source, &je);
	if (!doc) {
		snprintf(err, errlen, "%s", je.msg);
		return -EINVAL;
	}
	if (!json_is_object(doc)) {
		snprintf(err, errlen, "%s: expected a JSON object", source);
		r = -EINVAL;
		goto out;
	}
	if (jget_bool(doc, "permissive", NULL, false, &out->permissive, &je) < 0) {
		snprintf(err, errlen, "%s: %s", source, je.msg);
		r = -EINVAL;
		goto out;
	}
	for (int a = 0; a < ACL_ACTION_COUNT; a++) {
		if (parse_action(doc, (enum acl_action)a, out, &je) < 0) {
			snprintf(err, errlen, "%s: %s", source, je.msg);
			r = -EINVAL;
			goto out;
		}
	}
	json_object_foreach(doc, key, v) {
		bool known = !strcmp(key, "permissive");
		for (int a = 0; a < ACL_ACTION_COUNT; a++)
			known |= !strcmp(key, action_keys[a]);
		if (!known) {
			if (out->ignored[0])
				str_append(out->ignored, ",", sizeof(out->ignored));
			str_append(out->ignored, key, sizeof(out->ignored));
		}
	}
out:
	json_decref(doc);
	if (r < 0)
		acl_free(out);
	return r;
}

static bool contains(const struct acl_entity *e, const char *value)
{
	for (size_t i = 0; i < e->n; i++)
		if (!strcmp(e->values[i], value))
			return true;
	return false;
}

/* Request entity: SOME{value} when value is set, else ANY. */
static bool entity_matches(const char *value, const struct acl_entity *acl)
{
	if (acl->type == ACL_NONE || acl->type == ACL_ANY)
		return true;
	return value && contains(acl, value);
}

static bool entity_allows(const char *value, const struct acl_entity *acl)
{
	switch (acl->type) {
	case ACL_ANY: return true;
	case ACL_NONE: return false;
	case ACL_SOME: return value && contains(acl, value);
	}
	return false;
}

bool acl_check(const struct acls *acls, enum acl_action action, const char *subject,
	       const char *object, int *rule_out)
{
	if (rule_out)
		*rule_out = -1;
	if (!acls || action >= ACL_ACTION_COUNT)
		return true;
	for (size_t i = 0; i < acls->nrules[action]; i++) {
		const struct acl_rule *r = &acls->rules[action][i];
		if (!entity_matches(subject, &r->subject) || !entity_matches(object, &r->object))
			continue;
		if (rule_out)
			*rule_out = (int)i;
		return entity_allows(subject, &r->subject) && entity_allows(object, &r->object);
	}
	return acls->permissive;
}

static void describe_entity(const struct acl_entity *e, const char *key, char *buf, size_t size)
{
	if (e->type == ACL_ANY) {
		snprintf(buf, size, "%s ANY", key);
		return;
	}
	if (e->type == ACL_NONE) {
		snprintf(buf, size, "%s NONE", key);
		return;
	}
	snprintf(buf, size, "%s [", key);
	for (size_t i = 0; i < e->n; i++) {
		if (i)
			str_append(buf, ", ", size);
		str_append(buf, e->values[i], size);
	}
	str_append(buf, "]", size);
}

void acl_describe_rule(const struct acls *acls, enum acl_action a, int i, char *buf, size_t size)
{
	char s[256], o[256];
	if (i < 0 || (size_t)i >= acls->nrules[a]) {
		snprintf(buf, size, "no %s rule matched and \"permissive\" is %s", action_keys[a],
			 acls->permissive ? "true" : "false");
		return;
	}
	describe_entity(&acls->rules[a][i].subject, subject_keys[a], s, sizeof(s));
	describe_entity(&acls->rules[a][i].object, object_keys[a], o, sizeof(o));
	snprintf(buf, size, "%s[%d] {%s, %s}", action_keys[a], i, s, o);
}

void acl_free(struct acls *acls)
{
	for (int a = 0; a < ACL_ACTION_COUNT; a++) {
		for (size_t i = 0; i < acls->nrules[a]; i++) {
			entity_free(&acls->rules[a][i].subject);
			entity_free(&acls->rules[a][i].object);
		}
		free(acls->rules[a]);
		acls->rules[a] = NULL;
		acls->nrules[a] = 0;
	}
}
