/*
 * Unit tests for the master's task state machine (src/master/tasks.c) and
 * its allocator (src/master/allocator.c) with its books: DRF order between frameworks, decline filters and their expiry,
 * suppress and revive, and the invariants alloc_check() recomputes after a
 * seeded, deterministic random sequence of agents, launches, finishes,
 * declines and disconnects. A real struct master on a private event base:
 * no sockets (streams are NULL, so events to frameworks and agents are
 * dropped), no wall clock in any assertion — a filter's expiry is waited
 * for as an event, never timed.
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
#include "core/util.h"
#include "master/master.h"

static struct master *master_new(void)
{
	struct master *m = xcalloc(1, sizeof(*m));

	m->base = event_base_new();
	str_copy(m->id, "M", sizeof(m->id));
	m->flags.agent_ping_timeout = 3600; /* the agents' timers never fire here */
	m->flags.max_agent_ping_timeouts = 5;
	m->flags.offer_timeout = 0;
	m->flags.filter_gpu_resources = true;
	m->flags.max_completed_tasks_per_framework = 10;
	map_init(&m->agents);
	map_init(&m->agent_sessions);
	map_init(&m->frameworks);
	alloc_init(m);
	return m;
}

static void master_free(struct master *m)
{
	struct map_iter it;
	void *v;

	map_iter_init(&it, &m->frameworks);
	while (map_iter_next(&it, NULL, &v))
		framework_free(v);
	map_clear(&m->frameworks);
	alloc_fini(m);
	map_iter_init(&it, &m->agents);
	while (map_iter_next(&it, NULL, &v))
		master_agent_free(v);
	map_clear(&m->agents);
	event_base_free(m->base);
	free(m);
}

/* Runs what is pending (the allocation pass is a zero timeout). */
static void settle(struct master *m)
{
	for (int i = 0; i < 4; i++)
		event_base_loop(m->base, EVLOOP_NONBLOCK);
	assert_false(m->alloc_scheduled);
}

static void assert_balanced(const struct master *m)
{
	char why[1200] = "";
	if (alloc_check(m, why, sizeof(why)) < 0)
		fail_msg("the allocator's books do not balance: %s", why);
}

static struct framework *subscribe(struct master *m, const char *id)
{
	json_t *info = json_pack("{s:s, s:s}", "name", id, "user", "nobody");
	struct framework *fw = framework_new(m, id, info);

	json_decref(info);
	fw->state = FW_CONNECTED; /* what SUBSCRIBE ends in, without a stream */
	alloc_all_changed(m);
	return fw;
}

static struct master_agent *add_agent(struct master *m, const char *id, const char *resources)
{
	struct master_agent *a = master_agent_new(m, id);
	char err[256];

	assert_int_equal(res_parse_text(resources, "*", &a->total, err, sizeof(err)), 0);
	str_copy(a->hostname, id, sizeof(a->hostname));
	master_agent_set_state(a, AGENT_CONNECTED, "test");
	return a;
}

/* The framework's one offer for agent a, or NULL. */
static struct offer *offer_of(struct framework *fw, const struct master_agent *a)
{
	struct map_iter it;
	void *v;

	map_iter_init(&it, &fw->offers);
	while (map_iter_next(&it, NULL, &v))
		if (((struct offer *)v)->agent == a)
			return v;
	return NULL;
}

/* DECLINE as scheduler_api.c does it: the offer is pooled, released, filtered. */
static void decline(struct offer *o, double refuse_seconds)
{
	struct framework *fw = o->fw;
	struct master_agent *a = o->agent;
	struct resources pool = RESOURCES_EMPTY;

	offer_consume(o, &pool);
	alloc_release(fw, a, &pool);
	alloc_decline(fw, a, refuse_seconds);
	res_free(&pool);
}

/* REVIVE and SUPPRESS as scheduler_api.c does them. */
static void revive(struct framework *fw)
{
	fw->suppressed = false;
	alloc_clear_filters(fw);
	alloc_all_changed(fw->master);
}

static void test_drf_offers_the_lowest_dominant_share_first(void **state)
{
	struct master *m = master_new();
	struct framework *f1, *f2;
	struct master_agent *x, *y, *z;
	(void)state;

	f1 = subscribe(m, "F1"); /* subscribed first: wins ties */
	f2 = subscribe(m, "F2");
	f2->suppressed = true;
	x = add_agent(m, "X", "cpus:3;mem:1");
	settle(m);
	assert_non_null(offer_of(f1, x));
	/* now only F2 may take offers */
	f1->suppressed = true;
	f2->suppressed = false;
	y = add_agent(m, "Y", "cpus:1;mem:20");
	settle(m);
	assert_non_null(offer_of(f2, y));
	f1->suppressed = false;
	/*
	 * Cluster: cpus 10, mem 100. F1 holds cpus 3 (share 0.3), F2 mem 20
	 * (share 0.2): Z goes to F2 although F1 subscribed first and holds
	 * less memory than F2 — the dominant share decides.
	 */
	z = add_agent(m, "Z", "cpus:6;mem:79");
	settle(m);
	assert_non_null(offer_of(f2, z));
	assert_null(offer_of(f1, z));
	assert_int_equal(map_count(&f1->offers), 1);
	assert_int_equal(map_count(&f2->offers), 2);
	assert_balanced(m);
	master_free(m);
}

static void test_equal_shares_alternate_in_subscription_order(void **state)
{
	struct master *m = master_new();
	struct framework *f1 = subscribe(m, "F1"), *f2 = subscribe(m, "F2");
	(void)state;

	/* four equal agents in one pass: each offer moves its framework down */
	add_agent(m, "A1", "cpus:1;mem:100");
	add_agent(m, "A2", "cpus:1;mem:100");
	add_agent(m, "A3", "cpus:1;mem:100");
	add_agent(m, "A4", "cpus:1;mem:100");
	settle(m);
	assert_int_equal(map_count(&f1->offers), 2);
	assert_int_equal(map_count(&f2->offers), 2);
	assert_balanced(m);
	master_free(m);
}

static void test_decline_filter_holds_then_expires(void **state)
{
	struct master *m = master_new();
	struct framework *f1 = subscribe(m, "F1"), *f2;
	struct master_agent *a = add_agent(m, "A", "cpus:2;mem:512");
	int turns = 0;
	(void)state;

	settle(m);
	assert_non_null(offer_of(f1, a));
	decline(offer_of(f1, a), 3600);
	settle(m);
	/* the pass ran (settle checked it) and left A alone: F1 filtered it */
	assert_null(offer_of(f1, a));
	assert_int_equal(map_count(&m->offers), 0);
	assert_balanced(m);

	/* a filter is per framework: F2 gets what F1 declined */
	f2 = subscribe(m, "F2");
	settle(m);
	assert_non_null(offer_of(f2, a));

	/* F2 declines for a moment; F1's long filter still holds meanwhile */
	decline(offer_of(f2, a), 0.01);
	settle(m);
	assert_null(offer_of(f1, a));
	assert_non_null(map_get(&f2->filters, "A"));
	/*
	 * F2's filter expires: its timer drops it and makes A dirty, and a pass
	 * offers A to F2 again (waited for as events, however long it takes).
	 */
	while ((!offer_of(f2, a) || map_get(&f2->filters, "A")) && turns++ < 1000)
		event_base_loop(m->base, EVLOOP_ONCE);
	assert_null(map_get(&f2->filters, "A"));
	assert_non_null(offer_of(f2, a));
	assert_null(offer_of(f1, a));
	assert_balanced(m);
	master_free(m);
}

static void test_suppress_and_revive(void **state)
{
	struct master *m = master_new();
	struct framework *f1 = subscribe(m, "F1");
	struct master_agent *a;
	(void)state;

	f1->suppressed = true; /* SUPPRESS */
	a = add_agent(m, "A", "cpus:2;mem:512");
	settle(m);
	assert_int_equal(map_count(&m->offers), 0);

	revive(f1);
	settle(m);
	assert_non_null(offer_of(f1, a));

	/* REVIVE also drops decline filters */
	decline(offer_of(f1, a), 3600);
	settle(m);
	assert_null(offer_of(f1, a));
	revive(f1);
	settle(m);
	assert_non_null(offer_of(f1, a));
	assert_balanced(m);
	master_free(m);
}

static void test_gpu_agents_only_go_to_gpu_frameworks(void **state)
{
	struct master *m = master_new();
	struct framework *plain = subscribe(m, "F1");
	struct master_agent *g = add_agent(m, "G", "cpus:2;mem:512;gpus:1");
	struct framework *gpu;
	json_t *info;
	(void)state;

	settle(m);
	assert_null(offer_of(plain, g));
	info = json_pack("{s:s, s:s, s:[{s:s}]}", "name", "F2", "user", "nobody", "capabilities",
			 "type", "GPU_RESOURCES");
	gpu = framework_new(m, "F2", info);
	json_decref(info);
	gpu->state = FW_CONNECTED;
	alloc_all_changed(m);
	settle(m);
	assert_non_null(offer_of(gpu, g));
	assert_balanced(m);
	master_free(m);
}

/* ---- the books after a random sequence ---- */

static uint64_t rng_state;

static uint32_t rng(void) /* xorshift64*: the same sequence on every run */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static void *nth(struct map *map, size_t k)
{
	struct map_iter it;
	void *v;
	size_t i = 0;

	map_iter_init(&it, map);
	while (map_iter_next(&it, NULL, &v))
		if (i++ == k)
			return v;
	return NULL;
}

static json_t *task_info(const char *id, const char *agent_id, double cpus, double mem)
{
	return json_pack("{s:s, s:{s:s}, s:{s:s}, s:[{s:s, s:s, s:{s:f}}, {s:s, s:s, s:{s:f}}], "
			 "s:{s:s}}",
			 "name", id, "task_id", "value", id, "agent_id", "value", agent_id,
			 "resources", "name", "cpus", "type", "SCALAR", "scalar", "value", cpus,
			 "name", "mem", "type", "SCALAR", "scalar", "value", mem, "command", "value",
			 "true");
}

/* ACCEPT as scheduler_api.c does it: pool, launch up to two tasks, release the rest. */
static void accept_offer(struct offer *o, unsigned *next_task)
{
	struct framework *fw = o->fw;
	struct master_agent *a = o->agent;
	struct resources pool = RESOURCES_EMPTY;
	unsigned n = rng() % 3;

	offer_consume(o, &pool);
	for (unsigned i = 0; i < n; i++) {
		char id[32];
		/* sometimes more than the pool holds: refused with TASK_ERROR */
		double cpus = 0.5 * (1 + rng() % 6), mem = 32.0 * (1 + rng() % 16);
		json_t *info;
		snprintf(id, sizeof(id), "t%u", (*next_task)++);
		info = task_info(id, a->id, cpus, mem);
		tasks_launch(fw, a, info, &pool);
		json_decref(info);
	}
	alloc_release(fw, a, &pool);
	alloc_decline(fw, a, rng() % 2 ? 0 : 3600);
	res_free(&pool);
}

static struct master_task *live_task(struct master *m)
{
	size_t nfw = map_count(&m->frameworks);
	for (size_t tries = 0; nfw && tries < 8; tries++) {
		struct framework *fw = nth(&m->frameworks, rng() % nfw);
		size_t n = map_count(&fw->tasks);
		struct master_task *t = n ? nth(&fw->tasks, rng() % n) : NULL;
		if (t && !mesos_task_state_terminal(t->state))
			return t;
	}
	return NULL;
}

static void test_books_balance_after_random_sequences(void **state)
{
	static const enum mesos_task_state ends[] = { TASK_FINISHED, TASK_FAILED, TASK_KILLED,
						      TASK_LOST };
	(void)state;

	for (uint64_t seed = 1; seed <= 6; seed++) {
		struct master *m = master_new();
		unsigned next_task = 0, nagents = 0;
		size_t launched = 0;
		struct map_iter it;
		void *v;
		char id[32];

		rng_state = seed * 0x9e3779b97f4a7c15ull;
		subscribe(m, "F1");
		subscribe(m, "F2");
		subscribe(m, "F3");
		for (int step = 0; step < 300; step++) {
			unsigned op = rng() % 8;
			struct offer *o;
			struct master_task *t;
			struct master_agent *a;
			struct framework *fw;

			switch (op) {
			case 0: /* a new agent */
				if (nagents < 10) {
					char res[64];
					snprintf(id, sizeof(id), "A%u", nagents++);
					snprintf(res, sizeof(res), "cpus:%u;mem:%u", 1 + rng() % 8,
						 256 * (1 + rng() % 16));
					add_agent(m, id, res);
				}
				break;
			case 1:
			case 2: /* ACCEPT with launches */
				o = map_count(&m->offers) ? nth(&m->offers, rng() % map_count(&m->offers))
							  : NULL;
				if (o)
					accept_offer(o, &next_task);
				break;
			case 3: /* DECLINE */
				o = map_count(&m->offers) ? nth(&m->offers, rng() % map_count(&m->offers))
							  : NULL;
				if (o)
					decline(o, rng() % 2 ? 0 : 3600);
				break;
			case 4:
			case 5: /* a task ends */
				if ((t = live_task(m)))
					task_set_state(t, ends[rng() % 4], NULL);
				break;
			case 6: /* an agent disconnects, or comes back */
				a = nagents ? nth(&m->agents, rng() % nagents) : NULL;
				if (a)
					master_agent_set_state(a, a->state == AGENT_CONNECTED
									  ? AGENT_DISCONNECTED
									  : AGENT_CONNECTED,
							       "test");
				break;
			case 7: /* SUPPRESS or REVIVE */
				fw = nth(&m->frameworks, rng() % 3);
				if (rng() % 2)
					fw->suppressed = true;
				else
					revive(fw);
				break;
			}
			assert_balanced(m); /* between calls, as on the master's loop */
			settle(m);
			assert_balanced(m);
		}
		/* the sequence did launch tasks (live or ended) and add agents */
		map_iter_init(&it, &m->frameworks);
		while (map_iter_next(&it, NULL, &v))
			launched += map_count(&((struct framework *)v)->tasks);
		assert_true(launched > 10);
		assert_true(nagents > 3);
		master_free(m);
	}
}

/* ---- the master's task state machine ---- */

/* One task t1 of F1 launched on A from an offer; the rest of the offer released. */
static struct master_task *launched(struct master *m, struct framework **fw_out,
				    struct master_agent **a_out)
{
	struct framework *fw = subscribe(m, "F1");
	struct master_agent *a = add_agent(m, "A", "cpus:4;mem:1024");
	struct resources pool = RESOURCES_EMPTY;
	json_t *info;

	settle(m);
	offer_consume(offer_of(fw, a), &pool);
	info = task_info("t1", "A", 1, 256);
	tasks_launch(fw, a, info, &pool);
	json_decref(info);
	alloc_release(fw, a, &pool);
	res_free(&pool);
	*fw_out = fw;
	*a_out = a;
	return map_get(&fw->tasks, "t1");
}

static void test_task_states_move_forward_and_end_once(void **state)
{
	struct master *m = master_new();
	struct framework *fw;
	struct master_agent *a;
	struct master_task *t = launched(m, &fw, &a);
	(void)state;

	assert_non_null(t);
	assert_int_equal(t->state, TASK_STAGING);
	assert_int_equal(res_scalar_milli(&a->used, "cpus"), 1000);
	assert_int_equal(res_scalar_milli(&fw->allocated, "cpus"), 1000);
	assert_balanced(m);

	task_set_state(t, TASK_STARTING, NULL);
	task_set_state(t, TASK_RUNNING, NULL);
	task_set_state(t, TASK_RUNNING, NULL); /* a repeated state adds no history */
	assert_int_equal(t->state, TASK_RUNNING);
	assert_int_equal(json_array_size(t->statuses), 2);

	task_set_state(t, TASK_FINISHED, NULL); /* terminal: the resources go back, once */
	assert_int_equal(t->state, TASK_FINISHED);
	assert_true(t->resources_released);
	assert_int_equal(res_scalar_milli(&a->used, "cpus"), 0);
	assert_int_equal(res_scalar_milli(&fw->allocated, "cpus"), 0);
	assert_balanced(m);

	/* a terminal state is final: later updates change nothing */
	task_set_state(t, TASK_RUNNING, NULL);
	task_set_state(t, TASK_FAILED, NULL);
	task_set_state(t, TASK_FINISHED, NULL);
	assert_int_equal(t->state, TASK_FINISHED);
	assert_int_equal(json_array_size(t->statuses), 3);
	assert_int_equal(res_scalar_milli(&a->used, "cpus"), 0);
	assert_balanced(m);
	master_free(m);
}

static void test_every_terminal_state_releases_and_is_final(void **state)
{
	static const enum mesos_task_state terminal[] = {
		TASK_FINISHED, TASK_FAILED,  TASK_KILLED, TASK_LOST,
		TASK_ERROR,    TASK_DROPPED, TASK_GONE,   TASK_GONE_BY_OPERATOR,
	};
	(void)state;

	for (size_t i = 0; i < sizeof(terminal) / sizeof(terminal[0]); i++) {
		struct master *m = master_new();
		struct framework *fw;
		struct master_agent *a;
		struct master_task *t = launched(m, &fw, &a);

		task_set_state(t, TASK_RUNNING, NULL);
		task_set_state(t, terminal[i], NULL);
		assert_int_equal(t->state, terminal[i]);
		assert_true(t->resources_released);
		task_set_state(t, TASK_RUNNING, NULL);
		assert_int_equal(t->state, terminal[i]);
		assert_int_equal(res_scalar_milli(&a->used, "mem"), 0);
		assert_balanced(m);
		master_free(m);
	}
}

static void test_unreachable_is_not_the_end(void **state)
{
	struct master *m = master_new();
	struct framework *fw;
	struct master_agent *a;
	struct master_task *t = launched(m, &fw, &a);
	(void)state;

	task_set_state(t, TASK_RUNNING, NULL);
	task_set_state(t, TASK_UNREACHABLE, NULL); /* not terminal: the task may come back */
	assert_false(mesos_task_state_terminal(t->state));
	task_set_state(t, TASK_RUNNING, NULL);
	assert_int_equal(t->state, TASK_RUNNING);
	task_set_state(t, TASK_KILLED, NULL);
	assert_int_equal(t->state, TASK_KILLED);
	assert_balanced(m);
	master_free(m);
}

/* alloc_check() itself notices a wrong book. */
static void test_check_names_the_difference(void **state)
{
	struct master *m = master_new();
	struct framework *f1 = subscribe(m, "F1");
	struct master_agent *a = add_agent(m, "A", "cpus:2;mem:512");
	struct resources extra = RESOURCES_EMPTY;
	char why[1200] = "", err[128];
	(void)state;

	settle(m);
	assert_non_null(offer_of(f1, a));
	assert_balanced(m);
	assert_int_equal(res_parse_text("cpus:1", "*", &extra, err, sizeof(err)), 0);
	res_add(&a->used, &extra); /* a task that is not there */
	assert_int_equal(alloc_check(m, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "the used resources of agent A"));
	res_subtract(&a->used, &extra);
	res_add(&f1->allocated, &extra);
	assert_int_equal(alloc_check(m, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "the allocation of framework F1"));
	res_subtract(&f1->allocated, &extra);
	assert_balanced(m);
	res_free(&extra);
	master_free(m);
}

int main(void)
{
	log_init("test", LOG_LEVEL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drf_offers_the_lowest_dominant_share_first),
		cmocka_unit_test(test_equal_shares_alternate_in_subscription_order),
		cmocka_unit_test(test_decline_filter_holds_then_expires),
		cmocka_unit_test(test_suppress_and_revive),
		cmocka_unit_test(test_gpu_agents_only_go_to_gpu_frameworks),
		cmocka_unit_test(test_books_balance_after_random_sequences),
		cmocka_unit_test(test_check_names_the_difference),
		cmocka_unit_test(test_task_states_move_forward_and_end_once),
		cmocka_unit_test(test_every_terminal_state_releases_and_is_final),
		cmocka_unit_test(test_unreachable_is_not_the_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
