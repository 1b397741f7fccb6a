/*
 * master — the state of one `agora master` process and the functions its
 * files share. One event loop, one struct master, no locks.
 *
 * Files:
 *   main.c        flags, start-up, shutdown
 *   registry.c    durable agent registry (SQLite under --work_dir)
 *   agents.c      agent records, the agent state machine, ping timeouts
 *   agent_link.c  the agent protocol: challenge, subscribe stream, calls
 *   http_api.c    route table, authentication, read-only endpoints
 */
#ifndef AGORA_MASTER_MASTER_H
#define AGORA_MASTER_MASTER_H

#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/credentials.h"
#include "core/flags.h"
#include "core/http.h"
#include "core/map.h"
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
	uint64_t max_body;
};

enum agent_state {
	AGENT_RECOVERED = 0, /* known from the registry, not re-registered since start */
	AGENT_CONNECTED,     /* event stream open, pings arriving */
	AGENT_DISCONNECTED,  /* stream closed or pings missed; may come back */
	AGENT_UNREACHABLE,   /* gone longer than the ping timeouts allow */
};

struct master;

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
	double last_ping;	  /* monotonic */
	double disconnected_at;	  /* monotonic */
	int missed_pings;
	struct http_stream *stream;
	char session[65];
	struct event *ping_timer;
};

struct nonce_entry {
	char principal[CRED_MAX_FIELD + 1];
	double expires; /* monotonic */
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

	struct map agents;	     /* id -> struct master_agent */
	struct map agent_sessions;   /* session token -> struct master_agent */
	uint64_t next_agent_seq;
	struct map nonces;	     /* nonce -> struct nonce_entry */

	struct event *sigint, *sigterm, *nonce_gc;
};

/* master_flags table (main.c) */
extern const struct flag_def master_flag_defs[];
extern const size_t master_flag_count;

/* registry.c */
int registry_open(struct master *m, char *err, size_t errlen);
int registry_load(struct master *m);
int registry_save_agent(struct master *m, const struct master_agent *a);

/* agents.c */
struct master_agent *agent_new(struct master *m, const char *id);
void agent_set_state(struct master_agent *a, enum agent_state next, const char *why);
const char *agent_state_name(enum agent_state s);
void agent_free(struct master_agent *a);
double agent_timer_period(const struct master *m);
/* Seconds between the agent's pings, as told in SUBSCRIBED. */
double agent_ping_interval(const struct master *m);
json_t *agent_state_json(const struct master_agent *a);
json_t *master_info_json(const struct master *m);

/* agent_link.c */
void agent_link_challenge(struct http_req *r, void *arg);
void agent_link_subscribe(struct http_req *r, void *arg);
void agent_link_call(struct http_req *r, void *arg);
void agent_link_gc_nonces(struct master *m);

/* http_api.c */
int master_http_start(struct master *m, char *err, size_t errlen);

int master_main(int argc, char **argv);

#endif
