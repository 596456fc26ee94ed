import { IANAZone } from 'luxon';
import { z } from 'zod';
import { SpoolError } from '../errors.ts';

/**
 * A channel's weekly posting schedule: an IANA time zone and, per weekday, the local wall-clock
 * times ("HH:MM", 24-hour) at which queued posts go out. Parsing sorts and de-duplicates the times,
 * so every `PostingSchedule` in the program is already in canonical form.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const WEEKDAY_NAMES: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after local midnight for a valid "HH:MM"; `undefined` for anything else. */
export function minutesOfDay(time: string): number | undefined {
  const match = TIME_OF_DAY.exec(time);
  if (!match) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

const timeOfDaySchema = z.string().superRefine((value, ctx) => {
  if (minutesOfDay(value) === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not a time of day; use 24-hour HH:MM, such as "09:30" or "17:05".`,
    });
  }
});

/** Sorted ascending, each time once. "HH:MM" strings sort correctly as text. */
const timesSchema = z
  .array(timeOfDaySchema)
  .default([])
  .transform((times) => [...new Set(times)].sort());

const timezoneSchema = z
  .string()
  .superRefine((value, ctx) => {
    if (!IANAZone.isValidZone(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not a known IANA time zone; use a name such as "Europe/London" or "America/New_York".`,
      });
    }
  })
  .transform(zoneSpelling);

/** Zone names are matched ignoring case; keep the IANA spelling ("america/new_york" → "America/New_York"). */
function zoneSpelling(zone: string): string {
  try {
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    return canonical.toLowerCase() === zone.toLowerCase() ? canonical : zone;
  } catch {
    return zone;
  }
}

export const postingScheduleSchema = z.object({
  timezone: timezoneSchema,
  days: z.strictObject({
    mon: timesSchema,
    tue: timesSchema,
    wed: timesSchema,
    thu: timesSchema,
    fri: timesSchema,
    sat: timesSchema,
    sun: timesSchema,
  }),
});

/** What a client may send: days may be left out (no slots that day), times in any order. */
export type PostingScheduleInput = z.input<typeof postingScheduleSchema>;
/** A validated schedule: a real zone, every weekday present, times valid, sorted and unique. */
export type PostingSchedule = z.output<typeof postingScheduleSchema>;

export type ScheduleProblem = { path: string; message: string };

export type ParseScheduleResult =
  | { ok: true; schedule: PostingSchedule }
  | { ok: false; problems: ScheduleProblem[] };

/** Validates a schedule and lists every problem, each in words that name where it is. */
export function safeParsePostingSchedule(input: unknown): ParseScheduleResult {
  const result = postingScheduleSchema.safeParse(input);
  if (result.success) return { ok: true, schedule: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      path: formatPath(issue.path),
      message: describeIssue(issue),
    })),
  };
}

/** Like `safeParsePostingSchedule`, but throws a `SpoolError` (`schedule.invalid`) listing the problems. */
export function parsePostingSchedule(input: unknown): PostingSchedule {
  const result = safeParsePostingSchedule(input);
  if (result.ok) return result.schedule;
  const summary = result.problems.map((problem) => problem.message).join(' ');
  throw new SpoolError('schedule.invalid', `The posting schedule is not valid. ${summary}`, 'invalid', {
    problems: result.problems,
  });
}

/** True when no weekday has any time: such a schedule never yields a slot. */
export function isEmptySchedule(schedule: PostingSchedule): boolean {
  return WEEKDAYS.every((day) => schedule.days[day].length === 0);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const [first, day, position] = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `"${key}"`).join(', ');
    return `Unknown day ${keys} in the schedule; use ${WEEKDAYS.join(', ')}.`;
  }
  if (first === 'timezone') {
    return issue.code === 'custom'
      ? `Time zone: ${issue.message}`
      : 'Time zone: give an IANA time zone name, such as "Europe/London".';
  }
  if (first === 'days' && isWeekday(day)) {
    const where =
      typeof position === 'number' ? `${WEEKDAY_NAMES[day]}, time ${position + 1}` : WEEKDAY_NAMES[day];
    if (issue.code === 'custom') return `${where}: ${issue.message}`;
    if (typeof position === 'number')
      return `${where}: give the time as text in HH:MM form, such as "09:30".`;
    return `${where}: give a list of times in HH:MM form, such as ["09:00", "12:30"].`;
  }
  if (first === 'days') return 'Days: give an object with a list of times per weekday (mon … sun).';
  return 'The schedule needs a "timezone" and "days", e.g. { "timezone": "Europe/London", "days": { "mon": ["09:00"] } }.';
}

function isWeekday(value: unknown): value is Weekday {
  return typeof value === 'string' && (WEEKDAYS as readonly string[]).includes(value);
}
