import { WEEKDAYS, type Weekday } from '../../api/types.ts';

/**
 * The channel's posting slots that no post takes, to show as gaps in the queue. Computed in the
 * browser from the weekly schedule with Intl (no time-zone library in the bundle); the server's
 * rules (src/domain/schedule/slots.ts) still decide where posts go. Around a daylight-saving change
 * a shown gap may be off by the change; posts never are.
 */

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes the zone is ahead of UTC at an instant. */
function zoneOffsetMinutes(instant: number, timeZone: string): number {
  let format = offsetFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    offsetFormatters.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(instant))) parts[part.type] = Number(part.value);
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!);
  return Math.round((asUtc - Math.floor(instant / 60_000) * 60_000) / 60_000);
}

/** The instant of a wall-clock time in a zone. */
function instantOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): number {
  const guess = Date.UTC(year, month, day, hour, minute);
  const first = guess - zoneOffsetMinutes(guess, timeZone) * 60_000;
  return guess - zoneOffsetMinutes(first, timeZone) * 60_000;
}

/** The schedule's slots from `from` until `until` (at most `max`), in time order. */
export function scheduleSlots(
  schedule: Partial<Record<Weekday, string[]>>,
  timeZone: string,
  from: number,
  until: number,
  max = 2_000,
): number[] {
  const slots: number[] = [];
  const start = new Date(from + zoneOffsetMinutes(from, timeZone) * 60_000);
  for (let dayIndex = 0; slots.length < max; dayIndex++) {
    const local = new Date(
      Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + dayIndex),
    );
    if (local.getTime() - 86_400_000 * 2 > until) break;
    const weekday = WEEKDAYS[(local.getUTCDay() + 6) % 7]!;
    for (const time of [...(schedule[weekday] ?? [])].sort()) {
      const [hour, minute] = time.split(':').map(Number) as [number, number];
      const at = instantOf(
        local.getUTCFullYear(),
        local.getUTCMonth(),
        local.getUTCDate(),
        hour,
        minute,
        timeZone,
      );
      if (at > from && at <= until) slots.push(at);
    }
    if (dayIndex > 3_660) break;
  }
  return slots;
}

/**
 * Free slots up to the last queued post, and the next `after` free ones beyond it, so the queue
 * shows where a new post would go.
 */
export function emptySlots(
  schedule: Partial<Record<Weekday, string[]>>,
  timeZone: string,
  takenIsoTimes: readonly (string | null)[],
  now: number,
  after = 3,
): number[] {
  const taken = new Set(takenIsoTimes.filter((t): t is string => t !== null).map((t) => Date.parse(t)));
  const last = Math.max(now, ...taken);
  const horizon = last + 14 * 86_400_000;
  const free: number[] = [];
  let beyond = 0;
  for (const slot of scheduleSlots(schedule, timeZone, now, horizon)) {
    if (taken.has(slot)) continue;
    if (slot > last) {
      if (beyond >= after) break;
      beyond++;
    }
    free.push(slot);
  }
  return free;
}
