import { IANAZone } from 'luxon';
import { SpoolError } from '../errors.ts';
import { minutesOfDay, type PostingSchedule, type Weekday } from './schedule.ts';

/**
 * Posting slots: the instants at which a channel's schedule fires, computed in the channel's IANA
 * zone with luxon. The daylight-saving rules (DESIGN.md, decision 5):
 *
 * - A slot whose local time does not exist (inside a spring-forward gap) moves forward by the gap:
 *   02:30 in America/New_York on 2026-03-08 becomes 03:30 EDT; 02:15 in Australia/Lord_Howe on
 *   2026-10-04 (02:00 → 02:30) becomes 02:45.
 * - A slot whose local time occurs twice (a fall-back overlap) is used once, at its first
 *   occurrence: 01:30 in America/New_York on 2026-11-01 is 01:30 EDT (05:30Z), not EST.
 * - Two slots that land on the same instant (02:30 moved to 03:30 next to a 03:30 slot) are one slot.
 *
 * Slots are returned as UTC `Date`s, strictly increasing.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/**
 * Wider than any UTC offset (real ones stay within about ±15 h): a local day D lies entirely within
 * [D·24h − margin, (D+1)·24h + margin] in UTC. We also assume a zone changes its offset at most once
 * inside such a 60-hour window; real transitions are weeks or months apart.
 */
const OFFSET_MARGIN_MS = 18 * 3_600_000;

/** A search for the next free slot gives up after this many days without finding one. */
export const SLOT_SEARCH_HORIZON_DAYS = 366;

/** Index 0 is Sunday, as in `Date#getUTCDay`. */
const WEEKDAY_BY_UTC_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface CompiledSchedule {
  readonly zone: IANAZone;
  /** Minutes after local midnight, ascending, indexed like `Date#getUTCDay`. */
  readonly minutesByDay: readonly (readonly number[])[];
  readonly empty: boolean;
}

function compile(schedule: PostingSchedule): CompiledSchedule {
  const zone = IANAZone.create(schedule.timezone);
  if (!zone.isValid) {
    throw new SpoolError('schedule.invalid', `"${schedule.timezone}" is not a known IANA time zone.`);
  }
  const minutesByDay = WEEKDAY_BY_UTC_DAY.map((day) =>
    schedule.days[day]
      .map((time) => {
        const minutes = minutesOfDay(time);
        if (minutes === undefined) {
          throw new SpoolError('schedule.invalid', `"${time}" is not a time of day in HH:MM form.`);
        }
        return minutes;
      })
      .sort((a, b) => a - b),
  );
  return { zone, minutesByDay, empty: minutesByDay.every((minutes) => minutes.length === 0) };
}

/**
 * The instant of a local wall time, where `wallMs` is the wall time written as if it were UTC and
 * `offsetBefore` / `offsetAfter` are the zone's offsets (minutes) around it.
 */
function wallTimeToInstant(
  zone: IANAZone,
  wallMs: number,
  offsetBefore: number,
  offsetAfter: number,
): number {
  const withBefore = wallMs - offsetBefore * MINUTE_MS;
  if (offsetBefore === offsetAfter) return withBefore;
  const withAfter = wallMs - offsetAfter * MINUTE_MS;
  const beforeIsReal = zone.offset(withBefore) === offsetBefore;
  const afterIsReal = zone.offset(withAfter) === offsetAfter;
  // Occurs twice (fall-back overlap): the first occurrence.
  if (beforeIsReal && afterIsReal) return Math.min(withBefore, withAfter);
  if (afterIsReal) return withAfter;
  // Either only the old offset fits, or the time falls in a gap; reading it with the offset in force
  // before the gap lands it after the gap, shifted forward by the gap's length.
  return withBefore;
}

/**
 * The zone's offsets (minutes) at the start and end of local day `day`'s UTC window. Asking luxon for
 * an offset costs about 10 µs, so the zone is sampled on a 60-hour grid: when every grid point
 * across the window agrees, no transition can hide inside it (transitions are assumed at least 60 h
 * apart, as above) and the day needs no further look-ups. Samples are kept per zone across calls
 * (time-zone rules do not change while the process runs), so re-timing a queue again is cheap.
 */
type DayOffsets = (day: number) => readonly [number, number];

const GRID_MS = DAY_MS + 2 * OFFSET_MARGIN_MS;
const MAX_CACHED_SAMPLES = 250_000;
const gridSamples = new Map<string, Map<number, number>>();
let cachedSampleCount = 0;

function samplesFor(zone: IANAZone): Map<number, number> {
  if (cachedSampleCount > MAX_CACHED_SAMPLES) {
    gridSamples.clear();
    cachedSampleCount = 0;
  }
  let samples = gridSamples.get(zone.name);
  if (!samples) {
    samples = new Map();
    gridSamples.set(zone.name, samples);
  }
  return samples;
}

function dayOffsetsFor(zone: IANAZone): DayOffsets {
  const samples = samplesFor(zone);
  const sample = (index: number): number => {
    let offset = samples.get(index);
    if (offset === undefined) {
      offset = zone.offset(index * GRID_MS);
      samples.set(index, offset);
      cachedSampleCount++;
    }
    return offset;
  };
  return (day) => {
    const windowStart = day * DAY_MS - OFFSET_MARGIN_MS;
    const windowEnd = (day + 1) * DAY_MS + OFFSET_MARGIN_MS;
    const first = Math.floor(windowStart / GRID_MS);
    const last = Math.ceil(windowEnd / GRID_MS);
    const offset = sample(first);
    let steady = true;
    for (let index = first + 1; index <= last && steady; index++) steady = sample(index) === offset;
    if (steady) return [offset, offset];
    return [zone.offset(windowStart), zone.offset(windowEnd)];
  };
}

function utcWeekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/**
 * Every slot instant (ms) strictly after `afterMs` and before `untilMs`, increasing, without
 * repeats. Local days are generated in order; because a DST shift can push a slot past the next
 * day's first slot, an instant is held back until no later day can produce an earlier one.
 */
function* slotInstants(compiled: CompiledSchedule, afterMs: number, untilMs = Number.POSITIVE_INFINITY) {
  if (compiled.empty) return;
  const { zone, minutesByDay } = compiled;
  const offsetsAround = dayOffsetsFor(zone);
  const firstDay = Math.floor((afterMs - OFFSET_MARGIN_MS) / DAY_MS) - 1;
  const lastDay = Number.isFinite(untilMs) ? Math.floor((untilMs + OFFSET_MARGIN_MS) / DAY_MS) + 1 : Infinity;
  let pending: number[] = [];
  let previous = afterMs;
  for (let day = firstDay; day <= lastDay; day++) {
    const minutes = minutesByDay[utcWeekday(day)] ?? [];
    if (minutes.length > 0) {
      const [before, after] = offsetsAround(day);
      let sorted = true;
      for (const minute of minutes) {
        const instant = wallTimeToInstant(zone, day * DAY_MS + minute * MINUTE_MS, before, after);
        const last = pending[pending.length - 1];
        if (last !== undefined && instant < last) sorted = false;
        pending.push(instant);
      }
      if (!sorted) pending.sort((a, b) => a - b);
    }
    // Every instant of a later local day is at or after this.
    const final = day === lastDay ? Number.POSITIVE_INFINITY : (day + 1) * DAY_MS - OFFSET_MARGIN_MS;
    let released = 0;
    for (const instant of pending) {
      if (instant >= final) break;
      released++;
      if (instant >= untilMs) return;
      if (instant > previous) {
        previous = instant;
        yield instant;
      }
    }
    if (released > 0) pending = pending.slice(released);
  }
}

/** The schedule's slots in [from, to): from inclusive, to exclusive, in order. */
export function slotsBetween(schedule: PostingSchedule, from: Date, to: Date): Date[] {
  const slots: Date[] = [];
  if (to.getTime() <= from.getTime()) return slots;
  for (const instant of slotInstants(compile(schedule), from.getTime() - 1, to.getTime())) {
    slots.push(new Date(instant));
  }
  return slots;
}

/**
 * The next `count` slots strictly after `after`, in order, skipping those `taken` reports as used.
 * Returns fewer than `count` (possibly none) when the schedule is empty or when no free slot turns
 * up within `SLOT_SEARCH_HORIZON_DAYS` days of the last one found.
 */
export function nextSlots(
  schedule: PostingSchedule,
  after: Date,
  count: number,
  taken?: (slot: Date) => boolean,
): Date[] {
  const slots: Date[] = [];
  if (count <= 0) return slots;
  let giveUpAfter = after.getTime() + SLOT_SEARCH_HORIZON_DAYS * DAY_MS;
  for (const instant of slotInstants(compile(schedule), after.getTime())) {
    if (instant > giveUpAfter) break;
    const slot = new Date(instant);
    if (taken?.(slot)) continue;
    slots.push(slot);
    if (slots.length === count) break;
    giveUpAfter = instant + SLOT_SEARCH_HORIZON_DAYS * DAY_MS;
  }
  return slots;
}

/**
 * Buffer-style re-timing of a channel's queue. Given the number of queued (slot-based) posts, in
 * queue order, and the instants (ms) held by custom-scheduled posts, returns the time for each queued
 * post: the next free slots after `now`, in order. Custom-scheduled posts keep their time and block
 * only a slot at exactly the same instant. Call it again after the schedule is edited, the queue is
 * paused/resumed, reordered or a post deleted: the result is the new time of every queued post.
 * Returns fewer than `count` times when the schedule cannot supply them (see `nextSlots`).
 */
export function assignQueueSlots(
  schedule: PostingSchedule,
  now: Date,
  count: number,
  occupied: ReadonlySet<number>,
): Date[] {
  return nextSlots(schedule, now, count, (slot) => occupied.has(slot.getTime()));
}

export interface LocalDateTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/**
 * The instant of a local date and time in `timezone`, by the same rules as slots (a time inside a
 * gap moves forward by the gap; a repeated time means its first occurrence). For custom-scheduled
 * posts, whose time a person picks on the channel's wall clock.
 */
export function localTimeToInstant(timezone: string, local: LocalDateTime): Date {
  const zone = IANAZone.create(timezone);
  if (!zone.isValid) throw new SpoolError('schedule.invalid', `"${timezone}" is not a known IANA time zone.`);
  const wallMs = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  const day = Math.floor(wallMs / DAY_MS);
  const [before, after] = dayOffsetsFor(zone)(day);
  return new Date(wallTimeToInstant(zone, wallMs, before, after));
}
