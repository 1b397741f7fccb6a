/*
 * credentials — see credentials.h. Parses the files behind --credentials
 * (master) and --credential (agent, framework secrets); runs in whichever
 * process loads them, at start-up or on reload, never on a hot path.
 *
 * Format choice. After an optional UTF-8 byte-order mark and blanks (the
 * same set the text format splits on), a first character of '{' means
 * JSON and nothing else: a broken JSON file reports its JSON error instead
 * of a confusing "got 1 token" from the text fallback. Anything else is
 * the text format, one "principal secret" pair per line; blank lines and
 * lines whose first non-blank character is '#' are skipped. So in text
 * form a principal cannot start with '#', nor the first one with '{'
 * (JSON can say both).
 *
 * Invariants:
 *  1. On error *out is left empty ({NULL, 0} / {NULL, NULL}) and err holds
 *     "SOURCE: <where>: <what>"; the caller frees nothing. On success the
 *     caller owns every string and frees with cred_free_list / cred_free.
 *  2. Every stored principal and secret is 1..CRED_MAX_FIELD bytes of
 *     valid UTF-8 without whitespace, control or invisible characters
 *     (ASCII or Unicode: NBSP, zero-width space, BOM ...), so it can be
 *     logged, put in JSON, compared as a C string and (within the limits
 *     above) written back as a text line that parses to the same pair.
 *  3. A list holds at most CRED_MAX_ENTRIES pairs and no principal twice.
 *  4. Error messages may name a principal but never quote a secret or a
 *     token that might be one.
 *  5. Secrets are wiped (OPENSSL_cleanse) before their memory is freed,
 *     and so is the raw file text read by cred_load_*. Jansson's own copy
 *     of a JSON secret is freed by json_decref without wiping.
 */
#include "core/credentials.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/auth.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

#define CRED_STR_(x) #x
#define CRED_STR(x) CRED_STR_(x)

/* A list under construction; pos[i] is where v[i] came from (line or index). */
struct cred_build {
	struct credentials list;
	size_t *pos;
	size_t cap;
	bool text; /* pos is a line number (true) or a JSON array index */
};

static void set_err(char *err, size_t errlen, const char *source, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_err(char *err, size_t errlen, const char *source, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || errlen == 0)
		return;
	n = snprintf(err, errlen, "%s: ", source);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void wipe_free(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

static void build_free(struct cred_build *b)
{
	cred_free_list(&b->list);
	free(b->pos);
	b->pos = NULL;
	b->cap = 0;
}

static void build_add(struct cred_build *b, const char *principal, size_t plen,
		      const char *secret, size_t slen, size_t pos)
{
	if (b->list.n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 8;
		b->list.v = xreallocarray(b->list.v, cap, sizeof(*b->list.v));
		b->pos = xreallocarray(b->pos, cap, sizeof(*b->pos));
		b->cap = cap;
	}
	b->list.v[b->list.n].principal = xstrndup(principal, plen);
	b->list.v[b->list.n].secret = xstrndup(secret, slen);
	b->pos[b->list.n] = pos;
	b->list.n++;
}

#define WHY_BLANK "contains whitespace or a control character"

/*
 * Code points that would make a principal or secret look like something
 * else when printed or pasted: C1 controls, Unicode whitespace and the
 * invisible format characters (zero-width spaces, bidi controls, BOM).
 */
static bool cp_invisible(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0xa0) || cp == 0x1680 || cp == 0x180e ||
	       (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
	       (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 || cp == 0xfeff;
}

/* NULL when s[0..n) may be a principal or secret, else why not. */
static const char *field_invalid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	if (n == 0)
		return "must not be empty";
	if (n > CRED_MAX_FIELD)
		return "longer than " CRED_STR(CRED_MAX_FIELD) " bytes";
	while (i < n) {
		unsigned char c = u[i];
		size_t extra;
		uint32_t cp, min;

		if (c < 0x80) {
			if (c <= 0x20 || c == 0x7f)
				return WHY_BLANK;
			i++;
			continue;
		}
		/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
		if ((c & 0xe0) == 0xc0)
			extra = 1, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			extra = 2, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			extra = 3, cp = c & 0x07, min = 0x10000;
		else
			return "is not valid UTF-8";
		if (n - i <= extra)
			return "is not valid UTF-8";
		for (size_t k = 1; k <= extra; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return "is not valid UTF-8";
			cp = (cp << 6) | (u[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return "is not valid UTF-8";
		if (cp_invisible(cp))
			return WHY_BLANK;
		i += extra + 1;
	}
	return NULL;
}

static void describe_pos(char *buf, size_t size, const struct cred_build *b, size_t i)
{
	if (b->text)
		snprintf(buf, size, "line %zu", b->pos[i]);
	else
		snprintf(buf, size, "credentials[%zu]", b->pos[i]);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/*
 * Rejects a principal seen twice, naming the second occurrence and the
 * first. A hash set keeps this linear; lists of 10,000 pairs are allowed.
 */
static int check_duplicates(const struct cred_build *b, const char *source, char *err,
			    size_t errlen)
{
	size_t slots = 16, *table;
	int r = 0;

	while (slots < 2 * b->list.n)
		slots *= 2;
	table = xcalloc(slots, sizeof(*table)); /* entry index + 1; 0 = empty */
	for (size_t i = 0; i < b->list.n && r == 0; i++) {
		const char *p = b->list.v[i].principal;
		size_t h = (size_t)fnv1a(p) & (slots - 1);

		while (table[h]) {
			size_t j = table[h] - 1;
			if (!strcmp(b->list.v[j].principal, p)) {
				char here[64], first[64];
				describe_pos(here, sizeof(here), b, i);
				describe_pos(first, sizeof(first), b, j);
				set_err(err, errlen, source,
					"%s: duplicate principal '%.64s' (first at %s)", here, p,
					first);
				r = -EINVAL;
				break;
			}
			h = (h + 1) & (slots - 1);
		}
		if (r == 0)
			table[h] = i + 1;
	}
	free(table);
	return r;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Text format. max_entries is 1 for a single credential: a second pair is
 * then an error naming its line.
 */
static int parse_text(const char *text, size_t len, const char *source, size_t max_entries,
		      struct cred_build *b, char *err, size_t errlen)
{
	size_t off = 0, line_no = 0;

	b->text = true;
	while (off < len) {
		const char *line = text + off, *nl;
		size_t line_len, i = 0, ntok = 0;
		const char *tok[2] = { NULL, NULL };
		size_t tok_len[2] = { 0, 0 };

		nl = memchr(line, '\n', len - off);
		line_len = nl ? (size_t)(nl - line) : len - off;
		off += line_len + (nl ? 1 : 0);
		line_no++;

		while (i < line_len && is_blank(line[i]))
			i++;
		if (i == line_len || line[i] == '#')
			continue;
		while (i < line_len) {
			size_t start = i;
			while (i < line_len && !is_blank(line[i]))
				i++;
			if (ntok < 2) {
				tok[ntok] = line + start;
				tok_len[ntok] = i - start;
			}
			ntok++;
			while (i < line_len && is_blank(line[i]))
				i++;
		}
		if (ntok != 2) {
			set_err(err, errlen, source,
				"line %zu: expected 'principal secret', got %zu token%s", line_no,
				ntok, ntok == 1 ? "" : "s");
			return -EINVAL;
		}
		if (b->list.n == max_entries) {
			if (max_entries == 1)
				set_err(err, errlen, source,
					"line %zu: expected a single 'principal secret' line, "
					"found another (first on line %zu)",
					line_no, b->pos[0]);
			else
				set_err(err, errlen, source, "line %zu: more than %zu credentials",
					line_no, max_entries);
			return -EINVAL;
		}
		for (int k = 0; k < 2; k++) {
			const char *why = field_invalid(tok[k], tok_len[k]);
			if (why) {
				set_err(err, errlen, source, "line %zu: %s %s", line_no,
					k == 0 ? "principal" : "secret", why);
				return -EINVAL;
			}
		}
		build_add(b, tok[0], tok_len[0], tok[1], tok_len[1], line_no);
	}
	return 0;
}

/* One {"principal":..,"secret":..} object at path ("" for a single file). */
static int parse_json_pair(const json_t *obj, const char *path, size_t index,
			   struct cred_build *b, const char *source, char *err, size_t errlen)
{
	static const char *const keys[2] = { "principal", "secret" };
	const char *val[2] = { NULL, NULL };
	struct jerr je;

	if (!json_is_object(obj)) {
		set_err(err, errlen, source, "%s%sexpected an object", path, *path ? ": " : "");
		return -EINVAL;
	}
	for (int k = 0; k < 2; k++) {
		const char *why;
		int r = jget_str(obj, keys[k], path, true, CRED_MAX_FIELD, &val[k], &je);
		if (r) {
			set_err(err, errlen, source, "%s", je.msg);
			return -EINVAL;
		}
		why = field_invalid(val[k], strlen(val[k]));
		if (why) {
			char where[128];
			set_err(err, errlen, source, "%s: %s",
				jpath(where, sizeof(where), path, keys[k]), why);
			return -EINVAL;
		}
	}
	build_add(b, val[0], strlen(val[0]), val[1], strlen(val[1]), index);
	return 0;
}

static int parse_json(const char *text, size_t len, const char *source, bool single,
		      struct cred_build *b, char *err, size_t errlen)
{
	struct jerr je;
	json_t *root, *arr;
	int r = -EINVAL;

	b->text = false;
	root = json_parse_bounded(text, len, CRED_MAX_FILE, source, &je);
	if (!root) {
		/* json_parse_bounded already starts the message with source. */
		if (err && errlen)
			str_copy(err, je.msg, errlen);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		set_err(err, errlen, source, "expected a JSON object");
		goto out;
	}
	if (single) {
		r = parse_json_pair(root, "", 0, b, source, err, errlen);
		goto out;
	}
	if (jget_array(root, "credentials", "", true, CRED_MAX_ENTRIES, &arr, &je)) {
		set_err(err, errlen, source, "%s", je.msg);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		char path[64];
		jpath_index(path, sizeof(path), "credentials", i);
		if (parse_json_pair(json_array_get(arr, i), path, i, b, source, err, errlen))
			goto out;
	}
	r = 0;
out:
	json_decref(root);
	return r;
}

static int parse_any(const char *text, size_t len, const char *source, bool single,
		     struct cred_build *b, char *err, size_t errlen)
{
	size_t i = 0;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!text && len) {
		set_err(err, errlen, source, "no text");
		return -EINVAL;
	}
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		text += 3, len -= 3;
	while (i < len && (text[i] == '\n' || is_blank(text[i])))
		i++;
	if (len > CRED_MAX_FILE) {
		set_err(err, errlen, source, "larger than %u bytes", CRED_MAX_FILE);
		return -EINVAL;
	}
	if (i < len && text[i] == '{')
		r = parse_json(text, len, source, single, b, err, errlen);
	else
		r = parse_text(text, len, source, single ? 1 : CRED_MAX_ENTRIES, b, err, errlen);
	if (r == 0 && b->list.n == 0) {
		set_err(err, errlen, source, "no credentials");
		r = -EINVAL;
	}
	if (r == 0 && !single)
		r = check_duplicates(b, source, err, errlen);
	return r;
}

int cred_parse_list(const char *text, size_t len, const char *source, struct credentials *out,
		    char *err, size_t errlen)
{
	struct cred_build b = { 0 };
	int r;

	out->v = NULL;
	out->n = 0;
	r = parse_any(text, len, source ? source : "credentials", false, &b, err, errlen);
	if (r) {
		build_free(&b);
		return r;
	}
	*out = b.list;
	free(b.pos);
	return 0;
}

int cred_parse_single(const char *text, size_t len, const char *source, struct credential *out,
		      char *err, size_t errlen)
{
	struct cred_build b = { 0 };
	int r;

	out->principal = NULL;
	out->secret = NULL;
	r = parse_any(text, len, source ? source : "credential", true, &b, err, errlen);
	if (r) {
		build_free(&b);
		return r;
	}
	*out = b.list.v[0];
	free(b.list.v);
	free(b.pos);
	return 0;
}

/* Reads path for cred_load_*; warns (but goes on) when others can read it. */
static int load_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	int r;

	if (err && errlen)
		err[0] = '\0';
	r = file_read_all(path, CRED_MAX_FILE, text, len);
	if (r == -EFBIG) {
		set_err(err, errlen, path, "larger than %u bytes", CRED_MAX_FILE);
		return r;
	}
	if (r < 0) {
		set_err(err, errlen, path, "cannot read: %s", strerror(-r));
		return r;
	}
	if (stat(path, &st) == 0 && (st.st_mode & S_IROTH))
		log_warnx("credentials file %s is readable by every user (mode %04o); "
			  "using it anyway, restrict it with chmod 600",
			  path, (unsigned)(st.st_mode & 07777));
	return 0;
}

static void wipe_text(char *text, size_t len)
{
	OPENSSL_cleanse(text, len);
	free(text);
}

int cred_load_list(const char *path, struct credentials *out, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int r;

	out->v = NULL;
	out->n = 0;
	r = load_file(path, &text, &len, err, errlen);
	if (r)
		return r;
	r = cred_parse_list(text, len, path, out, err, errlen);
	wipe_text(text, len);
	return r;
}

int cred_load_single(const char *path, struct credential *out, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int r;

	out->principal = NULL;
	out->secret = NULL;
	r = load_file(path, &text, &len, err, errlen);
	if (r)
		return r;
	r = cred_parse_single(text, len, path, out, err, errlen);
	wipe_text(text, len);
	return r;
}

const char *cred_lookup(const struct credentials *list, const char *principal)
{
	if (!list || !principal)
		return NULL;
	for (size_t i = 0; i < list->n; i++)
		if (!strcmp(list->v[i].principal, principal))
			return list->v[i].secret;
	return NULL;
}

bool cred_check(const struct credentials *list, const char *principal, const char *secret)
{
	const char *want;
	bool same;

	if (!secret)
		return false;
	want = cred_lookup(list, principal);
	/*
	 * An unknown principal still pays for one secret comparison, so the
	 * time taken does not depend on whether the principal exists beyond
	 * the (non-secret) lookup itself.
	 */
	same = auth_streq(want ? want : secret, secret);
	return want != NULL && same;
}

void cred_free(struct credential *c)
{
	if (!c)
		return;
	free(c->principal);
	wipe_free(c->secret);
	c->principal = NULL;
	c->secret = NULL;
}

void cred_free_list(struct credentials *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		cred_free(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}
