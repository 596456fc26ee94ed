import { describe, expect, it } from 'vitest';
import { SpoolError } from '../errors.ts';
import { isEmptySchedule, minutesOfDay, parsePostingSchedule, safeParsePostingSchedule } from './schedule.ts';

describe('minutesOfDay', () => {
  it('reads 24-hour HH:MM', () => {
    expect(minutesOfDay('00:00')).toBe(0);
    expect(minutesOfDay('09:30')).toBe(570);
    expect(minutesOfDay('23:59')).toBe(1439);
  });

  it.each(['24:00', '9:30', '09:60', '09:5', '0930', ' 09:30', '09:30 ', '9am', ''])('rejects %j', (text) => {
    expect(minutesOfDay(text)).toBeUndefined();
  });
});

describe('parsePostingSchedule', () => {
  it('sorts and de-duplicates times and fills in missing days', () => {
    const schedule = parsePostingSchedule({
      timezone: 'Europe/London',
      days: { mon: ['17:00', '09:00', '12:30', '09:00'], sat: ['10:00'] },
    });
    expect(schedule).toEqual({
      timezone: 'Europe/London',
      days: { mon: ['09:00', '12:30', '17:00'], tue: [], wed: [], thu: [], fri: [], sat: ['10:00'], sun: [] },
    });
  });

  it('accepts an empty schedule, which has no slots', () => {
    const schedule = parsePostingSchedule({ timezone: 'UTC', days: {} });
    expect(isEmptySchedule(schedule)).toBe(true);
  });

  it('keeps the IANA spelling of a zone typed in another case', () => {
    expect(parsePostingSchedule({ timezone: 'america/new_york', days: {} }).timezone).toBe(
      'America/New_York',
    );
    expect(parsePostingSchedule({ timezone: 'EUROPE/LONDON', days: {} }).timezone).toBe('Europe/London');
    expect(parsePostingSchedule({ timezone: 'Australia/Lord_Howe', days: {} }).timezone).toBe(
      'Australia/Lord_Howe',
    );
  });

  it('rejects a zone that is not in the IANA database', () => {
    const result = safeParsePostingSchedule({ timezone: 'Mars/Olympus_Mons', days: {} });
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          path: 'timezone',
          message:
            'Time zone: "Mars/Olympus_Mons" is not a known IANA time zone; use a name such as "Europe/London" or "America/New_York".',
        },
      ],
    });
  });

  it('names the weekday and position of every bad time', () => {
    const result = safeParsePostingSchedule({
      timezone: 'America/New_York',
      days: { mon: ['09:00', '25:00'], fri: ['9am'] },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      {
        path: 'days.mon[1]',
        message:
          'Monday, time 2: "25:00" is not a time of day; use 24-hour HH:MM, such as "09:30" or "17:05".',
      },
      {
        path: 'days.fri[0]',
        message: 'Friday, time 1: "9am" is not a time of day; use 24-hour HH:MM, such as "09:30" or "17:05".',
      },
    ]);
  });

  it('rejects unknown day names and wrong shapes', () => {
    const result = safeParsePostingSchedule({
      timezone: 42,
      days: { monday: ['09:00'], tue: '09:00', wed: [930] },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.problems.map((problem) => problem.message);
    expect(messages).toContain('Time zone: give an IANA time zone name, such as "Europe/London".');
    expect(messages).toContain(
      'Unknown day "monday" in the schedule; use mon, tue, wed, thu, fri, sat, sun.',
    );
    expect(messages).toContain('Tuesday: give a list of times in HH:MM form, such as ["09:00", "12:30"].');
    expect(messages).toContain('Wednesday, time 1: give the time as text in HH:MM form, such as "09:30".');
  });

  it('throws a coded SpoolError listing every problem', () => {
    let caught: unknown;
    try {
      parsePostingSchedule({ timezone: 'Nowhere/Special', days: { sun: ['7:00'] } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SpoolError);
    const error = caught as SpoolError;
    expect(error.code).toBe('schedule.invalid');
    expect(error.kind).toBe('invalid');
    expect(error.message).toContain('"Nowhere/Special" is not a known IANA time zone');
    expect(error.message).toContain('Sunday, time 1: "7:00" is not a time of day');
    expect(error.details?.problems).toHaveLength(2);
  });
});
