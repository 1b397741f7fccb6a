/*
 * master/allocator — turns free agent resources into offers, in Dominant
 * Resource Fairness order.
 *
 * Event-driven and batched: anything that frees resources or makes a
 * framework eligible marks the affected agents dirty (alloc_agent_changed,
 * alloc_all_changed) and schedules one pass on the next loop turn; many
 * changes in one turn cost one pass. There is no periodic poll: decline
 * filters and offer timeouts have their own timers.
 *
 * A pass sorts the eligible frameworks once by dominant share (allocated /
 * cluster total, max over cpus, mem, disk, gpus; ties by subscription
 * order) and, for each dirty agent, offers all of its free resources to the
 * first framework in that order that may take them (not suppressed, no
 * decline filter for the agent, GPU gating: a GPU agent only goes to
 * GPU_RESOURCES frameworks unless --no-filter_gpu_resources). The chosen
 * framework's share grows, so it moves down the order in place. Cost per
 * pass: O(F log F + D × F) worst case for D dirty agents, O(D) typically.
 *
 * Invariants (alloc_check() recomputes them; alloc_assert_balanced() runs it
 * at the start and end of every pass and after every ACCEPT/DECLINE in
 * checking builds, see core/invariant.h):
 *  1. For every agent, offered == the sum of its outstanding offers and
 *     used == the sum of its tasks that still hold resources, so that
 *     used + offered + free == total with free = total - used - offered.
 *     (An agent that re-registers with less than its running tasks hold is
 *     the one case where used + offered exceeds total; free is then empty
 *     and it is logged, not an invariant failure.)
 *  2. Every framework's allocated == the sum of its offers and of its tasks
 *     that still hold resources (what DRF shares are computed from).
 *  3. cluster_total == the sum of what every connected agent counts.
 * They hold between loop turns; ACCEPT breaks 2 while it runs (the pooled
 * offers are allocated but in no offer) and restores it before it returns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/invariant.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "master/master.h"

static void schedule_pass(struct master *m)
{
	struct timeval zero = { 0, 0 };
	if (m->alloc_scheduled)
		return;
	m->alloc_scheduled = true;
	event_add(m->alloc_event, &zero);
}

void alloc_agent_changed(struct master_agent *a)
{
	struct master *m = a->master;
	if (!a->dirty) {
		a->dirty = true;
		map_put(&m->dirty_agents, a->id, a);
	}
	schedule_pass(m);
}

void alloc_all_changed(struct master *m)
{
	struct map_iter it;
	void *v;
	map_iter_init(&it, &m->agents);
	while (map_iter_next(&it, NULL, &v)) {
		struct master_agent *a = v;
		if (a->state == AGENT_CONNECTED)
			alloc_agent_changed(a);
	}
}

void alloc_agent_total(struct master_agent *a)
{
	struct master *m = a->master;
	if (NEVER(res_subtract(&m->cluster_total, &a->counted) < 0))
		log_error("master: allocator: cluster total out of balance for agent %s", a->id);
	res_free(&a->counted);
	if (a->state == AGENT_CONNECTED) {
		res_copy(&a->counted, &a->total);
		res_add(&m->cluster_total, &a->counted);
	}
}

static double share_of(const struct master *m, const struct framework *fw)
{
	static const char *const names[] = { "cpus", "mem", "disk", "gpus" };
	double share = 0;
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		double total = res_scalar(&m->cluster_total, names[i]);
		if (total > 0) {
			double s = res_scalar(&fw->allocated, names[i]) / total;
			if (s > share)
				share = s;
		}
	}
	return share;
}

static bool before(const struct framework *a, const struct framework *b)
{
	if (a->share != b->share)
		return a->share < b->share;
	return a->seq < b->seq;
}

static int cmp_frameworks(const void *x, const void *y)
{
	const struct framework *a = *(struct framework *const *)x;
	const struct framework *b = *(struct framework *const *)y;
	return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

static bool filtered(struct framework *fw, const struct master_agent *a)
{
	struct decline_filter *f = map_get(&fw->filters, a->id);
	return f && f->expires > now_mono();
}

static bool may_offer(struct master *m, struct framework *fw, const struct master_agent *a)
{
	if (fw->state != FW_CONNECTED || fw->suppressed || filtered(fw, a))
		return false;
	if (m->flags.filter_gpu_resources && !(fw->caps & FW_CAP_GPU_RESOURCES) &&
	    res_scalar(&a->total, "gpus") > 0)
		return false;
	return true;
}

/* Free = total - used - offered. */
static void free_resources(const struct master_agent *a, struct resources *out)
{
	res_copy(out, &a->total);
	if (res_subtract(out, &a->used) < 0 || res_subtract(out, &a->offered) < 0) {
		log_error("master: allocator: agent %s accounting is off (used+offered > total)",
			  a->id);
		res_free(out);
	}
}

static bool worth_offering(const struct resources *r)
{
	/* Mesos' --min_allocatable_resources default: cpus:0.01|mem:32 */
	return res_scalar_milli(r, "cpus") >= 10 || res_scalar(r, "mem") >= 32 ||
	       res_scalar(r, "gpus") >= 1;
}

static void on_offer_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct offer *o = arg;
	(void)fd;
	(void)what;
	log_info("master: rescinding offer %s to framework %s: not used within --offer_timeout",
		 o->id, o->fw->id);
	offer_remove(o, true);
}

static json_t *offer_json(struct master *m, const struct offer *o)
{
	const struct master_agent *a = o->agent;
	json_t *res = res_to_json(&o->resources), *r;
	size_t i;

	json_array_foreach(res, i, r)
		json_object_set_new(r, "allocation_info", json_pack("{s:s}", "role", o->fw->role));
	(void)m;
	return json_pack("{s:o, s:o, s:o, s:s, s:{s:s, s:{s:s, s:s, s:i}, s:s}, s:o, s:O, s:[], "
			 "s:{s:s}}",
			 "id", json_id(o->id), "framework_id", json_id(o->fw->id), "agent_id",
			 json_id(a->id), "hostname", a->hostname, "url", "scheme", "http",
			 "address", "hostname", a->hostname, "ip", a->ip, "port", (int)a->port,
			 "path", "/slave(1)", "resources", res, "attributes", a->attributes,
			 "executor_ids", "allocation_info", "role", o->fw->role);
}

static void make_offer(struct master *m, struct framework *fw, struct master_agent *a,
		       struct resources *free_res)
{
	struct offer *o = xcalloc(1, sizeof(*o));
	json_t *ev;

	snprintf(o->id, sizeof(o->id), "%s-O%llu", m->id, (unsigned long long)m->next_offer_seq++);
	o->fw = fw;
	o->agent = a;
	o->resources = *free_res;
	*free_res = RESOURCES_EMPTY;
	res_add(&a->offered, &o->resources);
	res_add(&fw->allocated, &o->resources);
	map_put(&m->offers, o->id, o);
	map_put(&fw->offers, o->id, o);
	map_put(&a->offers, o->id, o);
	if (m->flags.offer_timeout > 0) {
		struct timeval tv = { (time_t)m->flags.offer_timeout,
				      (suseconds_t)(fmod(m->flags.offer_timeout, 1.0) * 1e6) };
		o->timer = event_new(m->base, -1, 0, on_offer_timeout, o);
		event_add(o->timer, &tv);
	}
	ev = json_pack("{s:s, s:{s:[o]}}", "type", "OFFERS", "offers", "offers", offer_json(m, o));
	log_debug("master: offer %s of agent %s to framework %s", o->id, a->id, fw->id);
	framework_send(fw, ev);
}

static void run_pass(struct master *m)
{
	struct framework **order = NULL;
	size_t n = 0;
	struct map_iter it;
	void *v;

	map_iter_init(&it, &m->frameworks);
	while (map_iter_next(&it, NULL, &v)) {
		struct framework *fw = v;
		if (fw->state != FW_CONNECTED || fw->suppressed)
			continue;
		fw->share = share_of(m, fw);
		order = xreallocarray(order, n + 1, sizeof(*order));
		order[n++] = fw;
	}
	if (n > 1)
		qsort(order, n, sizeof(*order), cmp_frameworks);

	/*
	 * Take the dirty set out first: sending an offer can fail and disconnect
	 * a framework, which returns resources and dirties agents again; those
	 * go to the next pass.
	 */
	size_t ndirty = 0, cap = map_count(&m->dirty_agents);
	struct master_agent **dirty = xcalloc(cap ? cap : 1, sizeof(*dirty));
	map_iter_init(&it, &m->dirty_agents);
	while (map_iter_next(&it, NULL, &v)) {
		dirty[ndirty++] = v;
		((struct master_agent *)v)->dirty = false;
	}
	map_clear(&m->dirty_agents);

	for (size_t d = 0; d < ndirty; d++) {
		struct master_agent *a = dirty[d];
		struct resources free_res = RESOURCES_EMPTY;
		if (a->state != AGENT_CONNECTED || !n)
			continue;
		free_resources(a, &free_res);
		if (!worth_offering(&free_res)) {
			res_free(&free_res);
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			struct framework *fw = order[i];
			if (!may_offer(m, fw, a))
				continue;
			make_offer(m, fw, a, &free_res);
			fw->share = share_of(m, fw);
			/* keep the order sorted: the framework's share only grew */
			while (i + 1 < n && before(order[i + 1], fw)) {
				order[i] = order[i + 1];
				order[i + 1] = fw;
				i++;
			}
			break;
		}
		res_free(&free_res);
	}
	free(dirty);
	free(order);
}

static void on_alloc(evutil_socket_t fd, short what, void *arg)
{
	struct master *m = arg;
	(void)fd;
	(void)what;
	m->alloc_scheduled = false;
	alloc_assert_balanced(m);
	run_pass(m);
	alloc_assert_balanced(m);
}

/* ---- the books (invariants 1-3) ---- */

static int differs(const char *what, const char *id, const struct resources *have,
		   const struct resources *want, char *why, size_t size)
{
	char a[512], b[512];

	if (res_equal(have, want))
		return 0;
	if (why) {
		res_to_text(have, a, sizeof(a));
		res_to_text(want, b, sizeof(b));
		snprintf(why, size, "%s %s is %s, its sources add up to %s", what, id,
			 a[0] ? a : "nothing", b[0] ? b : "nothing");
	}
	return -1;
}

/* Adds what the tasks of map (struct master_task values) still hold. */
static void add_tasks(struct resources *sum, const struct map *tasks)
{
	struct map_iter it;
	void *v;

	map_iter_init(&it, (struct map *)tasks);
	while (map_iter_next(&it, NULL, &v)) {
		const struct master_task *t = v;
		if (!t->resources_released)
			res_add(sum, &t->resources);
	}
}

static void add_offers(struct resources *sum, const struct map *offers)
{
	struct map_iter it;
	void *v;

	map_iter_init(&it, (struct map *)offers);
	while (map_iter_next(&it, NULL, &v))
		res_add(sum, &((const struct offer *)v)->resources);
}

int alloc_check(const struct master *m, char *why, size_t why_size)
{
	struct resources sum = RESOURCES_EMPTY, cluster = RESOURCES_EMPTY;
	struct map_iter it;
	void *v;
	int r = 0;

	map_iter_init(&it, (struct map *)&m->agents);
	while (r == 0 && map_iter_next(&it, NULL, &v)) {
		const struct master_agent *a = v;
		add_offers(&sum, &a->offers);
		r = differs("the offered resources of agent", a->id, &a->offered, &sum, why,
			    why_size);
		res_free(&sum);
		add_tasks(&sum, &a->tasks);
		if (r == 0)
			r = differs("the used resources of agent", a->id, &a->used, &sum, why,
				    why_size);
		res_free(&sum);
		if (a->state == AGENT_CONNECTED)
			res_add(&cluster, &a->counted);
	}
	if (r == 0)
		r = differs("the cluster total of master", m->id, &m->cluster_total, &cluster, why,
			    why_size);
	map_iter_init(&it, (struct map *)&m->frameworks);
	while (r == 0 && map_iter_next(&it, NULL, &v)) {
		const struct framework *fw = v;
		if (fw->state == FW_REMOVED)
			continue;
		add_offers(&sum, &fw->offers);
		add_tasks(&sum, &fw->tasks);
		r = differs("the allocation of framework", fw->id, &fw->allocated, &sum, why,
			    why_size);
		res_free(&sum);
	}
	res_free(&cluster);
	return r;
}

void alloc_assert_balanced(const struct master *m)
{
#if AG_ASSERT_ACTIVE
	char why[1200];

	if (alloc_check(m, why, sizeof(why)) < 0)
		invariant_failed(why, __FILE__, __LINE__, true);
#else
	(void)m;
#endif
}

void alloc_init(struct master *m)
{
	map_init(&m->offers);
	map_init(&m->dirty_agents);
	m->alloc_event = event_new(m->base, -1, 0, on_alloc, m);
}

void alloc_fini(struct master *m)
{
	struct map_iter it;
	void *v;
	map_iter_init(&it, &m->offers);
	while (map_iter_next(&it, NULL, &v))
		offer_remove(v, false);
	map_clear(&m->offers);
	map_clear(&m->dirty_agents);
	if (m->alloc_event)
		event_free(m->alloc_event);
	res_free(&m->cluster_total);
}

struct offer *offer_find(struct master *m, const char *id)
{
	return map_get(&m->offers, id);
}

void alloc_release(struct framework *fw, struct master_agent *a, const struct resources *r)
{
	if (fw && NEVER(res_subtract(&fw->allocated, r) < 0)) {
		log_error("master: allocator: framework %s released more than it held", fw->id);
		res_free(&fw->allocated);
	}
	if (a)
		alloc_agent_changed(a);
}

void offer_consume(struct offer *o, struct resources *pool)
{
	struct master *m = o->fw->master;
	map_del(&m->offers, o->id);
	map_del(&o->fw->offers, o->id);
	map_del(&o->agent->offers, o->id);
	if (NEVER(res_subtract(&o->agent->offered, &o->resources) < 0))
		res_free(&o->agent->offered);
	res_add(pool, &o->resources);
	if (o->timer)
		event_free(o->timer);
	res_free(&o->resources);
	free(o);
}

void offer_remove(struct offer *o, bool rescind)
{
	struct master *m = o->fw->master;
	if (rescind)
		framework_send(o->fw, json_pack("{s:s, s:{s:o}}", "type", "RESCIND", "rescind",
						"offer_id", json_id(o->id)));
	map_del(&m->offers, o->id);
	map_del(&o->fw->offers, o->id);
	map_del(&o->agent->offers, o->id);
	if (NEVER(res_subtract(&o->agent->offered, &o->resources) < 0))
		res_free(&o->agent->offered);
	alloc_release(o->fw, o->agent, &o->resources);
	if (o->timer)
		event_free(o->timer);
	res_free(&o->resources);
	free(o);
}

static void on_filter_expired(evutil_socket_t fd, short what, void *arg)
{
	struct decline_filter *f = arg;
	struct framework *fw = f->fw;
	struct master_agent *a = map_get(&fw->master->agents, f->agent_id);
	(void)fd;
	(void)what;
	map_del(&fw->filters, f->agent_id);
	event_free(f->timer);
	free(f);
	if (a)
		alloc_agent_changed(a);
}

void alloc_decline(struct framework *fw, struct master_agent *a, double refuse_seconds)
{
	struct decline_filter *f;
	struct timeval tv;

	if (refuse_seconds > 31536000)
		refuse_seconds = 31536000;
	if (refuse_seconds <= 0) {
		alloc_agent_changed(a);
		return;
	}
	f = map_get(&fw->filters, a->id);
	if (!f) {
		f = xcalloc(1, sizeof(*f));
		f->fw = fw;
		str_copy(f->agent_id, a->id, sizeof(f->agent_id));
		f->timer = event_new(fw->master->base, -1, 0, on_filter_expired, f);
		map_put(&fw->filters, f->agent_id, f);
	}
	f->expires = now_mono() + refuse_seconds;
	tv.tv_sec = (time_t)refuse_seconds;
	tv.tv_usec = (suseconds_t)(fmod(refuse_seconds, 1.0) * 1e6);
	event_add(f->timer, &tv);
	/* Other frameworks may want what this one declined. */
	alloc_agent_changed(a);
}

void alloc_clear_filters(struct framework *fw)
{
	struct map_iter it;
	void *v;
	map_iter_init(&it, &fw->filters);
	while (map_iter_next(&it, NULL, &v)) {
		struct decline_filter *f = v;
		event_free(f->timer);
		free(f);
		map_iter_remove(&it);
	}
}
