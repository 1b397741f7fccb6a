/*
 * flags — see flags.h for the rules; this note is about how they are kept.
 *
 * Library code with no state of its own: each role calls flags_load() once
 * at startup (and for --check-config), before any event loop exists.
 *
 * Invariants:
 *   1. Every string field a def names is NULL or a malloc'd string owned by
 *      cfg. Whoever stores a new value frees the one it replaces, so a value
 *      overridden by a later source never leaks; flags_free() ends them all.
 *   2. Precedence never depends on argv order. argv is scanned completely
 *      first (finding --config and --help, checking every flag), then the
 *      sources are applied lowest first: defaults, environment, config
 *      file, command line. Each one simply overwrites the last.
 *   3. Every input is bounded: flag names NAME_MAX_LEN, config lines
 *      FLAGS_MAX_LINE, files FLAGS_MAX_FILE. Text quoted back in an error is
 *      cut to EXCERPT_MAX bytes with control bytes shown as '?', since these
 *      messages go to a terminal or a log.
 *   4. Every error names where the value came from ("FILE:LINE: ",
 *      "environment MESOS_X: " or nothing for the command line) and, except
 *      for the environment whose variable already says it, the flag.
 */
#include "core/flags.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

#define NAME_MAX_LEN 128 /* longest flag name or config key we look up */
#define EXCERPT_MAX 80	 /* bytes of user text quoted back in an error */
#define EXCERPT_SIZE (EXCERPT_MAX + 4)
#define WHERE_SIZE 1024	 /* "FILE:LINE: " prefix; a longer path is cut */
#define USAGE_WIDTH 80
#define USAGE_INDENT 8

/* How set_value() treats its text before parsing it. */
enum resolve {
	RESOLVE_NONE, /* defaults: taken as written */
	RESOLVE_URLS, /* file:// read (or stripped for paths); JSON abs paths read */
	RESOLVE_READ, /* the text is a path whose contents are the value (`cat F`) */
};

/* One checked command-line flag, applied after the env and the file. */
struct cli_flag {
	int def;
	const char *value; /* NULL for a bare boolean */
	bool negated;	   /* --no-name */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static char *skip_blank(char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char ascii_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Copies at most n bytes of s for quoting in an error (invariant 3). */
static const char *excerpt_n(char buf[EXCERPT_SIZE], const char *s, size_t n)
{
	size_t i, out = 0;

	for (i = 0; i < n && s[i] && i < EXCERPT_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[out++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (i < n && s[i]) {
		memcpy(buf + out, "...", 3);
		out += 3;
	}
	buf[out] = '\0';
	return buf;
}

static const char *excerpt(char buf[EXCERPT_SIZE], const char *s)
{
	return excerpt_n(buf, s, SIZE_MAX);
}

/*
 * Writes "<where>[flag --<d->name>: ]<message>" to err; returns -EINVAL.
 * d NULL leaves the flag name out.
 */
static int fail(char *err, size_t errlen, const char *where, const struct flag_def *d,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, const char *where, const struct flag_def *d,
		const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (!err || errlen == 0)
		return -EINVAL;
	err[0] = '\0';
	str_append(err, where ? where : "", errlen);
	if (d) {
		str_append(err, "flag --", errlen);
		str_append(err, d->name, errlen);
		str_append(err, ": ", errlen);
	}
	used = strlen(err);
	if (used + 1 < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + used, errlen - used, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int too_many_defs(size_t ndefs, char *err, size_t errlen)
{
	return fail(err, errlen, "", NULL, "flag table has %zu entries, at most %d allowed", ndefs,
		    FLAGS_MAX_DEFS);
}

int flags_find(const struct flag_def *defs, size_t ndefs, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < ndefs && i < FLAGS_MAX_DEFS; i++) {
		if (!strcmp(defs[i].name, name) || (defs[i].alias && !strcmp(defs[i].alias, name)))
			return (int)i;
	}
	return -1;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const truthy[] = { "true", "1", "yes" };
	static const char *const falsy[] = { "false", "0", "no" };

	for (size_t i = 0; i < ARRAY_LEN(truthy); i++) {
		if (!strcasecmp(s, truthy[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, falsy[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Reads a value file into *out (malloc'd; the caller frees), dropping one
 * trailing newline. shown is how the user wrote the reference.
 */
static int read_value_file(const char *path, const char *shown, char **out, const char *where,
			   const struct flag_def *named, char *err, size_t errlen)
{
	char buf[EXCERPT_SIZE];
	char *data = NULL;
	size_t len = 0;
	int rc;

	rc = file_read_all(path, FLAGS_MAX_FILE, &data, &len);
	if (rc == -EFBIG)
		return fail(err, errlen, where, named, "cannot read %s: larger than %u bytes",
			    excerpt(buf, shown), FLAGS_MAX_FILE);
	if (rc < 0)
		return fail(err, errlen, where, named, "cannot read %s: %s", excerpt(buf, shown),
			    strerror(-rc));
	if (strlen(data) != len) {
		free(data);
		return fail(err, errlen, where, named, "%s holds a NUL byte", excerpt(buf, shown));
	}
	if (len && data[len - 1] == '\n') {
		data[--len] = '\0';
		if (len && data[len - 1] == '\r')
			data[--len] = '\0';
	}
	*out = data;
	return 0;
}

/* Parses value by d's type into the field; invariant 1 for strings. */
static int store_value(const struct flag_def *d, void *cfg, const char *value, const char *where,
		       const struct flag_def *named, char *err, size_t errlen)
{
	void *field = (char *)cfg + d->offset;
	char buf[EXCERPT_SIZE];

	switch (d->type) {
	case FLAG_BOOL:
		if (parse_bool(value, (bool *)field) < 0)
			return fail(err, errlen, where, named,
				    "expected true or false, got '%s'", excerpt(buf, value));
		return 0;
	case FLAG_STRING:
	case FLAG_PATH:
	case FLAG_JSON: {
		char **slot = field;
		char *copy = xstrdup(value);
		free(*slot);
		*slot = copy;
		return 0;
	}
	case FLAG_INT:
		if (parse_int64(value, (int64_t *)field) < 0)
			return fail(err, errlen, where, named, "expected an integer, got '%s'",
				    excerpt(buf, value));
		return 0;
	case FLAG_DOUBLE:
		if (parse_double(value, (double *)field) < 0)
			return fail(err, errlen, where, named, "expected a number, got '%s'",
				    excerpt(buf, value));
		return 0;
	case FLAG_DURATION:
		if (parse_duration(value, (double *)field) < 0)
			return fail(err, errlen, where, named,
				    "expected a duration like 15secs or 10mins, got '%s'",
				    excerpt(buf, value));
		return 0;
	case FLAG_BYTES:
		if (parse_bytes(value, (uint64_t *)field) < 0)
			return fail(err, errlen, where, named,
				    "expected a size like 512MB or 1GB, got '%s'", excerpt(buf, value));
		return 0;
	}
	return fail(err, errlen, where, named, "has unknown type %d", (int)d->type);
}

/*
 * Resolves file references in text as mode says, then stores the value.
 * name_flag: whether errors name the flag (invariant 4).
 */
static int set_value(const struct flag_def *d, void *cfg, const char *text, enum resolve mode,
		     const char *where, bool name_flag, char *err, size_t errlen)
{
	const struct flag_def *named = name_flag ? d : NULL;
	const char *value = text;
	char *loaded = NULL;
	int rc;

	if (mode == RESOLVE_READ ||
	    (mode == RESOLVE_URLS && d->type == FLAG_JSON && text[0] == '/')) {
		rc = read_value_file(text, text, &loaded, where, named, err, errlen);
		if (rc < 0)
			return rc;
		value = loaded;
	} else if (mode == RESOLVE_URLS && str_starts_with(text, "file://")) {
		if (d->type == FLAG_PATH) {
			value = text + strlen("file://");
		} else {
			rc = read_value_file(text + strlen("file://"), text, &loaded, where, named,
					     err, errlen);
			if (rc < 0)
				return rc;
			value = loaded;
		}
	}
	rc = store_value(d, cfg, value, where, named, err, errlen);
	free(loaded);
	return rc;
}

static int apply_defaults(const struct flag_def *defs, size_t ndefs, void *cfg, char *err,
			  size_t errlen)
{
	for (size_t i = 0; i < ndefs; i++) {
		int rc;
		if (!defs[i].def)
			continue;
		rc = set_value(&defs[i], cfg, defs[i].def, RESOLVE_NONE, "default of ", true, err,
			       errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* "MESOS_" + NAME upper-cased; -ENAMETOOLONG when it does not fit. */
static int env_var_name(char *buf, size_t size, const char *prefix, const char *name)
{
	size_t plen = strlen(prefix), nlen = strlen(name);

	if (plen + nlen + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf, prefix, plen);
	for (size_t i = 0; i < nlen; i++)
		buf[plen + i] = ascii_upper(name[i]);
	buf[plen + nlen] = '\0';
	return 0;
}

/*
 * For each def, the winning variable among MESOS_<ALIAS>, MESOS_<NAME>,
 * AGORA_<ALIAS>, AGORA_<NAME> (later wins) is parsed; the others are not
 * looked at, so a bad MESOS_X under a good AGORA_X is no error.
 */
static int apply_env(const struct flag_def *defs, size_t ndefs, void *cfg,
		     struct flags_result *res, char *err, size_t errlen)
{
	static const char *const prefixes[] = { "MESOS_", "AGORA_" };
	char var[NAME_MAX_LEN + 8], best_var[NAME_MAX_LEN + 8], where[NAME_MAX_LEN + 32];

	for (size_t i = 0; i < ndefs; i++) {
		const char *names[] = { defs[i].alias, defs[i].name };
		const char *best = NULL;
		int rc;

		for (size_t p = 0; p < ARRAY_LEN(prefixes); p++) {
			for (size_t n = 0; n < ARRAY_LEN(names); n++) {
				const char *v;
				if (!names[n] || env_var_name(var, sizeof(var), prefixes[p],
							      names[n]) < 0)
					continue;
				v = getenv(var);
				if (v) {
					best = v;
					str_copy(best_var, var, sizeof(best_var));
				}
			}
		}
		if (!best)
			continue;
		snprintf(where, sizeof(where), "environment %s: ", best_var);
		rc = set_value(&defs[i], cfg, best, RESOLVE_URLS, where, false, err, errlen);
		if (rc < 0)
			return rc;
		res->set[i] = true;
	}
	return 0;
}

/* ---- config files ---- */

/*
 * Recognises a whole value `cat PATH` or $(cat PATH), optionally inside
 * double quotes, as mesos-init-wrapper's defaults use for ZK and MASTER.
 * On a match the path is NUL-terminated in place and returned.
 */
static bool cat_form(char *p, char **path_out)
{
	char *s = p, *e = p + strlen(p);

	while (e > s && is_blank(e[-1]))
		e--;
	if (e - s >= 2 && *s == '"' && e[-1] == '"') {
		s++;
		e--;
	}
	if (e - s > 6 && !strncmp(s, "`cat ", 5) && e[-1] == '`') {
		s += 5;
		e--;
	} else if (e - s > 7 && !strncmp(s, "$(cat ", 6) && e[-1] == ')') {
		s += 6;
		e--;
	} else {
		return false;
	}
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	if (s == e)
		return false;
	for (const char *q = s; q < e; q++) {
		if (is_blank(*q) || strchr("\"'`$;|&<>()\\", *q))
			return false;
	}
	*e = '\0';
	*path_out = s;
	return true;
}

/* Whether a shell would expand something starting at r. */
static bool shell_expansion_at(const char *r)
{
	char next = r[1];

	if (*r == '`')
		return true;
	return *r == '$' && (next == '(' || next == '{' || next == '_' ||
			     (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z'));
}

/* Double-quoted value starting after the opening quote; unescapes in place. */
static int config_dquoted(char *r, char **out, char **rest, const char *where, const char *key,
			  char *err, size_t errlen)
{
	char *w = r;

	*out = r;
	for (;;) {
		if (*r == '\0')
			return fail(err, errlen, where, NULL, "%s: no closing double quote", key);
		if (*r == '"')
			break;
		if (*r == '\\' && r[1] && strchr("\"\\$`", r[1])) {
			*w++ = r[1];
			r += 2;
			continue;
		}
		if (shell_expansion_at(r))
			return fail(err, errlen, where, NULL,
				    "%s: shell expansion is not supported (no shell reads this "
				    "file); write the value itself, or single-quote it",
				    key);
		*w++ = *r++;
	}
	*w = '\0';
	*rest = r + 1;
	return 0;
}

/*
 * Extracts the value after '=' in place into *out; *mode becomes
 * RESOLVE_READ for the `cat PATH` form.
 */
static int config_value(char *raw, char **out, enum resolve *mode, const char *where,
			const char *key, char *err, size_t errlen)
{
	char *p = skip_blank(raw), *r = p;
	int rc;

	*mode = RESOLVE_URLS;
	if (cat_form(p, out)) {
		*mode = RESOLVE_READ;
		return 0;
	}
	if (*p == '\'') {
		char *close = strchr(p + 1, '\'');
		if (!close)
			return fail(err, errlen, where, NULL, "%s: no closing single quote", key);
		*close = '\0';
		*out = p + 1;
		r = close + 1;
	} else if (*p == '"') {
		rc = config_dquoted(p + 1, out, &r, where, key, err, errlen);
		if (rc < 0)
			return rc;
	} else {
		/* As in sh, '#' starts a comment only after whitespace. */
		while (*r && !(*r == '#' && r > raw && is_blank(r[-1]))) {
			if (shell_expansion_at(r))
				return fail(err, errlen, where, NULL,
					    "%s: shell expansion is not supported (no shell reads "
					    "this file); write the value itself, or single-quote it",
					    key);
			r++;
		}
		while (r > p && is_blank(r[-1]))
			r--;
		*r = '\0';
		*out = p;
		return 0;
	}
	r = skip_blank(r);
	if (*r && *r != '#')
		return fail(err, errlen, where, NULL, "%s: unexpected text after the closing quote",
			    key);
	return 0;
}

/*
 * Maps a lower-cased key to a def: name or alias, MESOS_/AGORA_ + name,
 * or a mesos-init-wrapper shell name. Returns 0 with *idx, 1 for a key
 * to ignore, -ENOENT for an unknown one.
 */
static int config_key(const struct flag_def *defs, size_t ndefs, const char *key, int *idx)
{
	*idx = flags_find(defs, ndefs, key);
	if (*idx >= 0)
		return 0;
	if (!strncmp(key, "mesos_", 6) || !strncmp(key, "agora_", 6)) {
		*idx = flags_find(defs, ndefs, key + 6);
		if (*idx >= 0)
			return 0;
	}
	if (!strcmp(key, "logs")) {
		*idx = flags_find(defs, ndefs, "log_dir");
		if (*idx >= 0)
			return 0;
	}
	if (!strcmp(key, "ulimit"))
		return 1; /* the wrapper runs `ulimit $ULIMIT`; a daemon cannot */
	return -ENOENT;
}

static int config_line(const struct flag_def *defs, size_t ndefs, void *cfg, char *line,
		       const char *where, struct flags_result *res, char *err, size_t errlen)
{
	char lower[NAME_MAX_LEN + 1], shown[EXCERPT_SIZE];
	char *p = skip_blank(line), *key, *value = NULL;
	enum resolve mode;
	size_t keylen;
	int idx, rc;

	if (*p == '\0' || *p == '#')
		return 0;
	if (!strncmp(p, "export", 6) && (p[6] == ' ' || p[6] == '\t'))
		p = skip_blank(p + 6);
	key = p;
	while (is_key_char(*p))
		p++;
	keylen = (size_t)(p - key);
	p = skip_blank(p);
	if (keylen == 0 || *p != '=')
		return fail(err, errlen, where, NULL, "expected KEY=VALUE, got '%s'",
			    excerpt(shown, line));
	excerpt_n(shown, key, keylen);
	if (keylen > NAME_MAX_LEN)
		return fail(err, errlen, where, NULL, "unknown key '%s'", shown);
	for (size_t i = 0; i < keylen; i++)
		lower[i] = ascii_lower(key[i]);
	lower[keylen] = '\0';
	rc = config_key(defs, ndefs, lower, &idx);
	if (rc == 1)
		return 0;
	if (rc < 0)
		return fail(err, errlen, where, NULL, "unknown key '%s'", shown);
	rc = config_value(p + 1, &value, &mode, where, shown, err, errlen);
	if (rc < 0)
		return rc;
	rc = set_value(&defs[idx], cfg, value, mode, where, true, err, errlen);
	if (rc == 0 && res)
		res->set[idx] = true;
	return rc;
}

int flags_parse_config_text(const struct flag_def *defs, size_t ndefs, void *cfg,
			    const char *text, size_t len, const char *source,
			    struct flags_result *res, char *err, size_t errlen)
{
	char where[WHERE_SIZE];
	char *line = NULL;
	size_t pos = 0;
	int lineno = 0, rc = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!source)
		source = "config";
	if (ndefs > FLAGS_MAX_DEFS)
		return too_many_defs(ndefs, err, errlen);
	if (len > FLAGS_MAX_FILE)
		return fail(err, errlen, source, NULL, ": larger than %u bytes", FLAGS_MAX_FILE);
	if (len == 0)
		return 0;
	line = xmalloc((len < FLAGS_MAX_LINE ? len : FLAGS_MAX_LINE) + 1);
	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d: ", source, lineno);
		if (n > FLAGS_MAX_LINE) {
			rc = fail(err, errlen, where, NULL, "line longer than %u bytes",
				  FLAGS_MAX_LINE);
			goto out;
		}
		if (memchr(start, '\0', n)) {
			rc = fail(err, errlen, where, NULL, "line holds a NUL byte");
			goto out;
		}
		memcpy(line, start, n);
		line[n] = '\0';
		rc = config_line(defs, ndefs, cfg, line, where, res, err, errlen);
		if (rc < 0)
			goto out;
		pos += n + 1;
	}
out:
	free(line);
	return rc;
}

static int load_config_file(const struct flag_def *defs, size_t ndefs, void *cfg,
			    const char *path, struct flags_result *res, char *err, size_t errlen)
{
	char shown[EXCERPT_SIZE];
	char *text = NULL;
	size_t len = 0;
	int rc;

	rc = file_read_all(path, FLAGS_MAX_FILE, &text, &len);
	if (rc == -EFBIG)
		return fail(err, errlen, "", NULL, "cannot read config file %s: larger than %u bytes",
			    excerpt(shown, path), FLAGS_MAX_FILE);
	if (rc < 0)
		return fail(err, errlen, "", NULL, "cannot read config file %s: %s",
			    excerpt(shown, path), strerror(-rc));
	rc = flags_parse_config_text(defs, ndefs, cfg, text, len, path, res, err, errlen);
	free(text);
	return rc;
}

/* ---- the command line ---- */

/* argv[*i + 1] as the value of "--name value", unless it is a flag itself. */
static const char *take_next(int argc, char **argv, int *i)
{
	if (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2) != 0)
		return argv[++*i];
	return NULL;
}

static int add_positional(struct flags_result *res, char *arg, bool allow_positional,
			  char *err, size_t errlen)
{
	char shown[EXCERPT_SIZE];

	if (!allow_positional)
		return fail(err, errlen, "", NULL, "unexpected argument '%s'", excerpt(shown, arg));
	if (res->npositional >= FLAGS_MAX_POSITIONAL)
		return fail(err, errlen, "", NULL, "more than %d arguments", FLAGS_MAX_POSITIONAL);
	res->positional[res->npositional++] = arg;
	return 0;
}

/* --help, --check-config, --config: 1 when name was one, else 0 or -EINVAL. */
static int scan_special(const char *name, const char *value, int argc, char **argv, int *i,
			struct flags_result *res, char *err, size_t errlen)
{
	bool *target = NULL;

	if (!strcmp(name, "help"))
		target = &res->help;
	else if (!strcmp(name, "check-config") || !strcmp(name, "check_config"))
		target = &res->check_config;
	if (target) {
		if (value)
			return fail(err, errlen, "", NULL, "flag --%s does not take a value", name);
		*target = true;
		return 1;
	}
	if (strcmp(name, "config") != 0)
		return 0;
	if (res->config_file)
		return fail(err, errlen, "", NULL, "flag --config given twice");
	if (!value)
		value = take_next(argc, argv, i);
	if (!value)
		return fail(err, errlen, "", NULL, "flag --config needs a value");
	res->config_file = value;
	return 1;
}

/* Checks one "--..." argument and records it in out[*nout]. */
static int scan_flag(const struct flag_def *defs, size_t ndefs, int argc, char **argv, int *i,
		     struct flags_result *res, bool *seen, struct cli_flag *out, int *nout,
		     char *err, size_t errlen)
{
	const char *arg = argv[*i], *body = arg + 2, *eq, *value;
	char name[NAME_MAX_LEN + 1], shown[EXCERPT_SIZE];
	bool negated = false;
	size_t len;
	int idx, rc;

	eq = strchr(body, '=');
	len = eq ? (size_t)(eq - body) : strlen(body);
	value = eq ? eq + 1 : NULL;
	excerpt_n(shown, arg, len + 2);
	if (arg[1] != '-' || len == 0 || len > NAME_MAX_LEN)
		return fail(err, errlen, "", NULL, "unknown flag '%s'", shown);
	for (size_t k = 0; k < len; k++)
		name[k] = ascii_lower(body[k]);
	name[len] = '\0';
	rc = scan_special(name, value, argc, argv, i, res, err, errlen);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	idx = flags_find(defs, ndefs, name);
	if (idx < 0 && !strncmp(name, "no-", 3)) {
		idx = flags_find(defs, ndefs, name + 3);
		if (idx >= 0 && defs[idx].type != FLAG_BOOL)
			return fail(err, errlen, "", NULL,
				    "flag --%s is not a boolean, so %s is invalid", defs[idx].name,
				    shown);
		if (idx >= 0 && value)
			return fail(err, errlen, "", NULL, "flag %s does not take a value", shown);
		negated = idx >= 0;
	}
	if (idx < 0)
		return fail(err, errlen, "", NULL, "unknown flag '%s'", shown);
	if (!value && defs[idx].type != FLAG_BOOL) {
		value = take_next(argc, argv, i);
		if (!value)
			return fail(err, errlen, "", NULL, "flag --%s needs a value",
				    defs[idx].name);
	}
	if (seen[idx])
		return fail(err, errlen, "", NULL, "flag --%s given twice", defs[idx].name);
	seen[idx] = true;
	out[(*nout)++] = (struct cli_flag){ .def = idx, .value = value, .negated = negated };
	return 0;
}

/*
 * Pass one over argv. Keeps going after an error (reporting the first) so
 * that --help anywhere still wins.
 */
static int scan_argv(const struct flag_def *defs, size_t ndefs, int argc, char **argv, int first,
		     bool allow_positional, struct flags_result *res, struct cli_flag *out,
		     int *nout, char *err, size_t errlen)
{
	bool seen[FLAGS_MAX_DEFS] = { false };
	bool flags_done = false;
	char scratch[8];
	int rc = 0;

	for (int i = first; i < argc; i++) {
		char *arg = argv[i];
		char *e = rc ? scratch : err;
		size_t elen = rc ? sizeof(scratch) : errlen;
		int r;

		if (flags_done || arg[0] != '-' || !strcmp(arg, "-")) {
			r = add_positional(res, arg, allow_positional, e, elen);
		} else if (!strcmp(arg, "--")) {
			flags_done = true;
			r = 0;
		} else if (!strcmp(arg, "-h")) {
			res->help = true;
			r = 0;
		} else {
			r = scan_flag(defs, ndefs, argc, argv, &i, res, seen, out, nout, e, elen);
		}
		if (r < 0 && rc == 0)
			rc = r;
	}
	return rc;
}

static int apply_cli(const struct flag_def *defs, void *cfg, const struct cli_flag *cli,
		     int ncli, struct flags_result *res, char *err, size_t errlen)
{
	for (int k = 0; k < ncli; k++) {
		const struct flag_def *d = &defs[cli[k].def];
		int rc;

		if (!cli[k].value)
			*(bool *)(void *)((char *)cfg + d->offset) = !cli[k].negated;
		else {
			rc = set_value(d, cfg, cli[k].value, RESOLVE_URLS, "", true, err, errlen);
			if (rc < 0)
				return rc;
		}
		res->set[cli[k].def] = true;
	}
	return 0;
}

int flags_load(const struct flag_def *defs, size_t ndefs, void *cfg, int argc, char **argv,
	       int first, bool allow_positional, struct flags_result *res, char *err,
	       size_t errlen)
{
	struct cli_flag *cli = NULL;
	int ncli = 0, rc;

	memset(res, 0, sizeof(*res));
	if (err && errlen)
		err[0] = '\0';
	if (ndefs > FLAGS_MAX_DEFS)
		return too_many_defs(ndefs, err, errlen);
	if (first < 0 || first > argc)
		return fail(err, errlen, "", NULL, "bad argument index %d of %d", first, argc);
	rc = apply_defaults(defs, ndefs, cfg, err, errlen);
	if (rc < 0)
		return rc;
	cli = xcalloc((size_t)(argc - first) + 1, sizeof(*cli));
	rc = scan_argv(defs, ndefs, argc, argv, first, allow_positional, res, cli, &ncli, err,
		       errlen);
	if (res->help) {
		if (err && errlen)
			err[0] = '\0';
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	rc = apply_env(defs, ndefs, cfg, res, err, errlen);
	if (rc == 0 && res->config_file)
		rc = load_config_file(defs, ndefs, cfg, res->config_file, res, err, errlen);
	if (rc == 0)
		rc = apply_cli(defs, cfg, cli, ncli, res, err, errlen);
out:
	free(cli);
	return rc;
}

/* ---- output ---- */

static const char *type_placeholder(enum flag_type type)
{
	switch (type) {
	case FLAG_BOOL:
		return "";
	case FLAG_STRING:
		return "VALUE";
	case FLAG_PATH:
		return "PATH";
	case FLAG_JSON:
		return "JSON";
	case FLAG_INT:
		return "INT";
	case FLAG_DOUBLE:
		return "NUMBER";
	case FLAG_DURATION:
		return "DURATION";
	case FLAG_BYTES:
		return "BYTES";
	}
	return "VALUE";
}

/* Prints text word-wrapped at USAGE_WIDTH, every line indented. */
static void print_wrapped(FILE *out, const char *text)
{
	int col = 0;

	while (*text) {
		size_t word;

		while (*text == ' ')
			text++;
		if (!*text)
			break;
		word = strcspn(text, " ");
		if (col > 0 && col + 1 + (int)word > USAGE_WIDTH) {
			fputc('\n', out);
			col = 0;
		}
		if (col == 0)
			col = fprintf(out, "%*s", USAGE_INDENT, "");
		else
			col += fprintf(out, " ");
		fwrite(text, 1, word, out);
		col += (int)word;
		text += word;
	}
	fputc('\n', out);
}

static void print_flag(FILE *out, const struct flag_def *d)
{
	size_t size = strlen(d->help ? d->help : "") + strlen(d->def ? d->def : "") +
		      strlen(d->alias ? d->alias : "") + 64;
	char *text = xmalloc(size);

	if (d->type == FLAG_BOOL)
		fprintf(out, "  --[no-]%s\n", d->name);
	else
		fprintf(out, "  --%s=%s\n", d->name, type_placeholder(d->type));
	snprintf(text, size, "%s", d->help ? d->help : "");
	if (d->def) {
		str_append(text, " (default: ", size);
		str_append(text, d->def, size);
		str_append(text, ")", size);
	} else if (d->type == FLAG_BOOL) {
		str_append(text, " (default: false)", size);
	}
	if (d->alias) {
		str_append(text, " (also --", size);
		str_append(text, d->alias, size);
		str_append(text, ", deprecated)", size);
	}
	print_wrapped(out, text);
	free(text);
}

void flags_usage(FILE *out, const char *usage, const struct flag_def *defs, size_t ndefs)
{
	if (usage)
		fprintf(out, "Usage: %s\n\n", usage);
	fprintf(out, "Flags (also read from MESOS_<NAME> or AGORA_<NAME> in the environment;\n"
		     "a value file:///path is replaced by that file's contents):\n\n");
	for (size_t i = 0; i < ndefs && i < FLAGS_MAX_DEFS; i++)
		print_flag(out, &defs[i]);
	fprintf(out, "  --config=FILE\n");
	print_wrapped(out, "Load flags from FILE: KEY=VALUE lines as in /etc/default/mesos-master. "
			   "The command line overrides it; it overrides the environment.");
	fprintf(out, "  --check-config\n");
	print_wrapped(out, "Check the flags and configuration, then exit.");
	fprintf(out, "  -h, --help\n");
	print_wrapped(out, "Print this help and exit.");
}

/* Bytes the way parse_bytes reads them back: the largest exact unit. */
static void format_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	size_t unit = 0;

	while (unit + 1 < ARRAY_LEN(units) && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		unit++;
	}
	snprintf(buf, size, "%" PRIu64 "%s", bytes, units[unit]);
}

/* json_string, with non-UTF-8 bytes shown as '?' rather than dropping the flag. */
static json_t *json_string_lossy(const char *s)
{
	json_t *v = json_string(s);
	char *copy;

	if (v)
		return v;
	copy = xstrdup(s);
	for (char *c = copy; *c; c++) {
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	}
	v = json_string(copy);
	free(copy);
	return v;
}

json_t *flags_to_json(const struct flag_def *defs, size_t ndefs, const void *cfg)
{
	json_t *obj = json_object();
	char buf[64];

	for (size_t i = 0; i < ndefs && i < FLAGS_MAX_DEFS; i++) {
		const struct flag_def *d = &defs[i];
		const void *field = (const char *)cfg + d->offset;
		const char *text = buf;

		switch (d->type) {
		case FLAG_BOOL:
			text = *(const bool *)field ? "true" : "false";
			break;
		case FLAG_STRING:
		case FLAG_PATH:
		case FLAG_JSON:
			text = *(char *const *)field;
			break;
		case FLAG_INT:
			if (*(const int64_t *)field == 0 && !d->def)
				continue;
			snprintf(buf, sizeof(buf), "%" PRId64, *(const int64_t *)field);
			break;
		case FLAG_DOUBLE:
			if (*(const double *)field == 0 && !d->def)
				continue;
			snprintf(buf, sizeof(buf), "%.15g", *(const double *)field);
			break;
		case FLAG_DURATION:
			if (*(const double *)field == 0 && !d->def)
				continue;
			format_duration(*(const double *)field, buf, sizeof(buf));
			break;
		case FLAG_BYTES:
			if (*(const uint64_t *)field == 0 && !d->def)
				continue;
			format_bytes(*(const uint64_t *)field, buf, sizeof(buf));
			break;
		}
		if (text)
			json_object_set_new(obj, d->name, json_string_lossy(text));
	}
	return obj;
}

void flags_free(const struct flag_def *defs, size_t ndefs, void *cfg)
{
	for (size_t i = 0; i < ndefs && i < FLAGS_MAX_DEFS; i++) {
		char **slot;

		if (defs[i].type != FLAG_STRING && defs[i].type != FLAG_PATH &&
		    defs[i].type != FLAG_JSON)
			continue;
		slot = (char **)(void *)((char *)cfg + defs[i].offset);
		free(*slot);
		*slot = NULL;
	}
}
