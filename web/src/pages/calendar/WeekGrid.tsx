import { type KeyboardEvent, memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import {
  formatLocalSlot,
  isoDay,
  SLOT_MINUTES,
  SLOTS_PER_DAY,
  shiftLocal,
  slotIndex,
  slotTime,
} from './calendar-dates.ts';
import type { CalendarItem } from './MonthGrid.tsx';
import { type SlotPlace, useSlotDrag } from './use-slot-drag.ts';
import './week-grid.css';

const MOVABLE = new Set(['queued', 'scheduled', 'draft', 'awaiting_approval']);
const canMove = (item: CalendarItem) => MOVABLE.has(item.target.status);
const SLOTS = Array.from({ length: SLOTS_PER_DAY }, (_, index) => index);
/** Where the grid opens when the week has no posts: the start of a working day. */
const DEFAULT_FIRST_SLOT = slotIndex('08:00');

/**
 * A week as half-hour rows, in each post's channel time zone (as the month view places posts on
 * days). Drag a post onto another day and time; or focus it and press Alt+↑/↓ to move it 30
 * minutes, Alt+←/→ to move it a day; or open it (Enter) to type an exact time.
 */
export function WeekGrid({
  days,
  byDay,
  onMoveTo,
  onOpen,
}: {
  days: Date[];
  byDay: Map<string, CalendarItem[]>;
  onMoveTo(item: CalendarItem, place: SlotPlace): void;
  onOpen(item: CalendarItem): void;
}) {
  const scroller = useRef<HTMLElement>(null);
  const label = useRef<HTMLDivElement>(null);
  const announcer = useRef<HTMLParagraphElement>(null);
  // After a keyboard move the post re-renders in another cell: focus follows it there (for a few
  // seconds, so a later reload never takes the focus from where the person went since).
  const refocus = useRef<{ id: string; until: number } | null>(null);
  const latest = useRef({ onMoveTo, onOpen });
  latest.current = { onMoveTo, onOpen };

  // Stable, so the memoized cells never call a stale handler.
  const moveTo = useCallback((item: CalendarItem, place: SlotPlace) => {
    if (announcer.current) {
      announcer.current.textContent = `Moving the post to ${formatLocalSlot(place.day, place.time)}.`;
    }
    latest.current.onMoveTo(item, place);
  }, []);
  const drag = useSlotDrag<CalendarItem>({
    scroller,
    label,
    canMove,
    onDrop: (item, place) => {
      // Dropped back on its own half hour: nothing to do.
      if (place.day === item.day && place.time === slotTime(slotIndex(item.time))) return;
      moveTo(item, place);
    },
  });
  const { wasDrag } = drag;
  const onClick = useCallback(
    (item: CalendarItem) => {
      if (!wasDrag()) latest.current.onOpen(item);
    },
    [wasDrag],
  );

  const dayKeys = useMemo(() => days.map(isoDay), [days]);
  // Each day's posts by row, so a cell finds its posts without scanning the week.
  const bySlot = useMemo(() => {
    const map = new Map<string, CalendarItem[]>();
    for (const day of dayKeys) {
      for (const item of byDay.get(day) ?? []) {
        const key = `${day}|${slotIndex(item.time)}`;
        map.set(key, [...(map.get(key) ?? []), item]);
      }
    }
    return map;
  }, [byDay, dayKeys]);

  // Open each week on its first post (or the morning), not at midnight.
  const weekKey = dayKeys[0];
  const firstSlot = useMemo(() => {
    const slots = dayKeys.flatMap((day) => (byDay.get(day) ?? []).map((item) => slotIndex(item.time)));
    return slots.length > 0 ? Math.max(0, Math.min(...slots) - 1) : DEFAULT_FIRST_SLOT;
  }, [byDay, dayKeys]);
  const scrolledWeek = useRef<string | undefined>(undefined);
  useLayoutEffect(() => {
    if (!scroller.current || scrolledWeek.current === weekKey || byDay.size === 0) return;
    scrolledWeek.current = weekKey;
    const row = scroller.current.querySelector<HTMLElement>(`[data-row="${firstSlot}"]`);
    if (row)
      scroller.current.scrollTop =
        row.offsetTop - (scroller.current.querySelector('.week-head')?.clientHeight ?? 0);
  }, [weekKey, firstSlot, byDay.size]);

  useEffect(() => {
    const pending = refocus.current;
    if (!pending || Date.now() > pending.until || document.activeElement !== document.body) return;
    scroller.current?.querySelector<HTMLElement>(`.cal-item[data-target-id="${pending.id}"]`)?.focus();
  });

  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLElement>, item: CalendarItem) => {
      if (!event.altKey || !canMove(item)) return;
      const minutes = {
        ArrowUp: -SLOT_MINUTES,
        ArrowDown: SLOT_MINUTES,
        ArrowLeft: -24 * 60,
        ArrowRight: 24 * 60,
      }[event.key];
      if (minutes === undefined) return;
      event.preventDefault();
      refocus.current = { id: item.target.id, until: Date.now() + 3_000 };
      moveTo(item, shiftLocal(item.day, item.time, minutes));
    },
    [moveTo],
  );

  const today = isoDay(new Date());
  return (
    <div className="week-slots-wrap">
      <section
        className="week-slots"
        ref={scroller}
        aria-label="Week by time of day"
        // The grid scrolls: keyboard users reach it with Tab to scroll it with the arrow keys.
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
        tabIndex={0}
      >
        <div className="week-head" aria-hidden="true">
          <span />
          {days.map((date, index) => (
            <span key={dayKeys[index]} className={dayKeys[index] === today ? 'today' : undefined}>
              <span>{date.toLocaleDateString(undefined, { weekday: 'short' })}</span>{' '}
              <span>{date.getDate()}</span>
            </span>
          ))}
        </div>
        {SLOTS.map((slot) => (
          <div key={slot} className={`week-row${slot % 2 === 0 ? ' hour' : ''}`} data-row={slot}>
            <span className="week-time" aria-hidden="true">
              {slot % 2 === 0 ? slotTime(slot) : ''}
            </span>
            {dayKeys.map((day) => (
              <SlotCell
                key={day}
                day={day}
                slot={slot}
                items={bySlot.get(`${day}|${slot}`)}
                handlers={drag.handlers}
                onKeyDown={onKeyDown}
                onClick={onClick}
              />
            ))}
          </div>
        ))}
      </section>
      <div className="week-drag-label" ref={label} hidden aria-hidden="true" />
      <p className="sr-only" aria-live="polite" ref={announcer} />
    </div>
  );
}

type Handlers = ReturnType<typeof useSlotDrag<CalendarItem>>['handlers'];

const SlotCell = memo(
  function SlotCell({
    day,
    slot,
    items,
    handlers,
    onKeyDown,
    onClick,
  }: {
    day: string;
    slot: number;
    items: CalendarItem[] | undefined;
    handlers: Handlers;
    onKeyDown(event: KeyboardEvent<HTMLElement>, item: CalendarItem): void;
    onClick(item: CalendarItem): void;
  }) {
    const time = slotTime(slot);
    return (
      <div className="week-cell" data-day={day} data-time={time}>
        {items?.map((item) => (
          <button
            key={item.target.id}
            type="button"
            className={`cal-item status-${item.target.status}`}
            data-target-id={item.target.id}
            aria-label={`${formatLocalSlot(item.day, item.time)}${item.channel ? `, @${item.channel.handle.replace(/^@/, '')}` : ''}: ${item.target.text || '(no text)'}${canMove(item) ? '. Alt+arrow keys move it.' : ''}`}
            title={`${item.time} ${item.channel?.handle ?? ''} (${item.channel?.timezone ?? 'UTC'}): ${item.target.text}`}
            onPointerDown={(event) => handlers.onPointerDown(event, item)}
            onPointerMove={handlers.onPointerMove}
            onPointerUp={handlers.onPointerUp}
            onPointerCancel={handlers.onPointerCancel}
            onKeyDown={(event) => onKeyDown(event, item)}
            onClick={() => onClick(item)}
          >
            <span className="week-item-time">{item.time}</span> {item.target.text || '(no text)'}
          </button>
        ))}
      </div>
    );
  },
  // Handlers behave the same from render to render; a cell re-renders only for its posts.
  (a, b) => a.day === b.day && a.slot === b.slot && a.items === b.items,
);
