import { type PointerEvent as ReactPointerEvent, type RefObject, useCallback, useRef } from 'react';
import { formatLocalSlot } from './calendar-dates.ts';

/** A place on the week grid: a channel-local date and the half hour it starts at. */
export interface SlotPlace {
  day: string;
  time: string;
}

interface DragState<Item> {
  item: Item;
  x: number;
  y: number;
  moved: boolean;
  over: HTMLElement | null;
  source: HTMLElement;
}

const EDGE_PX = 40;
const SCROLL_STEP_PX = 18;

/**
 * Dragging a post onto a half-hour cell of the week grid with the pointer (mouse, pen, touch).
 * Feedback costs no React render: the cell under the pointer gets a class, and a label next to the
 * pointer says where the post would land. Near the top or bottom of the scrolling grid, the grid
 * scrolls so any hour can be reached. The drop calls `onDrop` once.
 */
export function useSlotDrag<Item>({
  scroller,
  label,
  canMove,
  onDrop,
}: {
  scroller: RefObject<HTMLElement | null>;
  label: RefObject<HTMLElement | null>;
  canMove(item: Item): boolean;
  onDrop(item: Item, place: SlotPlace): void;
}) {
  const latest = useRef({ canMove, onDrop });
  latest.current = { canMove, onDrop };
  const drag = useRef<DragState<Item> | null>(null);
  // A click right after a drag is the drop, not a request to open the post.
  const justDragged = useRef(false);

  const showLabel = useCallback(
    (text: string | null, x = 0, y = 0) => {
      const element = label.current;
      if (!element) return;
      element.hidden = text === null;
      if (text === null) return;
      element.textContent = text;
      // Beside the pointer, on its left near the right edge so the label stays on screen.
      const width = element.offsetWidth;
      element.style.left = `${x + 14 + width > window.innerWidth ? Math.max(0, x - 14 - width) : x + 14}px`;
      element.style.top = `${y + 14}px`;
    },
    [label],
  );

  const onPointerDown = useCallback((event: ReactPointerEvent<HTMLElement>, item: Item) => {
    if (event.button !== 0) return;
    const source = event.currentTarget;
    drag.current = { item, x: event.clientX, y: event.clientY, moved: false, over: null, source };
    source.setPointerCapture(event.pointerId);
  }, []);

  const onPointerMove = useCallback(
    (event: ReactPointerEvent<HTMLElement>) => {
      const current = drag.current;
      if (!current || !latest.current.canMove(current.item)) return;
      if (!current.moved && Math.hypot(event.clientX - current.x, event.clientY - current.y) < 5) return;
      if (!current.moved) {
        current.moved = true;
        current.source.classList.add('dragging');
      }
      const area = scroller.current?.getBoundingClientRect();
      if (area && scroller.current) {
        if (event.clientY < area.top + EDGE_PX) scroller.current.scrollTop -= SCROLL_STEP_PX;
        else if (event.clientY > area.bottom - EDGE_PX) scroller.current.scrollTop += SCROLL_STEP_PX;
      }
      const cell =
        (document.elementFromPoint(event.clientX, event.clientY) as HTMLElement | null)?.closest<HTMLElement>(
          '[data-time][data-day]',
        ) ?? null;
      if (cell !== current.over) {
        current.over?.classList.remove('drop-target');
        cell?.classList.add('drop-target');
        current.over = cell;
      }
      const { day, time } = cell?.dataset ?? {};
      showLabel(day && time ? `Move to ${formatLocalSlot(day, time)}` : null, event.clientX, event.clientY);
    },
    [scroller, showLabel],
  );

  const end = useCallback(
    (drop: boolean) => {
      const current = drag.current;
      drag.current = null;
      if (!current) return;
      current.source.classList.remove('dragging');
      current.over?.classList.remove('drop-target');
      showLabel(null);
      if (!current.moved) return;
      justDragged.current = true;
      setTimeout(() => {
        justDragged.current = false;
      }, 0);
      const { day, time } = current.over?.dataset ?? {};
      if (drop && day && time) latest.current.onDrop(current.item, { day, time });
    },
    [showLabel],
  );
  const onPointerUp = useCallback(() => end(true), [end]);
  // The browser took the pointer (a touch became a scroll): nothing moves.
  const onPointerCancel = useCallback(() => end(false), [end]);

  /** True during the click that ends a drag. */
  const wasDrag = useCallback(() => justDragged.current, []);
  return { handlers: { onPointerDown, onPointerMove, onPointerUp, onPointerCancel }, wasDrag };
}
