/*
 * master — the state of one `agora master` process and the functions its
 * files share. One event loop, one struct master, no locks.
 *
 * Files (scripts/check-code.py keeps this list and the directory in step,
 * and holds the prefix each file exports):
 *   main.c        flags, start-up, shutdown
 *   http_api.c    route table, authentication, read-only endpoints
 *   authz.c       ACL decisions: register_frameworks, run_tasks
 *   registry.c    durable agent registry (SQLite under --work_dir)
 *   agents.c      agent records, the agent state machine, ping timeouts,
 *                 sending events to an agent
 *   agent_link.c  the agent protocol: challenge, subscribe stream, calls
 *   agent_msg.c   the strict parser of the agent's subscription body (its
 *                 AgentInfo through core's mesos_agent_info_parse)
 *   frameworks.c  framework records, their state machine, event streams
 *   scheduler_api.c  POST /api/v1/scheduler: checks, status codes, calls
 *   call_parse.c  the strict parser of scheduler Call JSON
 *   task_info.c   the strict check of a TaskInfo in ACCEPT/LAUNCH
 *   tasks.c       task records, the task state machine, launches, status
 *                 updates, reconciliation
 *   allocator.c   DRF offers, filters, offer timeouts, rescinds
 *   state_json.c  /master/state, /master/frameworks, /master/tasks shapes
 */
#ifndef AGORA_MASTER_MASTER_H
#define AGORA_MASTER_MASTER_H

#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/acl.h"
#include "core/auth.h"
#include "core/credentials.h"
#include "core/flags.h"
#include "core/http.h"
#include "core/map.h"
#include "core/mesos.h"
#include "core/resources.h"

struct master_flags {
	char *ip;
	int64_t port;
	char *advertise_ip;
	int64_t advertise_port;
	char *hostname;
	bool hostname_lookup;
	char *cluster;
	char *work_dir;
	char *credentials;
	char *acls;
	bool authenticate_agents;
	bool authenticate_frameworks;
	bool authenticate_http_frameworks;
	char *http_framework_authenticators;
	bool authenticate_http_readonly;
	bool authenticate_http_readwrite;
	double agent_ping_timeout;
	int64_t max_agent_ping_timeouts;
	double agent_reregister_timeout;
	double offer_timeout;
	double allocation_interval;
	double heartbeat_interval;
	char *zk;
	int64_t quorum;
	char *registry;
	char *logging_level;
	char *log_dir;
	bool filter_gpu_resources;
	bool root_submissions;
	int64_t max_completed_frameworks;
	int64_t max_completed_tasks_per_framework;
	char *roles;
	char *weights;
	char *webui_dir;
	char *authorizers;
	bool allow_root_tasks;
	uint64_t max_body;
};

enum agent_state {
	AGENT_RECOVERED = 0, /* known from the registry, not re-registered since start */
	AGENT_CONNECTED,     /* event stream open, pings arriving */
	AGENT_DISCONNECTED,  /* stream closed or pings missed; may come back */
	AGENT_UNREACHABLE,   /* gone longer than the ping timeouts allow */
};

struct master;
struct framework;
struct master_task;
struct offer;

struct master_agent {
	struct master *master;
	char id[128];
	char hostname[256];
	char ip[64];
	uint16_t port;
	char principal[CRED_MAX_FIELD + 1];
	struct resources total;
	json_t *attributes; /* Mesos Attribute array, owned */
	enum agent_state state;
	double registered_time;	  /* wall clock */
	double reregistered_time; /* wall clock, 0 = never */
	double unreachable_time;  /* wall clock, when declared unreachable; 0 = reachable */
	double last_ping;	  /* monotonic */
	double disconnected_at;	  /* monotonic */
	int missed_pings;
	struct http_stream *stream;
	char session[65];
	struct event *ping_timer;

	struct resources counted; /* what this agent adds to cluster_total (connected) */
	struct resources used;	  /* by non-terminal tasks */
	struct resources offered; /* in outstanding offers */
	struct map tasks;	  /* "<framework id>/<task id>" -> struct master_task */
	struct map offers;	  /* offer id -> struct offer */
	struct map lost_tasks;	  /* "<framework id>/<task id>" declared LOST here (value: the agent) */
	bool dirty;		  /* queued for the next allocation pass */
};

enum framework_state {
	FW_CONNECTED = 0, /* subscribed, event stream open */
	FW_DISCONNECTED,  /* stream gone; failover timer running */
	FW_REMOVED,	  /* torn down or failover expired; kept as completed */
};

#define FW_CAP_GPU_RESOURCES 0x1
#define FW_CAP_PARTITION_AWARE 0x2
#define FW_CAP_MULTI_ROLE 0x4
#define FW_CAP_TASK_KILLING_STATE 0x8
#define FW_CAP_REVOCABLE 0x10

struct decline_filter {
	double expires; /* monotonic */
	struct event *timer;
	struct framework *fw;
	char agent_id[128];
};

struct framework {
	struct master *master;
	char id[128];
	json_t *info; /* FrameworkInfo as subscribed (id and principal filled in) */
	char name[256];
	char user[256];
	char principal[CRED_MAX_FIELD + 1];
	char role[64];
	unsigned caps;
	enum framework_state state;
	bool recovered;	 /* rebuilt from agents after a master restart */
	bool suppressed;
	struct http_stream *stream;
	char stream_id[40];
	double failover_timeout;
	struct event *failover_timer, *heartbeat_timer;
	double registered_time, reregistered_time, unregistered_time;
	struct map tasks;   /* task id -> struct master_task (active and terminal-unacked) */
	json_t *completed;  /* array of task state objects, bounded */
	struct map offers;  /* offer id -> struct offer */
	struct map filters; /* agent id -> struct decline_filter */
	struct resources allocated; /* used + offered, for DRF */
	double share;
	uint64_t seq; /* subscription order, DRF tie-break */
};

struct master_task {
	struct framework *fw;
	struct master_agent *agent; /* NULL once the agent is gone */
	char id[256];
	char agent_id[128];
	json_t *info; /* TaskInfo as launched */
	struct resources resources;
	enum mesos_task_state state;
	json_t *statuses;    /* [{state, timestamp}] */
	json_t *last_status; /* the latest TaskStatus (for reconciliation and resends) */
	char pending_uuid[32]; /* uuid of the latest forwarded, unacknowledged update */
	char user[256];
	bool resources_released;
};

struct offer {
	char id[160];
	struct framework *fw;
	struct master_agent *agent;
	struct resources resources;
	struct event *timer; /* --offer_timeout */
};

/*
 * The agent challenge keeps no state per nonce handed out (core/auth.h):
 * a per-process key makes and checks them. What is kept is bounded:
 *  - per principal that proved its secret, the nonces it used while they
 *    could still verify (single use), at most AGENT_REPLAY_MAX;
 *  - per source address (hashed into AGENT_SOURCE_SLOTS slots), a token
 *    bucket for challenges and subscriptions.
 */
#define AGENT_REPLAY_MAX 256
#define AGENT_SOURCE_SLOTS 1024

struct agent_replay {
	size_t n;
	struct {
		char nonce[AUTH_NONCE_HEX];
		double expires; /* monotonic */
	} used[AGENT_REPLAY_MAX];
};

struct agent_source {
	char addr[64];
	double tokens;
	double last; /* monotonic */
};

struct master {
	struct event_base *base;
	struct master_flags flags;
	struct http_server *http;
	sqlite3 *db;
	char id[40];
	char advertised_ip[64];
	uint16_t port;
	char hostname[256];
	double start_time; /* wall clock */
	struct credentials credentials;
	bool have_credentials;
	char auth_warning[512]; /* "" unless some authentication is off */
	uint64_t tasks_error;	/* launches refused with TASK_ERROR, since start */

	struct map agents;	     /* id -> struct master_agent */
	struct map agent_sessions;   /* session token -> struct master_agent */
	uint64_t next_agent_seq;
	unsigned char nonce_key[AUTH_NONCE_KEY_BYTES]; /* makes and checks agent nonces */
	struct map nonce_replay;     /* principal -> struct agent_replay */
	struct agent_source *sources; /* AGENT_SOURCE_SLOTS buckets */

	struct map frameworks;	     /* id -> struct framework (all states) */
	uint64_t next_framework_seq;
	uint64_t next_offer_seq;
	size_t completed_frameworks; /* FW_REMOVED ones kept */
	struct map offers;	     /* id -> struct offer */
	struct event *alloc_event;   /* the batched allocation pass */
	bool alloc_scheduled;
	struct map dirty_agents;     /* agents to look at in the next pass */
	struct resources cluster_total; /* of connected agents, for DRF shares */
	struct acls acls;	     /* parsed --acls */
	bool have_acls;

	struct event *sigint, *sigterm;
};


/* master_flags table (main.c) */
extern const struct flag_def master_flag_defs[];
extern const size_t master_flag_count;

/* registry.c */
int registry_open(struct master *m, char *err, size_t errlen);
int registry_load(struct master *m);
int registry_save_agent(struct master *m, const struct master_agent *a);

/* agents.c */
struct master_agent *master_agent_new(struct master *m, const char *id);
void master_agent_set_state(struct master_agent *a, enum agent_state next, const char *why);
const char *master_agent_state_name(enum agent_state s);
void master_agent_free(struct master_agent *a);
double master_agent_timer_period(const struct master *m);
/* Seconds between the agent's pings, as told in SUBSCRIBED. */
double master_agent_ping_interval(const struct master *m);
json_t *master_agent_state_json(const struct master_agent *a);
json_t *master_info_json(const struct master *m);
/* Sends an event to an agent's stream; takes ownership. */
void master_agent_send(struct master_agent *a, json_t *event);

/* agent_link.c */
void agent_link_challenge(struct http_req *r, void *arg);
void agent_link_subscribe(struct http_req *r, void *arg);
void agent_link_call(struct http_req *r, void *arg);

/* frameworks.c */
struct framework *framework_new(struct master *m, const char *id, const json_t *info);
void framework_set_state(struct framework *fw, enum framework_state next, const char *why);
const char *framework_state_name(enum framework_state s);
/* Sends one event on the framework's stream (if connected); takes ownership. */
void framework_send(struct framework *fw, json_t *event);
void framework_free(struct framework *fw);
unsigned framework_caps_parse(const json_t *info);
/* Applies (re-)subscription info: name, capabilities, failover_timeout... */
void framework_update_info(struct framework *fw, const json_t *info);
/* Starts the 200 event stream on r (Mesos-Stream-Id header); replaces an old one. */
int framework_attach_stream(struct framework *fw, struct http_req *r);

/* allocator.c */
void alloc_init(struct master *m);
void alloc_fini(struct master *m);
/* The agent's free resources changed: look at it in the next pass. */
void alloc_agent_changed(struct master_agent *a);
/* Everything may have changed (new framework, revive): look at all agents. */
void alloc_all_changed(struct master *m);
/* Removes an offer, returning its resources; sends RESCIND when asked. */
void offer_remove(struct offer *o, bool rescind);
struct offer *offer_find(struct master *m, const char *id);
/* Takes an offer out for ACCEPT: its resources go into pool, still allocated to the framework. */
void offer_consume(struct offer *o, struct resources *pool);
/* Resources leave the allocator's view of a framework (task ended, decline). */
void alloc_release(struct framework *fw, struct master_agent *a, const struct resources *r);
/* Declines resources on agent for refuse seconds (a filter). */
void alloc_decline(struct framework *fw, struct master_agent *a, double refuse_seconds);
void alloc_clear_filters(struct framework *fw);
/* Keeps cluster_total in step with the agent's state, in O(1). */
void alloc_agent_total(struct master_agent *a);
/*
 * The allocator's books, recomputed from their sources (allocator.c's
 * invariant). O(agents + offers + tasks). 0, or -1 with why (may be NULL)
 * naming the first difference.
 */
int alloc_check(const struct master *m, char *why, size_t why_size);
/* alloc_check() as an invariant: aborts on a difference in checking builds
 * (core/invariant.h), does nothing in release builds. */
void alloc_assert_balanced(const struct master *m);

/* tasks.c */
/* Handles ACCEPT's operations over the pooled resources of its offers. */
void tasks_launch(struct framework *fw, struct master_agent *a, const json_t *task_info,
		  struct resources *pool);
/* A TaskStatus from an agent's UPDATE call. */
void tasks_on_agent_update(struct master *m, struct master_agent *a, const json_t *update);
/* A master-made status (no uuid) sent straight to the framework. */
void tasks_send_master_status(struct framework *fw, const char *task_id, const char *agent_id,
			      enum mesos_task_state state, const char *reason, const char *message);
void task_set_state(struct master_task *t, enum mesos_task_state next, const json_t *status);
void task_free(struct master_task *t);
void tasks_kill(struct framework *fw, const char *task_id, const json_t *kill_policy);
void tasks_acknowledge(struct framework *fw, const char *agent_id, const char *task_id,
		       const char *uuid_b64);
void tasks_reconcile(struct framework *fw, const json_t *tasks);
/* Agent lost: its tasks are LOST (or UNREACHABLE for partition-aware frameworks). */
void tasks_agent_lost(struct master_agent *a, const char *why);
/* Rebuilds tasks from an agent's re-registration. */
void tasks_agent_reregistered(struct master_agent *a, const json_t *reported,
			      bool was_unreachable);
/* Resends each task's latest unacknowledged status (framework resubscribed). */
void tasks_resend_pending(struct framework *fw);
/* Kills every task of a removed framework. */
void tasks_framework_removed(struct framework *fw);
json_t *task_state_json(const struct master_task *t);

/* authz.c: run_tasks, register_frameworks and register_agents decisions; why says which rule. */
bool master_authorize_task(struct master *m, const struct framework *fw, const char *user,
			   char *why, size_t whylen);
bool master_authorize_framework(struct master *m, const char *principal, const char *role,
				char *why, size_t whylen);
/* register_agents: may this principal ("" = none) be an agent? */
bool master_authorize_agent(struct master *m, const char *principal, char *why, size_t whylen);
int master_load_acls(struct master *m, char *err, size_t errlen);

/* scheduler_api.c */
void scheduler_api_handle(struct http_req *r, void *arg);

/* state_json.c */
json_t *state_framework_json(const struct framework *fw, bool with_tasks);
void state_handle_frameworks(struct http_req *r, void *arg);
void state_handle_tasks(struct http_req *r, void *arg);
json_t *state_frameworks_json(struct master *m, json_t **completed_out);

/* http_api.c */
int master_http_start(struct master *m, char *err, size_t errlen);

int master_main(int argc, char **argv);

#endif
