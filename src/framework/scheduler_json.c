/*
 * framework/scheduler_json — the pure half of the scheduler client (see
 * scheduler.h): master addresses, Call builders, event and Offer parsers
 * (TaskStatus is core/mesos.c) and the exit code of a finished task. No
 * I/O, no state, so the unit tests exercise exactly what goes on the wire.
 *
 * Builders emit what Mesos' own JSON→protobuf conversion accepts: ids as
 * {"value": ...}, enums as names, bytes as padded base64, no nulls. They
 * return NULL on an argument that would only earn a 400 from the master
 * (an empty or invalid id), so the mistake shows up at the call site.
 * Parsers are strict on the fields the client relies on and ignore the
 * rest, the protobuf-JSON rule for unknown keys.
 */
#include "framework/scheduler.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/ids.h"
#include "core/json.h"
#include "core/resources.h"
#include "core/util.h"

#define ROLES_MAX 1024

/* ---- addresses ---- */

static int addr_fail(char *err, size_t errlen, const char *fmt, const char *text)
{
	snprintf(err, errlen, fmt, text);
	return -EINVAL;
}

/* Splits "host[:port]" or "[v6][:port]" (authority, NUL-terminated, writable). */
static int split_authority(char *auth, const char *text, char *host, size_t host_size,
			   uint16_t *port, char *err, size_t errlen)
{
	char *h = auth, *p = NULL;
	int64_t v;

	if (strchr(auth, '@'))
		return addr_fail(err, errlen, "'%s': user names in the address are not supported; "
				 "use --principal/--secret", text);

	if (*auth == '[') {
		char *close = strchr(auth, ']');
		if (!close)
			return addr_fail(err, errlen, "'%s': missing ']' after an IPv6 address",
					 text);
		*close = '\0';
		h = auth + 1;
		if (close[1] == ':')
			p = close + 2;
		else if (close[1])
			return addr_fail(err, errlen, "'%s': expected ':port' after ']'", text);
	} else {
		p = strchr(auth, ':');
		if (p && strchr(p + 1, ':'))
			return addr_fail(err, errlen,
					 "'%s': an IPv6 address must be written in brackets", text);
		if (p)
			*p++ = '\0';
	}
	if (!*h)
		return addr_fail(err, errlen, "'%s': no host", text);
	if (strlen(h) >= host_size)
		return addr_fail(err, errlen, "'%.200s': host name too long", text);
	if (p) {
		if (parse_int64(p, &v) < 0 || v < 1 || v > 65535)
			return addr_fail(err, errlen, "'%s': bad port", text);
		*port = (uint16_t)v;
	}
	str_copy(host, h, host_size);
	return 0;
}

int sched_parse_address(const char *text, char *host, size_t host_size, uint16_t *port,
			char *path, size_t path_size, char *err, size_t errlen)
{
	char buf[1024];
	char *s, *slash;
	bool url = false;

	if (!text || strlen(text) >= sizeof(buf))
		return addr_fail(err, errlen, "master address '%.100s' is empty or too long",
				 text ? text : "");
	str_copy(buf, text, sizeof(buf));
	s = str_trim(buf);
	if (str_starts_with(s, "zk://"))
		return addr_fail(err, errlen,
				 "'%s' is a ZooKeeper URL; leader detection through ZooKeeper "
				 "is not available here, give the master as host:port",
				 text);
	if (str_starts_with(s, "https://"))
		return addr_fail(err, errlen, "'%s': https is not supported by this client",
				 text);
	if (str_starts_with(s, "http://")) {
		s += 7;
		url = true;
	} else if (str_starts_with(s, "//")) {
		s += 2;
		url = true;
	} else if (strstr(s, "://")) {
		return addr_fail(err, errlen, "'%s': unsupported URL scheme", text);
	}
	*port = url ? 80 : 5050;
	slash = strchr(s, '/');
	if (path_size)
		path[0] = '\0';
	if (slash) {
		if (strlen(slash) >= path_size)
			return addr_fail(err, errlen, "'%.200s': path too long", text);
		str_copy(path, slash, path_size);
		*slash = '\0';
	}
	return split_authority(s, text, host, host_size, port, err, errlen);
}

/* ---- call builders ---- */

static bool id_ok(const char *id)
{
	return id && !id_invalid_reason(id);
}

static json_t *id_or_null(const char *id)
{
	return id_ok(id) ? json_id(id) : NULL;
}

/* [{"value": id}, ...]; NULL when any id is invalid or n is 0. */
static json_t *id_array(const char *const *ids, size_t n)
{
	json_t *arr;

	if (!ids || n == 0)
		return NULL;
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *id = id_or_null(ids[i]);
		if (!id) {
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, id);
	}
	return arr;
}

json_t *sched_call_json(const char *framework_id, const char *type, json_t *payload)
{
	char key[64];
	size_t i;
	json_t *call = json_pack("{s:s}", "type", type);

	if (framework_id && *framework_id)
		json_object_set_new(call, "framework_id", json_id(framework_id));
	if (payload) {
		for (i = 0; type[i] && i + 1 < sizeof(key); i++)
			key[i] = (char)tolower((unsigned char)type[i]);
		key[i] = '\0';
		json_object_set_new(call, key, payload);
	}
	return call;
}

json_t *sched_subscribe_json(const json_t *framework_info, const char *framework_id,
			     const json_t *suppressed_roles)
{
	json_t *info = json_deep_copy(framework_info);
	json_t *payload;

	if (!info)
		return NULL;
	/* Mesos requires framework_id and framework_info.id to agree (both or neither). */
	if (framework_id && *framework_id)
		json_object_set_new(info, "id", json_id(framework_id));
	else
		json_object_del(info, "id");
	payload = json_pack("{s:o}", "framework_info", info);
	if (suppressed_roles && json_array_size(suppressed_roles))
		json_object_set_new(payload, "suppressed_roles", json_deep_copy(suppressed_roles));
	return sched_call_json(framework_id, "SUBSCRIBE", payload);
}

static void add_filters(json_t *payload, double refuse_seconds)
{
	if (refuse_seconds >= 0)
		json_object_set_new(payload, "filters",
				    json_pack("{s:f}", "refuse_seconds", refuse_seconds));
}

json_t *sched_accept_payload(const char *const *offer_ids, size_t n, json_t *operations,
			     double refuse_seconds)
{
	json_t *ids = id_array(offer_ids, n);
	json_t *payload;

	if (!ids || (operations && !json_is_array(operations))) {
		json_decref(ids);
		json_decref(operations);
		return NULL;
	}
	payload = json_pack("{s:o, s:o}", "offer_ids", ids, "operations",
			    operations ? operations : json_array());
	add_filters(payload, refuse_seconds);
	return payload;
}

json_t *sched_launch_operation(json_t *task_infos)
{
	if (!json_is_array(task_infos)) {
		json_decref(task_infos);
		return NULL;
	}
	return json_pack("{s:s, s:{s:o}}", "type", "LAUNCH", "launch", "task_infos", task_infos);
}

json_t *sched_decline_payload(const char *const *offer_ids, size_t n, double refuse_seconds)
{
	json_t *ids = id_array(offer_ids, n);
	json_t *payload;

	if (!ids)
		return NULL;
	payload = json_pack("{s:o}", "offer_ids", ids);
	add_filters(payload, refuse_seconds);
	return payload;
}

json_t *sched_roles_payload(const char *const *roles, size_t n)
{
	json_t *payload = json_object();
	json_t *arr;

	if (n == 0)
		return payload;
	if (!roles || n > ROLES_MAX) {
		json_decref(payload);
		return NULL;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		if (!roles[i] || !*roles[i] || strlen(roles[i]) > 255) {
			json_decref(arr);
			json_decref(payload);
			return NULL;
		}
		json_array_append_new(arr, json_string(roles[i]));
	}
	json_object_set_new(payload, "roles", arr);
	return payload;
}

json_t *sched_kill_payload(const char *task_id, const char *agent_id, double grace_seconds)
{
	json_t *tid = id_or_null(task_id);
	json_t *payload;

	if (!tid || (agent_id && id_invalid_reason(agent_id))) {
		json_decref(tid);
		return NULL;
	}
	payload = json_pack("{s:o}", "task_id", tid);
	if (agent_id)
		json_object_set_new(payload, "agent_id", json_id(agent_id));
	if (grace_seconds >= 0)
		json_object_set_new(payload, "kill_policy",
				    json_pack("{s:{s:I}}", "grace_period", "nanoseconds",
					      (json_int_t)(grace_seconds * 1e9)));
	return payload;
}

json_t *sched_ack_payload(const char *agent_id, const char *task_id, const char *uuid)
{
	if (!id_ok(agent_id) || !id_ok(task_id) || !uuid || !*uuid ||
	    strlen(uuid) > 64)
		return NULL;
	/* The uuid travels back exactly as the update carried it. */
	return json_pack("{s:o, s:o, s:s}", "agent_id", json_id(agent_id), "task_id",
			 json_id(task_id), "uuid", uuid);
}

json_t *sched_reconcile_payload(const char *const *task_ids, const char *const *agent_ids,
				size_t n)
{
	json_t *tasks = json_array();

	for (size_t i = 0; i < n; i++) {
		const char *agent = agent_ids ? agent_ids[i] : NULL;
		json_t *t;
		if (!task_ids || !id_ok(task_ids[i]) || (agent && !id_ok(agent))) {
			json_decref(tasks);
			return NULL;
		}
		t = json_pack("{s:o}", "task_id", json_id(task_ids[i]));
		if (agent)
			json_object_set_new(t, "agent_id", json_id(agent));
		json_array_append_new(tasks, t);
	}
	return json_pack("{s:o}", "tasks", tasks);
}

json_t *sched_message_payload(const char *agent_id, const char *executor_id, const void *data,
			      size_t len)
{
	char *b64;
	json_t *payload;

	if (!id_ok(agent_id) || !id_ok(executor_id) || (!data && len))
		return NULL;
	b64 = base64_encode(data ? data : "", len);
	payload = json_pack("{s:o, s:o, s:s}", "agent_id", json_id(agent_id), "executor_id",
			    json_id(executor_id), "data", b64);
	free(b64);
	return payload;
}

/* ---- event parsers ---- */

json_t *sched_event_parse(const char *data, size_t len, const char **type, struct jerr *err)
{
	json_t *ev = json_parse_bounded(data, len, SCHED_EVENT_MAX, "event", err);

	if (!ev)
		return NULL;
	if (!json_is_object(ev)) {
		jerr_set(err, "event", NULL, "expected an object");
		json_decref(ev);
		return NULL;
	}
	if (jget_str(ev, "type", "event", true, 64, type, err)) {
		if (!err->msg[0])
			jerr_set(err, "event", "type", "required field is missing");
		json_decref(ev);
		return NULL;
	}
	return ev;
}

/* ---- task states and exit codes ---- */

/* Parses 1..max decimal digits at s; -1 when none or out of range. */
static int leading_number(const char *s, int max)
{
	int v = 0, digits = 0;

	while (isdigit((unsigned char)*s) && digits < 4) {
		v = v * 10 + (*s++ - '0');
		digits++;
	}
	if (!digits || isdigit((unsigned char)*s) || v > max)
		return -1;
	return v;
}

/* "9", "SIGKILL", "KILL", "Killed" (strsignal's text) → 9; -1 when unknown. */
static int signal_number(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = { { "HUP", SIGHUP },   { "INT", SIGINT },	{ "QUIT", SIGQUIT },
		      { "ILL", SIGILL },   { "ABRT", SIGABRT }, { "FPE", SIGFPE },
		      { "KILL", SIGKILL }, { "SEGV", SIGSEGV }, { "PIPE", SIGPIPE },
		      { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "USR1", SIGUSR1 },
		      { "USR2", SIGUSR2 }, { "BUS", SIGBUS },	{ "XCPU", SIGXCPU } };
	size_t best_len = 0;
	int best = -1;

	if (isdigit((unsigned char)*s))
		return leading_number(s, 64) > 0 ? leading_number(s, 64) : -1;
	if (str_starts_with(s, "SIG"))
		s += 3;
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		size_t n = strlen(names[i].name);
		if (!strncmp(s, names[i].name, n) && !isalnum((unsigned char)s[n]))
			return names[i].sig;
	}
	/* Mesos writes strsignal() text: "Command terminated with signal Killed". */
	for (int sig = 1; sig < 32; sig++) {
		const char *text = strsignal(sig);
		size_t n = text ? strlen(text) : 0;
		if (n > best_len && !strncasecmp(s, text, n) && !isalnum((unsigned char)s[n])) {
			best = sig;
			best_len = n;
		}
	}
	return best;
}

int sched_exit_code(enum mesos_task_state state, const char *message)
{
	const char *p;

	if (state == TASK_FINISHED)
		return 0;
	if (!message)
		return 1;
	p = strstr(message, "exited with status ");
	if (p) {
		int code = leading_number(p + strlen("exited with status "), 255);
		/* A failed task never reports success, whatever the text says. */
		return code > 0 ? code : 1;
	}
	p = strstr(message, "signal");
	if (p) {
		int sig;
		p += strlen("signal");
		while (*p == ' ' || *p == ':')
			p++;
		sig = signal_number(p);
		if (sig > 0)
			return 128 + sig;
	}
	return 1;
}
