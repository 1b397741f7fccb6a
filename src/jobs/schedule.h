/*
 * schedule — Chronos 3.x repeating-interval schedules, `R[n]/[start]/period`
 * (docs/chronos-api.md, "Schedules"), and the time zones they are
 * evaluated in.
 *
 *   struct schedule_tzdb db;  struct schedule s, next;  char err[SCHEDULE_ERR_MAX];
 *   schedule_tzdb_init(&db, NULL);                    // /usr/share/zoneinfo
 *   schedule_parse("R/2008-03-01T13:00:00Z/P1D", "PST", now_ms, &db, &s, err, sizeof(err));
 *   if (schedule_is_due(&s, now_ms)) ...              // enqueue a run
 *   schedule_advance(&s, now_ms, &next, NULL, err, sizeof(err));   // at launch
 *   schedule_format(&next, buf, sizeof(buf));         // "R/2020-06-16T13:00:00.000-07:00/P1D"
 *
 * Times are int64 milliseconds since the epoch (UTC) everywhere.
 *
 * Rules (Chronos/Joda behaviour unless marked "agora"):
 *  - Whole string `(R[0-9]*)/(.*)/(P.*)`: the start is everything between
 *    the first '/' and the LAST "/P". `R` = forever (-1), `Rn` = n more
 *    runs, `R0` = never automatically. At most SCHEDULE_TEXT_MAX bytes.
 *  - Start: Joda's ISO date-time parser: yyyy, yyyy-MM, yyyy-MM-dd,
 *    yyyy-DDD, yyyy-Www[-e], each optionally followed by 'T' [HH[:mm[:ss]]
 *    [.fraction]] [Z | ±HH[[:]mm[[:]ss]]]; "T..." alone is a time on
 *    1970-01-01. 1- or 2-digit fields as Joda; the year must have exactly
 *    4 digits (agora: Joda also takes signed and 5..9-digit years). No
 *    offset and no scheduleTimeZone → UTC (Chronos: the JVM zone, UTC in
 *    every deployment we know). An empty start is now − 1 s.
 *  - Period: `PnYnMnWnDTnHnMnS`, units in that order, each at most
 *    2147483647, unit letters in any case (Joda), only seconds fractional
 *    (first 3 digits kept, like Joda). `P` and `PT0S` are zero. Signs are
 *    rejected (agora: Joda accepts negative fields), and so is a 'T' with
 *    no time field after it.
 *  - scheduleTimeZone non-empty: the start's wall-clock fields are kept and
 *    re-read in that zone (Joda withZoneRetainFields), whatever offset the
 *    string had. Ids resolve like Chronos' DateTimeZone.forTimeZone(
 *    TimeZone.getTimeZone(id)): Joda's legacy table first (PST →
 *    America/Los_Angeles, BST → Asia/Dhaka, EST → America/New_York,
 *    MST → America/Denver, HST → Pacific/Honolulu, ECT/MET → CET, ...),
 *    "GMT±h[h][[:]mm]" → a fixed offset, then an Olson id read from the tz
 *    database. Anything else is GMT, and `zone_unknown` is set so the API
 *    can say so. An empty start with a zone is now − 1 s in that zone
 *    (agora: Chronos keeps UTC there, and shifts the start by the zone
 *    offset at the next parse).
 *  - Period arithmetic runs on the schedule's zone: Y/M/W/D move the local
 *    wall clock (years, then months, clamped to the month's end like Joda:
 *    Jan 31 + P1M = Feb 28/29; then 7·W + D days), H/M/S are exact
 *    durations. A local time in a DST gap moves forward by the gap; one in
 *    an overlap takes the earlier instant (Joda). Occurrence k is start +
 *    k × period (Joda's multipliedBy), so Jan 31 + 2 × P1M is Mar 31. The
 *    wall clock becomes an instant once, after all date units (Joda does
 *    it after each unit: they differ only when an intermediate date falls
 *    in a DST gap). Without a zone the arithmetic is in the string's fixed
 *    offset (UTC when none).
 *  - Advance at launch: the new start is the first occurrence strictly
 *    after now, computed on the real calendar (agora: Chronos divides by
 *    an approximate month length and may skip a month, vector 7), and the
 *    count drops by exactly one: Rn → R(n-1), R → R, and R0 → R (a quirk
 *    kept from Chronos: a manual run of an R0 job makes it infinite).
 *  - Representable starts are local years 0000..9999 of the schedule's
 *    zone; beyond that parse fails and advance returns -ERANGE.
 *
 * The tz database handle loads TZif files (v1/v2+, bounded and validated)
 * on first use and keeps them until schedule_tzdb_free(); beyond the last
 * transition the file's POSIX TZ footer rule applies (or, without one, the
 * last offset). No process-global TZ state is touched.
 */
#ifndef AGORA_JOBS_SCHEDULE_H
#define AGORA_JOBS_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCHEDULE_TEXT_MAX 256    /* longest schedule string accepted */
#define SCHEDULE_FORMAT_MAX 192  /* buffer that fits any schedule_format() output */
#define SCHEDULE_TIME_MAX 32     /* buffer for schedule_time_format() */
#define SCHEDULE_ERR_MAX 512     /* buffer that fits any error message */
#define SCHEDULE_ZONE_ID_MAX 64  /* longer zone ids are unknown (GMT) */
#define SCHEDULE_TZDB_MAX_ZONES 1024

struct schedule_period {
	int32_t years, months, weeks, days; /* local calendar units */
	int32_t hours, minutes, seconds, millis; /* exact durations */
};

struct schedule_zone; /* one loaded TZif zone; owned by a sched_tzdb */

/* The tz database and the zones loaded from it. Caller-owned. */
struct schedule_tzdb {
	char dir[256];
	struct schedule_zone **zones;
	size_t count;
};

struct schedule {
	int64_t repeat;   /* -1 forever, 0 no automatic run, n > 0 runs left */
	int64_t start_ms; /* the next occurrence, UTC epoch ms */
	struct schedule_period period;
	const struct schedule_zone *zone; /* borrowed from the tzdb; NULL: offset_s */
	int32_t offset_s; /* fixed UTC offset when zone is NULL (0 = UTC) */
	bool zone_unknown; /* scheduleTimeZone was not a known id; GMT used */
};

/* dir NULL or "" = /usr/share/zoneinfo. Never fails; files load lazily. */
void schedule_tzdb_init(struct schedule_tzdb *db, const char *dir);
/* Frees every loaded zone: schedules parsed with db are invalid after. */
void schedule_tzdb_free(struct schedule_tzdb *db);

/*
 * Parses a schedule with its scheduleTimeZone (NULL or "" = none). now_ms
 * is used only for an empty start. db may be NULL when time_zone is empty.
 * 0, or -EINVAL with err (may be NULL) set to a message naming the part:
 *   schedule: expected R[n]/[start]/period, got 'R1/P1Y'
 *   schedule: bad start '2014-13-01': month 13 out of range
 *   schedule: bad period 'P1X': expected Y, M, W or D after 1, got 'X'
 * -ENOSPC when db already holds SCHEDULE_TZDB_MAX_ZONES zones. out borrows
 * from db. The API layer also requires start_ms >= 1000 (docs/chronos-api.md,
 * "Creating and replacing a job").
 */
int schedule_parse(const char *text, const char *time_zone, int64_t now_ms,
		struct schedule_tzdb *db, struct schedule *out, char *err, size_t err_size);

/*
 * The schedule after a launch at now_ms ("Advancing at launch" in
 * docs/chronos-api.md): start moves to the
 * first occurrence strictly after now when start < now and the period is
 * not zero; repeat drops by one (-1 stays -1, 0 becomes -1). *periods_out
 * (may be NULL) gets how many periods the start moved. cur and out may be
 * the same object. -ERANGE (err set) when that occurrence is past year 9999:
 * the caller should treat the job as having no next run.
 */
int schedule_advance(const struct schedule *cur, int64_t now_ms, struct schedule *out,
		  int64_t *periods_out, char *err, size_t err_size);

/*
 * "R<n>/<start>/<period>" ("R/..." when repeat is -1), the start with
 * millis in the schedule's zone: 2020-06-15T10:31:01.000Z (offset 0 is
 * always Z), 2008-03-01T13:00:00.000-08:00. 0, -ENAMETOOLONG when size is
 * short (SCHEDULE_FORMAT_MAX always fits), -ERANGE outside years 0..9999.
 */
int schedule_format(const struct schedule *s, char *buf, size_t size);
/* The ISO period as Joda prints it: "P1D", "PT1.500S", "PT0S" when zero. */
int schedule_period_format(const struct schedule_period *p, char *buf, size_t size);
bool schedule_period_is_zero(const struct schedule_period *p);
/*
 * The shortest time one period can span, in ms, for refusing runaway
 * schedules (agora: Chronos has no floor): date units at their shortest
 * (a year 365 days, a month 28, a day 23 h — a spring-forward day), time
 * units exactly. 0 only for a zero period; saturates at INT64_MAX.
 */
int64_t schedule_period_min_ms(const struct schedule_period *p);

/* "When a job is due" (the caller checks `disabled`): repeat != 0 && start < now. */
bool schedule_is_due(const struct schedule *s, int64_t now_ms);
/*
 * For arming a timer: false when repeat == 0 (never due); else true and
 * *due_ms = the first instant at which schedule_is_due() holds (start + 1).
 */
bool schedule_next_due(const struct schedule *s, int64_t *due_ms);

/* "2014-03-08T16:57:17.507Z" (lastSuccess/lastError). 0, -ERANGE, -ENAMETOOLONG. */
int schedule_time_format(int64_t ms, char *buf, size_t size);
/* Parses any start form above; no offset = UTC. 0 or -EINVAL. */
int schedule_time_parse(const char *text, int64_t *ms_out);

#endif
