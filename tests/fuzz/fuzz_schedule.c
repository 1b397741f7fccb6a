/*
 * libFuzzer target: schedule strings and zones. Input "schedule[\nzone]",
 * or a TZif file (starts with "TZif") that schedules are then run in.
 * Whatever parses must format, parse back to the same schedule, and keep
 * doing so after advancing at several nows; errors must carry a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobs/schedule.h"

#define NOW_MS 1592217030000LL /* 2020-06-15T10:30:30Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_trap(const struct schedule *a, const struct schedule *b)
{
	if (a->repeat != b->repeat || a->start_ms != b->start_ms || a->zone != b->zone ||
	    a->offset_s != b->offset_s || a->zone_unknown != b->zone_unknown ||
	    memcmp(&a->period, &b->period, sizeof(a->period)) != 0)
		__builtin_trap();
}

/* format -> parse must give s back. */
static void round_trip(struct schedule_tzdb *db, const struct schedule *s, const char *zone)
{
	char buf[SCHEDULE_FORMAT_MAX], err[SCHEDULE_ERR_MAX];
	struct schedule again;
	if (schedule_format(s, buf, sizeof(buf)) != 0)
		__builtin_trap();
	if (schedule_parse(buf, zone, NOW_MS, db, &again, err, sizeof(err)) != 0)
		__builtin_trap();
	same_or_trap(s, &again);
}

static void check_time_helpers(const char *text)
{
	char buf[SCHEDULE_TIME_MAX];
	int64_t ms, back;
	if (schedule_time_parse(text, &ms) != 0 || schedule_time_format(ms, buf, sizeof(buf)) != 0)
		return;
	if (schedule_time_parse(buf, &back) != 0 || back != ms)
		__builtin_trap();
}

static const int64_t nows[] = { NOW_MS, NOW_MS + 400LL * 86400000, NOW_MS - 86400000,
				253402300799999LL, -62167219200000LL };

/* Advancing at each now gives a later start that still round-trips. */
static void advance_all(struct schedule_tzdb *db, const struct schedule *s, const char *zone)
{
	struct schedule next;
	int64_t periods;
	char err[SCHEDULE_ERR_MAX];
	for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		if (schedule_advance(s, nows[i], &next, &periods, err, sizeof(err)) != 0)
			continue;
		if (s->start_ms < nows[i] && !schedule_period_is_zero(&s->period) &&
		    (next.start_ms <= nows[i] || periods < 1))
			__builtin_trap();
		round_trip(db, &next, zone);
	}
}

static char tzif_dir[64];

static void remove_tzif_dir(void)
{
	char path[96];
	snprintf(path, sizeof(path), "%s/Fuzzed", tzif_dir);
	unlink(path);
	rmdir(tzif_dir);
}

/* The input is the zone file "Fuzzed" of a fresh tz database. */
static void fuzz_tzif(const uint8_t *data, size_t size)
{
	static const char *const texts[] = { "R/2008-03-01T13:00:00Z/P1D",
					     "R5/2020-03-07T02:30:00/PT24H", "R/1900-01-31/P1M",
					     "R/9999-12-31T23:00:00/PT1H", "R//P1W",
					     "R/0000-01-01T00:00:00/P1Y" };
	struct schedule_tzdb db;
	struct schedule s;
	char path[96];
	FILE *f;

	if (!tzif_dir[0]) {
		snprintf(tzif_dir, sizeof(tzif_dir), "/tmp/fuzz-schedule-XXXXXX");
		if (!mkdtemp(tzif_dir))
			abort();
		atexit(remove_tzif_dir);
	}
	snprintf(path, sizeof(path), "%s/Fuzzed", tzif_dir);
	f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, size, 1, f) != 1)
		abort();
	fclose(f);
	schedule_tzdb_init(&db, tzif_dir);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (schedule_parse(texts[i], "Fuzzed", NOW_MS, &db, &s, NULL, 0) != 0)
			__builtin_trap(); /* a bad file is GMT, never an error */
		round_trip(&db, &s, "Fuzzed");
		advance_all(&db, &s, "Fuzzed");
	}
	schedule_tzdb_free(&db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct schedule_tzdb db; /* zones stay loaded across inputs */
	static int db_ready;
	char *text, *zone, err[SCHEDULE_ERR_MAX];
	struct schedule s;
	int64_t due;

	if (size >= 4 && memcmp(data, "TZif", 4) == 0) {
		fuzz_tzif(data, size);
		return 0;
	}
	if (!db_ready) {
		schedule_tzdb_init(&db, NULL);
		db_ready = 1;
	}
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	zone = strchr(text, '\n');
	if (zone)
		*zone++ = '\0';
	check_time_helpers(text);
	err[0] = '\0';
	if (schedule_parse(text, zone, NOW_MS, &db, &s, err, sizeof(err)) != 0) {
		if (strncmp(err, "schedule: ", 10) != 0)
			__builtin_trap();
		free(text);
		return 0;
	}
	round_trip(&db, &s, zone);
	/* the jobs API's floor (--min_schedule_period): 0 exactly for a zero period */
	if ((schedule_period_min_ms(&s.period) == 0) != schedule_period_is_zero(&s.period) ||
	    schedule_period_min_ms(&s.period) < 0)
		__builtin_trap();
	(void)schedule_is_due(&s, NOW_MS);
	(void)schedule_next_due(&s, &due);
	advance_all(&db, &s, zone);
	free(text);
	return 0;
}
