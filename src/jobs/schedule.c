/*
 * schedule — see schedule.h for the rules. This file owns:
 *
 *   1. the proleptic Gregorian calendar on int64 day numbers (day 0 =
 *      1970-01-01), so nothing depends on time_t, timegm or the TZ variable;
 *   2. time zones: TZif files read and validated into struct schedule_zone
 *      (transitions + offsets + the POSIX footer rule), cached in the
 *      caller's struct schedule_tzdb, and the Java/Joda id aliases;
 *   3. the Joda ISO date-time and period grammars, the schedule grammar,
 *      advancing and printing.
 *
 * Invariants:
 *   I1. Every instant handled is inside [TIME_MIN_MS, TIME_MAX_MS] before
 *       any arithmetic, and every sum or product of user numbers is
 *       overflow-checked, so no input can overflow (UBSan-clean by design).
 *   I2. A struct schedule that parse or advance returned has its start's local
 *       wall clock (in its zone) in years 0000..9999, so schedule_format()
 *       succeeds and its output parses back to the same schedule.
 *   I3. Offsets are whole seconds with |offset| < 24 h; zone arithmetic is
 *       in seconds and the milliseconds ride along unchanged.
 *   I4. A loaded zone is immutable and lives until schedule_tzdb_free().
 *
 * Pure apart from reading tz files; runs on the jobs daemon's loop.
 */
#include "jobs/schedule.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define MS_PER_DAY 86400000LL
#define S_PER_DAY 86400
#define MAX_OFFSET_S (24 * 3600 - 1)
/* Comfortably outside years 0000..9999 in any zone, far from overflow. */
#define TIME_MIN_MS (-62200000000000LL)
#define TIME_MAX_MS (253500000000000LL)
#define TZIF_MAX_BYTES (256 * 1024)
#define TZIF_MAX_TRANSITIONS 4096
#define TZ_RULE_MAX 128
#define DEFAULT_TZDIR "/usr/share/zoneinfo"

/* ---------------------------------------------------------------- calendar */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of y-m-d (H. Hinnant's algorithm); |y| < 10^7. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;
	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;
	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Is a local wall-clock time (ms, as if UTC) inside years 0000..9999? */
static bool local_ok(int64_t local_ms)
{
	return local_ms >= days_from_civil(0, 1, 1) * MS_PER_DAY &&
	       local_ms < days_from_civil(10000, 1, 1) * MS_PER_DAY;
}

/* ------------------------------------------------------ POSIX TZ footer rule */

struct tz_date {
	char kind; /* 'J' Jn (1..365, no Feb 29), 'D' n (0..365), 'M' Mm.w.d */
	int month, week, wday, yday;
	int32_t time_s; /* local time of day of the change, -167h..167h */
};

struct tz_rule {
	bool present, has_dst;
	int32_t std_off, dst_off; /* seconds east of UTC */
	struct tz_date start, end;
};

struct schedule_zone {
	char id[SCHEDULE_ZONE_ID_MAX];
	uint32_t ntrans, ntypes;
	int64_t *trans_at; /* strictly ascending UTC seconds */
	uint8_t *trans_type;
	int32_t type_off[256];
	struct tz_rule rule;
};

struct cursor {
	const char *s;
	size_t i, n;
};

static int cur_peek(const struct cursor *c)
{
	return c->i < c->n ? (unsigned char)c->s[c->i] : -1;
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_alpha(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* Up to max_digits digits (at least one) into *out. */
static bool cur_num(struct cursor *c, int max_digits, int32_t *out)
{
	int32_t v = 0;
	int n = 0;
	while (n < max_digits && is_digit(cur_peek(c))) {
		v = v * 10 + (c->s[c->i++] - '0');
		n++;
	}
	*out = v;
	return n > 0;
}

/* std or dst name: 3+ letters, or <[A-Za-z0-9+-]+>. */
static bool tz_name(struct cursor *c)
{
	size_t from = c->i;
	if (cur_peek(c) == '<') {
		c->i++;
		while (c->i < c->n && c->s[c->i] != '>') {
			int ch = cur_peek(c);
			if (!is_alpha(ch) && !is_digit(ch) && ch != '+' && ch != '-')
				return false;
			c->i++;
		}
		if (c->i >= c->n || c->i - from < 2)
			return false;
		c->i++;
		return true;
	}
	while (is_alpha(cur_peek(c)))
		c->i++;
	return c->i - from >= 3;
}

/* [+-]h[hh][:mm[:ss]] with hours <= max_hours; the sign is kept. */
static bool tz_hms(struct cursor *c, int max_hours, int32_t *out)
{
	int32_t h, m = 0, s = 0, sign = 1;
	if (cur_peek(c) == '+' || cur_peek(c) == '-')
		sign = c->s[c->i++] == '-' ? -1 : 1;
	if (!cur_num(c, 3, &h) || h > max_hours)
		return false;
	if (cur_peek(c) == ':') {
		c->i++;
		if (!cur_num(c, 2, &m) || m > 59)
			return false;
		if (cur_peek(c) == ':') {
			c->i++;
			if (!cur_num(c, 2, &s) || s > 59)
				return false;
		}
	}
	*out = sign * (h * 3600 + m * 60 + s);
	return true;
}

static bool tz_date(struct cursor *c, struct tz_date *d)
{
	int32_t v;
	memset(d, 0, sizeof(*d));
	d->time_s = 7200;
	if (cur_peek(c) == 'M') {
		int32_t w, wd;
		c->i++;
		if (!cur_num(c, 2, &v) || v < 1 || v > 12 || cur_peek(c) != '.')
			return false;
		c->i++;
		if (!cur_num(c, 1, &w) || w < 1 || w > 5 || cur_peek(c) != '.')
			return false;
		c->i++;
		if (!cur_num(c, 1, &wd) || wd > 6)
			return false;
		*d = (struct tz_date){ .kind = 'M', .month = v, .week = w, .wday = wd, .time_s = 7200 };
	} else if (cur_peek(c) == 'J') {
		c->i++;
		if (!cur_num(c, 3, &v) || v < 1 || v > 365)
			return false;
		d->kind = 'J';
		d->yday = v;
	} else {
		if (!cur_num(c, 3, &v) || v > 365)
			return false;
		d->kind = 'D';
		d->yday = v;
	}
	if (cur_peek(c) == '/') {
		c->i++;
		return tz_hms(c, 167, &d->time_s);
	}
	return true;
}

/* "PST8PDT,M3.2.0,M11.1.0", "<+0545>-5:45", "CET-1CEST,M3.5.0,M10.5.0/3". */
static bool tz_rule_parse(const char *text, size_t n, struct tz_rule *r)
{
	struct cursor c = { text, 0, n };
	int32_t off;
	memset(r, 0, sizeof(*r));
	if (!tz_name(&c) || !tz_hms(&c, 24, &off))
		return false;
	r->std_off = -off;
	r->dst_off = r->std_off + 3600;
	if (c.i < n) {
		if (!tz_name(&c))
			return false;
		if (cur_peek(&c) != ',') {
			if (!tz_hms(&c, 24, &off))
				return false;
			r->dst_off = -off;
		}
		/* RFC 8536 footers always carry the rule when there is DST. */
		if (cur_peek(&c) != ',')
			return false;
		c.i++;
		if (!tz_date(&c, &r->start) || cur_peek(&c) != ',')
			return false;
		c.i++;
		if (!tz_date(&c, &r->end))
			return false;
		r->has_dst = true;
	}
	if (c.i != n || r->std_off < -MAX_OFFSET_S || r->std_off > MAX_OFFSET_S ||
	    r->dst_off < -MAX_OFFSET_S || r->dst_off > MAX_OFFSET_S)
		return false;
	r->present = true;
	return true;
}

/* Local seconds (in the offset before the change) of a rule date in year y. */
static int64_t tz_change_local(const struct tz_date *d, int64_t y)
{
	int64_t jan1 = days_from_civil(y, 1, 1), day;
	if (d->kind == 'J') {
		day = jan1 + d->yday - 1 + (is_leap(y) && d->yday >= 60);
	} else if (d->kind == 'D') {
		day = jan1 + d->yday;
	} else {
		int64_t first = days_from_civil(y, d->month, 1);
		int64_t wd_first = floor_mod(first + 4, 7); /* 1970-01-01 was a Thursday */
		day = first + floor_mod(d->wday - wd_first, 7) + (int64_t)(d->week - 1) * 7;
		if (day >= first + month_days(y, d->month))
			day -= 7;
	}
	return day * S_PER_DAY + d->time_s;
}

static int32_t tz_rule_offset(const struct tz_rule *r, int64_t t)
{
	int64_t y, start, end;
	int m, d;
	if (!r->has_dst)
		return r->std_off;
	civil_from_days(floor_div(t + r->std_off, S_PER_DAY), &y, &m, &d);
	start = tz_change_local(&r->start, y) - r->std_off;
	end = tz_change_local(&r->end, y) - r->dst_off;
	if (start < end)
		return t >= start && t < end ? r->dst_off : r->std_off;
	return t >= end && t < start ? r->std_off : r->dst_off;
}

/* ------------------------------------------------------------- TZif files */

struct tzif_counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int tzif_header(const unsigned char *p, size_t len, size_t at, struct tzif_counts *c)
{
	if (at > len || len - at < 44 || memcmp(p + at, "TZif", 4) != 0)
		return -EINVAL;
	c->isut = be32(p + at + 20);
	c->isstd = be32(p + at + 24);
	c->leap = be32(p + at + 28);
	c->time = be32(p + at + 32);
	c->type = be32(p + at + 36);
	c->chars = be32(p + at + 40);
	/* leap seconds ("right/" zones) are not Java's time scale */
	if (c->type == 0 || c->type > 256 || c->time > TZIF_MAX_TRANSITIONS || c->leap != 0 ||
	    c->chars > 4096 || (c->isut && c->isut != c->type) || (c->isstd && c->isstd != c->type))
		return -EINVAL;
	return 0;
}

static size_t tzif_block_size(const struct tzif_counts *c, size_t tsize)
{
	return (size_t)c->time * (tsize + 1) + (size_t)c->type * 6 + c->chars + c->isstd + c->isut;
}

static int tzif_footer(const unsigned char *p, size_t len, size_t at, struct tz_rule *rule)
{
	size_t end;
	if (at >= len || p[at] != '\n')
		return 0; /* no footer: the last offset holds forever */
	for (end = at + 1; end < len && p[end] != '\n'; end++)
		if (end - at > TZ_RULE_MAX)
			return -EINVAL;
	if (end >= len)
		return -EINVAL;
	if (end > at + 1 && !tz_rule_parse((const char *)p + at + 1, end - at - 1, rule))
		memset(rule, 0, sizeof(*rule)); /* unusable rule: clamp, like a v1 file */
	return 0;
}

/* Fills z from a TZif file image; z's arrays are freed by the caller on error. */
static int tzif_parse(const unsigned char *p, size_t len, struct schedule_zone *z)
{
	struct tzif_counts c;
	size_t at = 0, tsize = 4;
	const unsigned char *data, *types;

	if (tzif_header(p, len, 0, &c) < 0)
		return -EINVAL;
	if (p[4] >= '2') {
		at = 44 + tzif_block_size(&c, 4);
		if (tzif_header(p, len, at, &c) < 0)
			return -EINVAL;
		tsize = 8;
	}
	at += 44;
	if (len - at < tzif_block_size(&c, tsize))
		return -EINVAL;
	data = p + at;
	z->ntrans = c.time;
	z->ntypes = c.type;
	z->trans_at = xcalloc(c.time ? c.time : 1, sizeof(*z->trans_at));
	z->trans_type = xcalloc(c.time ? c.time : 1, 1);
	for (uint32_t i = 0; i < c.time; i++) {
		const unsigned char *tp = data + (size_t)i * tsize;
		z->trans_at[i] = tsize == 8 ? be64(tp) : (int64_t)(int32_t)be32(tp);
		z->trans_type[i] = data[(size_t)c.time * tsize + i];
		if ((i > 0 && z->trans_at[i] <= z->trans_at[i - 1]) || z->trans_type[i] >= c.type)
			return -EINVAL;
	}
	types = data + (size_t)c.time * (tsize + 1);
	for (uint32_t i = 0; i < c.type; i++) {
		int32_t off = (int32_t)be32(types + i * 6);
		if (off < -MAX_OFFSET_S || off > MAX_OFFSET_S || types[i * 6 + 4] > 1)
			return -EINVAL;
		z->type_off[i] = off;
	}
	if (tsize == 8)
		return tzif_footer(p, len, at + tzif_block_size(&c, tsize), &z->rule);
	return 0;
}

static void zone_free(struct schedule_zone *z)
{
	if (!z)
		return;
	free(z->trans_at);
	free(z->trans_type);
	free(z);
}

/* UTC offset in seconds at UTC second t. */
static int32_t zone_offset(const struct schedule_zone *z, int64_t t)
{
	uint32_t lo = 0, hi;
	if (z->ntrans == 0)
		return z->rule.present ? tz_rule_offset(&z->rule, t) : z->type_off[0];
	if (t < z->trans_at[0])
		return z->type_off[0];
	if (t >= z->trans_at[z->ntrans - 1] && z->rule.present)
		return tz_rule_offset(&z->rule, t);
	hi = z->ntrans - 1; /* invariant: trans_at[lo] <= t */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;
		if (z->trans_at[mid] <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return z->type_off[z->trans_type[lo]];
}

/*
 * Local second -> UTC second (Joda's rules): the hint instant's offset wins
 * when valid (withZoneRetainFields); an overlap takes the earlier instant;
 * a gap takes the offset before it, i.e. the wall clock moves forward.
 */
static int64_t zone_local_to_utc(const struct schedule_zone *z, int64_t local, const int64_t *hint)
{
	int32_t before, after, o;
	if (hint) {
		o = zone_offset(z, *hint);
		if (zone_offset(z, local - o) == o)
			return local - o;
	}
	before = zone_offset(z, local - S_PER_DAY);
	after = zone_offset(z, local + S_PER_DAY);
	if (zone_offset(z, local - before) == before)
		return local - before;
	if (zone_offset(z, local - after) == after)
		return local - after;
	o = zone_offset(z, local - zone_offset(z, local)); /* two changes within a day */
	if (zone_offset(z, local - o) == o)
		return local - o;
	return local - before;
}

/* ------------------------------------------------------------ zone lookup */

void schedule_tzdb_init(struct schedule_tzdb *db, const char *dir)
{
	memset(db, 0, sizeof(*db));
	str_copy(db->dir, dir && *dir ? dir : DEFAULT_TZDIR, sizeof(db->dir));
}

void schedule_tzdb_free(struct schedule_tzdb *db)
{
	for (size_t i = 0; i < db->count; i++)
		zone_free(db->zones[i]);
	free(db->zones);
	db->zones = NULL;
	db->count = 0;
}

/* A tz database name we are willing to open: no "..", no absolute path. */
static bool olson_id_ok(const char *id)
{
	static const char *const refused[] = { "posixrules", "localtime", "Factory" };
	size_t n = strlen(id);
	if (n == 0 || n >= SCHEDULE_ZONE_ID_MAX || id[0] == '/' || id[n - 1] == '/' ||
	    str_starts_with(id, "posix/") || str_starts_with(id, "right/"))
		return false;
	for (size_t i = 0; i < ARRAY_LEN(refused); i++)
		if (strcmp(id, refused[i]) == 0)
			return false;
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		if (!is_alpha(ch) && !is_digit(ch) && ch != '_' && ch != '+' && ch != '-' &&
		    ch != '/' && ch != '.')
			return false;
		if ((ch == '/' || ch == '.') && (i == 0 || id[i - 1] == '/' || id[i - 1] == '.'))
			return false;
	}
	return id[0] != '.';
}

/* The loaded zone named id: 0, -ENOENT (not a usable zone), -ENOSPC (full). */
static int tzdb_get(struct schedule_tzdb *db, const char *id, const struct schedule_zone **out)
{
	char path[sizeof(db->dir) + SCHEDULE_ZONE_ID_MAX + 2];
	char *data = NULL;
	size_t len = 0;
	struct schedule_zone *z;
	int rc;

	for (size_t i = 0; i < db->count; i++)
		if (strcmp(db->zones[i]->id, id) == 0) {
			*out = db->zones[i];
			return 0;
		}
	if (!olson_id_ok(id) || str_printf(path, sizeof(path), "%s/%s", db->dir, id) < 0)
		return -ENOENT;
	if (db->count >= SCHEDULE_TZDB_MAX_ZONES)
		return -ENOSPC;
	if (file_read_all(path, TZIF_MAX_BYTES, &data, &len) < 0)
		return -ENOENT;
	z = xcalloc(1, sizeof(*z));
	str_copy(z->id, id, sizeof(z->id));
	rc = tzif_parse((const unsigned char *)data, len, z);
	free(data);
	if (rc < 0) {
		zone_free(z);
		return -ENOENT;
	}
	db->zones = xreallocarray(db->zones, db->count + 1, sizeof(*db->zones));
	db->zones[db->count++] = z;
	*out = z;
	return 0;
}

/* Java's custom ids "GMT+h", "GMT-hh", "GMT+hhmm", "GMT+h:mm" (TimeZone). */
static bool java_custom_offset(const char *id, int32_t *off)
{
	int hours = 0, num = 0, delims = 0, len = 0;
	size_t n = strlen(id);
	if (n < 5 || strncmp(id, "GMT", 3) != 0 || (id[3] != '+' && id[3] != '-'))
		return false;
	for (size_t i = 4; i < n; i++) {
		if (id[i] == ':') {
			if (delims > 0 || len > 2)
				return false;
			hours = num;
			delims++;
			num = 0;
			len = 0;
			continue;
		}
		if (!is_digit(id[i]) || ++len > 4)
			return false;
		num = num * 10 + (id[i] - '0');
	}
	if (delims == 0) {
		hours = len <= 2 ? num : num / 100;
		num = len <= 2 ? 0 : num % 100;
	} else if (len != 2) {
		return false;
	}
	if (hours > 23 || num > 59)
		return false;
	*off = (hours * 60 + num) * 60 * (id[3] == '-' ? -1 : 1);
	return true;
}

/* Joda's DateTimeZone.forTimeZone conversion of Java's legacy ids. */
static const char *joda_alias(const char *id)
{
	static const char *const map[][2] = {
		{ "GMT", "UTC" },
		{ "WET", "WET" },
		{ "CET", "CET" },
		{ "MET", "CET" },
		{ "ECT", "CET" },
		{ "EET", "EET" },
		{ "MIT", "Pacific/Apia" },
		{ "HST", "Pacific/Honolulu" },
		{ "AST", "America/Anchorage" },
		{ "PST", "America/Los_Angeles" },
		{ "MST", "America/Denver" },
		{ "PNT", "America/Phoenix" },
		{ "CST", "America/Chicago" },
		{ "EST", "America/New_York" },
		{ "IET", "America/Indiana/Indianapolis" },
		{ "PRT", "America/Puerto_Rico" },
		{ "CNT", "America/St_Johns" },
		{ "AGT", "America/Argentina/Buenos_Aires" },
		{ "BET", "America/Sao_Paulo" },
		{ "ART", "Africa/Cairo" },
		{ "CAT", "Africa/Harare" },
		{ "EAT", "Africa/Addis_Ababa" },
		{ "NET", "Asia/Yerevan" },
		{ "PLT", "Asia/Karachi" },
		{ "IST", "Asia/Kolkata" },
		{ "BST", "Asia/Dhaka" },
		{ "VST", "Asia/Ho_Chi_Minh" },
		{ "CTT", "Asia/Shanghai" },
		{ "JST", "Asia/Tokyo" },
		{ "ACT", "Australia/Darwin" },
		{ "AET", "Australia/Sydney" },
		{ "SST", "Pacific/Guadalcanal" },
		{ "NST", "Pacific/Auckland" },
	};
	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		if (strcmp(id, map[i][0]) == 0)
			return map[i][1];
	return id;
}

/* Sets s->zone / s->offset_s / s->zone_unknown for a scheduleTimeZone. */
static int zone_resolve(struct schedule_tzdb *db, const char *id, struct schedule *s)
{
	int32_t off;
	int rc;
	s->zone = NULL;
	s->offset_s = 0;
	s->zone_unknown = false;
	if (strnlen(id, SCHEDULE_ZONE_ID_MAX) >= SCHEDULE_ZONE_ID_MAX) {
		s->zone_unknown = true;
		return 0;
	}
	id = joda_alias(id);
	if (strcmp(id, "UTC") == 0 || strcmp(id, "Z") == 0)
		return 0;
	if (java_custom_offset(id, &off)) {
		s->offset_s = off;
		return 0;
	}
	rc = db ? tzdb_get(db, id, &s->zone) : -ENOENT;
	if (rc == -ENOSPC)
		return rc;
	s->zone_unknown = rc < 0; /* Java: an unknown id is GMT */
	return 0;
}

/* ------------------------------------------------ a schedule's wall clock */

static int32_t sched_offset(const struct schedule *s, int64_t utc_ms)
{
	return s->zone ? zone_offset(s->zone, floor_div(utc_ms, 1000)) : s->offset_s;
}

static int64_t sched_to_local(const struct schedule *s, int64_t utc_ms)
{
	return utc_ms + (int64_t)sched_offset(s, utc_ms) * 1000;
}

/* Local wall clock (ms) -> instant; hint_ms (may be NULL) as zone_local_to_utc. */
static int64_t sched_to_utc(const struct schedule *s, int64_t local_ms, const int64_t *hint_ms)
{
	int64_t sec = floor_div(local_ms, 1000), hint_s = 0;
	if (!s->zone)
		return local_ms - (int64_t)s->offset_s * 1000;
	if (hint_ms)
		hint_s = floor_div(*hint_ms, 1000);
	return zone_local_to_utc(s->zone, sec, hint_ms ? &hint_s : NULL) * 1000 +
	       (local_ms - sec * 1000);
}

/* I2: the instant exists and its local time is in years 0000..9999. */
static bool sched_start_ok(const struct schedule *s, int64_t utc_ms)
{
	return utc_ms >= TIME_MIN_MS && utc_ms <= TIME_MAX_MS && local_ok(sched_to_local(s, utc_ms));
}

/* ------------------------------------------------------------ error text */

/* Copies n bytes of p for quoting in a message, non-printables as '?'. */
static void quote_part(const char *p, size_t n, char *buf, size_t size)
{
	size_t i;
	for (i = 0; i < n && i + 1 < size; i++)
		buf[i] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	buf[i] = '\0';
}

/* A parse position with room for the reason of a failure. */
struct scan {
	const char *s;
	size_t i, n;
	char why[160];
};

static int scan_fail(struct scan *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int scan_fail(struct scan *sc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sc->why, sizeof(sc->why), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "unexpected 'x' after '2014-10-10'" for the character at sc->i. */
static int scan_unexpected(struct scan *sc)
{
	char ch[8], before[SCHEDULE_TEXT_MAX + 1];
	unsigned char c = (unsigned char)sc->s[sc->i];
	if (c >= 0x20 && c < 0x7f)
		snprintf(ch, sizeof(ch), "'%c'", c);
	else
		snprintf(ch, sizeof(ch), "byte %02x", c);
	quote_part(sc->s, sc->i, before, sizeof(before));
	if (sc->i == 0)
		return scan_fail(sc, "unexpected %s at the beginning", ch);
	return scan_fail(sc, "unexpected %s after '%.100s'", ch, before);
}

static int scan_peek(const struct scan *sc)
{
	return sc->i < sc->n ? (unsigned char)sc->s[sc->i] : -1;
}

static size_t scan_digits(const struct scan *sc)
{
	size_t k = 0;
	while (sc->i + k < sc->n && is_digit(sc->s[sc->i + k]))
		k++;
	return k;
}

/* Consumes count (<= 18) digits and returns their value. */
static int64_t scan_take(struct scan *sc, size_t count)
{
	int64_t v = 0;
	for (size_t k = 0; k < count; k++)
		v = v * 10 + (sc->s[sc->i++] - '0');
	return v;
}

/* ------------------------------------------------------- ISO date-time */

struct iso_time {
	int64_t local_ms; /* the wall clock fields, as if UTC */
	bool has_offset;
	int32_t offset_s;
};

static int64_t iso_weekday(int64_t day) /* Monday = 1 */
{
	return floor_mod(day + 3, 7) + 1;
}

/* "Www[-e]" after "yyyy-": Joda's ISO week date. */
static int parse_week_date(struct scan *sc, int64_t year, int64_t *days)
{
	int64_t week, wday = 1, jan4, monday1, next_monday1;
	size_t run;
	sc->i++;
	run = scan_digits(sc);
	if (run < 1 || run > 2)
		return scan_fail(sc, "expected a week number after 'W'");
	week = scan_take(sc, run);
	if (scan_peek(sc) == '-') {
		sc->i++;
		if (scan_digits(sc) != 1)
			return scan_fail(sc, "expected a weekday 1-7 after the week");
		wday = scan_take(sc, 1);
		if (wday < 1 || wday > 7)
			return scan_fail(sc, "weekday %lld out of range", (long long)wday);
	}
	jan4 = days_from_civil(year, 1, 4);
	monday1 = jan4 - (iso_weekday(jan4) - 1);
	jan4 = days_from_civil(year + 1, 1, 4);
	next_monday1 = jan4 - (iso_weekday(jan4) - 1);
	if (week < 1 || week > (next_monday1 - monday1) / 7)
		return scan_fail(sc, "week %lld out of range for %04lld", (long long)week,
				 (long long)year);
	*days = monday1 + (week - 1) * 7 + wday - 1;
	return 0;
}

/* yyyy[-MM[-dd]] | yyyy-DDD | yyyy-Www[-e] */
static int parse_date(struct scan *sc, int64_t *days)
{
	int64_t year, month, day = 1;
	size_t run = scan_digits(sc);
	if (run != 4)
		return run ? scan_fail(sc, "the year must have 4 digits")
			   : scan_fail(sc, "expected a date like 2014-10-10T18:32:00Z");
	year = scan_take(sc, 4);
	*days = days_from_civil(year, 1, 1);
	if (scan_peek(sc) != '-')
		return 0;
	sc->i++;
	if (scan_peek(sc) == 'W')
		return parse_week_date(sc, year, days);
	run = scan_digits(sc);
	if (run == 3) {
		int64_t yday = scan_take(sc, 3);
		if (yday < 1 || yday > 365 + is_leap(year))
			return scan_fail(sc, "day-of-year %lld out of range for %04lld",
					 (long long)yday, (long long)year);
		*days += yday - 1;
		return 0;
	}
	if (run < 1 || run > 2)
		return scan_fail(sc, "expected a month (MM) or a day-of-year (DDD) after the year");
	month = scan_take(sc, run);
	if (month < 1 || month > 12)
		return scan_fail(sc, "month %lld out of range", (long long)month);
	if (scan_peek(sc) == '-') {
		sc->i++;
		run = scan_digits(sc);
		if (run < 1 || run > 2)
			return scan_fail(sc, "expected a day after the month");
		day = scan_take(sc, run);
		if (day < 1 || day > 31)
			return scan_fail(sc, "day %lld out of range", (long long)day);
		if (day > month_days(year, (int)month))
			return scan_fail(sc, "day %lld out of range for %04lld-%02lld", (long long)day,
					 (long long)year, (long long)month);
	}
	*days = days_from_civil(year, (int)month, (int)day);
	return 0;
}

/* HH[:mm[:ss]][(.|,)fraction of the last field] */
static int parse_time(struct scan *sc, int64_t *ms_of_day)
{
	static const char *const names[3] = { "hour", "minute", "second" };
	static const int limits[3] = { 23, 59, 59 };
	static const int64_t unit_ms[3] = { 3600000, 60000, 1000 };
	int64_t ms = 0, v;
	size_t run, f = 0;

	for (;;) {
		run = scan_digits(sc);
		if (run < 1 || run > 2)
			return scan_fail(sc, "expected a 2-digit %s", names[f]);
		v = scan_take(sc, run);
		if (v > limits[f])
			return scan_fail(sc, "%s %lld out of range", names[f], (long long)v);
		ms += v * unit_ms[f++];
		if (f == 3 || scan_peek(sc) != ':')
			break;
		sc->i++;
	}
	if (scan_peek(sc) == '.' || scan_peek(sc) == ',') {
		sc->i++;
		run = scan_digits(sc);
		if (run < 1 || run > 9)
			return scan_fail(sc, run ? "more than 9 fraction digits"
						 : "expected digits after the decimal point");
		v = scan_take(sc, run);
		for (; run < 9; run++)
			v *= 10;
		ms += v * unit_ms[f - 1] / 1000000000;
	}
	*ms_of_day = ms;
	return 0;
}

/* [Z | ±HH[[:]mm[[:]ss]]] */
static int parse_offset(struct scan *sc, struct iso_time *t)
{
	int64_t h, m = 0, s = 0, sign;
	bool colon;
	if (scan_peek(sc) == 'Z') {
		sc->i++;
		t->has_offset = true;
		return 0;
	}
	if (scan_peek(sc) != '+' && scan_peek(sc) != '-')
		return 0;
	sign = sc->s[sc->i++] == '-' ? -1 : 1;
	if (scan_digits(sc) < 2)
		return scan_fail(sc, "expected 2-digit offset hours after the sign");
	h = scan_take(sc, 2);
	colon = scan_peek(sc) == ':';
	if (colon)
		sc->i++;
	if (scan_digits(sc) >= 2) {
		m = scan_take(sc, 2);
		if ((colon && scan_peek(sc) == ':') || (!colon && scan_digits(sc) >= 2)) {
			sc->i += colon;
			if (scan_digits(sc) < 2)
				return scan_fail(sc, "expected 2-digit offset seconds");
			s = scan_take(sc, 2);
		}
	} else if (colon) {
		return scan_fail(sc, "expected 2-digit offset minutes after ':'");
	}
	if (h > 23 || m > 59 || s > 59)
		return scan_fail(sc, "offset %c%02lld:%02lld out of range", sign < 0 ? '-' : '+',
				 (long long)h, (long long)m);
	t->has_offset = true;
	t->offset_s = (int32_t)(sign * (h * 3600 + m * 60 + s));
	return 0;
}

/* Joda's ISODateTimeFormat.dateTimeParser(), years of exactly 4 digits. */
static int parse_iso(struct scan *sc, struct iso_time *t)
{
	int64_t days = 0, ms = 0; /* a bare time is on 1970-01-01 */
	bool time_only = scan_peek(sc) == 'T';
	int rc;

	memset(t, 0, sizeof(*t));
	if (!time_only && (rc = parse_date(sc, &days)) < 0)
		return rc;
	if (scan_peek(sc) == 'T') {
		sc->i++;
		if ((time_only || is_digit(scan_peek(sc))) && (rc = parse_time(sc, &ms)) < 0)
			return rc;
		if ((rc = parse_offset(sc, t)) < 0)
			return rc;
	}
	if (sc->i < sc->n)
		return scan_unexpected(sc);
	t->local_ms = days * MS_PER_DAY + ms;
	return 0;
}

/* ---------------------------------------------------------------- periods */

bool schedule_period_is_zero(const struct schedule_period *p)
{
	return !(p->years | p->months | p->weeks | p->days | p->hours | p->minutes | p->seconds |
		 p->millis);
}

int64_t schedule_period_min_ms(const struct schedule_period *p)
{
	const int64_t hour_ms = 3600000, day_ms = 23 * hour_ms;
	int64_t days = (int64_t)p->years * 365 + (int64_t)p->months * 28 +
		       (int64_t)p->weeks * 7 + p->days; /* <= 2^31 * 401: no overflow */
	int64_t exact = (int64_t)p->hours * hour_ms + (int64_t)p->minutes * 60000 +
			(int64_t)p->seconds * 1000 + p->millis; /* < 2^31 * 3661001 */

	if (days > (INT64_MAX - exact) / day_ms)
		return INT64_MAX;
	return days * day_ms + exact;
}

static int32_t period_get(const struct schedule_period *p, int rank)
{
	const int32_t fields[8] = { p->years, p->months,  p->weeks,   p->days,
				    p->hours, p->minutes, p->seconds, p->millis };
	return fields[rank];
}

static void period_set(struct schedule_period *p, int rank, int32_t v)
{
	int32_t *fields[8] = { &p->years, &p->months,  &p->weeks,   &p->days,
			       &p->hours, &p->minutes, &p->seconds, &p->millis };
	*fields[rank] = v;
}

/* One "n[.f]U" of a period at sc->i; rank is the last unit's (0..6). */
static int parse_period_field(struct scan *sc, bool in_time, int *rank, struct schedule_period *p)
{
	const char *units = in_time ? "HMS" : "YMWD";
	size_t run = scan_digits(sc), from = sc->i, frac_run;
	int64_t value, millis = 0;
	bool has_frac = false;
	const char *unit;
	int r;

	if (run == 0)
		return sc->i < sc->n ? scan_unexpected(sc) : scan_fail(sc, "expected a number");
	if (run > 10 || (value = scan_take(sc, run)) > INT32_MAX)
		return scan_fail(sc, "%.*s is out of range", (int)(run > 20 ? 20 : run), sc->s + from);
	if (scan_peek(sc) == '.' || scan_peek(sc) == ',') {
		sc->i++;
		frac_run = scan_digits(sc);
		if (frac_run > 9)
			return scan_fail(sc, "more than 9 fraction digits");
		for (size_t k = 0; k < 3; k++)
			millis = millis * 10 + (k < frac_run ? sc->s[sc->i + k] - '0' : 0);
		sc->i += frac_run;
		has_frac = true; /* "1.S" too, as Joda */
	}
	if (scan_peek(sc) < 0 || !(unit = strchr(units, scan_peek(sc) & ~0x20)) || !*unit)
		return scan_fail(sc, "expected %s after %.*s, got '%.1s'",
				 in_time ? "H, M or S" : "Y, M, W or D", (int)(sc->i - from),
				 sc->s + from, sc->i < sc->n ? sc->s + sc->i : "");
	r = (int)(unit - units) + (in_time ? 4 : 0);
	if (r <= *rank)
		return scan_fail(sc, "%c is repeated or out of order", *unit);
	if (has_frac && r != 6)
		return scan_fail(sc, "only seconds may have a fraction");
	period_set(p, r, (int32_t)value);
	if (r == 6)
		p->millis = (int32_t)millis;
	*rank = r;
	sc->i++;
	return 0;
}

/* ISOPeriodFormat.standard(): P[nY][nM][nW][nD][T[nH][nM][n[.f]S]] */
static int parse_period(struct scan *sc, struct schedule_period *p)
{
	bool in_time = false, need_time = false;
	int rank = -1, rc;

	memset(p, 0, sizeof(*p));
	sc->i++; /* 'P', guaranteed by the grammar */
	while (sc->i < sc->n) {
		if ((sc->s[sc->i] & ~0x20) == 'T') {
			if (in_time)
				return scan_fail(sc, "a second 'T'");
			in_time = need_time = true;
			sc->i++;
			continue;
		}
		if ((rc = parse_period_field(sc, in_time, &rank, p)) < 0)
			return rc;
		need_time = false;
	}
	if (need_time)
		return scan_fail(sc, "expected H, M or S after 'T'");
	return 0;
}

int schedule_period_format(const struct schedule_period *p, char *buf, size_t size)
{
	static const char units[] = "YMWDHM";
	char out[128];
	size_t len = 1;
	out[0] = 'P';
	for (int r = 0; r < 6; r++) {
		int32_t v = period_get(p, r);
		if (r == 4 && (p->hours || p->minutes || p->seconds || p->millis))
			out[len++] = 'T';
		if (v)
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%d%c", v, units[r]);
	}
	if (p->seconds || p->millis)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%d", p->seconds);
	if (p->millis)
		len += (size_t)snprintf(out + len, sizeof(out) - len, ".%03d", p->millis);
	if (p->seconds || p->millis)
		out[len++] = 'S';
	out[len] = '\0';
	if (len == 1)
		str_copy(out, "PT0S", sizeof(out));
	return str_printf(buf, size, "%s", out);
}

/* -------------------------------------------------------------- schedules */

/* Splits "(R[0-9]*)/(.*)/(P.*)": the start ends at the LAST "/P". */
static bool split_schedule(const char *text, size_t len, size_t *slash1, size_t *slash2)
{
	size_t i = 1;
	if (len == 0 || text[0] != 'R')
		return false;
	while (i < len && is_digit(text[i]))
		i++;
	if (i >= len || text[i] != '/')
		return false;
	for (size_t k = i; k < len; k++) /* Java's '.' matches no line terminator */
		if (text[k] == '\n' || text[k] == '\r')
			return false;
	*slash1 = i;
	for (size_t k = len - 1; k > i; k--)
		if (text[k] == '/' && k + 1 < len && text[k + 1] == 'P') {
			*slash2 = k;
			return true;
		}
	return false;
}

static int parse_repeat(const char *digits, size_t n, int64_t *repeat)
{
	int64_t v = 0;
	if (n == 0) {
		*repeat = -1;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		int d = digits[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*repeat = v;
	return 0;
}

/* The start: empty = now - 1 s; with a zone, the wall clock is kept. */
static int parse_start(const char *p, size_t n, int64_t now_ms, bool has_zone, struct schedule *s,
		       char *why, size_t why_size)
{
	struct scan sc = { .s = p, .i = 0, .n = n };
	struct iso_time t;
	int64_t written;

	if (n == 0) {
		if (now_ms < TIME_MIN_MS + 1000 || !sched_start_ok(s, now_ms - 1000))
			return str_fail(why, why_size, -EINVAL, "now is out of range");
		s->start_ms = now_ms - 1000;
		return 0;
	}
	if (parse_iso(&sc, &t) < 0)
		return str_fail(why, why_size, -EINVAL, "%s", sc.why);
	written = t.local_ms - (int64_t)t.offset_s * 1000; /* the instant the string names */
	if (has_zone) {
		s->start_ms = sched_to_utc(s, t.local_ms, &written);
	} else {
		s->offset_s = t.offset_s; /* no offset: UTC */
		s->start_ms = written;
	}
	if (!sched_start_ok(s, s->start_ms))
		return str_fail(why, why_size, -EINVAL, "out of range (years 0000-9999)");
	return 0;
}

int schedule_parse(const char *text, const char *time_zone, int64_t now_ms,
		struct schedule_tzdb *db, struct schedule *out, char *err, size_t err_size)
{
	struct schedule s = { 0 };
	char quoted[SCHEDULE_TEXT_MAX + 1], why[200];
	size_t len, slash1, slash2;
	bool has_zone = time_zone && *time_zone;
	struct scan sc;
	int rc;

	if (!text)
		return str_fail(err, err_size, -EINVAL, "schedule: missing");
	len = strnlen(text, SCHEDULE_TEXT_MAX + 1);
	if (len > SCHEDULE_TEXT_MAX)
		return str_fail(err, err_size, -EINVAL, "schedule: longer than %d characters",
			    SCHEDULE_TEXT_MAX);
	quote_part(text, len, quoted, sizeof(quoted));
	if (!split_schedule(text, len, &slash1, &slash2))
		return str_fail(err, err_size, -EINVAL,
			    "schedule: expected R[n]/[start]/period, got '%s'", quoted);
	if (parse_repeat(text + 1, slash1 - 1, &s.repeat) < 0)
		return str_fail(err, err_size, -EINVAL, "schedule: bad repeat '%.*s': more than %lld",
			    (int)slash1, quoted, (long long)INT64_MAX);
	if (has_zone && (rc = zone_resolve(db, time_zone, &s)) < 0)
		return str_fail(err, err_size, rc, "schedule: too many time zones loaded (%d)",
			    SCHEDULE_TZDB_MAX_ZONES);
	if (parse_start(text + slash1 + 1, slash2 - slash1 - 1, now_ms, has_zone, &s, why,
			sizeof(why)) < 0) {
		quote_part(text + slash1 + 1, slash2 - slash1 - 1, quoted, sizeof(quoted));
		return str_fail(err, err_size, -EINVAL, "schedule: bad start '%s': %s", quoted, why);
	}
	sc = (struct scan){ .s = text + slash2 + 1, .i = 0, .n = len - slash2 - 1 };
	if (parse_period(&sc, &s.period) < 0) {
		quote_part(sc.s, sc.n, quoted, sizeof(quoted));
		quote_part(sc.why, strlen(sc.why), why, sizeof(why));
		return str_fail(err, err_size, -EINVAL, "schedule: bad period '%s': %s", quoted, why);
	}
	*out = s;
	return 0;
}

static bool add_checked(int64_t a, int64_t b, int64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

static bool mul_checked(int64_t a, int64_t b, int64_t limit, int64_t *out)
{
	return !__builtin_mul_overflow(a, b, out) && *out <= limit && *out >= -limit;
}

/* Exact length of the H/M/S part of a period, in ms (fits: < 2^53). */
static int64_t period_time_ms(const struct schedule_period *p)
{
	return (int64_t)p->hours * 3600000 + (int64_t)p->minutes * 60000 +
	       (int64_t)p->seconds * 1000 + p->millis;
}

/* start + period × k in the schedule's zone (see schedule.h). 0 or -ERANGE. */
static int add_periods(const struct schedule *s, int64_t k, int64_t *out_ms)
{
	const struct schedule_period *p = &s->period;
	int64_t t = s->start_ms, dy, dm, dd, dms, y, day, msod, local, mi;
	int m, d;

	if (!mul_checked(p->years, k, 20000, &dy) || !mul_checked(p->months, k, 240000, &dm) ||
	    !mul_checked((int64_t)p->weeks * 7 + p->days, k, 8000000, &dd) ||
	    !mul_checked(period_time_ms(p), k, TIME_MAX_MS, &dms))
		return -ERANGE;
	if (dy || dm || dd) {
		local = sched_to_local(s, t);
		day = floor_div(local, MS_PER_DAY);
		msod = local - day * MS_PER_DAY;
		civil_from_days(day, &y, &m, &d);
		y += dy; /* years first, then months, each clamped (Joda) */
		if (d > month_days(y, m))
			d = month_days(y, m);
		mi = m - 1 + dm;
		y += floor_div(mi, 12);
		m = (int)floor_mod(mi, 12) + 1;
		if (d > month_days(y, m))
			d = month_days(y, m);
		if (y < -1 || y > 10001)
			return -ERANGE;
		local = (days_from_civil(y, m, d) + dd) * MS_PER_DAY + msod;
		if (!local_ok(local))
			return -ERANGE;
		t = sched_to_utc(s, local, NULL);
	}
	if (!add_checked(t, dms, &t) || !sched_start_ok(s, t))
		return -ERANGE;
	*out_ms = t;
	return 0;
}

/* A period's average length in ms (Gregorian year and month), saturating. */
static int64_t period_avg_ms(const struct schedule_period *p)
{
	int64_t parts[4], sum = period_time_ms(p);
	if (__builtin_mul_overflow((int64_t)p->years, 31556952000LL, &parts[0]) ||
	    __builtin_mul_overflow((int64_t)p->months, 2629746000LL, &parts[1]))
		return INT64_MAX;
	parts[2] = (int64_t)p->weeks * 7 * MS_PER_DAY;
	parts[3] = (int64_t)p->days * MS_PER_DAY;
	for (int i = 0; i < 4; i++)
		if (!add_checked(sum, parts[i], &sum))
			return INT64_MAX;
	return sum > 0 ? sum : 1;
}

/*
 * The smallest k >= 1 with start + period × k > now. The estimate from the
 * average length is off by at most a couple of periods (calendar months
 * differ by days, DST by an hour), and the walk below corrects it.
 */
static int find_next(const struct schedule *s, int64_t now, int64_t *k_out, int64_t *start_out)
{
	int64_t k, t, prev;
	int rc;

	if (now > TIME_MAX_MS)
		return -ERANGE;
	k = (now - s->start_ms) / period_avg_ms(&s->period) + 1;
	for (int iter = 0; iter < 64; iter++) {
		rc = add_periods(s, k, &t);
		if (rc == 0 && t <= now) {
			k++;
			continue;
		}
		if (k > 1 && (add_periods(s, k - 1, &prev) < 0 || prev > now)) {
			k--;
			continue;
		}
		if (rc < 0)
			return rc;
		*k_out = k;
		*start_out = t;
		return 0;
	}
	return -ERANGE;
}

int schedule_advance(const struct schedule *cur, int64_t now_ms, struct schedule *out,
		  int64_t *periods_out, char *err, size_t err_size)
{
	struct schedule next = *cur;
	int64_t k = 0;

	if (cur->start_ms < TIME_MIN_MS || cur->start_ms > TIME_MAX_MS)
		return str_fail(err, err_size, -ERANGE, "schedule: start out of range");
	if (cur->start_ms < now_ms && !schedule_period_is_zero(&cur->period) &&
	    find_next(cur, now_ms, &k, &next.start_ms) < 0)
		return str_fail(err, err_size, -ERANGE,
			    "schedule: the next occurrence is past the year 9999");
	next.repeat = cur->repeat < 0 ? -1 : cur->repeat - 1; /* R0 -> R, as Chronos */
	*out = next;
	if (periods_out)
		*periods_out = k;
	return 0;
}

/* "2014-03-08T16:57:17.507" + "Z" / "+01:00" / "-07:52:58". */
static int format_instant(int64_t utc_ms, int32_t offset_s, char *buf, size_t size)
{
	int64_t local, day, msod, y;
	int m, d, abs_off = offset_s < 0 ? -offset_s : offset_s;
	char off[16];

	if (utc_ms < TIME_MIN_MS || utc_ms > TIME_MAX_MS || offset_s < -MAX_OFFSET_S ||
	    offset_s > MAX_OFFSET_S)
		return -ERANGE;
	local = utc_ms + (int64_t)offset_s * 1000;
	if (!local_ok(local))
		return -ERANGE;
	day = floor_div(local, MS_PER_DAY);
	msod = local - day * MS_PER_DAY;
	civil_from_days(day, &y, &m, &d);
	if (offset_s == 0)
		str_copy(off, "Z", sizeof(off));
	else if (abs_off % 60)
		snprintf(off, sizeof(off), "%c%02d:%02d:%02d", offset_s < 0 ? '-' : '+',
			 abs_off / 3600, abs_off / 60 % 60, abs_off % 60);
	else
		snprintf(off, sizeof(off), "%c%02d:%02d", offset_s < 0 ? '-' : '+', abs_off / 3600,
			 abs_off / 60 % 60);
	return str_printf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d.%03d%s", (long long)y, m, d,
			  (int)(msod / 3600000), (int)(msod / 60000 % 60), (int)(msod / 1000 % 60),
			  (int)(msod % 1000), off);
}

int schedule_format(const struct schedule *s, char *buf, size_t size)
{
	char start[SCHEDULE_TIME_MAX + 8], period[128];
	int rc;
	if (s->start_ms < TIME_MIN_MS || s->start_ms > TIME_MAX_MS)
		return -ERANGE;
	if ((rc = format_instant(s->start_ms, sched_offset(s, s->start_ms), start, sizeof(start))) <
		    0 ||
	    (rc = schedule_period_format(&s->period, period, sizeof(period))) < 0)
		return rc;
	if (s->repeat < 0)
		return str_printf(buf, size, "R/%s/%s", start, period);
	return str_printf(buf, size, "R%lld/%s/%s", (long long)s->repeat, start, period);
}

bool schedule_is_due(const struct schedule *s, int64_t now_ms)
{
	return s->repeat != 0 && s->start_ms < now_ms;
}

bool schedule_next_due(const struct schedule *s, int64_t *due_ms)
{
	if (s->repeat == 0)
		return false;
	*due_ms = s->start_ms < INT64_MAX ? s->start_ms + 1 : INT64_MAX;
	return true;
}

int schedule_time_format(int64_t ms, char *buf, size_t size)
{
	return format_instant(ms, 0, buf, size);
}

int schedule_time_parse(const char *text, int64_t *ms_out)
{
	struct scan sc = { .s = text, .i = 0, .n = text ? strnlen(text, SCHEDULE_TEXT_MAX + 1) : 0 };
	struct iso_time t;
	if (!text || sc.n == 0 || sc.n > SCHEDULE_TEXT_MAX || parse_iso(&sc, &t) < 0)
		return -EINVAL;
	*ms_out = t.local_ms - (int64_t)t.offset_s * 1000;
	return 0;
}
