/*
 * Unit tests for the jobs engine's timers and dependency logic
 * (src/jobs/engine.c, docs/chronos-api.md): when a scheduled job becomes
 * due and which occurrence its run is stamped with, one queued run per job,
 * parents firing children (one parent, several, disabled children), and
 * retries and failure counting after a run's TaskStatus.
 *
 * A real struct jobsvc with a real SQLite store in a private directory and
 * no framework client (nothing is sent; runs are put in s->runs by hand as
 * a launch would). Schedules lie far in the past or far in the future, so
 * no assertion depends on how fast the machine is: an overdue job is due
 * now, a job in 2999 is not; a retry timer is waited for as an event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/store.h"
#include "core/util.h"
#include "jobs/service.h"

#define T2020 1577836800000LL /* 2020-01-01T00:00:00Z in ms */

struct fixture {
	struct jobsvc s;
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct jobsvc *s = &f->s;
	char err[256];

	str_copy(f->dir, "/tmp/agora-unit-engine-XXXXXX", sizeof(f->dir));
	if (!mkdtemp(f->dir))
		return -1;
	map_init(&s->jobs);
	map_init(&s->runs);
	TAILQ_INIT(&s->queue_high);
	TAILQ_INIT(&s->queue_normal);
	TAILQ_INIT(&s->held);
	s->base = event_base_new();
	s->flags.work_dir = f->dir;
	s->flags.failure_retry = 1; /* ms: the retry timer is waited for, not timed */
	s->flags.max_runs_per_job = 10;
	s->defaults = (struct job_defaults)JOB_DEFAULTS_INIT;
	schedule_tzdb_init(&s->tzdb, NULL);
	if (jstore_jobs_open(s, err, sizeof(err)) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct jobsvc *s = &f->s;
	struct map_iter it;
	void *v;

	map_iter_init(&it, &s->jobs);
	while (map_iter_next(&it, NULL, &v)) {
		map_iter_remove(&it);
		((struct job_entry *)v)->queued = NULL; /* the queue goes below */
		engine_entry_free(v);
	}
	map_clear(&s->jobs);
	while (!TAILQ_EMPTY(&s->queue_high) || !TAILQ_EMPTY(&s->queue_normal)) {
		struct queued_run *q = TAILQ_EMPTY(&s->queue_high) ? TAILQ_FIRST(&s->queue_normal)
								   : TAILQ_FIRST(&s->queue_high);
		TAILQ_REMOVE(q->high ? &s->queue_high : &s->queue_normal, q, link);
		free(q->args);
		free(q);
	}
	map_iter_init(&it, &s->runs);
	while (map_iter_next(&it, NULL, &v))
		free(v);
	map_clear(&s->runs);
	jstore_flush(s);
	json_decref(s->pending_acks);
	store_close(s->db);
	schedule_tzdb_free(&s->tzdb);
	event_base_loop(s->base, EVLOOP_NONBLOCK);
	event_base_free(s->base);
	remove_tree(f->dir);
	free(f);
	return 0;
}

static struct job_entry *add(struct jobsvc *s, const char *doc)
{
	struct job *job = NULL;
	struct jerr je;

	if (job_parse(doc, strlen(doc), &s->defaults, T2020, &job, &je) < 0)
		fail_msg("job_parse: %s", je.msg);
	return engine_add_entry(s, job);
}

/* Runs what is due now (zero timeouts: an overdue job's timer, the store's batch). */
static void settle(struct jobsvc *s)
{
	for (int i = 0; i < 4; i++)
		event_base_loop(s->base, EVLOOP_NONBLOCK);
}

/* A launched run of e, as launch_run() records one. */
static struct run *run_of(struct jobsvc *s, struct job_entry *e, unsigned attempt, int64_t due_ms)
{
	struct run *r = xcalloc(1, sizeof(*r));

	r->entry = e;
	r->attempt = attempt;
	r->due_ms = due_ms;
	snprintf(r->task_id, sizeof(r->task_id), "ct:%lld:%u:%s:", (long long)due_ms, attempt,
		 e->job->name);
	str_copy(r->agent_id, "S0", sizeof(r->agent_id));
	map_put(&s->runs, r->task_id, r);
	e->running++;
	return r;
}

static void update(struct jobsvc *s, const struct run *r, enum mesos_task_state state,
		   const char *message)
{
	struct mesos_task_status st;
	char task_id[256];

	str_copy(task_id, r->task_id, sizeof(task_id)); /* r is freed at a terminal state */
	memset(&st, 0, sizeof(st));
	st.task_id = task_id;
	st.state = state;
	st.agent_id = "S0";
	st.message = message;
	engine_task_update(s, &st);
}

/* ---- timers and due times ---- */

static void test_an_overdue_job_is_queued_for_its_occurrence(void **state)
{
	struct fixture *f = *state;
	struct jobsvc *s = &f->s;
	struct job_entry *e =
		add(s, "{\"name\":\"late\",\"command\":\"true\",\"schedule\":\"R3/2020-01-01T00:00:00Z/PT1H\"}");
	struct queued_run *first;

	settle(s);
	assert_non_null(e->queued);
	/* stamped with the occurrence it runs for, not with when the timer fired */
	assert_int_equal(e->queued->due_ms, T2020);
	assert_int_equal(e->queued->attempt, 0);
	assert_false(e->queued->manual);
	assert_int_equal(s->queued_count, 1);
	/* one queued run per job: a manual run and more loop turns add none */
	first = e->queued;
	engine_run_now(s, e, "x");
	settle(s);
	assert_ptr_equal(e->queued, first);
	assert_int_equal(s->queued_count, 1);
}

static void test_a_future_job_waits_on_its_timer(void **state)
{
	struct fixture *f = *state;
	struct jobsvc *s = &f->s;
	struct job_entry *future = add(s, "{\"name\":\"future\",\"command\":\"true\","
					  "\"schedule\":\"R/2999-01-01T00:00:00Z/P1D\"}");
	struct job_entry *r0 = add(s, "{\"name\":\"never\",\"command\":\"true\","
				      "\"schedule\":\"R0/2020-01-01T00:00:00Z/P1D\"}");
	struct job_entry *off = add(s, "{\"name\":\"off\",\"command\":\"true\",\"disabled\":true,"
				       "\"schedule\":\"R/2020-01-01T00:00:00Z/P1D\"}");
	int64_t due;

	settle(s);
	assert_true(schedule_next_due(&future->sched, &due));
	assert_true(due > T2020);
	assert_true(event_pending(future->timer, EV_TIMEOUT, NULL));
	assert_null(future->queued);
	/* R0 is never due by itself; a disabled job is not armed */
	assert_false(event_pending(r0->timer, EV_TIMEOUT, NULL));
	assert_null(r0->queued);
	assert_false(event_pending(off->timer, EV_TIMEOUT, NULL));
	assert_null(off->queued);
	/* a manual run ignores the schedule but keeps its arguments */
	engine_run_now(s, future, "--date 2999");
	assert_non_null(future->queued);
	assert_true(future->queued->manual);
	assert_string_equal(future->queued->args, "--date 2999");
}

static void test_a_job_whose_count_ran_out_is_disabled_after_success(void **state)
{
	struct fixture *f = *state;
	struct jobsvc *s = &f->s;
	struct job_entry *e = add(s, "{\"name\":\"once\",\"command\":\"true\","
				     "\"schedule\":\"R0/2020-01-01T00:00:00Z/P1D\"}");

	engine_mark_success(s, e);
	assert_true(e->job->disabled);
	assert_int_equal(e->job->success_count, 1);
}

/*
 * The launch moves the schedule past the run's own occurrence even when the
 * run was launched a few ms before it (a timer may fire up to EARLY_SLACK_MS
 * early and the offer may come at once): from the launch time alone the
 * schedule stayed at that occurrence and the timer queued it a second time
 * (an R3/…/PT1S job ran occurrences 0, 0, 1).
 */
static void test_a_launch_moves_the_schedule_past_its_own_occurrence(void **state)
{
	struct fixture *f = *state;
	struct jobsvc *s = &f->s;
	struct job_entry *e = add(s, "{\"name\":\"r3\",\"command\":\"true\","
				     "\"schedule\":\"R3/2999-01-01T00:00:00Z/PT1S\"}");
	int64_t t0 = e->sched.start_ms;
	struct queued_run q = { .entry = e, .due_ms = t0 };

	/* queued early for occurrence 0, launched 5 ms before it */
	engine_advance_schedule(s, e, &q, t0 - 5);
	assert_int_equal(e->sched.start_ms, t0 + 1000);
	assert_int_equal(e->sched.repeat, 2);
	assert_true(!strncmp(e->job->schedule, "R2/2999-01-01T00:00:01", 22));
	assert_true(event_pending(e->timer, EV_TIMEOUT, NULL));
	/* occurrence 1, launched at that very ms */
	q.due_ms = e->sched.start_ms;
	engine_advance_schedule(s, e, &q, t0 + 1000);
	assert_int_equal(e->sched.start_ms, t0 + 2000);
	assert_int_equal(e->sched.repeat, 1);
	/* occurrence 2, launched 1.5 s late: the missed occurrence 3 is skipped */
	q.due_ms = e->sched.start_ms;
	engine_advance_schedule(s, e, &q, t0 + 3500);
	assert_int_equal(e->sched.start_ms, t0 + 4000);
	assert_int_equal(e->sched.repeat, 0);
	assert_true(!strncmp(e->job->schedule, "R0/", 3));
	/* R0: no occurrence left to arm */
	assert_false(event_pending(e->timer, EV_TIMEOUT, NULL));
}

/* ---- parents and children ---- */

static void test_children_run_after_their_parents(void **state)
{
	struct fixture *f = *state;
	struct jobsvc *s = &f->s;
	const char *later = "\"schedule\":\"R/2999-01-01T00:00:00Z/P1D\"}";
	char doc[256];
	struct job_entry *p, *q, *one, *two, *off;

	snprintf(doc, sizeof(doc), "{\"name\":\"p\",\"command\":\"true\",%s", later);
	p = add(s, doc);
	snprintf(doc, sizeof(doc), "{\"name\":\"q\",\"command\":\"true\",%s", later);
	q = add(s, doc);
	one = add(s, "{\"name\":\"one\",\"command\":\"true\",\"parents\":[\"p\"]}");
	two = add(s, "{\"name\":\"two\",\"command\":\"true\",\"parents\":[\"p\",\"q\"]}");
	off = add(s, "{\"name\":\"off\",\"command\":\"true\",\"disabled\":true,\"parents\":[\"p\"]}");
	settle(s);
	assert_null(one->queued);

	/* p succeeds: its only child runs; the child of p and q waits for q */
	engine_mark_success(s, p);
	assert_non_null(one->queued);
	assert_null(two->queued);
	assert_non_null(strstr(two->pending_reason, "waiting for the other parents"));
	assert_non_null(strstr(two->pending_reason, "q"));
	assert_null(off->queued); /* a disabled child is not queued */

	/* p again: two counts p twice, still waits for q */
	engine_mark_success(s, p);
	assert_null(two->queued);
	assert_int_equal(json_integer_value(json_object_get(two->edges, "p")), 2);

	/* q succeeds once: q has caught up with the fewest successes, so two runs */
	engine_mark_success(s, q);
	assert_non_null(two->queued);

	/* when the child succeeds (or starts running) its counts start over */
	engine_mark_success(s, two);
	assert_int_equal(json_object_size(two->edges), 0);
	settle(s);
}

static void test_soft_error_parents_fire_children_on_failure(void **state)
{
	struct fixture *f = *state;
	struct jobsvc *s = &f->s;
	struct job_entry *p = add(s, "{\"name\":\"p\",\"command\":\"false\",\"retries\":0,"
				     "\"softError\":true,"
				     "\"schedule\":\"R/2999-01-01T00:00:00Z/P1D\"}");
	struct job_entry *hard = add(s, "{\"name\":\"h\",\"command\":\"false\",\"retries\":0,"
					"\"schedule\":\"R/2999-01-01T00:00:00Z/P1D\"}");
	struct job_entry *c1 = add(s, "{\"name\":\"c1\",\"command\":\"true\",\"parents\":[\"p\"]}");
	struct job_entry *c2 = add(s, "{\"name\":\"c2\",\"command\":\"true\",\"parents\":[\"h\"]}");

	update(s, run_of(s, p, 0, T2020), TASK_FAILED, "Command exited with status 1");
	update(s, run_of(s, hard, 0, T2020), TASK_FAILED, "Command exited with status 1");
	assert_non_null(c1->queued);
	assert_null(c2->queued);
	assert_int_equal(p->job->error_count, 1);
	settle(s);
}

/* ---- retries and failure counting ---- */

static void test_a_failed_run_is_retried_for_the_same_occurrence(void **state)
{
	struct fixture *f = *state;
	struct jobsvc *s = &f->s;
	struct job_entry *e = add(s, "{\"name\":\"flaky\",\"command\":\"false\",\"retries\":2,"
				     "\"schedule\":\"R/2999-01-01T00:00:00Z/P1D\"}");
	int turns = 0;

	update(s, run_of(s, e, 0, T2020), TASK_FAILED, "Command exited with status 1");
	/* not counted as an error yet: a retry is pending */
	assert_int_equal(e->job->error_count, 0);
	assert_true(event_pending(e->retry_timer, EV_TIMEOUT, NULL));
	while (!e->queued && turns++ < 1000)
		event_base_loop(s->base, EVLOOP_ONCE);
	assert_non_null(e->queued);
	assert_int_equal(e->queued->attempt, 1);
	assert_int_equal(e->queued->due_ms, T2020); /* the same occurrence */
	assert_int_equal(e->running, 0);

	/* the last attempt fails: now it counts */
	update(s, run_of(s, e, 2, T2020), TASK_FAILED, "Command exited with status 1");
	assert_int_equal(e->job->error_count, 1);
	assert_int_equal(e->job->errors_since_last_success, 1);
	assert_true(e->job->last_error && e->job->last_error[0]);

	/* Chronos' rule: after a final error, a new run gets no retries */
	update(s, run_of(s, e, 0, T2020 + 86400000), TASK_FAILED, "Command exited with status 1");
	assert_int_equal(e->job->error_count, 2);
	assert_false(event_pending(e->retry_timer, EV_TIMEOUT, NULL));

	/* a success resets the streak, and retries come back */
	update(s, run_of(s, e, 0, T2020), TASK_FINISHED, "Command exited with status 0");
	assert_int_equal(e->job->success_count, 1);
	assert_int_equal(e->job->errors_since_last_success, 0);
	update(s, run_of(s, e, 0, T2020), TASK_FAILED, "Command exited with status 1");
	assert_int_equal(e->job->error_count, 2);
	assert_true(event_pending(e->retry_timer, EV_TIMEOUT, NULL));
	settle(s);
}

static void test_killed_runs_are_not_retried_nor_counted(void **state)
{
	struct fixture *f = *state;
	struct jobsvc *s = &f->s;
	struct job_entry *e = add(s, "{\"name\":\"k\",\"command\":\"sleep 9\",\"retries\":3,"
				     "\"schedule\":\"R/2999-01-01T00:00:00Z/P1D\"}");

	update(s, run_of(s, e, 0, T2020), TASK_KILLED, "killed");
	assert_int_equal(e->job->error_count, 0);
	assert_int_equal(e->job->success_count, 0);
	assert_false(event_pending(e->retry_timer, EV_TIMEOUT, NULL));
	assert_string_equal(e->pending_reason, "last run was killed");
	settle(s);
}

static void test_failures_in_a_row_disable_the_job(void **state)
{
	struct fixture *f = *state;
	struct jobsvc *s = &f->s;
	struct job_entry *e = add(s, "{\"name\":\"bad\",\"command\":\"false\",\"retries\":0,"
				     "\"schedule\":\"R/2999-01-01T00:00:00Z/P1D\"}");

	s->flags.disable_after_failures = 2;
	update(s, run_of(s, e, 0, T2020), TASK_FAILED, "Command exited with status 1");
	assert_false(e->job->disabled);
	update(s, run_of(s, e, 0, T2020 + 86400000), TASK_LOST, "agent lost");
	assert_true(e->job->disabled);
	assert_int_equal(e->job->errors_since_last_success, 2);
	settle(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_an_overdue_job_is_queued_for_its_occurrence,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_future_job_waits_on_its_timer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_job_whose_count_ran_out_is_disabled_after_success,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_launch_moves_the_schedule_past_its_own_occurrence,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_children_run_after_their_parents, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_soft_error_parents_fire_children_on_failure,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_failed_run_is_retried_for_the_same_occurrence,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_runs_are_not_retried_nor_counted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failures_in_a_row_disable_the_job, setup,
						teardown),
	};
	log_init("test", LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
