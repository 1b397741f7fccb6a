/*
 * jobs/engine — when and where jobs run: the heart of `agora jobs`.
 *
 * What it owns (all on the service's one loop):
 *   - one timer per scheduled job, armed at the schedule's next due time
 *     (no polling loop); a due job gets one queued run (per-job dedupe);
 *   - two FIFO run queues (highPriority first), served from offers;
 *   - the framework client (src/framework): offers → ACCEPT/LAUNCH of as
 *     many queued runs as fit, DECLINE otherwise; SUPPRESS when nothing
 *     is queued, REVIVE (once per loop turn) when something is;
 *   - runs in flight (task id → struct run) and their status updates:
 *     success and failure counters, retries after --failure_retry,
 *     disabling R1 jobs after success, dependency edges, history
 *     rows in the store;
 *   - pendingReason: one sentence per job saying why it is not running
 *     (no offer fits and what the largest offer had, refused by the
 *     master's ACL, agent lost, disabled, still running). Every answer
 *     about a job carries it (engine_pending_reason): what an event left
 *     in entry->pending_reason, else what the job waits for right now
 *     (its parents, its next due time), "" only while it runs.
 *
 * Invariants:
 *  1. A job has at most one queued run (entry->queued) and at most one
 *     pending retry (entry->retry_timer armed).
 *  2. The stored schedule advances when a run is launched (not queued),
 *     never for a retry of the same occurrence (Chronos 3; "Advancing at
 *     launch" in docs/chronos-api.md, which also has the retry and
 *     dependency rules this file keeps).
 *  3. Every change to a job's document is stored before the loop moves
 *     on; the API replies only after that (durable before acknowledged).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mesos.h"
#include "core/util.h"
#include "jobs/service.h"

static void enqueue(struct jobsvc *s, struct job_entry *e, const char *args, int64_t due_ms,
		    unsigned attempt, bool manual);
static void entry_arm(struct job_entry *e);

static int64_t now_ms(void)
{
	return (int64_t)(now_wall() * 1000.0);
}

static void set_reason(struct job_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_reason(struct job_entry *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->pending_reason, sizeof(e->pending_reason), fmt, ap);
	va_end(ap);
}

static void persist(struct jobsvc *s, struct job_entry *e)
{
	jstore_batch(s);
	if (jstore_put_job(s, e) < 0)
		log_error("jobs: cannot store job %s; its counters may be stale after a restart",
			  e->job->name);
}

/* ---- schedules and timers ---- */

int engine_parse_schedule(struct jobsvc *s, const struct job *job, struct schedule *out,
			  char *err, size_t errlen)
{
	char why[SCHEDULE_ERR_MAX];
	if (job->kind != JOB_SCHEDULED || !job->schedule)
		return -EINVAL;
	if (schedule_parse(job->schedule, job->schedule_time_zone, now_ms(), &s->tzdb, out, why,
			   sizeof(why)) < 0) {
		snprintf(err, errlen, "Cannot parse schedule '%s' (%s)", job->schedule, why);
		return -EINVAL;
	}
	if (out->start_ms < 1000) {
		snprintf(err, errlen, "Schedule start must be after 1970-01-01T00:00:01Z: '%s'",
			 job->schedule);
		return -EINVAL;
	}
	/* agora: a zero or tiny period would relaunch the job back to back (Chronos has no floor) */
	if (schedule_period_min_ms(&out->period) < s->flags.min_schedule_period) {
		char period[64];
		if (schedule_period_format(&out->period, period, sizeof(period)) < 0)
			str_copy(period, "?", sizeof(period));
		snprintf(err, errlen,
			 "schedule: period %s of '%s' is shorter than the minimum of %lld ms "
			 "(flag --min_schedule_period)",
			 period, job->schedule, (long long)s->flags.min_schedule_period);
		return -EINVAL;
	}
	return 0;
}

/*
 * Timers run on the monotonic (coarse) clock and schedules on the wall
 * clock, so a timer may fire a few milliseconds before its occurrence.
 * Sleeping again for those few milliseconds has been seen to cost ~100 ms
 * under load; within EARLY_SLACK_MS the run is queued at once. Either way
 * the run is stamped with its occurrence's time (the schedule's start), as
 * Chronos names a task after the time it was due, however late it fired:
 * the runs of one schedule are exactly one period apart.
 */
#define EARLY_SLACK_MS 10

static void on_due(evutil_socket_t fd, short what, void *arg)
{
	struct job_entry *e = arg;
	struct jobsvc *s = e->svc;
	int64_t now = now_ms(), due;
	(void)fd;
	(void)what;
	if (e->job->disabled || !e->sched_ok)
		return;
	if (schedule_is_due(&e->sched, now) ||
	    (schedule_next_due(&e->sched, &due) && due - now <= EARLY_SLACK_MS))
		enqueue(s, e, NULL, e->sched.start_ms, 0, false);
	else
		entry_arm(e); /* woke early (clock change): sleep again */
}

static void entry_arm(struct job_entry *e)
{
	int64_t due, delay;
	struct timeval tv;

	event_del(e->timer);
	if (e->job->kind != JOB_SCHEDULED || !e->sched_ok || e->job->disabled)
		return;
	if (!schedule_next_due(&e->sched, &due))
		return;
	delay = due - now_ms();
	if (delay < 0)
		delay = 0;
	if (delay > (int64_t)365 * 86400 * 1000)
		delay = (int64_t)365 * 86400 * 1000; /* re-checked when it fires */
	tv.tv_sec = (time_t)(delay / 1000);
	tv.tv_usec = (suseconds_t)((delay % 1000) * 1000);
	event_add(e->timer, &tv);
}

/*
 * The launch moved the occurrence forward: store the new schedule. A run of
 * occurrence due_ms (not a manual one) moves the schedule past that
 * occurrence even when it was queued a few ms early (EARLY_SLACK_MS), so the
 * timer is not armed for the same occurrence again.
 */
void engine_advance_schedule(struct jobsvc *s, struct job_entry *e, const struct queued_run *q,
			     int64_t now)
{
	struct schedule next;
	char text[SCHEDULE_FORMAT_MAX], err[SCHEDULE_ERR_MAX];
	int64_t after = now;

	if (e->job->kind != JOB_SCHEDULED || !e->sched_ok)
		return;
	if (!q->manual && q->due_ms == e->sched.start_ms && after <= q->due_ms)
		after = q->due_ms + 1;
	if (schedule_advance(&e->sched, after, &next, NULL, err, sizeof(err)) < 0 ||
	    schedule_format(&next, text, sizeof(text)) < 0) {
		log_warnx("jobs: job %s: schedule has no next occurrence (%s)", e->job->name, err);
		next = e->sched;
		next.repeat = 0;
		if (schedule_format(&next, text, sizeof(text)) < 0)
			return;
	}
	e->sched = next;
	job_make_scheduled(e->job, text, e->job->schedule_time_zone);
	persist(s, e);
	entry_arm(e);
}

/* ---- queue ---- */

static void revive_cb(evutil_socket_t fd, short what, void *arg);

static void want_offers(struct jobsvc *s)
{
	struct timeval zero = { 0, 0 };
	/* One REVIVE per loop turn, however many runs were queued in it. */
	if (s->revive_pending)
		return;
	s->revive_pending = true;
	event_base_once(s->base, -1, EV_TIMEOUT, revive_cb, s, &zero);
}

static void revive_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jobsvc *s = arg;
	(void)fd;
	(void)what;
	s->revive_pending = false;
	if (!s->fw || !s->subscribed || !s->queued_count)
		return;
	if (sched_revive(s->fw, NULL, 0, NULL, NULL) == 0)
		s->suppressed = false;
}

static void enqueue(struct jobsvc *s, struct job_entry *e, const char *args, int64_t due_ms,
		    unsigned attempt, bool manual)
{
	struct queued_run *q;

	if (e->queued)
		return; /* one queued run per job (Chronos dedupes the same way) */
	q = xcalloc(1, sizeof(*q));
	q->entry = e;
	q->args = args ? xstrdup(args) : NULL;
	q->due_ms = due_ms;
	q->attempt = attempt;
	q->manual = manual;
	q->high = e->job->high_priority;
	TAILQ_INSERT_TAIL(q->high ? &s->queue_high : &s->queue_normal, q, link);
	e->queued = q;
	s->queued_count++;
	if (!e->pending_reason[0] || !e->running)
		set_reason(e, "queued: waiting for an offer from the master");
	log_debug("jobs: job %s queued (attempt %u%s)", e->job->name, attempt,
		  manual ? ", manual" : "");
	want_offers(s);
}

static void unhold_run(struct jobsvc *s, struct queued_run *q);

static void dequeue(struct jobsvc *s, struct queued_run *q)
{
	unhold_run(s, q);
	TAILQ_REMOVE(q->high ? &s->queue_high : &s->queue_normal, q, link);
	q->entry->queued = NULL;
	s->queued_count--;
	free(q->args);
	free(q);
}

/* ---- launching ---- */

static void launch_run(struct jobsvc *s, struct queued_run *q, const struct mesos_offer *o,
		       json_t *task_info, json_t *batch)
{
	struct job_entry *e = q->entry;
	struct run *r = xcalloc(1, sizeof(*r));
	const char *tid = json_string_value(json_object_get(json_object_get(task_info, "task_id"),
							    "value"));

	r->entry = e;
	str_copy(r->task_id, tid ? tid : "", sizeof(r->task_id));
	str_copy(r->agent_id, o->agent_id, sizeof(r->agent_id));
	if (o->agent_port)
		snprintf(r->agent_url, sizeof(r->agent_url), "http://%s:%u", o->agent_host,
			 o->agent_port);
	str_copy(r->state, mesos_task_state_name(TASK_STAGING), sizeof(r->state));
	r->attempt = q->attempt;
	r->due_ms = q->due_ms;
	r->started = now_wall();
	jstore_batch(s);
	r->run_id = jstore_run_begin(s, r, e->job->name);
	{
		/*
		 * The agent's /files API serves a run's sandbox under this virtual
		 * path (Mesos' layout), so the path is known at launch without
		 * asking the agent.
		 */
		char sandbox[700];
		snprintf(sandbox, sizeof(sandbox), "/frameworks/%s/executors/%s/runs/latest",
			 s->framework_id, r->task_id);
		jstore_run_set_sandbox(s, r->run_id, sandbox);
	}
	map_put(&s->runs, r->task_id, r);
	e->running++;
	str_copy(e->last_task_id, r->task_id, sizeof(e->last_task_id));
	e->pending_reason[0] = '\0';
	json_array_append_new(batch, task_info);
	log_info("jobs: launching %s (job %s, attempt %u) on agent %s", r->task_id, e->job->name,
		 q->attempt, o->agent_id);
	/* A scheduled (or manual) run moves the schedule; a retry does not. */
	if (q->attempt == 0)
		engine_advance_schedule(s, e, q, now_ms());
}

static void why_no_fit(struct jobsvc *s, struct job_entry *e, const struct resources *need)
{
	static const char *const names[] = { "cpus", "mem", "disk", "gpus" };
	char want[256], largest[256];
	const char *short_of = NULL;

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (res_scalar(need, names[i]) > res_scalar(&s->largest_offer, names[i])) {
			short_of = names[i];
			break;
		}
	res_to_text(need, want, sizeof(want));
	snprintf(largest, sizeof(largest), "cpus:%g;mem:%g;disk:%g;gpus:%g",
		 res_scalar(&s->largest_offer, "cpus"), res_scalar(&s->largest_offer, "mem"),
		 res_scalar(&s->largest_offer, "disk"), res_scalar(&s->largest_offer, "gpus"));
	if (short_of)
		set_reason(e, "no offer fits: needs %s, largest free offer has %s:%g (%s)", want,
			   short_of, res_scalar(&s->largest_offer, short_of), largest);
	else
		set_reason(e, "no offer fits: needs %s in one offer (largest: %s)", want, largest);
}

/* Tries one queued run against the offer; true when it was launched. */
static bool try_run(struct jobsvc *s, struct queued_run *q, const struct mesos_offer *o,
		    struct resources *left, json_t *batch)
{
	struct job_entry *e = q->entry;
	struct resources need = RESOURCES_EMPTY;
	json_t *ti = NULL;
	struct jerr je;
	bool fit;

	job_resources(e->job, &need);
	fit = res_contains(left, &need);
	if (!fit) {
		why_no_fit(s, e, &need);
	} else if (!job_offer_matches_constraints(e->job, o)) {
		set_reason(e, "no offer matches the job's constraints (last tried agent %s)",
			   o->hostname ? o->hostname : o->agent_id);
		fit = false;
	} else if (job_task_info(e->job, o, q->due_ms, q->attempt, q->args, &ti, &je) < 0) {
		set_reason(e, "cannot build the task: %s", je.msg);
		fit = false;
	} else {
		res_subtract(left, &need);
		launch_run(s, q, o, ti, batch);
	}
	res_free(&need);
	return fit;
}

/* Drops queued runs that must not run now; true when q was dropped. */
static bool drop_if_blocked(struct jobsvc *s, struct queued_run *q)
{
	struct job_entry *e = q->entry;
	if (e->job->disabled) {
		set_reason(e, "disabled: the queued run was dropped");
		dequeue(s, q);
		return true;
	}
	if (!e->job->concurrent && e->running > 0) {
		set_reason(e, "still running (concurrent is false): the queued run was dropped");
		dequeue(s, q);
		return true;
	}
	return false;
}

/*
 * An offer is served over several loop turns, at most SERVE_SLICE seconds
 * of launching a turn, and answered with one ACCEPT at the end: building
 * TaskInfos for a thousand due jobs in one callback would hold up the
 * timers of the jobs still becoming due (fire lateness), while answering
 * each slice with its own ACCEPT would cost a master round trip per slice.
 */
#define SERVE_SLICE 0.005
/*
 * And at most this many TaskInfos go into one ACCEPT: one huge ACCEPT is
 * one long stall to build, send and (in the master) apply. What is left of
 * the offer then goes back with no filter, so the master offers it again.
 */
#define ACCEPT_MAX 256

struct held_offer {
	TAILQ_ENTRY(held_offer) link;
	json_t *json;		/* the Offer, kept alive for parsed's pointers */
	struct mesos_offer parsed;
	struct resources left;
	json_t *batch;		/* TaskInfos launched from it so far */
	bool capped;		/* stopped at ACCEPT_MAX: decline the rest unfiltered */
	struct run_queue *queue; /* where serving resumes */
	struct queued_run *next;
};

static void on_update(struct sched *fw, const struct mesos_task_status *st, void *arg);

/*
 * Runs taken from an offer whose ACCEPT never reached the master (offer
 * rescinded while being served, connection lost, call refused) would wait
 * forever for updates: they are ended here as TASK_LOST, so retries and
 * the job's state move on.
 */
static void fail_batch(struct jobsvc *s, const json_t *batch, const char *why)
{
	size_t i;
	json_t *ti;
	json_array_foreach(batch, i, ti) {
		struct mesos_task_status st;
		memset(&st, 0, sizeof(st));
		st.task_id = json_string_value(json_object_get(json_object_get(ti, "task_id"),
							       "value"));
		if (!st.task_id)
			continue;
		st.state = TASK_LOST;
		st.reason = "REASON_INVALID_OFFERS";
		st.message = why;
		st.source = "SOURCE_MASTER";
		on_update(s->fw, &st, s);
	}
}

struct accept_ctx {
	struct jobsvc *s;
	json_t *batch; /* a copy of the TaskInfos sent */
};

static void on_accept_reply(struct sched *fw, int status, const char *body, void *arg)
{
	struct accept_ctx *c = arg;
	(void)fw;
	if (status != 202) {
		char why[400];
		snprintf(why, sizeof(why), "the launch did not reach the master (%d: %.300s)",
			 status, body && *body ? body : "no answer");
		log_warnx("jobs: %s", why);
		fail_batch(c->s, c->batch, why);
	}
	json_decref(c->batch);
	free(c);
}

static void answer_offer(struct jobsvc *s, struct held_offer *h)
{
	if (json_array_size(h->batch)) {
		struct accept_ctx *c = xcalloc(1, sizeof(*c));
		c->s = s;
		c->batch = json_incref(h->batch);
		if (sched_launch(s->fw, h->parsed.id, h->batch,
				 h->capped ? 0 : s->flags.offer_refuse_seconds, on_accept_reply,
				 c) < 0) {
			fail_batch(s, c->batch, "the launch could not be sent to the master");
			json_decref(c->batch);
			free(c);
		}
		h->batch = NULL;
	} else {
		sched_decline(s->fw, &h->parsed.id, 1,
			      s->queued_count ? s->flags.offer_refuse_seconds : 3600, NULL, NULL);
	}
	json_decref(h->batch);
	res_free(&h->left);
	mesos_offer_free(&h->parsed);
	json_decref(h->json);
	free(h);
}

/*
 * Serves queued runs from h until the time slice ends (at least one launch
 * a turn). Returns true when the offer is done (nothing left to try on
 * it), false when the slice ran out first.
 */
static bool serve_offer(struct jobsvc *s, struct held_offer *h, double deadline)
{
	for (;;) {
		struct queued_run *q = h->next;
		if (!q) {
			if (h->queue == &s->queue_normal)
				return true;
			h->queue = &s->queue_normal;
			h->next = TAILQ_FIRST(h->queue);
			continue;
		}
		if (json_array_size(h->batch) >= ACCEPT_MAX) {
			h->capped = true;
			return true;
		}
		if (now_mono() > deadline)
			return false;
		h->next = TAILQ_NEXT(q, link);
		if (drop_if_blocked(s, q))
			continue;
		if (try_run(s, q, &h->parsed, &h->left, h->batch))
			dequeue(s, q);
	}
}

static void serve_held(evutil_socket_t fd, short what, void *arg);

static void schedule_serving(struct jobsvc *s)
{
	struct timeval zero = { 0, 0 };
	if (!s->serving_scheduled && !TAILQ_EMPTY(&s->held)) {
		s->serving_scheduled = true;
		event_base_once(s->base, -1, EV_TIMEOUT, serve_held, s, &zero);
	}
}

static void serve_held(evutil_socket_t fd, short what, void *arg)
{
	struct jobsvc *s = arg;
	double deadline = now_mono() + SERVE_SLICE;
	struct held_offer *h;
	(void)fd;
	(void)what;

	s->serving_scheduled = false;
	while ((h = TAILQ_FIRST(&s->held))) {
		if (!serve_offer(s, h, deadline))
			break; /* the next turn goes on where this one stopped */
		TAILQ_REMOVE(&s->held, h, link);
		answer_offer(s, h);
	}
	schedule_serving(s);
	if (TAILQ_EMPTY(&s->held) && !s->queued_count && !s->suppressed &&
	    sched_suppress(s->fw, NULL, 0, NULL, NULL) == 0)
		s->suppressed = true;
}

/* A queued run went away: an offer being served must not resume at it. */
static void unhold_run(struct jobsvc *s, struct queued_run *q)
{
	struct held_offer *h;
	TAILQ_FOREACH(h, &s->held, link)
		if (h->next == q)
			h->next = TAILQ_NEXT(q, link);
}

/* The offers were rescinded or the stream is gone: forget them unanswered. */
static void drop_held(struct jobsvc *s, const char *offer_id)
{
	struct held_offer *h = TAILQ_FIRST(&s->held), *next;
	for (; h; h = next) {
		next = TAILQ_NEXT(h, link);
		if (offer_id && strcmp(h->parsed.id, offer_id))
			continue;
		TAILQ_REMOVE(&s->held, h, link);
		fail_batch(s, h->batch, "the offer went away before the launch was sent");
		json_decref(h->batch);
		res_free(&h->left);
		mesos_offer_free(&h->parsed);
		json_decref(h->json);
		free(h);
	}
}

static void track_largest(struct jobsvc *s, const struct mesos_offer *o)
{
	static const char *const names[] = { "cpus", "mem", "disk", "gpus" };
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		double v = res_scalar(&o->resources, names[i]);
		if (v > res_scalar(&s->largest_offer, names[i]))
			res_set_scalar(&s->largest_offer, names[i], v);
	}
}

static void on_offers(struct sched *fw, const struct mesos_offer *offers, size_t n, void *arg)
{
	struct jobsvc *s = arg;
	(void)fw;

	/* "largest offer" describes the latest batch of offers */
	res_free(&s->largest_offer);
	s->offers_seen++;
	for (size_t i = 0; i < n; i++) {
		struct held_offer *h = xcalloc(1, sizeof(*h));
		/* keep the offer: its JSON (the strings point into it) and resources */
		h->json = json_incref((json_t *)offers[i].json);
		h->parsed = offers[i];
		h->parsed.resources = RESOURCES_EMPTY;
		res_copy(&h->parsed.resources, &offers[i].resources);
		track_largest(s, &h->parsed);
		res_copy(&h->left, &h->parsed.resources);
		h->batch = json_array();
		h->queue = &s->queue_high;
		h->next = TAILQ_FIRST(h->queue);
		TAILQ_INSERT_TAIL(&s->held, h, link);
	}
	schedule_serving(s);
}

static void on_rescind(struct sched *fw, const char *offer_id, void *arg)
{
	(void)fw;
	drop_held(arg, offer_id);
}
/* ---- outcomes ---- */

static void now_iso(char *buf, size_t size)
{
	if (schedule_time_format(now_ms(), buf, size) < 0)
		str_copy(buf, "", size);
}

static void fire_children(struct jobsvc *s, struct job_entry *parent);

static void on_success(struct jobsvc *s, struct job_entry *e)
{
	char iso[SCHEDULE_TIME_MAX];
	now_iso(iso, sizeof(iso));
	e->job->success_count++;
	e->job->errors_since_last_success = 0;
	job_set_str(&e->job->last_success, iso);
	e->pending_reason[0] = '\0';
	if (e->job->kind == JOB_SCHEDULED && e->sched_ok && e->sched.repeat == 0)
		e->job->disabled = true; /* R1 job: ran once, done */
	json_object_clear(e->edges);
	persist(s, e);
	entry_arm(e);
	fire_children(s, e);
}

static bool retry(struct jobsvc *s, struct job_entry *e, const struct run *r, const char *args);

static void on_failure(struct jobsvc *s, struct job_entry *e, const struct run *r,
		       enum mesos_task_state state, const char *message, const char *reason)
{
	char iso[SCHEDULE_TIME_MAX];

	if (reason && !strcmp(reason, "REASON_TASK_UNAUTHORIZED"))
		set_reason(e, "refused by the master: %s", message ? message : "not authorized");
	else if (state == TASK_LOST || (reason && strstr(reason, "AGENT")))
		set_reason(e, "last run lost (%s): %s", reason ? reason : mesos_task_state_name(state),
			   message ? message : "");
	else
		set_reason(e, "last run ended %s: %s", mesos_task_state_name(state), message ? message : "");
	if (retry(s, e, r, NULL))
		return;
	now_iso(iso, sizeof(iso));
	e->job->error_count++;
	e->job->errors_since_last_success++;
	job_set_str(&e->job->last_error, iso);
	if (s->flags.disable_after_failures > 0 &&
	    e->job->errors_since_last_success >= s->flags.disable_after_failures) {
		e->job->disabled = true;
		log_warnx("jobs: job %s disabled after %lld failures in a row", e->job->name,
			  (long long)e->job->errors_since_last_success);
	}
	persist(s, e);
	if (e->job->soft_error)
		fire_children(s, e);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct job_entry *e = arg;
	(void)fd;
	(void)what;
	enqueue(e->svc, e, e->retry_args, e->retry_due_ms, e->retry_attempt, false);
	free(e->retry_args);
	e->retry_args = NULL;
}

/* Retry when attempts are left and the last final outcome was not an error. */
static bool retry(struct jobsvc *s, struct job_entry *e, const struct run *r, const char *args)
{
	struct timeval tv;
	bool last_ok = !e->job->last_error || !e->job->last_error[0] ||
		       (e->job->last_success && strcmp(e->job->last_success, e->job->last_error) >= 0);

	if ((int64_t)r->attempt >= e->job->retries || !last_ok || e->job->disabled)
		return false;
	if (event_pending(e->retry_timer, EV_TIMEOUT, NULL))
		return true;
	e->retry_attempt = r->attempt + 1;
	e->retry_due_ms = r->due_ms;
	free(e->retry_args);
	e->retry_args = args ? xstrdup(args) : NULL;
	tv.tv_sec = (time_t)(s->flags.failure_retry / 1000);
	tv.tv_usec = (suseconds_t)((s->flags.failure_retry % 1000) * 1000);
	event_add(e->retry_timer, &tv);
	log_info("jobs: job %s failed (attempt %u); retrying in %lld ms", e->job->name, r->attempt,
		 (long long)s->flags.failure_retry);
	return true;
}

/* The parents of a dependent job with the fewest successes since it last started. */
static void parents_behind(const struct job_entry *c, char *out, size_t size)
{
	json_int_t min = -1;

	out[0] = '\0';
	for (size_t p = 0; p < c->job->parents.n; p++) {
		json_int_t v = json_integer_value(json_object_get(c->edges, c->job->parents.v[p]));
		if (min < 0 || v < min)
			min = v;
	}
	for (size_t p = 0; p < c->job->parents.n; p++) {
		if (json_integer_value(json_object_get(c->edges, c->job->parents.v[p])) != min)
			continue;
		if (out[0])
			str_append(out, ", ", size);
		str_append(out, c->job->parents.v[p], size);
	}
}

/* Each parent→child edge counts the parent's successes since the child started. */
static void fire_children(struct jobsvc *s, struct job_entry *parent)
{
	struct job_entry *kids[256];
	size_t n = graph_children(s, parent->job->name, kids, ARRAY_LEN(kids));

	for (size_t i = 0; i < n && i < ARRAY_LEN(kids); i++) {
		struct job_entry *c = kids[i];
		json_int_t mine, min = -1;
		if (c->job->disabled)
			continue;
		mine = json_integer_value(json_object_get(c->edges, parent->job->name)) + 1;
		json_object_set_new(c->edges, parent->job->name, json_integer(mine));
		for (size_t p = 0; p < c->job->parents.n; p++) {
			json_int_t v = json_integer_value(json_object_get(c->edges,
									  c->job->parents.v[p]));
			if (min < 0 || v < min)
				min = v;
		}
		persist(s, c);
		if (mine == min) {
			enqueue(s, c, NULL, now_ms(), 0, false);
		} else {
			char names[512];
			parents_behind(c, names, sizeof(names));
			set_reason(c, "waiting for the other parents to succeed: %s", names);
		}
	}
}

/* ---- status updates ---- */

static int exit_status_of(const char *message)
{
	const char *p = message ? strstr(message, "exited with status ") : NULL;
	int64_t v;
	char buf[16];
	size_t i = 0;
	if (!p)
		return -1;
	p += strlen("exited with status ");
	while (p[i] >= '0' && p[i] <= '9' && i + 1 < sizeof(buf)) {
		buf[i] = p[i];
		i++;
	}
	buf[i] = '\0';
	return parse_int64(buf, &v) == 0 ? (int)v : -1;
}

static void run_free(struct run *r)
{
	free(r);
}

void engine_task_update(struct jobsvc *s, const struct mesos_task_status *st)
{
	struct run *r = map_get(&s->runs, st->task_id);
	struct job_entry *e;
	bool terminal = mesos_task_state_terminal(st->state);
	const char *state = mesos_task_state_name(st->state);

	if (!r) {
		if (!terminal)
			log_info("jobs: update %s for unknown task %s", state, st->task_id);
		if (st->uuid && st->agent_id && s->fw)
			sched_acknowledge(s->fw, st->agent_id, st->task_id, st->uuid, NULL, NULL);
		return;
	}
	e = r->entry;
	jstore_batch(s);
	if (st->uuid) {
		/* acknowledged once the batch holding this update has committed */
		if (!s->pending_acks)
			s->pending_acks = json_array();
		json_array_append_new(s->pending_acks,
				       json_pack("[s,s,s]", st->agent_id ? st->agent_id : r->agent_id,
						 st->task_id, st->uuid));
	}
	str_copy(r->state, state, sizeof(r->state));
	if (st->agent_id)
		str_copy(r->agent_id, st->agent_id, sizeof(r->agent_id));
	jstore_run_update(s, r, state, terminal ? exit_status_of(st->message) : -1, st->message,
			 NULL, terminal);
	if (!terminal) {
		if (st->state == TASK_RUNNING) {
			if (e && json_object_size(e->edges)) {
				json_object_clear(e->edges); /* the child started: counts restart */
				persist(s, e);
			}
		}
		return;
	}
	map_del(&s->runs, r->task_id);
	if (e) {
		e->running--;
		if (st->state == TASK_FINISHED)
			on_success(s, e);
		else if (st->state == TASK_KILLED)
			set_reason(e, "last run was killed");
		else
			on_failure(s, e, r, st->state, st->message, st->reason);
		jstore_prune_runs(s, e->job->name, (int)s->flags.max_runs_per_job);
	}
	run_free(r);
}

static void on_update(struct sched *fw, const struct mesos_task_status *st, void *arg)
{
	(void)fw;
	engine_task_update(arg, st);
}

/* ---- framework life ---- */

static int readopt_run(struct jobsvc *s, const char *job, const char *task_id, const char *agent_id,
		       const char *agent_url, int64_t run_id, unsigned attempt, int64_t due_ms)
{
	struct job_entry *e = map_get(&s->jobs, job);
	struct run *r = xcalloc(1, sizeof(*r));
	r->entry = e;
	str_copy(r->task_id, task_id, sizeof(r->task_id));
	str_copy(r->agent_id, agent_id ? agent_id : "", sizeof(r->agent_id));
	str_copy(r->agent_url, agent_url ? agent_url : "", sizeof(r->agent_url));
	str_copy(r->state, mesos_task_state_name(TASK_STAGING), sizeof(r->state));
	r->run_id = run_id;
	r->attempt = attempt;
	r->due_ms = due_ms;
	r->started = now_wall();
	if (map_put(&s->runs, r->task_id, r))
		log_warnx("jobs: duplicate open run for task %s", task_id);
	if (e)
		e->running++;
	return 0;
}

static void reconcile_runs(struct jobsvc *s)
{
	size_t n = map_count(&s->runs), i = 0;
	const char **ids, **agents;
	struct map_iter it;
	void *v;

	if (!n)
		return;
	ids = xcalloc(n, sizeof(*ids));
	agents = xcalloc(n, sizeof(*agents));
	map_iter_init(&it, &s->runs);
	while (map_iter_next(&it, NULL, &v) && i < n) {
		struct run *r = v;
		ids[i] = r->task_id;
		agents[i] = r->agent_id[0] ? r->agent_id : NULL;
		i++;
	}
	log_info("jobs: reconciling %zu run(s) with the master", n);
	sched_reconcile(s->fw, ids, agents, i, NULL, NULL);
	free(ids);
	free(agents);
}

static void on_subscribed(struct sched *fw, const char *framework_id, bool resubscribed,
			  void *arg)
{
	struct jobsvc *s = arg;
	(void)fw;
	s->subscribed = true;
	s->suppressed = false;
	if (strcmp(s->framework_id, framework_id)) {
		str_copy(s->framework_id, framework_id, sizeof(s->framework_id));
		if (jstore_set_meta(s, "framework_id", framework_id) < 0)
			log_error("jobs: cannot store the framework id");
	}
	log_info("jobs: %s with the master as framework %s",
		 resubscribed ? "resubscribed" : "subscribed", framework_id);
	reconcile_runs(s);
	/*
	 * The SUBSCRIBE carried only what this process suppressed, so the master's
	 * view may be stale either way: state it. Runs that came due while we were
	 * away (or before this subscription) were queued without a REVIVE.
	 */
	if (s->queued_count)
		want_offers(s);
	else if (sched_suppress(s->fw, NULL, 0, NULL, NULL) == 0)
		s->suppressed = true;
}

static void on_disconnected(struct sched *fw, const char *why, void *arg)
{
	struct jobsvc *s = arg;
	(void)fw;
	s->subscribed = false;
	drop_held(s, NULL);
	log_warnx("jobs: lost the master: %s", why);
}

static void on_error(struct sched *fw, enum sched_error_kind kind, int http_status,
		     const char *message, void *arg)
{
	struct jobsvc *s = arg;
	(void)fw;
	(void)s;
	log_error("jobs: framework %s (HTTP %d): %s",
		  kind == SCHED_ERR_AUTH ? "authentication refused by the master" : "error",
		  http_status, message);
}

int engine_start(struct jobsvc *s, char *err, size_t errlen)
{
	static const struct sched_callbacks cb = {
		.subscribed = on_subscribed,
		.offers = on_offers,
		.rescind = on_rescind,
		.update = on_update,
		.error = on_error,
		.disconnected = on_disconnected,
	};
	struct sched_config cfg;
	json_t *info;
	char fid[256] = "";
	int r;

	if (jstore_get_meta(s, "framework_id", fid, sizeof(fid)) == 0)
		str_copy(s->framework_id, fid, sizeof(s->framework_id));
	jstore_open_runs(s, readopt_run);
	info = json_pack("{s:s, s:s, s:f, s:b, s:[s], s:[{s:s}]}", "user", s->flags.user, "name",
			 s->flags.mesos_framework_name, "failover_timeout",
			 s->flags.failover_timeout, "checkpoint", s->flags.mesos_checkpoint,
			 "roles", s->flags.mesos_role, "capabilities", "type", "MULTI_ROLE");
	if (s->flags.enable_features && strstr(s->flags.enable_features, "gpu_resources"))
		json_array_append_new(json_object_get(info, "capabilities"),
				      json_pack("{s:s}", "type", "GPU_RESOURCES"));
	if (s->flags.hostname)
		json_object_set_new(info, "hostname", json_string(s->flags.hostname));
	if (s->flags.mesos_authentication_principal)
		json_object_set_new(info, "principal",
				    json_string(s->flags.mesos_authentication_principal));
	if (fid[0])
		json_object_set_new(info, "id", json_id(fid));
	memset(&cfg, 0, sizeof(cfg));
	cfg.manual_ack = true; /* acks follow the commit of what they acknowledge */
	cfg.master = s->flags.master;
	cfg.principal = s->flags.mesos_authentication_principal;
	cfg.secret = s->mesos_secret;
	cfg.framework_info = info;
	r = sched_new(s->base, &cfg, &cb, s, &s->fw, err, errlen);
	json_decref(info);
	if (r < 0)
		return r;
	sched_start(s->fw);
	return 0;
}

void engine_stop(struct jobsvc *s)
{
	struct map_iter it;
	void *v;
	drop_held(s, NULL);
	jstore_flush(s);
	json_decref(s->pending_acks);
	s->pending_acks = NULL;
	if (s->fw)
		sched_free(s->fw);
	s->fw = NULL;
	map_iter_init(&it, &s->runs);
	while (map_iter_next(&it, NULL, &v))
		run_free(v);
	map_clear(&s->runs);
	res_free(&s->largest_offer);
}

/* ---- entries ---- */

struct job_entry *engine_add_entry(struct jobsvc *s, struct job *job)
{
	struct job_entry *e = xcalloc(1, sizeof(*e));
	e->svc = s;
	e->job = job;
	e->edges = json_object();
	e->timer = event_new(s->base, -1, 0, on_due, e);
	e->retry_timer = event_new(s->base, -1, 0, on_retry, e);
	map_put(&s->jobs, job->name, e);
	engine_job_changed(s, e);
	return e;
}

void engine_job_changed(struct jobsvc *s, struct job_entry *e)
{
	char err[512];
	e->sched_ok = e->job->kind == JOB_SCHEDULED &&
		      engine_parse_schedule(s, e->job, &e->sched, err, sizeof(err)) == 0;
	if (e->job->kind == JOB_SCHEDULED && !e->sched_ok)
		set_reason(e, "%s", err);
	/* edges of parents the job no longer has are dropped */
	if (e->job->kind == JOB_DEPENDENT) {
		const char *key;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(e->edges, tmp, key, v) {
			bool keep = false;
			for (size_t i = 0; i < e->job->parents.n; i++)
				keep |= !strcmp(e->job->parents.v[i], key);
			if (!keep)
				json_object_del(e->edges, key);
		}
	} else {
		json_object_clear(e->edges);
	}
	entry_arm(e);
}

void engine_entry_free(struct job_entry *e)
{
	if (!e)
		return;
	event_free(e->timer);
	event_free(e->retry_timer);
	free(e->retry_args);
	json_decref(e->edges);
	job_free(e->job);
	free(e);
}

void engine_remove_entry(struct jobsvc *s, struct job_entry *e)
{
	struct map_iter it;
	void *v;
	engine_kill_job(s, e);
	if (e->queued)
		dequeue(s, e->queued);
	map_iter_init(&it, &s->runs);
	while (map_iter_next(&it, NULL, &v))
		if (((struct run *)v)->entry == e)
			((struct run *)v)->entry = NULL;
	map_del(&s->jobs, e->job->name);
	engine_entry_free(e);
}

void engine_run_now(struct jobsvc *s, struct job_entry *e, const char *args)
{
	enqueue(s, e, args, now_ms(), 0, true);
}

int engine_kill_job(struct jobsvc *s, struct job_entry *e)
{
	struct map_iter it;
	void *v;
	int n = 0;
	map_iter_init(&it, &s->runs);
	while (map_iter_next(&it, NULL, &v)) {
		struct run *r = v;
		if (r->entry != e || !s->fw)
			continue;
		if (sched_kill(s->fw, r->task_id, r->agent_id[0] ? r->agent_id : NULL, -1, NULL,
			       NULL) == 0)
			n++;
	}
	return n;
}

void engine_mark_success(struct jobsvc *s, struct job_entry *e)
{
	on_success(s, e);
}

void engine_job_state(const struct job_entry *e, char *buf, size_t size)
{
	if (e->running > 1)
		snprintf(buf, size, "%d running", e->running);
	else if (e->running == 1)
		snprintf(buf, size, "running");
	else if (e->queued)
		snprintf(buf, size, "queued");
	else
		snprintf(buf, size, "idle");
}

const char *engine_job_status(const struct job_entry *e)
{
	const char *ok = e->job->last_success, *bad = e->job->last_error;
	if ((!ok || !*ok) && (!bad || !*bad))
		return "fresh";
	if (!bad || !*bad)
		return "success";
	if (!ok || !*ok)
		return "failure";
	return strcmp(ok, bad) >= 0 ? "success" : "failure";
}

void engine_pending_reason(const struct job_entry *e, char *buf, size_t size)
{
	char when[SCHEDULE_TIME_MAX], names[512];
	int64_t due;

	if (e->pending_reason[0]) {
		str_copy(buf, e->pending_reason, size);
	} else if (e->running > 0) {
		str_copy(buf, "", size); /* not waiting */
	} else if (e->job->disabled) {
		str_copy(buf, "disabled", size);
	} else if (e->queued) {
		str_copy(buf, "queued: waiting for an offer from the master", size);
	} else if (event_pending(e->retry_timer, EV_TIMEOUT, NULL)) {
		snprintf(buf, size, "the last run failed; attempt %u starts after --failure_retry",
			 e->retry_attempt);
	} else if (e->job->kind == JOB_DEPENDENT) {
		parents_behind(e, names, sizeof(names));
		snprintf(buf, size, "waiting for its parents to succeed: %s", names);
	} else if (!e->sched_ok) {
		str_copy(buf, "its schedule cannot be used; replace the job", size);
	} else if (schedule_next_due(&e->sched, &due) &&
		   schedule_time_format(due, when, sizeof(when)) == 0) {
		snprintf(buf, size, "waiting for its next scheduled run at %s", when);
	} else {
		str_copy(buf, "its schedule has no further runs", size);
	}
}

json_t *engine_job_json(const struct job_entry *e, bool listing)
{
	json_t *o = listing ? job_to_listing_json(e->job) : job_to_json(e->job);
	char reason[sizeof(e->pending_reason)];

	engine_pending_reason(e, reason, sizeof(reason));
	json_object_set_new(o, "pendingReason", json_string(reason));
	return o;
}
