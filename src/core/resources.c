/*
 * resources — see resources.h for the value model and its invariants.
 *
 * What this file owns: the two parsers of outside input (the --resources
 * text form and protobuf-JSON Resource arrays), the three printers (JSON,
 * the /state summary, canonical text) and the arithmetic the allocator runs
 * on every offer cycle. It keeps no state; every function is pure over the
 * values it is given and runs in whichever loop calls it.
 *
 * Design notes:
 *  1. Parsers accept only what the printers can print back: names and roles
 *     come from [A-Za-z0-9_.-/] (roles also "*"), set items are printable
 *     ASCII without ",;{}" and without surrounding spaces. So for every
 *     parsed value v, parse(to_text(v)) == v and parse_json(to_json(v)) == v
 *     (the fuzzer checks both).
 *  2. Duplicate (name, role) entries in one input merge as Mesos does
 *     (scalars add, ranges and sets union); one name given with two types
 *     is an error. Zero scalars and empty ranges/sets are dropped at the
 *     end of a parse, so "cpus:0" is the empty value.
 *  3. Arithmetic keys entries on (name, role, type). Parsed values never
 *     hold two types for one (name, role), so this only matters for values
 *     built from two unrelated inputs, where it keeps the entries apart
 *     instead of corrupting one of them.
 *  4. Header bounds are enforced on input. Arithmetic cannot fail and does
 *     not re-check them: subtracting single ports from a range splits it,
 *     so a result may hold more than RES_MAX_RANGES ranges. Scalars are
 *     capped at RES_SCALAR_MAX on input and add with saturation.
 *  5. Range and set operations are single linear merges over the sorted
 *     arrays; entry lookup is a linear scan (at most a few dozen entries).
 */
#include "core/resources.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"

/* Set items are bounded by this many bytes, terminator included. */
#define RES_ITEM_MAX 256
/* Largest scalar accepted on input (1e12 MB of mem is an exabyte). */
#define RES_SCALAR_MAX 1e12
/* How much of an offending text entry an error message quotes. */
#define QUOTE_MAX 64

static const char *const type_names[] = { "SCALAR", "RANGES", "SET", "TEXT" };

/* ---- validation of names, roles, items ---- */

static bool name_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-' || c == '/';
}

/* NULL when name is a valid resource name, else why not. */
static const char *name_invalid(const char *name)
{
	size_t len = strnlen(name, RES_NAME_MAX);
	if (len == 0)
		return "missing resource name";
	if (len >= RES_NAME_MAX)
		return "resource name is longer than 63 bytes";
	for (size_t i = 0; i < len; i++)
		if (!name_char((unsigned char)name[i]))
			return "resource name may only hold letters, digits and '_.-/'";
	return NULL;
}

/* Mesos' role rules, on our narrower character set. */
static const char *role_invalid(const char *role)
{
	size_t len = strnlen(role, RES_NAME_MAX);
	const char *seg;

	if (len == 0)
		return "empty role";
	if (len >= RES_NAME_MAX)
		return "role is longer than 63 bytes";
	if (!strcmp(role, "*"))
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (!name_char((unsigned char)role[i]))
			return "role may only hold letters, digits and '_.-/' (or be '*')";
	if (role[0] == '-')
		return "role must not start with '-'";
	seg = role;
	for (;;) {
		size_t n = strcspn(seg, "/");
		if (n == 0)
			return "role has an empty path segment";
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return "role must not have '.' or '..' segments";
		if (!seg[n])
			break;
		seg += n + 1;
	}
	return NULL;
}

static const char *item_invalid(const char *item, size_t len)
{
	if (len == 0)
		return "empty set item";
	if (len >= RES_ITEM_MAX)
		return "set item is longer than 255 bytes";
	if (item[0] == ' ' || item[len - 1] == ' ')
		return "set item has surrounding spaces";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)item[i];
		if (c < 0x20 || c > 0x7e || c == ',' || c == ';' || c == '{' || c == '}')
			return "set item may only hold printable ASCII other than ',;{}'";
	}
	return NULL;
}

/* ---- entries ---- */

static void entry_free(struct resource *e)
{
	free(e->ranges);
	for (size_t i = 0; i < e->nitems; i++)
		free(e->items[i]);
	free(e->items);
	e->ranges = NULL;
	e->nranges = 0;
	e->items = NULL;
	e->nitems = 0;
}

static void entry_copy(struct resource *dst, const struct resource *src)
{
	*dst = *src;
	dst->ranges = NULL;
	dst->items = NULL;
	if (src->nranges) {
		dst->ranges = xreallocarray(NULL, src->nranges, sizeof(*dst->ranges));
		memcpy(dst->ranges, src->ranges, src->nranges * sizeof(*dst->ranges));
	}
	if (src->nitems) {
		dst->items = xreallocarray(NULL, src->nitems, sizeof(*dst->items));
		for (size_t i = 0; i < src->nitems; i++)
			dst->items[i] = xstrdup(src->items[i]);
	}
}

static bool entry_empty(const struct resource *e)
{
	switch (e->type) {
	case RES_SCALAR:
		return e->scalar_milli <= 0;
	case RES_RANGES:
		return e->nranges == 0;
	case RES_SET:
		return e->nitems == 0;
	}
	return true;
}

static struct resource *find_typed(const struct resources *r, const char *name, const char *role,
				   enum res_type type)
{
	for (size_t i = 0; i < r->n; i++) {
		struct resource *e = &r->v[i];
		if (e->type == type && !strcmp(e->name, name) && !strcmp(e->role, role))
			return e;
	}
	return NULL;
}

static struct resource *append_entry(struct resources *r)
{
	struct resource *e;
	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	e = &r->v[r->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

static void remove_entry(struct resources *r, size_t i)
{
	entry_free(&r->v[i]);
	memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(*r->v));
	r->n--;
	if (r->n == 0) {
		free(r->v);
		r->v = NULL;
	}
}

static void drop_empty(struct resources *r)
{
	size_t i = 0;
	while (i < r->n) {
		if (entry_empty(&r->v[i]))
			remove_entry(r, i);
		else
			i++;
	}
}

static int64_t add_sat(int64_t a, int64_t b)
{
	int64_t s;
	if (__builtin_add_overflow(a, b, &s))
		return INT64_MAX;
	return s;
}

/* ---- ranges: sorted, merged arrays ---- */

static int range_cmp(const void *pa, const void *pb)
{
	const struct res_range *a = pa, *b = pb;
	if (a->begin != b->begin)
		return a->begin < b->begin ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return 0;
}

/* Appends r to out[0..*n), coalescing with the last range when they touch. */
static void range_push(struct res_range *out, size_t *n, struct res_range r)
{
	if (*n) {
		struct res_range *last = &out[*n - 1];
		if (last->end == UINT64_MAX || last->end + 1 >= r.begin) {
			if (r.end > last->end)
				last->end = r.end;
			return;
		}
	}
	out[(*n)++] = r;
}

/* Sorts and merges v in place; returns the new count. */
static size_t ranges_normalize(struct res_range *v, size_t n)
{
	size_t out = 0;
	if (n < 2)
		return n;
	qsort(v, n, sizeof(*v), range_cmp);
	for (size_t i = 0; i < n; i++)
		range_push(v, &out, v[i]);
	return out;
}

/* e->ranges := e->ranges ∪ b; one linear merge. */
static void ranges_union(struct resource *e, const struct res_range *b, size_t nb)
{
	const struct res_range *a = e->ranges;
	size_t na = e->nranges, i = 0, j = 0, n = 0;
	struct res_range *out;

	if (!nb)
		return;
	out = xreallocarray(NULL, na + nb, sizeof(*out));
	while (i < na || j < nb) {
		if (j >= nb || (i < na && a[i].begin <= b[j].begin))
			range_push(out, &n, a[i++]);
		else
			range_push(out, &n, b[j++]);
	}
	free(e->ranges);
	e->ranges = out;
	e->nranges = n;
}

/* Every range of sub lies inside one range of sup (both normalized). */
static bool ranges_subset(const struct res_range *sub, size_t nsub, const struct res_range *sup,
			  size_t nsup)
{
	size_t j = 0;
	for (size_t i = 0; i < nsub; i++) {
		while (j < nsup && sup[j].end < sub[i].begin)
			j++;
		if (j >= nsup || sup[j].begin > sub[i].begin || sup[j].end < sub[i].end)
			return false;
	}
	return true;
}

/* e->ranges := e->ranges \ b; one linear pass. */
static void ranges_difference(struct resource *e, const struct res_range *b, size_t nb)
{
	const struct res_range *a = e->ranges;
	size_t na = e->nranges, j = 0, n = 0;
	struct res_range *out;

	if (!nb || !na)
		return;
	out = xreallocarray(NULL, na + nb, sizeof(*out));
	for (size_t i = 0; i < na; i++) {
		uint64_t cur = a[i].begin, end = a[i].end;
		bool done = false;

		while (j < nb && b[j].end < cur)
			j++;
		for (size_t k = j; k < nb && b[k].begin <= end; k++) {
			if (b[k].begin > cur)
				out[n++] = (struct res_range){ cur, b[k].begin - 1 };
			if (b[k].end >= end) {
				done = true;
				break;
			}
			cur = b[k].end + 1;
			j = k + 1;
		}
		if (!done)
			out[n++] = (struct res_range){ cur, end };
	}
	free(e->ranges);
	if (!n) {
		free(out);
		out = NULL;
	}
	e->ranges = out;
	e->nranges = n;
}

/* ---- sets: sorted, unique arrays of owned strings ---- */

static int item_cmp(const void *pa, const void *pb)
{
	const char *const *a = pa, *const *b = pb;
	return strcmp(*a, *b);
}

/* Sorts v and frees duplicates; returns the new count. */
static size_t items_normalize(char **v, size_t n)
{
	size_t out = 0;
	if (n < 2)
		return n;
	qsort(v, n, sizeof(*v), item_cmp);
	for (size_t i = 0; i < n; i++) {
		if (out && !strcmp(v[out - 1], v[i]))
			free(v[i]);
		else
			v[out++] = v[i];
	}
	return out;
}

/* e->items := e->items ∪ b; e's strings move, b's are copied. */
static void items_union(struct resource *e, char *const *b, size_t nb)
{
	char **a = e->items, **out;
	size_t na = e->nitems, i = 0, j = 0, n = 0;

	if (!nb)
		return;
	out = xreallocarray(NULL, na + nb, sizeof(*out));
	while (i < na || j < nb) {
		int c = i >= na ? 1 : j >= nb ? -1 : strcmp(a[i], b[j]);
		if (c <= 0) {
			out[n++] = a[i++];
			if (c == 0)
				j++;
		} else {
			out[n++] = xstrdup(b[j++]);
		}
	}
	free(e->items);
	e->items = out;
	e->nitems = n;
}

static bool items_subset(char *const *sub, size_t nsub, char *const *sup, size_t nsup)
{
	size_t j = 0;
	for (size_t i = 0; i < nsub; i++) {
		int c = 1;
		while (j < nsup && (c = strcmp(sup[j], sub[i])) < 0)
			j++;
		if (j >= nsup || c != 0)
			return false;
		j++;
	}
	return true;
}

/* e->items := e->items \ b, in place. */
static void items_difference(struct resource *e, char *const *b, size_t nb)
{
	size_t n = 0, j = 0;
	for (size_t i = 0; i < e->nitems; i++) {
		int c = 1;
		while (j < nb && (c = strcmp(b[j], e->items[i])) < 0)
			j++;
		if (j < nb && c == 0)
			free(e->items[i]);
		else
			e->items[n++] = e->items[i];
	}
	e->nitems = n;
	if (!n) {
		free(e->items);
		e->items = NULL;
	}
}

/* ---- entry arithmetic (same name, role and type) ---- */

static void entry_add(struct resource *dst, const struct resource *src)
{
	switch (dst->type) {
	case RES_SCALAR:
		dst->scalar_milli = add_sat(dst->scalar_milli, src->scalar_milli);
		break;
	case RES_RANGES:
		ranges_union(dst, src->ranges, src->nranges);
		break;
	case RES_SET:
		items_union(dst, src->items, src->nitems);
		break;
	}
}

static bool entry_contains(const struct resource *a, const struct resource *b)
{
	switch (a->type) {
	case RES_SCALAR:
		return a->scalar_milli >= b->scalar_milli;
	case RES_RANGES:
		return ranges_subset(b->ranges, b->nranges, a->ranges, a->nranges);
	case RES_SET:
		return items_subset(b->items, b->nitems, a->items, a->nitems);
	}
	return false;
}

static bool entry_equal(const struct resource *a, const struct resource *b)
{
	if (a->type != b->type || strcmp(a->name, b->name) || strcmp(a->role, b->role))
		return false;
	switch (a->type) {
	case RES_SCALAR:
		return a->scalar_milli == b->scalar_milli;
	case RES_RANGES:
		return a->nranges == b->nranges &&
		       (!a->nranges ||
			!memcmp(a->ranges, b->ranges, a->nranges * sizeof(*a->ranges)));
	case RES_SET:
		if (a->nitems != b->nitems)
			return false;
		for (size_t i = 0; i < a->nitems; i++)
			if (strcmp(a->items[i], b->items[i]))
				return false;
		return true;
	}
	return false;
}

/* a += e (an entry not owned by a). */
static void add_entry(struct resources *a, const struct resource *e)
{
	struct resource *dst;
	if (entry_empty(e))
		return;
	dst = find_typed(a, e->name, e->role, e->type);
	if (dst)
		entry_add(dst, e);
	else
		entry_copy(append_entry(a), e);
}

/*
 * Adds the parsed entry tmp (ownership taken) to acc, applying the input
 * rules: one type per name, and the header bounds. Returns 0, or -EINVAL
 * with the reason in why.
 */
static int accumulate(struct resources *acc, struct resource *tmp, char *why, size_t whylen)
{
	struct resource *dst = NULL;
	int r = 0;

	for (size_t i = 0; i < acc->n; i++) {
		struct resource *e = &acc->v[i];
		if (strcmp(e->name, tmp->name))
			continue;
		if (e->type != tmp->type) {
			r = str_fail(why, whylen, -EINVAL, "'%s' was already given as %s", e->name,
				   e->type == RES_SCALAR   ? "a scalar"
				   : e->type == RES_RANGES ? "ranges"
							   : "a set");
			goto out;
		}
		if (!strcmp(e->role, tmp->role))
			dst = e;
	}
	if (!dst) {
		if (acc->n >= RES_MAX_ENTRIES) {
			r = str_fail(why, whylen, -EINVAL, "more than %d resources", RES_MAX_ENTRIES);
			goto out;
		}
		*append_entry(acc) = *tmp;
		memset(tmp, 0, sizeof(*tmp));
		return 0;
	}
	entry_add(dst, tmp);
	if (dst->type == RES_SCALAR && dst->scalar_milli > llround(RES_SCALAR_MAX * 1000.0))
		r = str_fail(why, whylen, -EINVAL, "'%s' adds up to more than %.0f", dst->name,
			   RES_SCALAR_MAX);
	else if (dst->nranges > RES_MAX_RANGES)
		r = str_fail(why, whylen, -EINVAL, "more than %d ranges", RES_MAX_RANGES);
	else if (dst->nitems > RES_MAX_ITEMS)
		r = str_fail(why, whylen, -EINVAL, "more than %d set items", RES_MAX_ITEMS);
out:
	entry_free(tmp);
	return r;
}

/* Value checks common to both parsers. */
static int scalar_milli(const char *name, double v, int64_t *milli, char *why, size_t whylen)
{
	if (!isfinite(v))
		return str_fail(why, whylen, -EINVAL, "expected a finite number");
	if (v < 0)
		return str_fail(why, whylen, -EINVAL, "must not be negative");
	if (v > RES_SCALAR_MAX)
		return str_fail(why, whylen, -EINVAL, "larger than %.0f", RES_SCALAR_MAX);
	if (!strcmp(name, "gpus") && v != floor(v))
		return str_fail(why, whylen, -EINVAL, "gpus must be a whole number");
	*milli = llround(v * 1000.0);
	return 0;
}

/* ---- text parser ---- */

/* [0-9]+[.[0-9]*] | .[0-9]+, then an optional exponent. */
static bool is_decimal(const char *s)
{
	size_t i = 0, digits = 0;
	while (isdigit((unsigned char)s[i]))
		i++, digits++;
	if (s[i] == '.') {
		i++;
		while (isdigit((unsigned char)s[i]))
			i++, digits++;
	}
	if (!digits)
		return false;
	if (s[i] == 'e' || s[i] == 'E') {
		i++;
		if (s[i] == '+' || s[i] == '-')
			i++;
		if (!isdigit((unsigned char)s[i]))
			return false;
		while (isdigit((unsigned char)s[i]))
			i++;
	}
	return s[i] == '\0';
}

/* Span [s, s+n) without surrounding whitespace. */
static void span_trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static int span_u64(const char *s, size_t n, uint64_t *out)
{
	char buf[24];
	span_trim(&s, &n);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return parse_uint64(buf, out);
}

static int text_ranges(const char *inner, struct resource *e, char *why, size_t whylen)
{
	size_t len = strlen(inner), count = 1, n = 0;
	const char *p = inner;

	span_trim(&p, &len);
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		count += p[i] == ',';
	if (count > RES_MAX_RANGES)
		return str_fail(why, whylen, -EINVAL, "more than %d ranges", RES_MAX_RANGES);
	e->ranges = xreallocarray(NULL, count, sizeof(*e->ranges));
	for (;;) {
		const char *comma = memchr(p, ',', len);
		size_t plen = comma ? (size_t)(comma - p) : len;
		const char *piece = p, *dash;
		size_t piece_len = plen;
		struct res_range rg;

		span_trim(&piece, &piece_len);
		if (!piece_len)
			return str_fail(why, whylen, -EINVAL, "empty range");
		dash = memchr(piece, '-', piece_len);
		if (!dash)
			return str_fail(why, whylen, -EINVAL, "range '%.*s' must be begin-end, e.g. [%.*s-%.*s]",
				      (int)(piece_len > 32 ? 32 : piece_len), piece,
				      (int)(piece_len > 20 ? 20 : piece_len), piece,
				      (int)(piece_len > 20 ? 20 : piece_len), piece);
		if (span_u64(piece, (size_t)(dash - piece), &rg.begin) < 0 ||
		    span_u64(dash + 1, piece_len - (size_t)(dash - piece) - 1, &rg.end) < 0)
			return str_fail(why, whylen, -EINVAL,
				      "range '%.*s' is not begin-end with unsigned integers",
				      (int)(piece_len > 48 ? 48 : piece_len), piece);
		if (rg.begin > rg.end)
			return str_fail(why, whylen, -EINVAL, "range '%.*s' has begin > end",
				      (int)(piece_len > 48 ? 48 : piece_len), piece);
		e->ranges[n++] = rg;
		e->nranges = n;
		if (!comma)
			break;
		len -= plen + 1;
		p = comma + 1;
	}
	e->nranges = ranges_normalize(e->ranges, n);
	return 0;
}

static int text_set(const char *inner, struct resource *e, char *why, size_t whylen)
{
	size_t len = strlen(inner), count = 1;
	const char *p = inner;

	span_trim(&p, &len);
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		count += p[i] == ',';
	if (count > RES_MAX_ITEMS)
		return str_fail(why, whylen, -EINVAL, "more than %d set items", RES_MAX_ITEMS);
	e->items = xreallocarray(NULL, count, sizeof(*e->items));
	for (;;) {
		const char *comma = memchr(p, ',', len);
		size_t plen = comma ? (size_t)(comma - p) : len;
		const char *item = p, *bad;
		size_t item_len = plen;

		span_trim(&item, &item_len);
		bad = item_invalid(item, item_len);
		if (bad)
			return str_fail(why, whylen, -EINVAL, "%s", bad);
		e->items[e->nitems++] = xstrndup(item, item_len);
		if (!comma)
			break;
		len -= plen + 1;
		p = comma + 1;
	}
	e->nitems = items_normalize(e->items, e->nitems);
	return 0;
}

/* value is trimmed and may be modified. */
static int text_value(char *value, struct resource *e, char *why, size_t whylen)
{
	size_t len = strlen(value);
	double v;

	if (value[0] == '[') {
		e->type = RES_RANGES;
		if (len < 2 || value[len - 1] != ']')
			return str_fail(why, whylen, -EINVAL, "expected ']' at the end of the ranges");
		value[len - 1] = '\0';
		return text_ranges(value + 1, e, why, whylen);
	}
	if (value[0] == '{') {
		e->type = RES_SET;
		if (len < 2 || value[len - 1] != '}')
			return str_fail(why, whylen, -EINVAL, "expected '}' at the end of the set");
		value[len - 1] = '\0';
		return text_set(value + 1, e, why, whylen);
	}
	e->type = RES_SCALAR;
	if (value[0] == '-' && is_decimal(value + 1))
		return str_fail(why, whylen, -EINVAL, "must not be negative");
	if (!is_decimal(value) || parse_double(value, &v) < 0)
		return str_fail(why, whylen, -EINVAL, "expected a number, a [range] or a {set}");
	return scalar_milli(e->name, v, &e->scalar_milli, why, whylen);
}

/* One "name(role):value" token, trimmed and modifiable. */
static int text_entry(char *tok, const char *default_role, struct resources *acc, char *err,
		      size_t errlen)
{
	char quote[QUOTE_MAX + 4], why[160];
	struct resource tmp = { 0 };
	char *colon, *key, *value, *paren, *role = NULL;
	const char *bad;
	size_t toklen = strlen(tok);
	int r;

	str_copy(quote, tok, QUOTE_MAX + 1);
	if (toklen > QUOTE_MAX)
		str_append(quote, "...", sizeof(quote));

	colon = strchr(tok, ':');
	if (!colon)
		return str_fail(err, errlen, -EINVAL, "resources: '%s': expected name:value", quote);
	*colon = '\0';
	key = str_trim(tok);
	value = str_trim(colon + 1);
	paren = strchr(key, '(');
	if (paren) {
		size_t rlen;
		*paren = '\0';
		role = paren + 1;
		rlen = strlen(role);
		if (!rlen || role[rlen - 1] != ')')
			return str_fail(err, errlen, -EINVAL, "resources: '%s': expected ')' after the role",
				      quote);
		role[rlen - 1] = '\0';
		role = str_trim(role);
		key = str_trim(key);
		bad = role_invalid(role);
		if (bad)
			return str_fail(err, errlen, -EINVAL, "resources: '%s': %s", quote, bad);
	}
	bad = name_invalid(key);
	if (bad)
		return str_fail(err, errlen, -EINVAL, "resources: '%s': %s", quote, bad);
	if (!*value)
		return str_fail(err, errlen, -EINVAL,
			      "resources: '%s': expected a number, a [range] or a {set}", quote);
	str_copy(tmp.name, key, sizeof(tmp.name));
	str_copy(tmp.role, role ? role : default_role, sizeof(tmp.role));
	r = text_value(value, &tmp, why, sizeof(why));
	if (r == 0)
		r = accumulate(acc, &tmp, why, sizeof(why)); /* takes tmp */
	entry_free(&tmp);
	if (r < 0)
		return str_fail(err, errlen, -EINVAL, "resources: '%s': %s", quote, why);
	return 0;
}

static int check_default_role(const char **default_role, char *err, size_t errlen)
{
	const char *bad;
	if (!*default_role)
		*default_role = "*";
	bad = role_invalid(*default_role);
	if (bad)
		return str_fail(err, errlen, -EINVAL, "resources: default role '%.*s': %s", QUOTE_MAX,
			      *default_role, bad);
	return 0;
}

int res_parse_text(const char *text, const char *default_role, struct resources *out,
		   char *err, size_t errlen)
{
	struct resources acc = RESOURCES_EMPTY;
	char *copy = NULL, *p;
	size_t len;
	int r;

	*out = RESOURCES_EMPTY;
	if (err && errlen)
		err[0] = '\0';
	if (!text)
		return str_fail(err, errlen, -EINVAL, "resources: no text given");
	r = check_default_role(&default_role, err, errlen);
	if (r)
		return r;
	len = strnlen(text, RES_MAX_TEXT + 1);
	if (len > RES_MAX_TEXT)
		return str_fail(err, errlen, -EINVAL, "resources: longer than %d bytes", RES_MAX_TEXT);
	copy = xstrndup(text, len);
	p = copy;
	while (p) {
		char *semi = strchr(p, ';'), *tok;
		if (semi)
			*semi = '\0';
		tok = str_trim(p);
		if (*tok) {
			r = text_entry(tok, default_role, &acc, err, errlen);
			if (r)
				goto out;
		}
		p = semi ? semi + 1 : NULL;
	}
	drop_empty(&acc);
	*out = acc;
	acc = RESOURCES_EMPTY;
out:
	res_free(&acc);
	free(copy);
	return r;
}

/* ---- JSON parser ---- */

static int jget_u64(const json_t *obj, const char *key, const char *path, uint64_t *out,
		    struct jerr *je)
{
	json_t *v = jget(obj, key);
	if (!v)
		return jerr_set(je, path, key, "required field is missing");
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return jerr_set(je, path, key, "must not be negative");
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d >= 0 && d == floor(d) && d < 18446744073709551616.0) {
			*out = (uint64_t)d;
			return 0;
		}
	}
	if (json_is_string(v) && parse_uint64(json_string_value(v), out) == 0)
		return 0;
	return jerr_set(je, path, key, "expected an unsigned integer");
}

static int json_scalar(const json_t *obj, const char *epath, struct resource *e, struct jerr *je)
{
	char spath[256], why[160];
	json_t *scalar;
	double v;
	int r;

	r = jget_obj(obj, "scalar", epath, true, &scalar, je);
	if (r)
		return r;
	jpath(spath, sizeof(spath), epath, "scalar");
	r = jget_double(scalar, "value", spath, true, &v, je);
	if (r)
		return r;
	if (scalar_milli(e->name, v, &e->scalar_milli, why, sizeof(why)) < 0)
		return jerr_set(je, spath, "value", "%s", why);
	return 0;
}

static int json_ranges(const json_t *obj, const char *epath, struct resource *e, struct jerr *je)
{
	char rpath[256], ipath[288];
	json_t *ranges, *arr = NULL;
	int r;

	r = jget_obj(obj, "ranges", epath, true, &ranges, je);
	if (r)
		return r;
	jpath(rpath, sizeof(rpath), epath, "ranges");
	r = jget_array(ranges, "range", rpath, false, RES_MAX_RANGES, &arr, je);
	if (r < 0)
		return r;
	if (r == 1 || json_array_size(arr) == 0)
		return 0;
	jpath(rpath, sizeof(rpath), epath, "ranges.range");
	e->ranges = xreallocarray(NULL, json_array_size(arr), sizeof(*e->ranges));
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *rg = json_array_get(arr, i);
		struct res_range v;

		jpath_index(ipath, sizeof(ipath), rpath, i);
		if (!json_is_object(rg))
			return jerr_set(je, ipath, NULL, "expected an object");
		if ((r = jget_u64(rg, "begin", ipath, &v.begin, je)) < 0 ||
		    (r = jget_u64(rg, "end", ipath, &v.end, je)) < 0)
			return r;
		if (v.begin > v.end)
			return jerr_set(je, ipath, NULL, "begin %" PRIu64 " > end %" PRIu64,
					v.begin, v.end);
		e->ranges[e->nranges++] = v;
	}
	e->nranges = ranges_normalize(e->ranges, e->nranges);
	return 0;
}

static int json_set(const json_t *obj, const char *epath, struct resource *e, struct jerr *je)
{
	char spath[256], ipath[288];
	json_t *set, *arr = NULL;
	int r;

	r = jget_obj(obj, "set", epath, true, &set, je);
	if (r)
		return r;
	jpath(spath, sizeof(spath), epath, "set");
	r = jget_array(set, "item", spath, false, RES_MAX_ITEMS, &arr, je);
	if (r < 0)
		return r;
	if (r == 1 || json_array_size(arr) == 0)
		return 0;
	jpath(spath, sizeof(spath), epath, "set.item");
	e->items = xreallocarray(NULL, json_array_size(arr), sizeof(*e->items));
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *item = json_array_get(arr, i);
		const char *s, *bad;
		size_t len;

		jpath_index(ipath, sizeof(ipath), spath, i);
		if (!json_is_string(item))
			return jerr_set(je, ipath, NULL, "expected a string");
		s = json_string_value(item);
		len = json_string_length(item);
		bad = strlen(s) != len ? "contains a NUL byte" : item_invalid(s, len);
		if (bad)
			return jerr_set(je, ipath, NULL, "%s", bad);
		e->items[e->nitems++] = xstrdup(s);
	}
	e->nitems = items_normalize(e->items, e->nitems);
	return 0;
}

/*
 * The role: "role" when set; else the role of the last entry of a
 * refinement-format "reservations" array; else the default.
 */
static int json_role(const json_t *obj, const char *epath, const char *default_role,
		     const char **role, struct jerr *je)
{
	char rpath[256], lpath[288];
	const json_t *resv, *last;
	const char *bad;
	int r;

	r = jget_str(obj, "role", epath, false, RES_NAME_MAX - 1, role, je);
	if (r < 0)
		return r;
	if (r == 0) {
		bad = role_invalid(*role);
		return bad ? jerr_set(je, epath, "role", "%s", bad) : 0;
	}
	*role = default_role;
	resv = jget(obj, "reservations");
	if (!json_is_array(resv) || json_array_size(resv) == 0)
		return 0;
	last = json_array_get(resv, json_array_size(resv) - 1);
	jpath(rpath, sizeof(rpath), epath, "reservations");
	jpath_index(lpath, sizeof(lpath), rpath, json_array_size(resv) - 1);
	r = jget_str(last, "role", lpath, false, RES_NAME_MAX - 1, role, je);
	if (r < 0)
		return r;
	if (r == 1) {
		*role = default_role;
		return 0;
	}
	bad = role_invalid(*role);
	return bad ? jerr_set(je, lpath, "role", "%s", bad) : 0;
}

static int json_entry(const json_t *obj, const char *epath, const char *default_role,
		      struct resource *e, struct jerr *je)
{
	static const char *const payload[] = { "scalar", "ranges", "set" };
	const char *name, *role, *bad;
	int type, r;

	if (!json_is_object(obj))
		return jerr_set(je, epath, NULL, "expected an object");
	r = jget_str(obj, "name", epath, true, RES_NAME_MAX - 1, &name, je);
	if (r)
		return r;
	bad = name_invalid(name);
	if (bad)
		return jerr_set(je, epath, "name", "%s", bad);
	r = jget_enum(obj, "type", epath, true, type_names, ARRAY_LEN(type_names), &type, je);
	if (r)
		return r;
	if (type > RES_SET)
		return jerr_set(je, epath, "type", "%s is not a valid resource type",
				type_names[type]);
	r = json_role(obj, epath, default_role, &role, je);
	if (r)
		return r;
	for (int t = RES_SCALAR; t <= RES_SET; t++)
		if (t != type && jget(obj, payload[t]))
			return jerr_set(je, epath, payload[t], "not allowed with type %s",
					type_names[type]);
	str_copy(e->name, name, sizeof(e->name));
	str_copy(e->role, role, sizeof(e->role));
	e->type = (enum res_type)type;
	switch (e->type) {
	case RES_SCALAR:
		return json_scalar(obj, epath, e, je);
	case RES_RANGES:
		return json_ranges(obj, epath, e, je);
	case RES_SET:
		return json_set(obj, epath, e, je);
	}
	return -EINVAL;
}

static int parse_json(const json_t *array, const char *path, const char *default_role,
		      struct resources *out, char *err, size_t errlen)
{
	struct resources acc = RESOURCES_EMPTY;
	struct jerr je = { { 0 } };
	char epath[256], why[160];
	int r = 0;

	if (!path || !*path)
		path = "resources";
	if (!json_is_array(array)) {
		r = jerr_set(&je, path, NULL, "expected an array");
		goto out;
	}
	if (json_array_size(array) > RES_MAX_ENTRIES) {
		r = jerr_set(&je, path, NULL, "more than %d resources", RES_MAX_ENTRIES);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(array); i++) {
		struct resource tmp = { 0 };

		jpath_index(epath, sizeof(epath), path, i);
		r = json_entry(json_array_get(array, i), epath, default_role, &tmp, &je);
		if (r == 0 && (r = accumulate(&acc, &tmp, why, sizeof(why))) < 0)
			jerr_set(&je, epath, NULL, "%s", why);
		entry_free(&tmp);
		if (r)
			goto out;
	}
	drop_empty(&acc);
	*out = acc;
	acc = RESOURCES_EMPTY;
out:
	if (r)
		str_fail(err, errlen, -EINVAL, "%s", je.msg);
	res_free(&acc);
	return r;
}

int res_parse_json(const json_t *array, const char *path, struct resources *out, char *err,
		   size_t errlen)
{
	*out = RESOURCES_EMPTY;
	return parse_json(array, path, "*", out, err, errlen);
}

int res_parse(const char *text, const char *default_role, struct resources *out, char *err,
	      size_t errlen)
{
	struct jerr je = { { 0 } };
	const char *p = text;
	json_t *doc;
	size_t len;
	int r;

	*out = RESOURCES_EMPTY;
	if (!text)
		return str_fail(err, errlen, -EINVAL, "resources: no text given");
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '[')
		return res_parse_text(text, default_role, out, err, errlen);
	r = check_default_role(&default_role, err, errlen);
	if (r)
		return r;
	len = strnlen(text, RES_MAX_TEXT + 1);
	doc = json_parse_bounded(text, len, RES_MAX_TEXT, "resources", &je);
	if (!doc)
		return str_fail(err, errlen, -EINVAL, "%s", je.msg);
	r = parse_json(doc, "resources", default_role, out, err, errlen);
	json_decref(doc);
	return r;
}

/* ---- printers ---- */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_u64(struct sbuf *b, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRIu64, v);
	sb_put(b, num, (size_t)n);
}

/* Thousandths as the shortest decimal: 100 -> "0.1", 4000 -> "4". */
static void sb_milli(struct sbuf *b, int64_t milli)
{
	char num[32];
	int n;
	if (milli % 1000 == 0) {
		n = snprintf(num, sizeof(num), "%" PRId64, milli / 1000);
	} else {
		n = snprintf(num, sizeof(num), "%" PRId64 ".%03" PRId64, milli / 1000,
			     milli % 1000);
		while (n > 0 && num[n - 1] == '0')
			n--;
	}
	sb_put(b, num, (size_t)n);
}

/* Ranges or set payload, with sep between elements. */
static void sb_payload(struct sbuf *b, const struct resource *e, const char *sep)
{
	if (e->type == RES_RANGES) {
		sb_str(b, "[");
		for (size_t i = 0; i < e->nranges; i++) {
			if (i)
				sb_str(b, sep);
			sb_u64(b, e->ranges[i].begin);
			sb_str(b, "-");
			sb_u64(b, e->ranges[i].end);
		}
		sb_str(b, "]");
	} else if (e->type == RES_SET) {
		sb_str(b, "{");
		for (size_t i = 0; i < e->nitems; i++) {
			if (i)
				sb_str(b, sep);
			sb_str(b, e->items[i]);
		}
		sb_str(b, "}");
	} else {
		sb_milli(b, e->scalar_milli);
	}
}

static json_t *json_u64(uint64_t v)
{
	char num[24];
	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(num, sizeof(num), "%" PRIu64, v);
	return json_string(num);
}

json_t *res_to_json(const struct resources *r)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < r->n; i++) {
		const struct resource *e = &r->v[i];
		json_t *o = json_object(), *list;

		json_object_set_new(o, "name", json_string(e->name));
		json_object_set_new(o, "type", json_string(type_names[e->type]));
		switch (e->type) {
		case RES_SCALAR:
			json_object_set_new(o, "scalar",
					    json_pack("{s:f}", "value", e->scalar_milli / 1000.0));
			break;
		case RES_RANGES:
			list = json_array();
			for (size_t k = 0; k < e->nranges; k++) {
				json_t *rg = json_object();
				json_object_set_new(rg, "begin", json_u64(e->ranges[k].begin));
				json_object_set_new(rg, "end", json_u64(e->ranges[k].end));
				json_array_append_new(list, rg);
			}
			json_object_set_new(o, "ranges", json_pack("{s:o}", "range", list));
			break;
		case RES_SET:
			list = json_array();
			for (size_t k = 0; k < e->nitems; k++)
				json_array_append_new(list, json_string(e->items[k]));
			json_object_set_new(o, "set", json_pack("{s:o}", "item", list));
			break;
		}
		json_object_set_new(o, "role", json_string(e->role));
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *res_to_summary(const struct resources *r)
{
	static const char *const standard[] = { "cpus", "gpus", "mem", "disk" };
	struct resources merged = RESOURCES_EMPTY;
	json_t *obj = json_object();

	/* Roles fold together: one entry per (name, type). */
	for (size_t i = 0; i < r->n; i++) {
		struct resource tmp = r->v[i];
		str_copy(tmp.role, "*", sizeof(tmp.role));
		add_entry(&merged, &tmp);
	}
	for (size_t i = 0; i < ARRAY_LEN(standard); i++)
		json_object_set_new(obj, standard[i], json_real(0.0));
	for (size_t i = 0; i < merged.n; i++) {
		const struct resource *e = &merged.v[i];
		bool is_standard = false;
		struct sbuf b = { 0 };

		for (size_t k = 0; k < ARRAY_LEN(standard); k++)
			is_standard |= !strcmp(e->name, standard[k]);
		if (e->type == RES_SCALAR) {
			if (is_standard || !json_object_get(obj, e->name))
				json_object_set_new(obj, e->name,
						    json_real(e->scalar_milli / 1000.0));
			continue;
		}
		if (is_standard || json_object_get(obj, e->name))
			continue;
		sb_payload(&b, e, ", ");
		json_object_set_new(obj, e->name, json_string(b.p));
		free(b.p);
	}
	res_free(&merged);
	return obj;
}

int res_to_text(const struct resources *r, char *buf, size_t size)
{
	struct sbuf b = { 0 };
	int rc = 0;

	sb_str(&b, "");
	for (size_t i = 0; i < r->n; i++) {
		const struct resource *e = &r->v[i];
		if (i)
			sb_str(&b, ";");
		sb_str(&b, e->name);
		if (strcmp(e->role, "*")) {
			sb_str(&b, "(");
			sb_str(&b, e->role);
			sb_str(&b, ")");
		}
		sb_str(&b, ":");
		sb_payload(&b, e, ",");
	}
	if (b.len >= size)
		rc = -ENAMETOOLONG;
	if (size)
		str_copy(buf, b.p, size);
	free(b.p);
	return rc;
}

/* ---- arithmetic and queries ---- */

void res_free(struct resources *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		entry_free(&r->v[i]);
	free(r->v);
	*r = RESOURCES_EMPTY;
}

void res_copy(struct resources *dst, const struct resources *src)
{
	*dst = RESOURCES_EMPTY;
	if (!src->n)
		return;
	dst->v = xreallocarray(NULL, src->n, sizeof(*dst->v));
	for (size_t i = 0; i < src->n; i++)
		entry_copy(&dst->v[i], &src->v[i]);
	dst->n = src->n;
}

void res_add(struct resources *a, const struct resources *b)
{
	struct resources self = RESOURCES_EMPTY;
	if (a == b) {
		res_copy(&self, b);
		b = &self;
	}
	for (size_t i = 0; i < b->n; i++)
		add_entry(a, &b->v[i]);
	res_free(&self);
}

int res_subtract(struct resources *a, const struct resources *b)
{
	if (a == b) {
		res_free(a);
		return 0;
	}
	if (!res_contains(a, b))
		return -EINVAL;
	for (size_t i = 0; i < b->n; i++) {
		const struct resource *be = &b->v[i];
		struct resource *ae;
		if (entry_empty(be))
			continue;
		ae = find_typed(a, be->name, be->role, be->type);
		if (!ae) /* only when b repeats an entry, which no parser makes */
			continue;
		switch (ae->type) {
		case RES_SCALAR:
			ae->scalar_milli = ae->scalar_milli > be->scalar_milli
						   ? ae->scalar_milli - be->scalar_milli
						   : 0;
			break;
		case RES_RANGES:
			ranges_difference(ae, be->ranges, be->nranges);
			break;
		case RES_SET:
			items_difference(ae, be->items, be->nitems);
			break;
		}
		if (entry_empty(ae))
			remove_entry(a, (size_t)(ae - a->v));
	}
	return 0;
}

bool res_contains(const struct resources *a, const struct resources *b)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct resource *be = &b->v[i], *ae;
		if (entry_empty(be))
			continue;
		ae = find_typed(a, be->name, be->role, be->type);
		if (!ae || !entry_contains(ae, be))
			return false;
	}
	return true;
}

bool res_equal(const struct resources *a, const struct resources *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct resource *ae = &a->v[i], *be;
		/* Same order is the common case; fall back to a lookup. */
		if (entry_equal(ae, &b->v[i]))
			continue;
		be = find_typed(b, ae->name, ae->role, ae->type);
		if (!be || !entry_equal(ae, be))
			return false;
	}
	return true;
}

bool res_empty(const struct resources *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (!entry_empty(&r->v[i]))
			return false;
	return true;
}

int64_t res_scalar_milli(const struct resources *r, const char *name)
{
	int64_t sum = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].type == RES_SCALAR && !strcmp(r->v[i].name, name))
			sum = add_sat(sum, r->v[i].scalar_milli);
	return sum;
}

double res_scalar(const struct resources *r, const char *name)
{
	return (double)res_scalar_milli(r, name) / 1000.0;
}

void res_set_scalar(struct resources *r, const char *name, double value)
{
	int64_t milli = 0;
	struct resource *e = NULL;
	size_t i;

	if (name_invalid(name))
		return;
	if (value > 0)
		milli = value >= RES_SCALAR_MAX ? llround(RES_SCALAR_MAX * 1000.0)
						 : llround(value * 1000.0);
	for (i = 0; i < r->n; i++) {
		if (!strcmp(r->v[i].name, name) && !strcmp(r->v[i].role, "*")) {
			e = &r->v[i];
			break;
		}
	}
	if (milli <= 0) {
		if (e)
			remove_entry(r, i);
		return;
	}
	if (e) {
		entry_free(e);
	} else {
		e = append_entry(r);
		str_copy(e->name, name, sizeof(e->name));
		str_copy(e->role, "*", sizeof(e->role));
	}
	e->type = RES_SCALAR;
	e->scalar_milli = milli;
}

const struct resource *res_find(const struct resources *r, const char *name, const char *role)
{
	if (!role)
		role = "*";
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].name, name) && !strcmp(r->v[i].role, role))
			return &r->v[i];
	return NULL;
}

void res_merge_missing(struct resources *r, const struct resources *defaults)
{
	size_t n0 = r->n;
	if (r == defaults)
		return;
	for (size_t i = 0; i < defaults->n; i++) {
		bool present = false;
		for (size_t k = 0; k < n0 && !present; k++)
			present = !strcmp(r->v[k].name, defaults->v[i].name);
		if (!present && !entry_empty(&defaults->v[i]))
			entry_copy(append_entry(r), &defaults->v[i]);
	}
}
