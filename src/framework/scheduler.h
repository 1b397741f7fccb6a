/*
 * framework/scheduler — a client of the Mesos v1 scheduler HTTP API
 * (JSON) on the caller's libevent loop: the piece every agora framework
 * (`agora execute`, `agora jobs`, `agora apps`) and any third-party C
 * framework uses to talk to a master.
 *
 * What it does for the caller:
 *   - SUBSCRIBEs on its own connection, follows 307 redirects to the
 *     leader, reads the RecordIO event stream and dispatches each event to
 *     a callback;
 *   - keeps the Mesos-Stream-Id and the framework id, sends calls on a
 *     second keep-alive connection with that header and HTTP Basic
 *     credentials;
 *   - acknowledges status updates that carry a uuid after the update
 *     callback returns (unless manual_ack);
 *   - notices a silent master (3 heartbeat intervals + 1 s), and
 *     resubscribes with random, doubling back-off (1 s → 30 s) under the
 *     same framework id, so tasks survive within failover_timeout.
 *
 * Error convention: int results are 0 or -errno; a call's callback never
 * fires when the function that took it returned an error (libuv's rule).
 * Every callback may call any function here, including sched_stop() and
 * sched_free() (freeing is then deferred to the next loop turn).
 *
 * Threading: single-threaded, everything on the event_base given.
 */
#ifndef AGORA_FRAMEWORK_SCHEDULER_H
#define AGORA_FRAMEWORK_SCHEDULER_H

#include <event2/event.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "core/mesos.h"
#include "core/resources.h"

#define SCHED_EVENT_MAX (16u << 20)   /* one RecordIO record */
#define SCHED_OFFERS_MAX (1u << 16)   /* offers in one OFFERS event (one per agent) */
#define SCHED_REPLY_MAX (64u << 10)   /* error text kept from a non-2xx reply */
#define SCHED_STREAM_ID_MAX 128	      /* Mesos-Stream-Id, as Mesos bounds it */
#define SCHED_ID_MAX 256	      /* framework/offer/task/agent ids (≤255 chars) */
#define SCHED_REDIRECTS_MAX 5
#define SCHED_ACK_CONNS 4	      /* connections ACKNOWLEDGE calls spread over */

struct sched;

enum sched_state {
	SCHED_IDLE = 0,	   /* created, sched_start() not called yet */
	SCHED_SUBSCRIBING, /* SUBSCRIBE sent, waiting for the SUBSCRIBED event */
	SCHED_SUBSCRIBED,  /* stream open, calls allowed */
	SCHED_BACKOFF,	   /* disconnected, a retry timer is armed */
	SCHED_STOPPED,	   /* sched_stop()/teardown: no stream, no retries (final) */
};

enum sched_error_kind {
	SCHED_ERR_AUTH = 1,   /* 401/403 on SUBSCRIBE: the credentials were refused */
	SCHED_ERR_SUBSCRIBE,  /* any other non-200 answer to SUBSCRIBE */
	SCHED_ERR_EVENT,      /* an ERROR event on the stream (refused, failed over) */
	SCHED_ERR_PROTOCOL,   /* malformed stream, missing Mesos-Stream-Id, ... */
};

/*
 * Event callbacks, all optional; arg is the one given to sched_new(). The
 * JSON arguments are borrowed for the duration of the call (json_incref to
 * keep them).
 */
struct sched_callbacks {
	/* SUBSCRIBED: also after every resubscription (same framework id). */
	void (*subscribed)(struct sched *s, const char *framework_id, bool resubscribed,
			   void *arg);
	/*
	 * OFFERS: the well-formed offers of one event (n >= 1; core/mesos.h),
	 * valid during the call: to keep one, json_incref((json_t *)o->json)
	 * and res_copy its resources. Malformed offers were declined already.
	 */
	void (*offers)(struct sched *s, const struct mesos_offer *offers, size_t n, void *arg);
	void (*rescind)(struct sched *s, const char *offer_id, void *arg);
	/* UPDATE (st: core/mesos.h, valid during the call): acknowledged after return when st->uuid is set and !manual_ack. */
	void (*update)(struct sched *s, const struct mesos_task_status *st, void *arg);
	/* MESSAGE from an executor; data is decoded from base64. */
	void (*message)(struct sched *s, const char *agent_id, const char *executor_id,
			const uint8_t *data, size_t len, void *arg);
	/* FAILURE: agent lost (executor_id NULL) or executor exited; status -1 if absent. */
	void (*failure)(struct sched *s, const char *agent_id, const char *executor_id,
			int status, void *arg);
	/*
	 * Something went wrong that the caller may want to act on. The client
	 * keeps retrying with back-off unless the callback calls sched_stop().
	 * http_status is 0 when there was no HTTP answer.
	 */
	void (*error)(struct sched *s, enum sched_error_kind kind, int http_status,
		      const char *message, void *arg);
	/* A SUBSCRIBED stream was lost; outstanding offers are void. */
	void (*disconnected)(struct sched *s, const char *why, void *arg);
	void (*heartbeat)(struct sched *s, void *arg);
	/*
	 * A subscription attempt (or a subscribed stream) was lost and a retry
	 * is armed; failures counts the attempts lost since the last
	 * SUBSCRIBED (1, 2, ...). sched_stop() here gives up.
	 */
	void (*retrying)(struct sched *s, int failures, const char *why, void *arg);
	/* Event types the client does not handle itself (INVERSE_OFFERS, ...). */
	void (*other)(struct sched *s, const char *type, const json_t *event, void *arg);
};

struct sched_config {
	/* "host:port", "host" (port 5050), "http://host:port[/...]", "[v6]:port". */
	const char *master;
	const char *principal;	      /* NULL: no Authorization header */
	const char *secret;	      /* with principal */
	const json_t *framework_info; /* copied; its "id", if any, is the known framework id */
	bool manual_ack;	      /* true: the caller acknowledges updates itself */
	double call_timeout;	      /* seconds per call (0: 30) */
	double backoff_min;	      /* first back-off ceiling (0: 1 s) */
	double backoff_max;	      /* (0: 30 s) */
};

/*
 * Reply to a call: status is the HTTP status (202 when accepted) or 0 when
 * the connection failed or was dropped; body is the error text (NUL-
 * terminated, "" when none).
 */
typedef void (*sched_call_fn)(struct sched *s, int status, const char *body, void *arg);

/*
 * Creates a client (it does nothing until sched_start). Checks cfg: the
 * master address and framework_info (an object with "user" and "name").
 * Returns 0 and *out, or -EINVAL with err filled.
 */
int sched_new(struct event_base *base, const struct sched_config *cfg,
	      const struct sched_callbacks *cb, void *arg, struct sched **out, char *err,
	      size_t errlen);
/* Starts subscribing (IDLE → SUBSCRIBING). */
void sched_start(struct sched *s);
/*
 * Drops the stream and any retry; in-flight calls still get their reply
 * (so a TEARDOWN's 202 arrives), new calls fail with -ENOTCONN.
 */
void sched_stop(struct sched *s);
/* Frees everything; pending call callbacks do not fire. Deferred inside callbacks. */
void sched_free(struct sched *s);

enum sched_state sched_get_state(const struct sched *s);
const char *sched_state_name(enum sched_state st);
/* The framework id ("" until the first SUBSCRIBED unless framework_info had one). */
const char *sched_framework_id(const struct sched *s);
/* host:port of the master the client talks to now (after redirects). */
const char *sched_master(const struct sched *s);
/* Seconds between heartbeats as the master announced them. */
double sched_heartbeat_interval(const struct sched *s);
/* Why the last subscription attempt or stream ended ("" when none did). */
const char *sched_last_error(const struct sched *s);

/* ---- calls: 0, or -ENOTCONN (not subscribed), -EINVAL (bad argument), -EIO ---- */

/*
 * Sends any call: {"type": type, "framework_id": ..., "<lower(type)>": payload}.
 * payload is stolen (may be NULL).
 */
int sched_send(struct sched *s, const char *type, json_t *payload, sched_call_fn cb, void *arg);
/* refuse_seconds < 0 leaves filters out (the master's default, 5 s). operations stolen. */
int sched_accept(struct sched *s, const char *const *offer_ids, size_t n, json_t *operations,
		 double refuse_seconds, sched_call_fn cb, void *arg);
/* ACCEPT of one offer with one LAUNCH of task_infos (an array, stolen). */
int sched_launch(struct sched *s, const char *offer_id, json_t *task_infos,
		 double refuse_seconds, sched_call_fn cb, void *arg);
int sched_decline(struct sched *s, const char *const *offer_ids, size_t n,
		  double refuse_seconds, sched_call_fn cb, void *arg);
/*
 * REVIVE / SUPPRESS for roles (n == 0: all roles). The client remembers
 * the suppressed roles and sends them as suppressed_roles when it
 * resubscribes.
 */
int sched_revive(struct sched *s, const char *const *roles, size_t n, sched_call_fn cb,
		 void *arg);
int sched_suppress(struct sched *s, const char *const *roles, size_t n, sched_call_fn cb,
		   void *arg);
/* agent_id may be NULL; grace_seconds < 0: no kill_policy. */
int sched_kill(struct sched *s, const char *task_id, const char *agent_id, double grace_seconds,
	       sched_call_fn cb, void *arg);
int sched_acknowledge(struct sched *s, const char *agent_id, const char *task_id,
		      const char *uuid, sched_call_fn cb, void *arg);
/* Explicit reconciliation of n tasks (agent_ids[i] may be NULL); n == 0: implicit. */
int sched_reconcile(struct sched *s, const char *const *task_ids, const char *const *agent_ids,
		    size_t n, sched_call_fn cb, void *arg);
/* Removes the framework; once sent the client stops instead of resubscribing. */
int sched_teardown(struct sched *s, sched_call_fn cb, void *arg);
int sched_message(struct sched *s, const char *agent_id, const char *executor_id,
		  const void *data, size_t len, sched_call_fn cb, void *arg);

/* ---- pure pieces (no I/O), used above and by tests ---- */

/*
 * Parses a master address or a redirect Location ("//h:p/path",
 * "http://h:p/path", "h:p", "h"). path gets the path part ("" when none).
 * Default port: 5050 for a bare host, 80 for a URL.
 */
int sched_parse_address(const char *text, char *host, size_t host_size, uint16_t *port,
			char *path, size_t path_size, char *err, size_t errlen);

/* Call envelope around payload (stolen; may be NULL). framework_id may be NULL/"". */
json_t *sched_call_json(const char *framework_id, const char *type, json_t *payload);
/* SUBSCRIBE call; framework_info is copied, suppressed_roles (may be NULL) too. */
json_t *sched_subscribe_json(const json_t *framework_info, const char *framework_id,
			     const json_t *suppressed_roles);
/* Payloads (each returns a new object, or NULL on an invalid argument). */
json_t *sched_accept_payload(const char *const *offer_ids, size_t n, json_t *operations,
			     double refuse_seconds);
json_t *sched_launch_operation(json_t *task_infos);
json_t *sched_decline_payload(const char *const *offer_ids, size_t n, double refuse_seconds);
json_t *sched_roles_payload(const char *const *roles, size_t n);
json_t *sched_kill_payload(const char *task_id, const char *agent_id, double grace_seconds);
json_t *sched_ack_payload(const char *agent_id, const char *task_id, const char *uuid);
json_t *sched_reconcile_payload(const char *const *task_ids, const char *const *agent_ids,
				size_t n);
json_t *sched_message_payload(const char *agent_id, const char *executor_id, const void *data,
			      size_t len);

/*
 * Parses one event record (≤ SCHED_EVENT_MAX). Returns the event object
 * (caller decrefs) and points *type into it, or NULL with err filled.
 */
json_t *sched_event_parse(const char *data, size_t len, const char **type, struct jerr *err);

/*
 * The exit code a CLI should return for a terminal status: 0 for
 * TASK_FINISHED; N for "... exited with status N"; 128+S for
 * "... signal S" / "... signal <name>"; 1 otherwise.
 */
int sched_exit_code(enum mesos_task_state state, const char *message);

#endif
