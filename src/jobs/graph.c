/*
 * jobs/graph — the dependency graph of `agora jobs` (docs/chronos-api.md,
 * "Dependent jobs").
 *
 * The graph is not a separate structure: the only truth is each dependent
 * job's `parents` list in s->jobs. An edge parent → child exists when the
 * child lists the parent and the parent is a job; children are found by a
 * scan of s->jobs (O(jobs · parents), fine for the thousands of jobs a
 * Chronos holds, and nothing to keep in sync on create/replace/delete).
 *
 * Invariants:
 *  1. The graph is acyclic: the API asks graph_would_cycle() before it
 *     stores a dependent job, and re-parenting on delete cannot close a
 *     cycle (the deleted job's parents are ancestors of its children).
 *  2. Every job document this file changes is stored (jstore_put_job)
 *     before the in-memory job is replaced; engine_job_changed() follows
 *     so the engine re-arms timers and drops edge counters of lost parents.
 *  3. Output of graph_dot/graph_csv lists jobs sorted by name, so two calls
 *     on the same jobs give the same text.
 *
 * Runs on the service's one event loop; no I/O except the store.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "jobs/service.h"

#define GRAPH_TEXT_MAX (64u << 20) /* dot/csv output; far above any real job count */

static bool has_parent(const struct job *job, const char *name)
{
	if (job->kind != JOB_DEPENDENT)
		return false;
	for (size_t i = 0; i < job->parents.n; i++)
		if (!strcmp(job->parents.v[i], name))
			return true;
	return false;
}

size_t graph_children(struct jobsvc *s, const char *name, struct job_entry **out, size_t max)
{
	struct map_iter it;
	void *v;
	size_t n = 0;

	map_iter_init(&it, &s->jobs);
	while (map_iter_next(&it, NULL, &v)) {
		struct job_entry *e = v;
		if (!has_parent(e->job, name))
			continue;
		if (n < max)
			out[n] = e;
		n++;
	}
	return n; /* may exceed max: the caller sees how many it missed */
}

/*
 * Depth-first walk up the parents, starting at each new parent: a cycle
 * appears exactly when `name` is reached (or is itself a new parent).
 * Iterative, with an explicit stack and a visited set, so a deep chain
 * cannot overflow the C stack and a diamond is walked once.
 */
bool graph_would_cycle(struct jobsvc *s, const char *name, const struct job_strs *parents)
{
	size_t cap = map_count(&s->jobs) + parents->n + 1, top = 0;
	const char **stack = xcalloc(cap, sizeof(*stack));
	struct map visited;
	bool cycle = false;

	map_init(&visited);
	for (size_t i = 0; i < parents->n; i++)
		stack[top++] = parents->v[i];
	while (top && !cycle) {
		const char *cur = stack[--top];
		struct job_entry *e;

		if (!strcmp(cur, name)) {
			cycle = true;
			break;
		}
		if (map_get(&visited, cur))
			continue;
		map_put(&visited, cur, (void *)1);
		e = map_get(&s->jobs, cur);
		if (!e || e->job->kind != JOB_DEPENDENT)
			continue;
		for (size_t i = 0; i < e->job->parents.n; i++) {
			if (top == cap) {
				cap *= 2;
				stack = xreallocarray(stack, cap, sizeof(*stack));
			}
			stack[top++] = e->job->parents.v[i];
		}
	}
	map_clear(&visited);
	free(stack);
	return cycle;
}

/*
 * The child's document after `deleted` goes:
 *  - deleted is dependent: child.parents − deleted + deleted.parents;
 *  - deleted is scheduled and it was the child's only parent: the child
 *    becomes a scheduled job with deleted's schedule and time zone.
 *    Chronos rebuilds the child from a few basic fields and loses env,
 *    container, constraints, arguments, shell, runAsUser, concurrent...;
 *    agora keeps every field and only swaps parents for the schedule.
 *    (Chronos also converts children that have other parents; agora, as
 *    docs/chronos-api.md says, lets those simply lose the parent.)
 *  - otherwise the child just loses that parent.
 * Returns a new job the caller owns.
 */
static struct job *reparented(const struct job *child, const struct job *deleted)
{
	struct job *copy = job_copy(child);
	const char **parents;
	size_t n = 0;

	if (deleted->kind == JOB_SCHEDULED && child->parents.n == 1) {
		job_make_scheduled(copy, deleted->schedule,
				   deleted->schedule_time_zone ? deleted->schedule_time_zone : "");
		return copy;
	}
	parents = xcalloc(child->parents.n + deleted->parents.n + 1, sizeof(*parents));
	for (size_t i = 0; i < child->parents.n; i++)
		if (strcmp(child->parents.v[i], deleted->name))
			parents[n++] = child->parents.v[i];
	if (deleted->kind == JOB_DEPENDENT)
		for (size_t i = 0; i < deleted->parents.n; i++)
			parents[n++] = deleted->parents.v[i];
	job_make_dependent(copy, parents, n); /* copies and deduplicates */
	free(parents);
	return copy;
}

void graph_reparent_children(struct jobsvc *s, struct job_entry *deleted)
{
	size_t n = graph_children(s, deleted->job->name, NULL, 0);
	struct job_entry **kids;

	if (!n)
		return;
	kids = xcalloc(n, sizeof(*kids));
	n = graph_children(s, deleted->job->name, kids, n);
	for (size_t i = 0; i < n; i++) {
		struct job_entry *child = kids[i];
		struct job_entry tmp = *child;
		struct job *old = child->job;

		tmp.job = reparented(child->job, deleted->job);
		if (jstore_put_job(s, &tmp) < 0)
			log_error("jobs: cannot store job %s re-parented after deleting %s; the "
				  "change holds until a restart",
				  child->job->name, deleted->job->name);
		log_info("jobs: job %s lost its parent %s: now %s", child->job->name,
			 deleted->job->name,
			 tmp.job->kind == JOB_SCHEDULED ? "scheduled" : "depends on the rest");
		child->job = tmp.job;
		job_free(old);
		engine_job_changed(s, child);
	}
	free(kids);
}

/* ---- export ---- */

static int by_name(const void *a, const void *b)
{
	const struct job_entry *const *x = a, *const *y = b;
	return strcmp((*x)->job->name, (*y)->job->name);
}

struct job_entry **graph_sorted_entries(struct jobsvc *s, size_t *n_out)
{
	size_t n = 0, cap = map_count(&s->jobs);
	struct job_entry **v = xcalloc(cap + 1, sizeof(*v));
	struct map_iter it;
	void *e;

	map_iter_init(&it, &s->jobs);
	while (map_iter_next(&it, NULL, &e) && n < cap)
		v[n++] = e;
	qsort(v, n, sizeof(*v), by_name);
	*n_out = n;
	return v;
}

/* A growable text buffer with a ceiling. */
struct text {
	char *buf;
	size_t len, cap;
	bool full;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->full)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->full = true;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		if (t->cap * 2 > GRAPH_TEXT_MAX) {
			t->buf[t->len] = '\0';
			t->full = true;
			return;
		}
		t->cap *= 2;
		t->buf = xrealloc(t->buf, t->cap);
	}
}

static void text_init(struct text *t)
{
	t->cap = 4096;
	t->len = 0;
	t->full = false;
	t->buf = xmalloc(t->cap);
	t->buf[0] = '\0';
}

/* Index (0-based) of name in the sorted entries, or -1. */
static long find_sorted(struct job_entry **v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid]->job->name, name);
		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * Chronos prints jgrapht's DOTExporter output with integer vertex ids
 * (IntegerNameProvider, from 1) and the job name as the label:
 *   digraph G {
 *     1 [ label="a" ];
 *     1 -> 2;
 *   }
 * Job names are [\w.-]+, so labels need no escaping.
 */
char *graph_dot(struct jobsvc *s)
{
	size_t n;
	struct job_entry **v = graph_sorted_entries(s, &n);
	struct text t;

	text_init(&t);
	text_add(&t, "digraph G {\n");
	for (size_t i = 0; i < n; i++)
		text_add(&t, "  %zu [ label=\"%s\" ];\n", i + 1, v[i]->job->name);
	for (size_t i = 0; i < n; i++) {
		const struct job *child = v[i]->job;
		if (child->kind != JOB_DEPENDENT)
			continue;
		for (size_t p = 0; p < child->parents.n; p++) {
			long at = find_sorted(v, n, child->parents.v[p]);
			if (at >= 0)
				text_add(&t, "  %ld -> %zu;\n", at + 1, i + 1);
		}
	}
	text_add(&t, "}\n");
	free(v);
	return t.buf;
}

/* node,<name>,<lastState>,<currentState> lines, then link,<parent>,<child>. */
char *graph_csv(struct jobsvc *s)
{
	size_t n;
	struct job_entry **v = graph_sorted_entries(s, &n);
	struct text t;
	char state[64];

	text_init(&t);
	for (size_t i = 0; i < n; i++) {
		engine_job_state(v[i], state, sizeof(state));
		text_add(&t, "node,%s,%s,%s\n", v[i]->job->name, engine_job_status(v[i]), state);
	}
	for (size_t i = 0; i < n; i++) {
		const struct job *child = v[i]->job;
		if (child->kind != JOB_DEPENDENT)
			continue;
		for (size_t p = 0; p < child->parents.n; p++)
			if (find_sorted(v, n, child->parents.v[p]) >= 0)
				text_add(&t, "link,%s,%s\n", child->parents.v[p], child->name);
	}
	free(v);
	return t.buf;
}
