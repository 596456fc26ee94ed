import { memo, type PointerEvent as ReactPointerEvent, useRef } from 'react';
import type { Channel, Target } from '../../api/types.ts';
import { isoDay } from './calendar-dates.ts';

export interface CalendarItem {
  target: Target;
  channel: Channel | undefined;
  day: string;
  time: string;
}

const MOVABLE = new Set(['queued', 'scheduled', 'draft', 'awaiting_approval']);
const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * The days of a month or week with their posts. Dragging a post (pointer) highlights the day under
 * it by toggling a class on that cell directly, so feedback costs no React render; the drop calls
 * `onMove` once.
 */
export function CalendarGrid({
  days,
  month,
  byDay,
  view,
  onMove,
  onOpen,
}: {
  days: Date[];
  month: number;
  byDay: Map<string, CalendarItem[]>;
  view: 'month' | 'week';
  onMove(item: CalendarItem, day: string): void;
  onOpen(item: CalendarItem): void;
}) {
  const latest = useRef({ onMove, onOpen });
  latest.current = { onMove, onOpen };
  // A click right after a drag is the drop, not a request to open the post.
  const justDragged = useRef(false);
  const drag = useRef<{
    item: CalendarItem;
    x: number;
    y: number;
    moved: boolean;
    over: HTMLElement | null;
    source: HTMLElement;
  } | null>(null);

  const onPointerDown = (event: ReactPointerEvent<HTMLElement>, item: CalendarItem) => {
    if (event.button !== 0) return;
    drag.current = {
      item,
      x: event.clientX,
      y: event.clientY,
      moved: false,
      over: null,
      source: event.currentTarget,
    };
    event.currentTarget.setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: ReactPointerEvent<HTMLElement>) => {
    const current = drag.current;
    if (!current || !MOVABLE.has(current.item.target.status)) return;
    if (!current.moved && Math.hypot(event.clientX - current.x, event.clientY - current.y) < 5) return;
    if (!current.moved) {
      current.moved = true;
      current.source.classList.add('dragging');
    }
    const cell = (
      document.elementFromPoint(event.clientX, event.clientY) as HTMLElement | null
    )?.closest<HTMLElement>('[data-day]');
    if (cell === current.over) return;
    current.over?.classList.remove('drop-target');
    cell?.classList.add('drop-target');
    current.over = cell ?? null;
  };
  const onPointerUp = () => {
    const current = drag.current;
    drag.current = null;
    if (!current) return;
    current.source.classList.remove('dragging');
    current.over?.classList.remove('drop-target');
    if (!current.moved) return;
    justDragged.current = true;
    setTimeout(() => {
      justDragged.current = false;
    }, 0);
    const day = current.over?.dataset.day;
    if (day && day !== current.item.day) latest.current.onMove(current.item, day);
  };
  const onClick = (item: CalendarItem) => {
    if (!justDragged.current) latest.current.onOpen(item);
  };

  const handlers = { onPointerDown, onPointerMove, onPointerUp, onPointerCancel: onPointerUp, onClick };
  return (
    <div className={`calendar-grid ${view === 'week' ? 'week-grid' : ''}`}>
      {WEEKDAY_NAMES.map((name) => (
        <div key={name} className="dow" aria-hidden="true">
          {name}
        </div>
      ))}
      {days.map((date) => {
        const key = isoDay(date);
        return (
          <DayCell
            key={key}
            day={key}
            label={date.getDate()}
            otherMonth={view === 'month' && date.getMonth() !== month}
            items={byDay.get(key)}
            handlers={handlers}
          />
        );
      })}
    </div>
  );
}

type Handlers = {
  onPointerDown(event: ReactPointerEvent<HTMLElement>, item: CalendarItem): void;
  onPointerMove(event: ReactPointerEvent<HTMLElement>): void;
  onPointerUp(): void;
  onPointerCancel(): void;
  onClick(item: CalendarItem): void;
};

const DayCell = memo(
  function DayCell({
    day,
    label,
    otherMonth,
    items,
    handlers,
  }: {
    day: string;
    label: number;
    otherMonth: boolean;
    items: CalendarItem[] | undefined;
    handlers: Handlers;
  }) {
    return (
      <div className={`day${otherMonth ? ' other-month' : ''}`} data-day={day}>
        <span className="day-number">{label}</span>
        {items && items.length > 0 ? (
          <ul className="day-items" aria-label={`Posts on ${day}`}>
            {items.map((item) => (
              <li key={item.target.id}>
                <button
                  type="button"
                  className={`cal-item status-${item.target.status}`}
                  data-target-id={item.target.id}
                  title={`${item.time} ${item.channel?.handle ?? ''}: ${item.target.text}`}
                  onPointerDown={(event) => handlers.onPointerDown(event, item)}
                  onPointerMove={handlers.onPointerMove}
                  onPointerUp={handlers.onPointerUp}
                  onPointerCancel={handlers.onPointerCancel}
                  onClick={() => handlers.onClick(item)}
                >
                  {item.time} {item.target.text || '(no text)'}
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    );
  },
  // Handlers are recreated each render but behave the same; a cell re-renders only for its items.
  (a, b) => a.day === b.day && a.items === b.items && a.otherMonth === b.otherMonth,
);
