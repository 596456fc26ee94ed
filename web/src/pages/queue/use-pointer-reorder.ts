import { type PointerEvent as ReactPointerEvent, useCallback, useRef, useState } from 'react';

/**
 * Drag to reorder with the pointer (mouse, pen, touch), without a library: the item's handle
 * captures the pointer; while it moves, the list shows where the item would land (`preview`),
 * computed against the rows' positions measured once when the drag starts, so each move costs a
 * binary search, not a layout.
 */
export interface PointerReorder {
  draggingId: string | null;
  /** The order to show while dragging (the dragged item at its would-be place). */
  preview: string[] | null;
  handleProps(id: string): {
    onPointerDown(event: ReactPointerEvent<HTMLElement>): void;
  };
}

export function usePointerReorder(
  ids: string[],
  container: React.RefObject<HTMLElement | null>,
  onDrop: (id: string, toIndex: number) => void,
): PointerReorder {
  const [draggingId, setDraggingId] = useState<string | null>(null);
  const [preview, setPreview] = useState<string[] | null>(null);
  const state = useRef<{ id: string; mids: number[]; from: number; to: number } | null>(null);

  const handleProps = useCallback(
    (id: string) => ({
      onPointerDown(event: ReactPointerEvent<HTMLElement>) {
        if (event.button !== 0) return;
        const rows = container.current?.querySelectorAll<HTMLElement>('[data-reorder-id]');
        if (!rows) return;
        event.preventDefault();
        const mids = Array.from(rows, (row) => {
          const rect = row.getBoundingClientRect();
          return rect.top + window.scrollY + rect.height / 2;
        });
        const from = ids.indexOf(id);
        state.current = { id, mids, from, to: from };
        setDraggingId(id);
        setPreview(ids);
        // Listen on the window, not the handle: React may move the dragged row in the DOM, which
        // would drop a pointer capture held by its handle.
        const pointerId = event.pointerId;

        const move = (moveEvent: PointerEvent) => {
          if (moveEvent.pointerId !== pointerId) return;
          const current = state.current;
          if (!current) return;
          const y = moveEvent.clientY + window.scrollY;
          // Binary search: the first row whose middle is below the pointer.
          let low = 0;
          let high = current.mids.length;
          while (low < high) {
            const mid = (low + high) >> 1;
            if ((current.mids[mid] ?? 0) < y) low = mid + 1;
            else high = mid;
          }
          const to = Math.max(0, Math.min(ids.length - 1, low > current.from ? low - 1 : low));
          if (to === current.to) return;
          current.to = to;
          const order = ids.filter((x) => x !== current.id);
          order.splice(to, 0, current.id);
          setPreview(order);
        };
        const end = (endEvent: PointerEvent) => {
          if (endEvent.pointerId !== pointerId) return;
          window.removeEventListener('pointermove', move);
          window.removeEventListener('pointerup', end);
          window.removeEventListener('pointercancel', end);
          const current = state.current;
          state.current = null;
          setDraggingId(null);
          setPreview(null);
          if (current && current.to !== current.from) onDrop(current.id, current.to);
        };
        window.addEventListener('pointermove', move);
        window.addEventListener('pointerup', end);
        window.addEventListener('pointercancel', end);
      },
    }),
    [ids, container, onDrop],
  );

  return { draggingId, preview, handleProps };
}
