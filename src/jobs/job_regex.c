/*
 * jobs/job_regex — Chronos' LIKE/UNLIKE constraint patterns are Java
 * regular expressions; agora runs them as POSIX extended regexes (regcomp).
 * This file translates the Java forms Chronos users write (\\d, \\D and
 * class escapes inside brackets; lazy/possessive marks dropped) and refuses
 * what would be unsafe or ambiguous: back-references, and nested or chained
 * repetitions whose cost blows up glibc's regex compiler (found by fuzzing).
 *
 * Invariant: a pattern job_regex_compile() accepts at parse time compiles
 * the same way when a constraint is matched against an offer. Pure; no state.
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "jobs/job.h"
#include "jobs/job_internal.h"

#define REGEX_NODES_MAX 10000 /* glibc parse-tree nodes a pattern may expand to */
#define REGEX_DEPTH_MAX 64     /* nested groups */


/* Inside a bracket expression: Java's class escapes spelled out. */
static size_t bracket_escape(char c, char *out)
{
	const char *s = NULL;
	switch (c) {
	case 'd': s = "0-9"; break;
	case 'w': s = "A-Za-z0-9_"; break;
	case 's': s = " \t\n\r\f\v"; break;
	case ']': case '-': case '^': s = NULL; break;
	default:
		out[0] = c; /* Java \. \\ \[ mean the character itself */
		return 1;
	}
	if (!s) {
		out[0] = '\\';
		out[1] = c;
		return 2;
	}
	memcpy(out, s, strlen(s));
	return strlen(s);
}

/* Reads {m}, {m,} or {m,n} at p; returns the larger bound, 0 when not a bound. */
static unsigned long repeat_bound(const char *p, const char **end)
{
	char *e;
	unsigned long m, n;

	if (!isdigit((unsigned char)p[1]))
		return 0;
	m = n = strtoul(p + 1, &e, 10);
	if (*e == ',') {
		if (isdigit((unsigned char)e[1]))
			n = strtoul(e + 1, &e, 10);
		else
			e++;
	}
	if (*e != '}')
		return 0;
	*end = e;
	return m > n ? m : n;
}

/* Where a bracket expression starting at p ('[') ends (its ']'), or NULL. */
static const char *bracket_end(const char *p)
{
	const char *q = p + 1, *end;
	if (*q == '^')
		q++;
	if (*q == ']')
		q++;
	for (; *q && *q != ']'; q++)
		if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=') &&
		    (end = strstr(q + 2, (char[]){ q[1], ']', '\0' })))
			q = end + 1;
	return *q ? q : NULL;
}

/*
 * Estimates how many nodes glibc's regcomp builds for an ERE: it copies
 * the operand of '+' and of {m,n} (a+ is aa*, a{3} is aaa), so nested
 * repetitions grow as a product and "a++++..." doubles per '+'. Each
 * group frame keeps the size of its finished atoms and of the last one,
 * which a postfix operator multiplies.
 */
static bool regex_cost_ok(const char *ere)
{
	struct frame {
		double total, last;
	} stack[REGEX_DEPTH_MAX + 1] = { { 0, 0 } };
	size_t depth = 0;
	const char *end;
	unsigned long k = 0;
	int quantifiers = 0; /* in a row */

	for (const char *p = ere; *p; p++) {
		struct frame *f = &stack[depth];
		double atom = 1;
		bool quantifier = *p == '*' || *p == '+' || *p == '?' ||
				  (*p == '{' && repeat_bound(p, &end) > 0);
		if (quantifier && ++quantifiers > 1)
			return false; /* glibc's compile time grows fast with chains like a*?*? */
		if (!quantifier)
			quantifiers = 0;
		if (*p == '(') {
			if (++depth > REGEX_DEPTH_MAX)
				return false;
			stack[depth] = (struct frame){ 0, 0 };
			continue;
		}
		if (*p == '|' || *p == '*' || *p == '?') {
			if (*p == '|')
				f->last = 0;
			f->total += 1;
			continue;
		}
		if (*p == '+' || (*p == '{' && (k = repeat_bound(p, &end)) > 0)) {
			k = *p == '+' ? 2 : k;
			f->total += f->last * (double)(k - 1) + 1;
			f->last *= (double)k;
			p = *p == '+' ? p : end;
		} else {
			if (*p == ')' && depth > 0)
				atom = stack[depth--].total + 1;
			else if (*p == '[' && (end = bracket_end(p)))
				p = end;
			else if (*p == '\\' && p[1])
				p++;
			f = &stack[depth];
			f->total += atom;
			f->last = atom;
		}
		if (f->total > REGEX_NODES_MAX)
			return false;
	}
	return stack[0].total <= REGEX_NODES_MAX;
}

/*
 * Java regex -> POSIX ERE for glibc: \d and \D spelled out, class escapes
 * inside brackets expanded, the lazy/possessive mark of X*? or X++ dropped
 * (a whole-string match does not depend on it; possessive turns greedy).
 * Refuses back-references (exponential in glibc's matcher).
 */
static int regex_translate(const char *pat, char *out, const char **why)
{
	bool in_bracket = false, after_quantifier = false;
	const char *end;
	size_t o = 0;

	for (const char *p = pat; *p; p++) {
		if (in_bracket) {
			if (*p == '[' && p[1] == ':' && (end = strstr(p + 2, ":]"))) {
				memcpy(out + o, p, (size_t)(end + 2 - p));
				o += (size_t)(end + 2 - p);
				p = end + 1;
			} else if (*p == '\\' && p[1]) {
				o += bracket_escape(*++p, out + o);
			} else {
				in_bracket = *p != ']';
				out[o++] = *p;
			}
			continue;
		}
		if (*p == '\\' && p[1] >= '1' && p[1] <= '9') {
			*why = "back-references are not supported";
			return -EINVAL;
		}
		if (after_quantifier && (*p == '?' || *p == '+')) {
			after_quantifier = false;
			continue;
		}
		after_quantifier = *p == '*' || *p == '+' || *p == '?';
		if (*p == '{' && repeat_bound(p, &end) > 0) {
			memcpy(out + o, p, (size_t)(end + 1 - p));
			o += (size_t)(end + 1 - p);
			p = end;
			after_quantifier = true;
		} else if (*p == '\\' && (p[1] == 'd' || p[1] == 'D')) {
			const char *cls = p[1] == 'd' ? "[0-9]" : "[^0-9]";
			memcpy(out + o, cls, strlen(cls));
			o += strlen(cls);
			p++;
		} else if (*p == '\\' && p[1]) {
			out[o++] = *p++;
			out[o++] = *p;
		} else if (*p == '[') {
			in_bracket = true;
			out[o++] = *p;
			if (p[1] == '^')
				out[o++] = *++p;
			if (p[1] == ']')
				out[o++] = *++p;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return 0;
}

/* 0 with *re compiled (regfree it), or -EINVAL with why filled. */
int job_regex_compile(const char *pattern, regex_t *re, char *why, size_t whylen)
{
	size_t len = strlen(pattern);
	char *ere;
	const char *reason = NULL;
	int r;

	if (len > JOB_REGEX_MAX) {
		snprintf(why, whylen, "longer than %d bytes", JOB_REGEX_MAX);
		return -EINVAL;
	}
	ere = xmalloc(len * 10 + 1);
	r = regex_translate(pattern, ere, &reason);
	if (r == 0 && !regex_cost_ok(ere)) {
		reason = "too complex (nested or chained repetitions)";
		r = -EINVAL;
	}
	if (r == 0) {
		int rc = regcomp(re, ere, REG_EXTENDED);
		if (rc != 0) {
			char msg[128];
			regerror(rc, re, msg, sizeof(msg));
			snprintf(why, whylen, "%s", msg);
			r = -EINVAL;
		}
	} else {
		snprintf(why, whylen, "%s", reason);
	}
	free(ere);
	return r;
}
