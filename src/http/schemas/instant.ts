import { z } from 'zod';

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Years PostgreSQL, JavaScript and ISO 8601 text (four digits) all handle the same way. */
export const FIRST_YEAR = 1;
export const LAST_YEAR = 9999;

/**
 * An instant written with its offset. The date and time must exist as written (no 31 April, no
 * 24:00: they are refused, not rolled over) and fall within years 1–9999 in UTC.
 */
export function parseInstant(value: string): Date | undefined {
  const match = INSTANT.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second = 0] = match
    .slice(1, 7)
    .map((part) => (part === undefined ? undefined : Number(part))) as [
    number,
    number,
    number,
    number,
    number,
    number | undefined,
  ];
  if (!existsAsWritten(year, month, day, hour, minute, second)) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return undefined;
  const utcYear = at.getUTCFullYear();
  return utcYear >= FIRST_YEAR && utcYear <= LAST_YEAR ? at : undefined;
}

export function existsAsWritten(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
) {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const days = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // days in that month of a leap year
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && !leap ? 28 : days);
}

export const instantSchema = z.string().refine((value) => parseInstant(value) !== undefined, {
  message:
    'must be an existing date and time with its offset, between years 1 and 9999, such as 2026-11-02T09:00:00-05:00 or 2026-11-02T14:00:00Z',
});
