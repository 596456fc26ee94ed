import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  type PostingSchedule,
  type PostingScheduleInput,
  parsePostingSchedule,
  WEEKDAYS,
} from './schedule.ts';
import { assignQueueSlots, localTimeToInstant, nextSlots, slotsBetween } from './slots.ts';

const NEW_YORK = 'America/New_York';
const LONDON = 'Europe/London';
const LORD_HOWE = 'Australia/Lord_Howe';

function schedule(timezone: string, days: PostingScheduleInput['days']): PostingSchedule {
  return parsePostingSchedule({ timezone, days });
}

/** A local wall time in `zone` as a Date; throws if luxon would have to adjust it. */
function at(zone: string, isoLocal: string): Date {
  const local = DateTime.fromISO(isoLocal, { zone });
  if (local.toFormat("yyyy-MM-dd'T'HH:mm") !== isoLocal)
    throw new Error(`${isoLocal} is ambiguous in ${zone}`);
  return local.toJSDate();
}

/** How a slot reads on the channel's clock, with its UTC offset. */
function wall(zone: string, slots: readonly Date[]): string[] {
  return slots.map((slot) => DateTime.fromJSDate(slot, { zone }).toFormat('yyyy-MM-dd HH:mm ZZ'));
}

function iso(slots: readonly Date[]): string[] {
  return slots.map((slot) => slot.toISOString());
}

const WEEKDAYS_9_1230_17 = ['09:00', '12:30', '17:00'];

describe('nextSlots: ordering and weekdays', () => {
  const london = schedule(LONDON, {
    mon: WEEKDAYS_9_1230_17,
    tue: WEEKDAYS_9_1230_17,
    wed: WEEKDAYS_9_1230_17,
    thu: WEEKDAYS_9_1230_17,
    fri: WEEKDAYS_9_1230_17,
    sat: ['10:00'],
  });

  it('takes the next slots in order, strictly after the given instant', () => {
    const slots = nextSlots(london, at(LONDON, '2026-01-09T12:30'), 5); // a Friday, exactly on a slot
    expect(wall(LONDON, slots)).toEqual([
      '2026-01-09 17:00 +00:00',
      '2026-01-10 10:00 +00:00',
      '2026-01-12 09:00 +00:00',
      '2026-01-12 12:30 +00:00',
      '2026-01-12 17:00 +00:00',
    ]);
  });

  it('uses the weekday on the channel clock, not in UTC', () => {
    // Monday 08:00 in Auckland is still Sunday in UTC.
    const auckland = schedule('Pacific/Auckland', { mon: ['08:00'] });
    const [slot] = nextSlots(auckland, new Date('2026-06-01T00:00:00Z'), 1);
    expect(slot?.toISOString()).toBe('2026-06-07T20:00:00.000Z');
    expect(wall('Pacific/Auckland', slot ? [slot] : [])).toEqual(['2026-06-08 08:00 +12:00']);
  });

  it('crosses midnight and week ends without skipping or repeating', () => {
    const edges = schedule('America/Los_Angeles', { sun: ['23:59'], mon: ['00:00'], sat: ['23:59'] });
    const slots = nextSlots(edges, at('America/Los_Angeles', '2026-07-04T12:00'), 4);
    expect(wall('America/Los_Angeles', slots)).toEqual([
      '2026-07-04 23:59 -07:00',
      '2026-07-05 23:59 -07:00',
      '2026-07-06 00:00 -07:00',
      '2026-07-11 23:59 -07:00',
    ]);
  });

  it('returns nothing for an empty schedule, at once', () => {
    const empty = schedule(NEW_YORK, {});
    expect(nextSlots(empty, new Date('2026-01-01T00:00:00Z'), 10)).toEqual([]);
    expect(slotsBetween(empty, new Date('2026-01-01T00:00:00Z'), new Date('2036-01-01T00:00:00Z'))).toEqual(
      [],
    );
    expect(assignQueueSlots(empty, new Date('2026-01-01T00:00:00Z'), 3, new Set())).toEqual([]);
  });

  it('gives up after a year without a free slot', () => {
    const daily = schedule(LONDON, { mon: ['09:00'] });
    expect(nextSlots(daily, new Date('2026-01-01T00:00:00Z'), 3, () => true)).toEqual([]);
  });

  it('returns nothing when no slots are asked for', () => {
    expect(nextSlots(london, new Date('2026-01-01T00:00:00Z'), 0)).toEqual([]);
  });

  it('computes 10,000 slots of a 3-a-day schedule quickly', () => {
    const everyDay = schedule(LONDON, Object.fromEntries(WEEKDAYS.map((day) => [day, WEEKDAYS_9_1230_17])));
    const started = performance.now();
    const slots = nextSlots(everyDay, new Date('2026-01-01T00:00:00Z'), 10_000);
    const elapsed = performance.now() - started;
    expect(slots).toHaveLength(10_000);
    expect(slots.every((slot, i) => i === 0 || slot.getTime() > (slots[i - 1]?.getTime() ?? 0))).toBe(true);
    expect(wall(LONDON, slots.slice(-1))).toEqual(['2035-02-16 09:00 +00:00']);
    expect(elapsed).toBeLessThan(1_000); // a guard against pathological slowness; typically ~20 ms
  });
});

describe('slotsBetween', () => {
  const hourly = schedule('UTC', { wed: ['09:00', '10:00', '11:00'] });

  it('includes `from` and excludes `to`', () => {
    const slots = slotsBetween(hourly, new Date('2026-01-07T09:00:00Z'), new Date('2026-01-07T11:00:00Z'));
    expect(iso(slots)).toEqual(['2026-01-07T09:00:00.000Z', '2026-01-07T10:00:00.000Z']);
  });

  it('is empty for an empty or reversed range', () => {
    const instant = new Date('2026-01-07T09:00:00Z');
    expect(slotsBetween(hourly, instant, instant)).toEqual([]);
    expect(slotsBetween(hourly, instant, new Date('2026-01-01T00:00:00Z'))).toEqual([]);
  });
});

describe('daylight saving: America/New_York', () => {
  it('moves a slot in the spring-forward gap forward by the gap (2026-03-08, 02:00 → 03:00)', () => {
    const sunday = schedule(NEW_YORK, { sun: ['01:30', '02:30', '04:00'] });
    const slots = slotsBetween(sunday, at(NEW_YORK, '2026-03-08T00:00'), at(NEW_YORK, '2026-03-09T00:00'));
    expect(wall(NEW_YORK, slots)).toEqual([
      '2026-03-08 01:30 -05:00',
      '2026-03-08 03:30 -04:00',
      '2026-03-08 04:00 -04:00',
    ]);
  });

  it('keeps order when a moved slot passes a later one, and merges slots that land together', () => {
    const sunday = schedule(NEW_YORK, { sun: ['02:30', '02:45', '03:15', '03:30'] });
    const slots = slotsBetween(sunday, at(NEW_YORK, '2026-03-08T00:00'), at(NEW_YORK, '2026-03-09T00:00'));
    // 02:30 → 03:30 (the same instant as the 03:30 slot, used once); 02:45 → 03:45, after 03:15.
    expect(wall(NEW_YORK, slots)).toEqual([
      '2026-03-08 03:15 -04:00',
      '2026-03-08 03:30 -04:00',
      '2026-03-08 03:45 -04:00',
    ]);
  });

  it('uses a repeated fall-back time once, at its first occurrence (2026-11-01, 02:00 → 01:00)', () => {
    const sunday = schedule(NEW_YORK, { sun: ['00:30', '01:00', '01:30', '02:00'] });
    const slots = slotsBetween(sunday, at(NEW_YORK, '2026-11-01T00:00'), at(NEW_YORK, '2026-11-02T00:00'));
    expect(iso(slots)).toEqual([
      '2026-11-01T04:30:00.000Z', // 00:30 EDT
      '2026-11-01T05:00:00.000Z', // 01:00 EDT, not 01:00 EST
      '2026-11-01T05:30:00.000Z', // 01:30 EDT, not 01:30 EST
      '2026-11-01T07:00:00.000Z', // 02:00 EST
    ]);
  });

  it('does not offer the second occurrence to a search that starts inside the repeated hour', () => {
    const sunday = schedule(NEW_YORK, { sun: ['01:30'] });
    const [slot] = nextSlots(sunday, new Date('2026-11-01T05:45:00Z'), 1); // 01:45 EDT
    expect(slot?.toISOString()).toBe('2026-11-08T06:30:00.000Z'); // next Sunday, 01:30 EST
  });
});

describe('daylight saving: Europe/London', () => {
  it('moves 01:30 on 2026-03-29 (01:00 GMT → 02:00 BST) to 02:30 BST', () => {
    const sunday = schedule(LONDON, { sun: ['00:59', '01:00', '01:30', '02:00'] });
    const slots = slotsBetween(sunday, at(LONDON, '2026-03-29T00:00'), at(LONDON, '2026-03-30T00:00'));
    // 01:00 → 02:00 BST, the same instant as the 02:00 slot, so it appears once.
    expect(wall(LONDON, slots)).toEqual([
      '2026-03-29 00:59 +00:00',
      '2026-03-29 02:00 +01:00',
      '2026-03-29 02:30 +01:00',
    ]);
  });

  it('uses 01:30 on 2026-10-25 (02:00 BST → 01:00 GMT) once, in BST', () => {
    const sunday = schedule(LONDON, { sun: ['01:30', '02:00'] });
    const slots = slotsBetween(sunday, at(LONDON, '2026-10-25T00:00'), at(LONDON, '2026-10-26T00:00'));
    expect(iso(slots)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T02:00:00.000Z']);
  });
});

describe('daylight saving: Australia/Lord_Howe (30-minute shifts)', () => {
  it('uses 01:30–01:59 on 2026-04-05 (02:00 → 01:30) once, at +11:00', () => {
    const sunday = schedule(LORD_HOWE, { sun: ['01:29', '01:30', '01:45', '02:00'] });
    const slots = slotsBetween(sunday, at(LORD_HOWE, '2026-04-05T00:00'), at(LORD_HOWE, '2026-04-06T00:00'));
    expect(wall(LORD_HOWE, slots)).toEqual([
      '2026-04-05 01:29 +11:00',
      '2026-04-05 01:30 +11:00',
      '2026-04-05 01:45 +11:00',
      '2026-04-05 02:00 +10:30',
    ]);
    expect(iso(slots.slice(1, 2))).toEqual(['2026-04-04T14:30:00.000Z']);
  });

  it('moves 02:15 on 2026-10-04 (02:00 → 02:30) forward by 30 minutes', () => {
    const sunday = schedule(LORD_HOWE, { sun: ['01:59', '02:00', '02:15', '02:30'] });
    const slots = slotsBetween(sunday, at(LORD_HOWE, '2026-10-04T00:00'), at(LORD_HOWE, '2026-10-05T00:00'));
    // 02:00 → 02:30 (shared with the 02:30 slot), 02:15 → 02:45.
    expect(wall(LORD_HOWE, slots)).toEqual([
      '2026-10-04 01:59 +10:30',
      '2026-10-04 02:30 +11:00',
      '2026-10-04 02:45 +11:00',
    ]);
  });
});

describe('a skipped calendar day (Pacific/Apia, 2011-12-30)', () => {
  it('moves the missing day’s slots forward 24 hours, merging with the next day’s', () => {
    const apia = schedule('Pacific/Apia', { thu: ['09:00'], fri: ['09:00'], sat: ['09:00', '10:00'] });
    const slots = slotsBetween(apia, new Date('2011-12-29T00:00:00Z'), new Date('2012-01-01T00:00:00Z'));
    expect(wall('Pacific/Apia', slots)).toEqual([
      '2011-12-29 09:00 -10:00',
      '2011-12-31 09:00 +14:00',
      '2011-12-31 10:00 +14:00',
    ]);
  });
});

describe('assignQueueSlots', () => {
  const weekdays = schedule(NEW_YORK, { mon: ['09:00', '17:00'], tue: ['09:00', '17:00'] });
  const now = at(NEW_YORK, '2026-05-04T08:00'); // Monday

  it('gives queued posts the next free slots, skipping slots held by custom-scheduled posts', () => {
    const custom = new Set([
      at(NEW_YORK, '2026-05-04T17:00').getTime(),
      at(NEW_YORK, '2026-05-05T10:00').getTime(),
    ]);
    expect(wall(NEW_YORK, assignQueueSlots(weekdays, now, 3, custom))).toEqual([
      '2026-05-04 09:00 -04:00',
      '2026-05-05 09:00 -04:00', // the custom post at 10:00 blocks nothing: no slot there
      '2026-05-05 17:00 -04:00',
    ]);
  });

  it('re-times the queue when the schedule changes', () => {
    const before = assignQueueSlots(weekdays, now, 2, new Set());
    const edited = schedule(NEW_YORK, { mon: ['12:00'], wed: ['08:00'] });
    const after = assignQueueSlots(edited, now, 2, new Set());
    expect(wall(NEW_YORK, before)).toEqual(['2026-05-04 09:00 -04:00', '2026-05-04 17:00 -04:00']);
    expect(wall(NEW_YORK, after)).toEqual(['2026-05-04 12:00 -04:00', '2026-05-06 08:00 -04:00']);
  });

  it('after a pause, resumes from the resume time rather than back-filling missed slots', () => {
    const resumedAt = at(NEW_YORK, '2026-05-05T12:00');
    expect(wall(NEW_YORK, assignQueueSlots(weekdays, resumedAt, 2, new Set()))).toEqual([
      '2026-05-05 17:00 -04:00',
      '2026-05-11 09:00 -04:00',
    ]);
  });
});

describe('localTimeToInstant', () => {
  it('applies the same gap and overlap rules as slots', () => {
    const gap = localTimeToInstant(NEW_YORK, { year: 2026, month: 3, day: 8, hour: 2, minute: 30 });
    const overlap = localTimeToInstant(NEW_YORK, { year: 2026, month: 11, day: 1, hour: 1, minute: 30 });
    const plain = localTimeToInstant(LORD_HOWE, { year: 2026, month: 7, day: 1, hour: 9, minute: 0 });
    expect(iso([gap, overlap, plain])).toEqual([
      '2026-03-08T07:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-06-30T22:30:00.000Z',
    ]);
  });
});

describe('properties', () => {
  const ZONES = [NEW_YORK, LONDON, LORD_HOWE, 'Pacific/Auckland', 'America/Santiago', 'Asia/Kolkata', 'UTC'];
  const timeOfDay = fc
    .integer({ min: 0, max: 1439 })
    .map((m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
  const scheduleArb = fc
    .record({
      timezone: fc.constantFrom(...ZONES),
      days: fc.record(
        Object.fromEntries(WEEKDAYS.map((day) => [day, fc.array(timeOfDay, { maxLength: 4 })])),
      ),
    })
    .map((input) => parsePostingSchedule(input));
  const afterArb = fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z') });

  /** Local wall time (as UTC ms) of an instant. */
  function wallMs(zone: IANAZone, instant: number): number {
    return instant + zone.offset(instant) * 60_000;
  }

  function scheduled(s: PostingSchedule, wallTime: number): boolean {
    const d = new Date(wallTime);
    const day = WEEKDAYS[(d.getUTCDay() + 6) % 7] ?? 'mon';
    const hhmm = d.toISOString().slice(11, 16);
    return s.days[day].includes(hhmm);
  }

  it('slots strictly increase, and each is a scheduled local time or one moved across a DST gap', () => {
    fc.assert(
      fc.property(scheduleArb, afterArb, fc.integer({ min: 1, max: 40 }), (s, after, count) => {
        const zone = IANAZone.create(s.timezone);
        const slots = nextSlots(s, after, count);
        let previous = after.getTime();
        for (const slot of slots) {
          const instant = slot.getTime();
          expect(instant).toBeGreaterThan(previous);
          previous = instant;
          const local = wallMs(zone, instant);
          const shift = zone.offset(instant) - zone.offset(instant - 26 * 3_600_000); // > 0 after a gap
          if (scheduled(s, local)) {
            // A repeated time must be its first occurrence.
            if (shift < 0) {
              const earlier = instant + shift * 60_000;
              expect(wallMs(zone, earlier)).not.toBe(local);
            }
          } else {
            expect(shift).toBeGreaterThan(0);
            const intended = local - shift * 60_000;
            expect(scheduled(s, intended)).toBe(true);
            // …and that intended wall time really does not exist in the zone.
            for (const offset of [zone.offset(instant - 26 * 3_600_000), zone.offset(instant)]) {
              expect(wallMs(zone, intended - offset * 60_000)).not.toBe(intended);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('nextSlots and slotsBetween agree', () => {
    fc.assert(
      fc.property(scheduleArb, afterArb, fc.integer({ min: 1, max: 30 }), (s, after, count) => {
        const slots = nextSlots(s, after, count);
        const last = slots[slots.length - 1];
        if (!last) return;
        const between = slotsBetween(s, new Date(after.getTime() + 1), new Date(last.getTime() + 1));
        expect(iso(between)).toEqual(iso(slots));
      }),
      { numRuns: 200 },
    );
  });

  it('a week without DST changes has exactly the scheduled number of slots', () => {
    fc.assert(
      fc.property(scheduleArb, (s) => {
        const weekStart = at(s.timezone, '2026-01-12T00:00'); // no zone in the list changes offset that week
        const slots = slotsBetween(s, weekStart, new Date(weekStart.getTime() + 7 * 86_400_000));
        const expected = WEEKDAYS.reduce((sum, day) => sum + s.days[day].length, 0);
        expect(slots).toHaveLength(expected);
      }),
      { numRuns: 100 },
    );
  });
});
