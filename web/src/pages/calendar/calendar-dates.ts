/** Calendar arithmetic on plain dates (`YYYY-MM-DD`), and where a post falls in its channel's zone. */

export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function addDays(date: Date, days: number): Date {
  const next = new Date(date);
  next.setDate(next.getDate() + days);
  return next;
}

/** Monday of the week containing `date`. */
export function startOfWeek(date: Date): Date {
  const start = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  return addDays(start, -((start.getDay() + 6) % 7));
}

/** The days a view shows: 6 full weeks around the month, or one week. */
export function viewDays(view: 'month' | 'week', anchor: Date): Date[] {
  const first =
    view === 'month'
      ? startOfWeek(new Date(anchor.getFullYear(), anchor.getMonth(), 1))
      : startOfWeek(anchor);
  const count = view === 'month' ? 42 : 7;
  return Array.from({ length: count }, (_, i) => addDays(first, i));
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock date and time of an instant in a time zone: `{ day: '2026-11-02', time: '09:00' }`. */
export function localParts(iso: string, timeZone: string): { day: string; time: string } {
  let format = partsFormatters.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      format = new Intl.DateTimeFormat('en-CA', {
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
    }
    partsFormatters.set(timeZone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(new Date(iso))) parts[part.type] = part.value;
  return { day: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** The week view's rows: half hours of the channel's wall clock. */
export const SLOT_MINUTES = 30;
export const SLOTS_PER_DAY = (24 * 60) / SLOT_MINUTES;

/** The row a wall-clock time (`HH:MM`) falls in. */
export function slotIndex(time: string): number {
  const [hour = 0, minute = 0] = time.split(':').map(Number);
  return Math.min(SLOTS_PER_DAY - 1, Math.floor((hour * 60 + minute) / SLOT_MINUTES));
}

/** The wall-clock time a row starts at: `slotTime(29)` is `'14:30'`. */
export function slotTime(index: number): string {
  const minutes = index * SLOT_MINUTES;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A wall-clock date and time moved by some minutes, as dates on a calendar (no zone involved). */
export function shiftLocal(day: string, time: string, minutes: number): { day: string; time: string } {
  const moved = new Date(Date.parse(`${day}T${time}:00Z`) + minutes * 60_000).toISOString();
  return { day: moved.slice(0, 10), time: moved.slice(11, 16) };
}

const slotLabelFormat = new Intl.DateTimeFormat(undefined, {
  timeZone: 'UTC',
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** "Wed 28 Oct, 14:30": a wall-clock date and time as people read it. */
export function formatLocalSlot(day: string, time: string): string {
  return slotLabelFormat.format(new Date(`${day}T${time}:00Z`));
}
