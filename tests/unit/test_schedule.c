/*
 * Unit tests for jobs/schedule: the spec's A5 parse table and advance
 * vectors, DST, calendar arithmetic, zones (the system tz database and
 * hand-made TZif files), bounds and error messages, round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "jobs/schedule.h"

#define TZDIR "/usr/share/zoneinfo"
#define NOW "2020-06-15T10:30:30Z"

static int64_t at(const char *iso)
{
	int64_t ms = 0;
	if (schedule_time_parse(iso, &ms) != 0)
		fail_msg("cannot parse time '%s'", iso);
	return ms;
}

/* The tests that need real zones skip where tzdata is not installed. */
static void need_tzdata(void)
{
	if (access(TZDIR "/America/Los_Angeles", R_OK) != 0 ||
	    access(TZDIR "/Asia/Dhaka", R_OK) != 0 || access(TZDIR "/Europe/Paris", R_OK) != 0)
		skip();
}

static void parse_ok(struct schedule_tzdb *db, const char *text, const char *tz, int64_t now,
		     struct schedule *s)
{
	char err[SCHEDULE_ERR_MAX] = "";
	if (schedule_parse(text, tz, now, db, s, err, sizeof(err)) != 0)
		fail_msg("'%s' (zone '%s') did not parse: %s", text, tz ? tz : "", err);
}

/* Parses text in tz and checks the start instant and the formatted form. */
static void expect_start(struct schedule_tzdb *db, const char *text, const char *tz,
			 const char *instant, const char *formatted)
{
	struct schedule s;
	char buf[SCHEDULE_FORMAT_MAX];
	parse_ok(db, text, tz, at(NOW), &s);
	assert_int_equal(s.start_ms, at(instant));
	assert_int_equal(schedule_format(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, formatted);
}

static void expect_error(struct schedule_tzdb *db, const char *text, const char *tz,
			 const char *message)
{
	struct schedule s;
	char err[SCHEDULE_ERR_MAX] = "";
	assert_int_equal(schedule_parse(text, tz, at(NOW), db, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, message);
}

/* Parse, advance at now, format: the schedule Chronos would store. */
static void expect_advance(struct schedule_tzdb *db, const char *text, const char *tz,
			   const char *now, const char *after)
{
	struct schedule s, next;
	char buf[SCHEDULE_FORMAT_MAX], err[SCHEDULE_ERR_MAX] = "";
	parse_ok(db, text, tz, at(now), &s);
	if (schedule_advance(&s, at(now), &next, NULL, err, sizeof(err)) != 0)
		fail_msg("advance of '%s' failed: %s", text, err);
	assert_int_equal(schedule_format(&next, buf, sizeof(buf)), 0);
	if (strcmp(buf, after) != 0)
		fail_msg("'%s' at %s advanced to '%s', want '%s'", text, now, buf, after);
}

/* "R<n>/<time at ms>/<period>" with <time> as schedule_time_format prints it. */
static void sched_text(char *buf, size_t size, const char *repeat, int64_t ms, const char *period)
{
	char t[SCHEDULE_TIME_MAX];
	assert_int_equal(schedule_time_format(ms, t, sizeof(t)), 0);
	assert_int_equal(str_printf(buf, size, "%s/%s/%s", repeat, t, period), 0);
}

static void test_a5_parse_table(void **state)
{
	struct schedule_tzdb db;
	struct schedule s;
	(void)state;
	need_tzdata();
	schedule_tzdb_init(&db, TZDIR);
	parse_ok(&db, "R5/2008-03-01T13:00:00Z/P1D", NULL, at(NOW), &s);
	assert_int_equal(s.repeat, 5);
	assert_int_equal(s.start_ms, at("2008-03-01T13:00:00Z"));
	assert_int_equal(s.period.days, 1);
	assert_false(s.zone_unknown);
	parse_ok(&db, "R/2008-03-01T13:00:00Z/P1D", "", at(NOW), &s);
	assert_int_equal(s.repeat, -1);
	parse_ok(&db, "R1//P1D", NULL, at(NOW), &s);
	assert_int_equal(s.repeat, 1);
	assert_int_equal(s.start_ms, at(NOW) - 1000);
	parse_ok(&db, "R1//P", NULL, at(NOW), &s);
	assert_true(schedule_period_is_zero(&s.period));
	assert_int_equal(s.start_ms, at(NOW) - 1000);

	expect_start(&db, "R/2008-03-01T13:00:00Z/P1D", "PST", "2008-03-01T13:00:00-08:00",
		     "R/2008-03-01T13:00:00.000-08:00/P1D");
	expect_start(&db, "R/2008-03-01T13:00:00Z/P1D", "Europe/Paris",
		     "2008-03-01T13:00:00+01:00", "R/2008-03-01T13:00:00.000+01:00/P1D");
	expect_start(&db, "R/2008-03-01T13:00:00Z/P1D", "BST", "2008-03-01T13:00:00+06:00",
		     "R/2008-03-01T13:00:00.000+06:00/P1D");
	expect_start(&db, "R/2008-03-01T13:00:00-04:00/P1D", "PST", "2008-03-01T13:00:00-08:00",
		     "R/2008-03-01T13:00:00.000-08:00/P1D");
	expect_start(&db, "R/2008-03-01/P1D", "PST", "2008-03-01T00:00:00-08:00",
		     "R/2008-03-01T00:00:00.000-08:00/P1D");
	expect_error(&db, "R/2008-03-01T13:00:00Z", "PST",
		     "schedule: expected R[n]/[start]/period, got 'R/2008-03-01T13:00:00Z'");
	expect_error(&db, "FOO", NULL, "schedule: expected R[n]/[start]/period, got 'FOO'");
	schedule_tzdb_free(&db);
}

static void test_a5_advance_vectors(void **state)
{
	const int64_t now = at(NOW), day = 86400000;
	char in[SCHEDULE_FORMAT_MAX], out[SCHEDULE_FORMAT_MAX];
	struct schedule s, next;
	int64_t periods;
	(void)state;

	expect_advance(NULL, "R/2012-01-01T00:00:01.000Z/PT1M", NULL, NOW,
		       "R/2020-06-15T10:31:01.000Z/PT1M"); /* 1 */
	sched_text(in, sizeof(in), "R3", now, "P1D"); /* 2: start == now, no skip */
	sched_text(out, sizeof(out), "R2", now, "P1D");
	expect_advance(NULL, in, NULL, NOW, out);
	sched_text(in, sizeof(in), "R1", now - day, "PT1S"); /* 3 */
	sched_text(out, sizeof(out), "R0", now + 1000, "PT1S");
	expect_advance(NULL, in, NULL, NOW, out);
	sched_text(in, sizeof(in), "R", now - day, "P1D"); /* 4 */
	sched_text(out, sizeof(out), "R", now + day, "P1D");
	expect_advance(NULL, in, NULL, NOW, out);
	sched_text(in, sizeof(in), "R", now - day, "P1Y"); /* 5 */
	expect_advance(NULL, in, NULL, NOW, "R/2021-06-14T10:30:30.000Z/P1Y");
	sched_text(in, sizeof(in), "R0", now - day, "PT0S"); /* 6: R0 -> R (quirk) */
	sched_text(out, sizeof(out), "R", now - day, "PT0S");
	expect_advance(NULL, in, NULL, NOW, out);
	/* 7: the true next month (Chronos' approximation says 2020-08-01) */
	expect_advance(NULL, "R/2012-01-01T00:00:01.000Z/P1M", NULL, NOW,
		       "R/2020-07-01T00:00:01.000Z/P1M");
	expect_advance(NULL, "R5/2012-01-01T00:00:00.000Z/P1D", NULL, NOW,
		       "R4/2020-06-16T00:00:00.000Z/P1D"); /* 8: one catch-up run */
	expect_advance(NULL, "R/2014-03-08T20:00:00.000Z/PT2H", NULL, NOW,
		       "R/2020-06-15T12:00:00.000Z/PT2H"); /* 9 */

	/* vector 3 in numbers: 86401 periods, due before, not after */
	sched_text(in, sizeof(in), "R1", now - day, "PT1S");
	parse_ok(NULL, in, NULL, now, &s);
	assert_true(schedule_is_due(&s, now));
	assert_int_equal(schedule_advance(&s, now, &next, &periods, NULL, 0), 0);
	assert_int_equal(periods, 86401);
	assert_int_equal(next.repeat, 0);
	assert_false(schedule_is_due(&next, now + 5000)); /* R0: disabled after success */
	/* in place */
	assert_int_equal(schedule_advance(&s, now, &s, NULL, NULL, 0), 0);
	assert_int_equal(s.start_ms, now + 1000);
}

/* JobSchedulerSpec: only the enabled, past R5 job is due; R0 never arms. */
static void test_due(void **state)
{
	const int64_t now = at(NOW);
	struct schedule past, future, never;
	int64_t due;
	char text[SCHEDULE_FORMAT_MAX];
	(void)state;
	parse_ok(NULL, "R5/2012-01-01T00:00:00.000Z/P1D", NULL, now, &past);
	sched_text(text, sizeof(text), "R5", now + 3600000, "P1D");
	parse_ok(NULL, text, NULL, now, &future);
	parse_ok(NULL, "R0/2012-01-01T00:00:00.000Z/P1D", NULL, now, &never);
	assert_true(schedule_is_due(&past, now));
	assert_false(schedule_is_due(&future, now));
	assert_false(schedule_is_due(&never, now));
	assert_true(schedule_next_due(&future, &due));
	assert_int_equal(due, now + 3600000 + 1);
	assert_false(schedule_is_due(&future, due - 1));
	assert_true(schedule_is_due(&future, due));
	assert_false(schedule_next_due(&never, &due));
	/* start == now is not due yet (strictly before) */
	sched_text(text, sizeof(text), "R", now, "PT1M");
	parse_ok(NULL, text, NULL, now, &future);
	assert_false(schedule_is_due(&future, now));
}

static void test_dst(void **state)
{
	struct schedule_tzdb db;
	const char *la = "America/Los_Angeles";
	(void)state;
	need_tzdata();
	schedule_tzdb_init(&db, NULL);
	/* US spring forward 2020-03-08 02:00 PST -> 03:00 PDT */
	expect_advance(&db, "R/2020-03-07T10:00:00/P1D", la, "2020-03-08T16:30:00Z",
		       "R/2020-03-08T10:00:00.000-07:00/P1D");
	expect_advance(&db, "R/2020-03-07T10:00:00/P1D", la, "2020-03-08T17:30:00Z",
		       "R/2020-03-09T10:00:00.000-07:00/P1D");
	expect_advance(&db, "R/2020-03-07T10:00:00/PT24H", la, "2020-03-08T16:30:00Z",
		       "R/2020-03-08T11:00:00.000-07:00/PT24H");
	/* without a zone everything is UTC: 10:00Z stays 10:00Z */
	expect_advance(&db, "R/2020-03-07T10:00:00/P1D", NULL, "2020-03-08T16:30:00Z",
		       "R/2020-03-09T10:00:00.000Z/P1D");
	/* the string's own offset is a fixed zone: no DST */
	expect_advance(&db, "R/2020-03-07T10:00:00-08:00/P1D", NULL, "2020-03-08T16:30:00Z",
		       "R/2020-03-08T10:00:00.000-08:00/P1D");
	/* 02:30 does not exist on 03-08: moved forward by the gap; 03-09 is 02:30 again */
	expect_advance(&db, "R/2020-03-07T02:30:00/P1D", la, "2020-03-07T12:00:00Z",
		       "R/2020-03-08T03:30:00.000-07:00/P1D");
	expect_advance(&db, "R/2020-03-07T02:30:00/P1D", la, "2020-03-08T12:00:00Z",
		       "R/2020-03-09T02:30:00.000-07:00/P1D");
	/* 01:30 happens twice on 11-01: the earlier one (PDT) */
	expect_advance(&db, "R/2020-10-31T01:30:00/P1D", la, "2020-11-01T00:00:00Z",
		       "R/2020-11-01T01:30:00.000-07:00/P1D");
	/* fall back: P1D keeps noon, PT24H lands at 11:00 PST */
	expect_advance(&db, "R/2020-10-31T12:00:00/P1D", la, "2020-11-01T12:00:00Z",
		       "R/2020-11-01T12:00:00.000-08:00/P1D");
	expect_advance(&db, "R/2020-10-31T12:00:00/PT24H", la, "2020-11-01T12:00:00Z",
		       "R/2020-11-01T11:00:00.000-08:00/PT24H");
	/* Europe/Paris autumn: P1W keeps 09:00 local */
	expect_advance(&db, "R/2020-10-20T09:00:00/P1W", "Europe/Paris", "2020-10-28T00:00:00Z",
		       "R/2020-11-03T09:00:00.000+01:00/P1W");
	/* a month across DST: local time kept */
	expect_advance(&db, "R/2020-02-15T09:00:00/P1M", la, "2020-03-01T00:00:00Z",
		       "R/2020-03-15T09:00:00.000-07:00/P1M");
	schedule_tzdb_free(&db);
}

static void test_calendar(void **state)
{
	(void)state;
	/* Jan 31 + P1M clamps to the month end; k months are added from the start */
	expect_advance(NULL, "R/2020-01-31T00:00:00Z/P1M", NULL, "2020-02-01T00:00:00Z",
		       "R/2020-02-29T00:00:00.000Z/P1M");
	expect_advance(NULL, "R/2020-01-31T00:00:00Z/P1M", NULL, "2020-03-01T00:00:00Z",
		       "R/2020-03-31T00:00:00.000Z/P1M");
	expect_advance(NULL, "R/2021-01-31T00:00:00Z/P1M", NULL, "2021-02-01T00:00:00Z",
		       "R/2021-02-28T00:00:00.000Z/P1M");
	expect_advance(NULL, "R/2020-02-29T12:00:00Z/P1Y", NULL, "2020-03-01T00:00:00Z",
		       "R/2021-02-28T12:00:00.000Z/P1Y");
	expect_advance(NULL, "R/2020-02-29T12:00:00Z/P1Y", NULL, "2023-03-01T00:00:00Z",
		       "R/2024-02-29T12:00:00.000Z/P1Y");
	/* years, then months (Joda): Feb 29 + P1Y1M = Mar 28, not Mar 29 */
	expect_advance(NULL, "R/2020-02-29T00:00:00Z/P1Y1M", NULL, "2020-03-01T00:00:00Z",
		       "R/2021-03-28T00:00:00.000Z/P1Y1M");
	/* quarterly over many years, the day of month kept */
	expect_advance(NULL, "R/2000-01-15T06:00:00Z/P3M", NULL, NOW,
		       "R/2020-07-15T06:00:00.000Z/P3M");
	/* mixed date and time parts; weeks */
	expect_advance(NULL, "R/2020-06-01T00:00:00Z/P1DT12H", NULL, NOW,
		       "R/2020-06-16T00:00:00.000Z/P1DT12H");
	expect_advance(NULL, "R/2020-01-06T08:00:00Z/P2W", NULL, NOW,
		       "R/2020-06-22T08:00:00.000Z/P2W");
	/* fractional seconds and millis in the start */
	expect_advance(NULL, "R/2020-06-15T10:30:29.250Z/PT0.5S", NULL, NOW,
		       "R/2020-06-15T10:30:30.250Z/PT0.500S");
	/* a start in the future is left alone, only the count drops */
	expect_advance(NULL, "R7/2030-01-01T00:00:00Z/P1D", NULL, NOW,
		       "R6/2030-01-01T00:00:00.000Z/P1D");
}

static void test_start_forms(void **state)
{
	struct schedule_tzdb db;
	(void)state;
	need_tzdata();
	schedule_tzdb_init(&db, NULL);
	expect_start(&db, "R/2014-10-10T18:32:00Z/PT1H", NULL, "2014-10-10T18:32:00Z",
		     "R/2014-10-10T18:32:00.000Z/PT1H");
	expect_start(&db, "R/2014-10-10T18:32:00.000+01:00/PT1H", NULL, "2014-10-10T17:32:00Z",
		     "R/2014-10-10T18:32:00.000+01:00/PT1H");
	expect_start(&db, "R/2014-10-10T18:32:00-0400/PT1H", NULL, "2014-10-10T22:32:00Z",
		     "R/2014-10-10T18:32:00.000-04:00/PT1H");
	expect_start(&db, "R/2014-10-10T18:32:00+01/PT1H", NULL, "2014-10-10T17:32:00Z",
		     "R/2014-10-10T18:32:00.000+01:00/PT1H");
	expect_start(&db, "R/2014-10-10T18:32:00+05:30:15/PT1H", NULL, "2014-10-10T13:01:45Z",
		     "R/2014-10-10T18:32:00.000+05:30:15/PT1H");
	expect_start(&db, "R/2014-10-10T18:32:00-00:00/PT1H", NULL, "2014-10-10T18:32:00Z",
		     "R/2014-10-10T18:32:00.000Z/PT1H");
	/* no offset and no zone: UTC */
	expect_start(&db, "R/2014-10-10T18:32/PT1H", NULL, "2014-10-10T18:32:00Z",
		     "R/2014-10-10T18:32:00.000Z/PT1H");
	expect_start(&db, "R/2008-03-01/P1D", NULL, "2008-03-01T00:00:00Z",
		     "R/2008-03-01T00:00:00.000Z/P1D");
	expect_start(&db, "R/2008/P1D", NULL, "2008-01-01T00:00:00Z",
		     "R/2008-01-01T00:00:00.000Z/P1D");
	expect_start(&db, "R/2008-3-1T9:5:7Z/P1D", NULL, "2008-03-01T09:05:07Z",
		     "R/2008-03-01T09:05:07.000Z/P1D");
	expect_start(&db, "R/2008-061/P1D", NULL, "2008-03-01T00:00:00Z",
		     "R/2008-03-01T00:00:00.000Z/P1D"); /* ordinal */
	expect_start(&db, "R/2008-W09-6T12:00Z/P1D", NULL, "2008-03-01T12:00:00Z",
		     "R/2008-03-01T12:00:00.000Z/P1D"); /* week date */
	expect_start(&db, "R/2009-W53/P1D", NULL, "2009-12-28T00:00:00Z",
		     "R/2009-12-28T00:00:00.000Z/P1D");
	expect_start(&db, "R/2008-03-01T10.5Z/P1D", NULL, "2008-03-01T10:30:00Z",
		     "R/2008-03-01T10:30:00.000Z/P1D"); /* fraction of an hour */
	expect_start(&db, "R/2008-03-01T10:00:00,123456789Z/P1D", NULL,
		     "2008-03-01T10:00:00.123Z", "R/2008-03-01T10:00:00.123Z/P1D");
	expect_start(&db, "R/2008-03-01T/P1D", NULL, "2008-03-01T00:00:00Z",
		     "R/2008-03-01T00:00:00.000Z/P1D");
	expect_start(&db, "R/T10:15Z/P1D", NULL, "1970-01-01T10:15:00Z",
		     "R/1970-01-01T10:15:00.000Z/P1D");
	/* periods: Joda's standard format, printed back the way Joda prints it */
	expect_start(&db, "R/2008-03-01/P1y2m3w4dt5h6m7.5s", NULL, "2008-03-01T00:00:00Z",
		     "R/2008-03-01T00:00:00.000Z/P1Y2M3W4DT5H6M7.500S");
	expect_start(&db, "R/2008-03-01/PT0S", NULL, "2008-03-01T00:00:00Z",
		     "R/2008-03-01T00:00:00.000Z/PT0S");
	expect_start(&db, "R/2008-03-01/P", NULL, "2008-03-01T00:00:00Z",
		     "R/2008-03-01T00:00:00.000Z/PT0S");
	expect_start(&db, "R/2008-03-01/PT36H90M", NULL, "2008-03-01T00:00:00Z",
		     "R/2008-03-01T00:00:00.000Z/PT36H90M");
	expect_start(&db, "R/2008-03-01/PT0,25S", NULL, "2008-03-01T00:00:00Z",
		     "R/2008-03-01T00:00:00.000Z/PT0.250S");
	expect_start(&db, "R/2008-03-01/PT1.S", NULL, "2008-03-01T00:00:00Z",
		     "R/2008-03-01T00:00:00.000Z/PT1S");
	expect_start(&db, "R/2008-03-01/P10M", NULL, "2008-03-01T00:00:00Z",
		     "R/2008-03-01T00:00:00.000Z/P10M");
	/* the start ends at the last "/P" */
	expect_error(&db, "R/2008-03-01/P1D/P2D", NULL,
		     "schedule: bad start '2008-03-01/P1D': unexpected '/' after '2008-03-01'");
	schedule_tzdb_free(&db);
}

static void test_errors(void **state)
{
	static const char *const cases[][2] = {
		{ "R1/P1Y", "schedule: expected R[n]/[start]/period, got 'R1/P1Y'" },
		{ "", "schedule: expected R[n]/[start]/period, got ''" },
		{ "R-1//P1D", "schedule: expected R[n]/[start]/period, got 'R-1//P1D'" },
		{ "r1//P1D", "schedule: expected R[n]/[start]/period, got 'r1//P1D'" },
		{ "R1//p1D", "schedule: expected R[n]/[start]/period, got 'R1//p1D'" },
		{ "R1//P1D\n", "schedule: expected R[n]/[start]/period, got 'R1//P1D?'" },
		{ "R99999999999999999999//P1D",
		  "schedule: bad repeat 'R99999999999999999999': more than 9223372036854775807" },
		{ "R/2014-13-01/P1D", "schedule: bad start '2014-13-01': month 13 out of range" },
		{ "R/2014-02-29/P1D",
		  "schedule: bad start '2014-02-29': day 29 out of range for 2014-02" },
		{ "R/2014-01-32/P1D", "schedule: bad start '2014-01-32': day 32 out of range" },
		{ "R/2014-01-01T24:00:00Z/P1D",
		  "schedule: bad start '2014-01-01T24:00:00Z': hour 24 out of range" },
		{ "R/2014-01-01T23:60:00Z/P1D",
		  "schedule: bad start '2014-01-01T23:60:00Z': minute 60 out of range" },
		{ "R/2014-01-01T23:59:60Z/P1D",
		  "schedule: bad start '2014-01-01T23:59:60Z': second 60 out of range" },
		{ "R/2014-01-01T10:00:00+24:00/P1D",
		  "schedule: bad start '2014-01-01T10:00:00+24:00': offset +24:00 out of range" },
		{ "R/14-01-01/P1D", "schedule: bad start '14-01-01': the year must have 4 digits" },
		{ "R/20080301T130000Z/P1D",
		  "schedule: bad start '20080301T130000Z': the year must have 4 digits" },
		{ "R/2014-01-01 10:00/P1D",
		  "schedule: bad start '2014-01-01 10:00': unexpected ' ' after '2014-01-01'" },
		{ "R/2014-01-01Z/P1D",
		  "schedule: bad start '2014-01-01Z': unexpected 'Z' after '2014-01-01'" },
		{ "R/now/P1D",
		  "schedule: bad start 'now': expected a date like 2014-10-10T18:32:00Z" },
		{ "R/2008-W54/P1D", "schedule: bad start '2008-W54': week 54 out of range for 2008" },
		{ "R/2014-366/P1D",
		  "schedule: bad start '2014-366': day-of-year 366 out of range for 2014" },
		{ "R/2014-01-01T10:00:00.1234567890Z/P1D",
		  "schedule: bad start '2014-01-01T10:00:00.1234567890Z': more than 9 fraction "
		  "digits" },
		{ "R/T/P1D", "schedule: bad start 'T': expected a 2-digit hour" },
		{ "R/2014-01-01/P1X", "schedule: bad period 'P1X': expected Y, M, W or D after 1, got 'X'" },
		{ "R/2014-01-01/PT1D",
		  "schedule: bad period 'PT1D': expected H, M or S after 1, got 'D'" },
		{ "R/2014-01-01/P1D2Y", "schedule: bad period 'P1D2Y': Y is repeated or out of order" },
		{ "R/2014-01-01/P1M1M", "schedule: bad period 'P1M1M': M is repeated or out of order" },
		{ "R/2014-01-01/PT", "schedule: bad period 'PT': expected H, M or S after 'T'" },
		{ "R/2014-01-01/P1DT", "schedule: bad period 'P1DT': expected H, M or S after 'T'" },
		{ "R/2014-01-01/PT1HT1M", "schedule: bad period 'PT1HT1M': a second 'T'" },
		{ "R/2014-01-01/P1.5D", "schedule: bad period 'P1.5D': only seconds may have a fraction" },
		{ "R/2014-01-01/P-1D",
		  "schedule: bad period 'P-1D': unexpected '-' after 'P'" },
		{ "R/2014-01-01/P1", "schedule: bad period 'P1': expected Y, M, W or D after 1, got ''" },
		{ "R/2014-01-01/P2147483648D",
		  "schedule: bad period 'P2147483648D': 2147483648 is out of range" },
		{ "R/2014-01-01/P12345678901D",
		  "schedule: bad period 'P12345678901D': 12345678901 is out of range" },
	};
	char long_text[400];
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		expect_error(NULL, cases[i][0], NULL, cases[i][1]);
	memset(long_text, 'x', sizeof(long_text));
	memcpy(long_text, "R/2014-01-01/P", 14);
	long_text[sizeof(long_text) - 1] = '\0';
	expect_error(NULL, long_text, NULL, "schedule: longer than 256 characters");
	/* err may be NULL */
	{
		struct schedule s;
		assert_int_equal(schedule_parse("FOO", NULL, 0, NULL, &s, NULL, 0), -EINVAL);
		assert_int_equal(schedule_parse(NULL, NULL, 0, NULL, &s, NULL, 0), -EINVAL);
	}
}

static void test_zone_ids(void **state)
{
	struct schedule_tzdb db;
	struct schedule s;
	const char *t = "R/2020-07-01T12:00:00/P1D", *w = "R/2020-01-01T12:00:00/P1D";
	(void)state;
	need_tzdata();
	schedule_tzdb_init(&db, TZDIR);
	/* Joda's legacy table: EST/MST/HST are the DST-observing zones there */
	expect_start(&db, t, "EST", "2020-07-01T12:00:00-04:00",
		     "R/2020-07-01T12:00:00.000-04:00/P1D");
	expect_start(&db, w, "EST", "2020-01-01T12:00:00-05:00",
		     "R/2020-01-01T12:00:00.000-05:00/P1D");
	expect_start(&db, t, "MST", "2020-07-01T12:00:00-06:00",
		     "R/2020-07-01T12:00:00.000-06:00/P1D");
	expect_start(&db, t, "HST", "2020-07-01T12:00:00-10:00",
		     "R/2020-07-01T12:00:00.000-10:00/P1D");
	expect_start(&db, t, "CST", "2020-07-01T12:00:00-05:00",
		     "R/2020-07-01T12:00:00.000-05:00/P1D");
	expect_start(&db, t, "IST", "2020-07-01T12:00:00+05:30",
		     "R/2020-07-01T12:00:00.000+05:30/P1D");
	expect_start(&db, t, "JST", "2020-07-01T12:00:00+09:00",
		     "R/2020-07-01T12:00:00.000+09:00/P1D");
	expect_start(&db, t, "ECT", "2020-07-01T12:00:00+02:00",
		     "R/2020-07-01T12:00:00.000+02:00/P1D");
	expect_start(&db, t, "AET", "2020-07-01T12:00:00+10:00",
		     "R/2020-07-01T12:00:00.000+10:00/P1D");
	/* fixed and UTC ids */
	expect_start(&db, t, "GMT+05:30", "2020-07-01T12:00:00+05:30",
		     "R/2020-07-01T12:00:00.000+05:30/P1D");
	expect_start(&db, t, "GMT-8", "2020-07-01T12:00:00-08:00",
		     "R/2020-07-01T12:00:00.000-08:00/P1D");
	expect_start(&db, t, "GMT+0530", "2020-07-01T12:00:00+05:30",
		     "R/2020-07-01T12:00:00.000+05:30/P1D");
	expect_start(&db, t, "GMT", "2020-07-01T12:00:00Z", "R/2020-07-01T12:00:00.000Z/P1D");
	expect_start(&db, t, "UTC", "2020-07-01T12:00:00Z", "R/2020-07-01T12:00:00.000Z/P1D");
	expect_start(&db, t, "Z", "2020-07-01T12:00:00Z", "R/2020-07-01T12:00:00.000Z/P1D");
	expect_start(&db, t, "Etc/GMT+5", "2020-07-01T12:00:00-05:00",
		     "R/2020-07-01T12:00:00.000-05:00/P1D");
	expect_start(&db, t, "Asia/Kathmandu", "2020-07-01T12:00:00+05:45",
		     "R/2020-07-01T12:00:00.000+05:45/P1D");
	expect_start(&db, w, "Australia/Sydney", "2020-01-01T12:00:00+11:00",
		     "R/2020-01-01T12:00:00.000+11:00/P1D");
	expect_start(&db, "R/1850-01-01T12:00:00/P1D", "America/Los_Angeles",
		     "1850-01-01T12:00:00-07:52:58", "R/1850-01-01T12:00:00.000-07:52:58/P1D");
	/* beyond the files' transitions: the POSIX footer rule */
	expect_start(&db, "R/2150-07-01T12:00:00/P1D", "America/Los_Angeles",
		     "2150-07-01T12:00:00-07:00", "R/2150-07-01T12:00:00.000-07:00/P1D");
	expect_start(&db, "R/9999-12-31T12:00:00/P1D", "Europe/Paris",
		     "9999-12-31T12:00:00+01:00", "R/9999-12-31T12:00:00.000+01:00/P1D");
	expect_start(&db, "R/2150-01-15T12:00:00/P1D", "Australia/Sydney",
		     "2150-01-15T12:00:00+11:00", "R/2150-01-15T12:00:00.000+11:00/P1D");
	/* unknown ids are GMT, flagged */
	static const char *const unknown[] = { "Foo/Bar",	  "PDT",	     "pst",
					       "../../etc/passwd", "/etc/localtime", "posix/Europe/Paris",
					       "localtime",	  "America",	     "GMT+24",
					       "GMT+5:3",	  "zone.tab",	     "Europe//Paris" };
	for (size_t i = 0; i < ARRAY_LEN(unknown); i++) {
		parse_ok(&db, t, unknown[i], 0, &s);
		if (!s.zone_unknown)
			fail_msg("zone '%s' should be unknown", unknown[i]);
		assert_int_equal(s.start_ms, at("2020-07-01T12:00:00Z"));
	}
	parse_ok(&db, t, "America/Los_Angeles", 0, &s);
	assert_false(s.zone_unknown);
	assert_non_null(s.zone);
	schedule_tzdb_free(&db);
}

/* An empty start with a zone is now - 1 s in that zone and round-trips. */
static void test_empty_start_with_zone(void **state)
{
	struct schedule_tzdb db;
	struct schedule s, again;
	char buf[SCHEDULE_FORMAT_MAX];
	(void)state;
	need_tzdata();
	schedule_tzdb_init(&db, NULL);
	parse_ok(&db, "R2//PT1H", "Europe/Paris", at(NOW), &s);
	assert_int_equal(s.start_ms, at(NOW) - 1000);
	assert_int_equal(schedule_format(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "R2/2020-06-15T12:30:29.000+02:00/PT1H");
	parse_ok(&db, buf, "Europe/Paris", 0, &again);
	assert_int_equal(again.start_ms, s.start_ms);
	schedule_tzdb_free(&db);
}

static void write_file(const char *path, const void *data, size_t len)
{
	assert_int_equal(file_write_atomic(path, data, len, 0644), 0);
}

/* Hand-made and damaged TZif files: v1 only, truncated, garbage. */
static void test_tzif_files(void **state)
{
	char dir[] = "/tmp/agora-tz-XXXXXX", path[256], *la;
	size_t len, v1_len;
	struct schedule_tzdb db;
	struct schedule s;
	const char *t = "R/2008-07-01T12:00:00/P1D";
	(void)state;
	need_tzdata();
	assert_non_null(mkdtemp(dir));
	assert_int_equal(file_read_all(TZDIR "/America/Los_Angeles", 1 << 20, &la, &len), 0);
	assert_true(len > 44);
	/* the v1 part alone, marked version 1 */
	{
		const unsigned char *p = (const unsigned char *)la;
		uint32_t c[6];
		for (int i = 0; i < 6; i++)
			c[i] = (uint32_t)p[20 + i * 4] << 24 | (uint32_t)p[21 + i * 4] << 16 |
			       (uint32_t)p[22 + i * 4] << 8 | p[23 + i * 4];
		v1_len = 44 + c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
		assert_true(v1_len < len);
		la[4] = 0;
		snprintf(path, sizeof(path), "%s/V1", dir);
		write_file(path, la, v1_len);
		la[4] = '2';
	}
	snprintf(path, sizeof(path), "%s/Truncated", dir);
	write_file(path, la, len - 100);
	snprintf(path, sizeof(path), "%s/Garbage", dir);
	write_file(path, "TZif2 nonsense that is far too short", 36);
	snprintf(path, sizeof(path), "%s/Empty", dir);
	write_file(path, "", 0);
	free(la);

	schedule_tzdb_init(&db, dir);
	expect_start(&db, t, "V1", "2008-07-01T12:00:00-07:00",
		     "R/2008-07-01T12:00:00.000-07:00/P1D");
	expect_start(&db, t, "PST", "2008-07-01T12:00:00Z", "R/2008-07-01T12:00:00.000Z/P1D");
	parse_ok(&db, t, "Truncated", 0, &s);
	assert_true(s.zone_unknown);
	parse_ok(&db, t, "Garbage", 0, &s);
	assert_true(s.zone_unknown);
	parse_ok(&db, t, "Empty", 0, &s);
	assert_true(s.zone_unknown);
	schedule_tzdb_free(&db);
	assert_int_equal(remove_tree(dir), 0);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* A v2 TZif file without transitions: one type (utoff) and a footer rule. */
static void write_footer_zone(const char *dir, const char *name, int32_t utoff, const char *rule)
{
	unsigned char buf[512];
	char path[256];
	size_t len = 0;
	for (int part = 0; part < 2; part++) {
		memset(buf + len, 0, 44);
		memcpy(buf + len, "TZif2", 5);
		put32(buf + len + 36, 1); /* typecnt */
		put32(buf + len + 40, 4); /* charcnt */
		len += 44;
		put32(buf + len, (uint32_t)utoff);
		buf[len + 4] = 0;
		buf[len + 5] = 0;
		memcpy(buf + len + 6, "STD", 4);
		len += 10;
	}
	len += (size_t)snprintf((char *)buf + len, sizeof(buf) - len, "\n%s\n", rule);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	write_file(path, buf, len);
}

/* The POSIX TZ footer forms: Jn, n, Mm.w.d, <quoted> names, times, all-year DST. */
static void test_footer_rules(void **state)
{
	char dir[] = "/tmp/agora-tz-XXXXXX";
	struct schedule_tzdb db;
	struct schedule s;
	(void)state;
	assert_non_null(mkdtemp(dir));
	write_footer_zone(dir, "Julian", -3 * 3600, "AAA3BBB,J60/2,J300/2");
	write_footer_zone(dir, "ZeroBased", -3 * 3600, "AAA3BBB2,59/2:30,299/-1");
	write_footer_zone(dir, "South", 37800, "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
	write_footer_zone(dir, "AllYear", -5 * 3600, "EST5EDT,0/0,J365/25");
	write_footer_zone(dir, "Fixed", 20700, "<+0545>-5:45");
	write_footer_zone(dir, "Junk", 3600, "this is not a rule");
	write_footer_zone(dir, "None", 7200, "");
	schedule_tzdb_init(&db, dir);
	expect_start(&db, "R/2021-03-01T01:00:00/P1D", "Julian", "2021-03-01T01:00:00-03:00",
		     "R/2021-03-01T01:00:00.000-03:00/P1D");
	expect_start(&db, "R/2021-03-01T03:00:00/P1D", "Julian", "2021-03-01T03:00:00-02:00",
		     "R/2021-03-01T03:00:00.000-02:00/P1D");
	expect_start(&db, "R/2024-02-29T12:00:00/P1D", "Julian", "2024-02-29T12:00:00-03:00",
		     "R/2024-02-29T12:00:00.000-03:00/P1D");
	/* J300 is Oct 27: DST ends there at 02:00 */
	expect_start(&db, "R/2021-10-26T12:00:00/P1D", "Julian", "2021-10-26T12:00:00-02:00",
		     "R/2021-10-26T12:00:00.000-02:00/P1D");
	expect_start(&db, "R/2021-10-27T12:00:00/P1D", "Julian", "2021-10-27T12:00:00-03:00",
		     "R/2021-10-27T12:00:00.000-03:00/P1D");
	/* zero-based day 59 is Mar 1 in 2021 but Feb 29 in 2024 */
	expect_start(&db, "R/2024-02-29T12:00:00/P1D", "ZeroBased", "2024-02-29T12:00:00-02:00",
		     "R/2024-02-29T12:00:00.000-02:00/P1D");
	expect_start(&db, "R/2021-02-28T12:00:00/P1D", "ZeroBased", "2021-02-28T12:00:00-03:00",
		     "R/2021-02-28T12:00:00.000-03:00/P1D");
	expect_start(&db, "R/2021-01-15T12:00:00/P1D", "South", "2021-01-15T12:00:00+11:00",
		     "R/2021-01-15T12:00:00.000+11:00/P1D");
	expect_start(&db, "R/2021-07-15T12:00:00/P1D", "South", "2021-07-15T12:00:00+10:30",
		     "R/2021-07-15T12:00:00.000+10:30/P1D");
	expect_start(&db, "R/2021-01-01T00:30:00/P1D", "AllYear", "2021-01-01T00:30:00-04:00",
		     "R/2021-01-01T00:30:00.000-04:00/P1D");
	expect_start(&db, "R/2021-07-01T12:00:00/P1D", "AllYear", "2021-07-01T12:00:00-04:00",
		     "R/2021-07-01T12:00:00.000-04:00/P1D");
	expect_start(&db, "R/2021-07-01T12:00:00/P1D", "Fixed", "2021-07-01T12:00:00+05:45",
		     "R/2021-07-01T12:00:00.000+05:45/P1D");
	expect_start(&db, "R/2021-07-01T12:00:00/P1D", "Junk", "2021-07-01T12:00:00+01:00",
		     "R/2021-07-01T12:00:00.000+01:00/P1D");
	expect_start(&db, "R/2021-07-01T12:00:00/P1D", "None", "2021-07-01T12:00:00+02:00",
		     "R/2021-07-01T12:00:00.000+02:00/P1D");
	parse_ok(&db, "R/2021-07-01T12:00:00/P1D", "Junk", 0, &s);
	assert_false(s.zone_unknown);
	/* P1D across the footer's spring change keeps 12:00 */
	expect_advance(&db, "R/2021-02-27T12:00:00/P1D", "Julian", "2021-03-01T13:00:00Z",
		       "R/2021-03-01T12:00:00.000-02:00/P1D");
	schedule_tzdb_free(&db);
	assert_int_equal(remove_tree(dir), 0);
}

static void test_bounds(void **state)
{
	struct schedule s, next;
	char err[SCHEDULE_ERR_MAX], buf[SCHEDULE_FORMAT_MAX];
	(void)state;
	parse_ok(NULL, "R9223372036854775807//P1D", NULL, at(NOW), &s);
	assert_int_equal(s.repeat, INT64_MAX);
	assert_int_equal(schedule_advance(&s, at(NOW), &next, NULL, NULL, 0), 0);
	assert_int_equal(next.repeat, INT64_MAX - 1);
	/* huge periods parse; advancing past 9999 is -ERANGE */
	parse_ok(NULL, "R/2020-01-01T00:00:00Z/P2147483647Y2147483647M2147483647W2147483647DT2147483647H2147483647M2147483647.999S",
		 NULL, 0, &s);
	assert_int_equal(schedule_format(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "R/2020-01-01T00:00:00.000Z/P2147483647Y2147483647M2147483647W"
				 "2147483647DT2147483647H2147483647M2147483647.999S");
	assert_int_equal(schedule_advance(&s, at(NOW), &next, NULL, err, sizeof(err)), -ERANGE);
	assert_string_equal(err, "schedule: the next occurrence is past the year 9999");
	parse_ok(NULL, "R/9999-12-31T23:59:59.999Z/PT1S", NULL, 0, &s);
	assert_int_equal(schedule_advance(&s, at("9999-12-31T23:59:59.999Z") + 1, &next, NULL, NULL, 0),
			 -ERANGE);
	parse_ok(NULL, "R/0000-01-01T00:00:00Z/PT1H", NULL, 0, &s);
	expect_advance(NULL, "R/0000-01-01T00:00:00Z/PT1H", NULL, NOW,
		       "R/2020-06-15T11:00:00.000Z/PT1H");
	expect_advance(NULL, "R/0000-01-01T00:00:00Z/PT0.001S", NULL, NOW,
		       "R/2020-06-15T10:30:30.001Z/PT0.001S");
	/* the range is in local years: year 0 at +01:00 is 1 h before it in UTC */
	expect_start(NULL, "R/0000-01-01T00:00:00+01:00/P1D", NULL, "0000-01-01T00:00:00+01:00",
		     "R/0000-01-01T00:00:00.000+01:00/P1D");
	expect_start(NULL, "R/9999-12-31T23:59:59.999-23:59/P1D", NULL,
		     "9999-12-31T23:59:59.999-23:59", "R/9999-12-31T23:59:59.999-23:59/P1D");
	/* a now far in the future or past */
	assert_int_equal(schedule_advance(&s, INT64_MAX, &next, NULL, NULL, 0), -ERANGE);
	assert_int_equal(schedule_advance(&s, INT64_MIN, &next, NULL, NULL, 0), 0);
	assert_int_equal(schedule_parse("R//P1D", NULL, INT64_MIN, NULL, &s, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "schedule: bad start '': now is out of range");
	/* a short buffer */
	parse_ok(NULL, "R/2020-01-01T00:00:00Z/P1D", NULL, 0, &s);
	assert_int_equal(schedule_format(&s, buf, 10), -ENAMETOOLONG);
}

static void test_time_helpers(void **state)
{
	char buf[SCHEDULE_TIME_MAX];
	int64_t ms;
	(void)state;
	assert_int_equal(schedule_time_format(1394297837507LL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2014-03-08T16:57:17.507Z");
	assert_int_equal(schedule_time_parse(buf, &ms), 0);
	assert_int_equal(ms, 1394297837507LL);
	assert_int_equal(schedule_time_format(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	assert_int_equal(schedule_time_format(-1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	assert_int_equal(schedule_time_format(INT64_MAX, buf, sizeof(buf)), -ERANGE);
	assert_int_equal(schedule_time_parse("2014-03-08T17:57:17.507+01:00", &ms), 0);
	assert_int_equal(ms, 1394297837507LL);
	assert_int_equal(schedule_time_parse("", &ms), -EINVAL);
	assert_int_equal(schedule_time_parse("2014-03-08T16:57:17.507Zjunk", &ms), -EINVAL);
	/* every day of 400 years round-trips */
	for (int64_t d = -146097; d < 146097 * 2; d += 7) {
		int64_t t = d * 86400000 + 45296789, back;
		assert_int_equal(schedule_time_format(t, buf, sizeof(buf)), 0);
		assert_int_equal(schedule_time_parse(buf, &back), 0);
		assert_int_equal(back, t);
	}
}

/* format -> parse gives the same schedule, before and after advancing. */
static void test_round_trip(void **state)
{
	static const char *const texts[] = {
		"R/2008-03-01T13:00:00Z/P1D",	     "R5/2008-03-01T13:00:00.123+01:00/PT1.5S",
		"R0/2012-01-31/P1M",		     "R/2020-11-01T01:30:00-08:00/PT30M",
		"R/2020-03-08T02:30:00/P1D",	     "R3/2010-06-01T00:00:00Z/P1Y2M3W4DT5H6M7S",
		"R//PT1M",			     "R/1900-01-01T00:00:00Z/P7D",
		"R/2008-03-01T13:00:00+05:30:15/P1W",
	};
	static const char *const zones[] = { "",	  "America/Los_Angeles", "Europe/Paris",
					     "BST",	  "GMT-03:30",		 "Australia/Lord_Howe",
					     "Nowhere", "Asia/Kathmandu" };
	struct schedule_tzdb db;
	struct schedule s, again, next;
	char buf[SCHEDULE_FORMAT_MAX];
	(void)state;
	need_tzdata();
	schedule_tzdb_init(&db, NULL);
	for (size_t z = 0; z < ARRAY_LEN(zones); z++)
		for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
			parse_ok(&db, texts[i], zones[z], at(NOW), &s);
			for (int step = 0; step < 3; step++) {
				assert_int_equal(schedule_format(&s, buf, sizeof(buf)), 0);
				parse_ok(&db, buf, zones[z], at(NOW), &again);
				if (again.start_ms != s.start_ms || again.repeat != s.repeat ||
				    memcmp(&again.period, &s.period, sizeof(s.period)) != 0)
					fail_msg("'%s' in '%s' formatted as '%s' parses back "
						 "differently",
						 texts[i], zones[z], buf);
				assert_int_equal(schedule_advance(&s, at(NOW) + step * 86400000LL * 40,
							       &next, NULL, NULL, 0),
						 0);
				if (!schedule_period_is_zero(&s.period))
					assert_true(next.start_ms > at(NOW) + step * 86400000LL * 40);
				s = next;
			}
		}
	schedule_tzdb_free(&db);
}

/* The floor the jobs API applies (--min_schedule_period) reads this length. */
static void test_period_min_length(void **state)
{
	static const struct {
		const char *text;
		int64_t min_ms;
	} cases[] = {
		{ "R/2020-01-01T00:00:00Z/PT0S", 0 },
		{ "R/2020-01-01T00:00:00Z/P", 0 },
		{ "R/2020-01-01T00:00:00Z/PT0.0001S", 0 }, /* sub-millisecond: zero */
		{ "R/2020-01-01T00:00:00Z/PT0.001S", 1 },
		{ "R/2020-01-01T00:00:00Z/PT0.5S", 500 },
		{ "R/2020-01-01T00:00:00Z/PT1S", 1000 },
		{ "R/2020-01-01T00:00:00Z/PT1H2M3.004S", 3723004 },
		{ "R/2020-01-01T00:00:00Z/P1D", 23 * 3600000LL }, /* a spring-forward day */
		{ "R/2020-01-01T00:00:00Z/P1W", 7 * 23 * 3600000LL },
		{ "R/2020-01-01T00:00:00Z/P1M", 28 * 23 * 3600000LL },
		{ "R/2020-01-01T00:00:00Z/P1Y", 365 * 23 * 3600000LL },
		{ "R/2020-01-01T00:00:00Z/P2147483647Y2147483647M", INT64_MAX }, /* saturates */
		{ "R/2020-01-01T00:00:00Z/PT2147483647H2147483647M2147483647S",
		  2147483647LL * (3600000 + 60000 + 1000) },
	};
	struct schedule_tzdb db;
	struct schedule s;
	(void)state;
	schedule_tzdb_init(&db, TZDIR);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_ok(&db, cases[i].text, NULL, at(NOW), &s);
		if (schedule_period_min_ms(&s.period) != cases[i].min_ms)
			fail_msg("'%s': min length %lld, expected %lld", cases[i].text,
				 (long long)schedule_period_min_ms(&s.period),
				 (long long)cases[i].min_ms);
		assert_int_equal(schedule_period_min_ms(&s.period) == 0,
				 schedule_period_is_zero(&s.period));
	}
	schedule_tzdb_free(&db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a5_parse_table),
		cmocka_unit_test(test_a5_advance_vectors),
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_dst),
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_start_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_zone_ids),
		cmocka_unit_test(test_empty_start_with_zone),
		cmocka_unit_test(test_tzif_files),
		cmocka_unit_test(test_footer_rules),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_time_helpers),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_period_min_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
