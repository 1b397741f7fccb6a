/*
 * master/scheduler_api — POST /api/v1/scheduler (and /master/api/v1/scheduler):
 * the Mesos v1 scheduler HTTP API, JSON only.
 *
 * Check order and status codes follow Mesos (docs/mesos-api.md, "Scheduler
 * API: the order of checks"):
 * 401 (route realm mesos-master-scheduler) → 405 (route) → 400 missing
 * Content-Type → 415 other media types → 400 unparsable/invalid Call →
 * SUBSCRIBE: 406 bad Accept, 400 with a Mesos-Stream-Id, then the 200
 * stream; other calls: 400 unknown framework, 400 principal mismatch,
 * 403 not subscribed, 400 missing/wrong Mesos-Stream-Id, then 202 (200 for
 * UPDATE_FRAMEWORK, 501 for UNKNOWN). Everything after the checks happens
 * on the loop before the reply, so a 202 means the call was applied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "master/call_parse.h"
#include "master/master.h"

static bool accept_allows_json(const char *accept)
{
	if (!accept || !*accept)
		return true;
	return strstr(accept, "application/json") || strstr(accept, "*/*") ||
	       strstr(accept, "application/*");
}

/*
 * A refused SUBSCRIBE: the 200 stream with one ERROR event, then closed. It
 * carries a Mesos-Stream-Id like every 200 to SUBSCRIBE (Mesos sets the
 * header before it decides), so a scheduler reads the ERROR instead of
 * taking the answer for a broken stream and retrying.
 */
static void send_error_and_close(struct http_req *r, const char *message)
{
	struct http_stream *st;
	char stream_id[UUID_STR_LEN];
	json_t *ev = json_pack("{s:s, s:{s:s}}", "type", "ERROR", "error", "message", message);
	char *payload = json_compact(ev);
	json_decref(ev);
	if (uuid_random(NULL, stream_id) == 0)
		http_add_header(r, "Mesos-Stream-Id", stream_id);
	st = http_stream_start(r, 200, "application/json", NULL, NULL);
	http_stream_send_record(st, payload);
	http_stream_free(st);
	free(payload);
}

/* roles (an array of strings, checked by call_parse) names role. */
static bool roles_name(const json_t *roles, const char *role)
{
	size_t i;
	json_t *v;
	json_array_foreach(roles, i, v) {
		if (json_is_string(v) && !strcmp(json_string_value(v), role))
			return true;
	}
	return false;
}

/*
 * A (re-)subscription or UPDATE_FRAMEWORK states the framework's whole
 * suppression: its role is suppressed iff suppressed_roles names it, so a
 * scheduler that restarts without remembering its SUPPRESS gets offers
 * again (Mesos: "suppressed_roles" of Call.Subscribe and UpdateFramework).
 */
static void set_suppression(struct framework *fw, const json_t *suppressed_roles,
			    const char *why)
{
	bool suppressed = roles_name(suppressed_roles, fw->role);
	if (suppressed != fw->suppressed)
		log_info("master: framework %s (%s): offers %s for role '%s' (%s)", fw->id,
			 fw->name, suppressed ? "suppressed" : "revived", fw->role, why);
	fw->suppressed = suppressed;
}

/* REVIVE / SUPPRESS: no roles (or an empty list) means every role of the framework. */
static bool call_covers_role(const json_t *payload, const char *role)
{
	const json_t *roles = jget(payload, "roles");
	return !json_array_size(roles) || roles_name(roles, role);
}

static void handle_subscribe(struct master *m, struct http_req *r, struct sched_call *c)
{
	json_t *info = json_object_get(c->payload, "framework_info");
	const char *info_principal = json_string_value(jget(info, "principal"));
	const char *id = json_string_value(json_object_get(jget(info, "id"), "value"));
	const char *role = json_string_value(jget(info, "role"));
	struct framework *fw = NULL;
	char why[1024], new_id[160];
	json_t *ev;
	bool resubscribe;

	if (!accept_allows_json(http_header(r, "Accept"))) {
		http_reply_text(r, 406, "Expecting 'Accept' to allow 'application/json'");
		return;
	}
	if (http_header(r, "Mesos-Stream-Id")) {
		http_reply_text(r, 400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
		return;
	}
	if (r->principal && info_principal && *info_principal &&
	    strcmp(r->principal, info_principal)) {
		http_reply_text(r, 400,
				"Authenticated principal '%s' does not match principal '%s' set in "
				"`FrameworkInfo`",
				r->principal, info_principal);
		return;
	}
	if (r->principal)
		json_object_set_new(info, "principal", json_string(r->principal));
	if (json_is_array(jget(info, "roles")) && json_array_size(jget(info, "roles")))
		role = json_string_value(json_array_get(jget(info, "roles"), 0));
	if (!master_authorize_framework(m, r->principal, role && *role ? role : "*", why,
					sizeof(why))) {
		log_warnx("master: framework '%s' refused: %s",
			  json_string_value(jget(info, "name")), why);
		send_error_and_close(r, why);
		return;
	}
	if (id) {
		fw = map_get(&m->frameworks, id);
		if (fw && fw->state == FW_REMOVED) {
			send_error_and_close(r, "Framework has been removed");
			return;
		}
		if (fw && fw->principal[0] && r->principal && strcmp(fw->principal, r->principal)) {
			http_reply_text(r, 400, "Framework %s belongs to principal '%s'", id,
					fw->principal);
			return;
		}
	}
	resubscribe = fw != NULL;
	if (!fw) {
		if (!id) {
			snprintf(new_id, sizeof(new_id), "%s-%04llu", m->id,
				 (unsigned long long)m->next_framework_seq);
			id = new_id;
		}
		fw = framework_new(m, id, info);
	} else {
		framework_update_info(fw, info);
		fw->reregistered_time = now_wall();
	}
	set_suppression(fw, jget(c->payload, "suppressed_roles"),
			resubscribe ? "resubscribed" : "subscribed");
	if (framework_attach_stream(fw, r) < 0)
		return;
	log_info("master: framework %s (%s, user %s, principal '%s') %s", fw->id, fw->name,
		 fw->user, fw->principal[0] ? fw->principal : "-",
		 resubscribe ? "resubscribed" : "subscribed");
	ev = json_pack("{s:s, s:{s:o, s:f, s:o}}", "type", "SUBSCRIBED", "subscribed",
		       "framework_id", json_id(fw->id), "heartbeat_interval_seconds",
		       m->flags.heartbeat_interval, "master_info", master_info_json(m));
	framework_send(fw, ev);
	framework_send(fw, json_pack("{s:s}", "type", "HEARTBEAT"));
	if (resubscribe)
		tasks_resend_pending(fw);
	alloc_all_changed(m);
}

/* ACCEPT: pool the offers, run the operations, decline the rest. */
static void handle_accept(struct master *m, struct framework *fw, const json_t *payload,
			  bool launch_ops)
{
	json_t *ids = json_object_get(payload, "offer_ids"), *ops, *op, *item;
	struct resources pool = RESOURCES_EMPTY;
	struct master_agent *agent = NULL;
	double refuse = 5;
	size_t i;
	char bad[512] = "";

	json_array_foreach(ids, i, item) {
		const char *oid = json_string_value(json_object_get(item, "value"));
		struct offer *o = oid ? offer_find(m, oid) : NULL;
		if (!o || o->fw != fw) {
			snprintf(bad, sizeof(bad), "Offer %s is no longer valid", oid ? oid : "?");
			continue;
		}
		if (agent && o->agent != agent) {
			snprintf(bad, sizeof(bad), "Offers are from different agents");
			continue;
		}
		agent = o->agent;
		offer_consume(o, &pool);
	}
	jget_double(jget(payload, "filters"), "refuse_seconds", NULL, false, &refuse, NULL);
	ops = launch_ops ? jget(payload, "operations") : NULL;
	json_array_foreach(ops, i, op) {
		const char *type = json_string_value(json_object_get(op, "type"));
		json_t *infos = json_object_get(json_object_get(op, "launch"), "task_infos"), *ti;
		size_t k;
		if (!type || strcmp(type, "LAUNCH")) {
			if (type && !strcmp(type, "LAUNCH_GROUP")) {
				json_t *tasks = json_object_get(
					json_object_get(json_object_get(op, "launch_group"),
							"task_group"),
					"tasks");
				json_array_foreach(tasks, k, ti)
					tasks_send_master_status(
						fw,
						json_string_value(json_object_get(
							json_object_get(ti, "task_id"), "value")) ?: "",
						agent ? agent->id : NULL, TASK_ERROR,
						"REASON_TASK_GROUP_INVALID",
						"LAUNCH_GROUP (task groups) is not supported by agora");
			} else {
				log_info("master: framework %s: ignoring %s operation (not supported)",
					 fw->id, type ? type : "?");
			}
			continue;
		}
		json_array_foreach(infos, k, ti) {
			if (!agent || bad[0]) {
				tasks_send_master_status(
					fw,
					json_string_value(json_object_get(json_object_get(ti, "task_id"),
									  "value")) ?: "",
					NULL, TASK_LOST, "REASON_INVALID_OFFERS",
					bad[0] ? bad : "No valid offers");
				continue;
			}
			tasks_launch(fw, agent, ti, &pool);
		}
	}
	if (agent) {
		alloc_release(fw, agent, &pool);
		alloc_decline(fw, agent, refuse);
	}
	res_free(&pool);
	alloc_assert_balanced(m); /* the pool is spent: the books balance again */
}

static void handle_update_framework(struct master *m, struct http_req *r, struct framework *fw,
				    const json_t *payload)
{
	json_t *info = json_object_get(payload, "framework_info");
	const char *id = json_string_value(json_object_get(jget(info, "id"), "value"));
	const char *principal = json_string_value(jget(info, "principal"));

	if (!id || strcmp(id, fw->id)) {
		http_reply_text(r, 400, "update_framework.framework_info.id must equal framework_id");
		return;
	}
	if (principal && *principal && fw->principal[0] && strcmp(principal, fw->principal)) {
		http_reply_text(r, 400, "Changing the principal of a framework is not allowed");
		return;
	}
	framework_update_info(fw, info);
	set_suppression(fw, jget(payload, "suppressed_roles"), "UPDATE_FRAMEWORK");
	alloc_all_changed(m);
	http_reply_empty(r, 200);
}

static void dispatch_call(struct master *m, struct http_req *r, struct framework *fw,
			  struct sched_call *c)
{
	json_t *p = c->payload;
	const char *s;

	switch (c->type) {
	case CALL_TEARDOWN:
		framework_set_state(fw, FW_REMOVED, "TEARDOWN requested by the framework");
		break;
	case CALL_ACCEPT:
		handle_accept(m, fw, p, true);
		break;
	case CALL_DECLINE:
		handle_accept(m, fw, p, false);
		break;
	case CALL_REVIVE:
		if (!call_covers_role(p, fw->role))
			break;
		fw->suppressed = false;
		alloc_clear_filters(fw);
		alloc_all_changed(m);
		break;
	case CALL_SUPPRESS:
		if (call_covers_role(p, fw->role))
			fw->suppressed = true;
		break;
	case CALL_KILL:
		s = json_string_value(json_object_get(json_object_get(p, "task_id"), "value"));
		tasks_kill(fw, s, jget(p, "kill_policy"));
		break;
	case CALL_ACKNOWLEDGE:
		tasks_acknowledge(fw,
				  json_string_value(json_object_get(json_object_get(p, "agent_id"),
								    "value")),
				  json_string_value(json_object_get(json_object_get(p, "task_id"),
								    "value")),
				  json_string_value(json_object_get(p, "uuid")));
		break;
	case CALL_RECONCILE:
		tasks_reconcile(fw, jget(p, "tasks"));
		break;
	case CALL_UPDATE_FRAMEWORK:
		handle_update_framework(m, r, fw, p);
		return;
	default:
		/* MESSAGE, SHUTDOWN, REQUEST, inverse offers, operations: accepted, nothing to do
		 * for command tasks */
		break;
	}
	http_reply_empty(r, 202);
}

void scheduler_api_handle(struct http_req *r, void *arg)
{
	struct master *m = arg;
	struct sched_call c;
	char ct[128], err[1024];
	size_t len;
	const char *body, *stream_id;
	struct framework *fw;
	int rc;

	if (r->principal == NULL && (m->flags.authenticate_frameworks ||
				     m->flags.authenticate_http_frameworks)) {
		http_reply_unauthorized(r, "mesos-master-scheduler");
		return;
	}
	http_content_type(r, ct, sizeof(ct));
	if (!ct[0]) {
		http_reply_text(r, 400, "Expecting 'Content-Type' to be present");
		return;
	}
	if (strcmp(ct, "application/json")) {
		http_reply_text(r, 415, "Expecting 'Content-Type' of application/json (agora speaks "
					"JSON only), got '%s'", ct);
		return;
	}
	body = http_body(r, &len);
	rc = call_parse(body, len, &c, err, sizeof(err));
	if (rc == -ENOTSUP) {
		http_reply_text(r, 501, "%s", err);
		return;
	}
	if (rc < 0) {
		http_reply_text(r, 400, "%s", err);
		return;
	}
	if (c.type == CALL_SUBSCRIBE) {
		handle_subscribe(m, r, &c);
		call_free(&c);
		return;
	}
	fw = map_get(&m->frameworks, c.framework_id);
	stream_id = http_header(r, "Mesos-Stream-Id");
	if (!fw)
		http_reply_text(r, 400, "Framework cannot be found");
	else if (r->principal && fw->principal[0] && strcmp(r->principal, fw->principal))
		http_reply_text(r, 400, "Authenticated principal '%s' does not match principal '%s' "
					"of framework %s",
				r->principal, fw->principal, fw->id);
	else if (fw->state == FW_REMOVED)
		http_reply_text(r, 403, "Framework has been removed");
	else if (fw->state != FW_CONNECTED)
		http_reply_text(r, 403, "Framework is not subscribed");
	else if (!stream_id)
		http_reply_text(r, 400, "All non-subscribe calls should include the "
					"'Mesos-Stream-Id' header");
	else if (strcmp(stream_id, fw->stream_id))
		http_reply_text(r, 400, "The stream ID '%.64s' included in this request didn't match "
					"the stream ID currently associated with framework ID %s",
				stream_id, fw->id);
	else
		dispatch_call(m, r, fw, &c);
	call_free(&c);
}
