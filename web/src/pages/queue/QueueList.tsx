import {
  type KeyboardEvent,
  memo,
  startTransition,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { Target } from '../../api/types.ts';
import { navigate } from '../../app/router.ts';
import { formatDueAt } from '../../ui/format.ts';
import { PostCard } from './PostCard.tsx';
import { usePointerReorder } from './use-pointer-reorder.ts';

const FIRST_ROWS = 60;
const MORE_ROWS = 150;

export interface QueueActions {
  move(target: Target, toQueuedIndex: number): void;
  shareNow(target: Target): void;
  shareNext(target: Target): void;
  edit(target: Target): void;
  remove(target: Target): void;
}

/**
 * A channel's upcoming posts in the order they go out. Queued posts can be dragged by their handle
 * or moved with the keyboard (the ↑/↓ buttons, or Alt+↑/↓ on a focused post); custom-time posts
 * keep their time.
 */
export function QueueList({
  items,
  timeZone,
  orgId,
  canReorder,
  actions,
  emptySlots = [],
}: {
  items: Target[];
  timeZone: string;
  orgId: string;
  canReorder: boolean;
  actions: QueueActions;
  /** Free posting times (epoch ms), shown as gaps between the posts. */
  emptySlots?: readonly number[];
}) {
  const list = useRef<HTMLOListElement>(null);
  const queuedIds = useMemo(() => items.filter((t) => t.status === 'queued').map((t) => t.id), [items]);
  const byId = useMemo(() => new Map(items.map((t) => [t.id, t])), [items]);
  const onDrop = useCallback(
    (id: string, toIndex: number) => {
      const target = byId.get(id);
      if (target) actions.move(target, toIndex);
    },
    [byId, actions],
  );
  const reorder = usePointerReorder(queuedIds, list, onDrop);

  // While dragging, the queued posts show in their would-be order; others keep their place.
  const shown = useMemo(() => {
    if (!reorder.preview) return items;
    const order = reorder.preview.map((id) => byId.get(id)!);
    let next = 0;
    return items.map((t) => (t.status === 'queued' ? order[next++]! : t));
  }, [items, reorder.preview, byId]);

  // A long queue renders its first screenfuls at once and the rest in the background, so the
  // page is usable right away.
  const [rendered, setRendered] = useState(FIRST_ROWS);
  useEffect(() => {
    if (rendered >= shown.length) return;
    const handle = requestAnimationFrame(() => startTransition(() => setRendered((n) => n + MORE_ROWS)));
    return () => cancelAnimationFrame(handle);
  }, [rendered, shown.length]);

  // Where each gap goes: before the first post due after it (positions do not move while dragging).
  const gapsBefore = useMemo(() => {
    const gaps = new Map<number, number[]>();
    for (const slot of emptySlots) {
      let index = items.findIndex((t) => t.dueAt !== null && Date.parse(t.dueAt) > slot);
      if (index < 0) index = items.length;
      gaps.set(index, [...(gaps.get(index) ?? []), slot]);
    }
    return gaps;
  }, [emptySlots, items]);
  const gapRows = (index: number) =>
    (gapsBefore.get(index) ?? []).map((slot) => (
      <li key={`gap-${slot}`} className="empty-slot">
        <span>{formatDueAt(new Date(slot).toISOString(), timeZone)}</span>
        <span className="muted">Empty slot</span>
        <button type="button" className="small" onClick={() => navigate('/compose')}>
          Fill it
        </button>
      </li>
    ));

  if (items.length === 0 && emptySlots.length === 0) {
    return (
      <div className="empty">
        <p>Nothing queued, and no posting times yet: queued posts take this channel's posting times.</p>
        <button type="button" className="small" onClick={() => navigate('/channels')}>
          Set posting times
        </button>
      </div>
    );
  }

  return (
    <ol className="queue-list" ref={list} aria-label="Queue">
      {shown.slice(0, rendered).map((target, index) => {
        const queuedIndex = queuedIds.indexOf(target.id);
        return [
          ...gapRows(index),
          <QueueRow
            key={target.id}
            target={target}
            queuedIndex={queuedIndex}
            queuedCount={queuedIds.length}
            timeZone={timeZone}
            orgId={orgId}
            canReorder={canReorder && target.status === 'queued'}
            dragging={reorder.draggingId === target.id}
            handleProps={reorder.handleProps}
            actions={actions}
          />,
        ];
      })}
      {rendered >= shown.length ? gapRows(items.length) : null}
    </ol>
  );
}

const QueueRow = memo(function QueueRow({
  target,
  queuedIndex,
  queuedCount,
  timeZone,
  orgId,
  canReorder,
  dragging,
  handleProps,
  actions,
}: {
  target: Target;
  queuedIndex: number;
  queuedCount: number;
  timeZone: string;
  orgId: string;
  canReorder: boolean;
  dragging: boolean;
  handleProps: ReturnType<typeof usePointerReorder>['handleProps'];
  actions: QueueActions;
}) {
  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>) => {
    if (!canReorder || !event.altKey) return;
    if (event.key === 'ArrowUp' && queuedIndex > 0) {
      event.preventDefault();
      actions.move(target, queuedIndex - 1);
    } else if (event.key === 'ArrowDown' && queuedIndex < queuedCount - 1) {
      event.preventDefault();
      actions.move(target, queuedIndex + 1);
    }
  };
  const pending = target.status === 'queued' || target.status === 'scheduled';
  return (
    <li
      data-reorder-id={target.status === 'queued' ? target.id : undefined}
      data-target-id={target.id}
      onKeyDown={onKeyDown}
    >
      <PostCard
        target={target}
        timeZone={timeZone}
        orgId={orgId}
        dragging={dragging}
        handle={
          canReorder ? (
            <button
              type="button"
              className="drag-handle"
              aria-label="Drag to reorder (or Alt+↑/↓)"
              title="Drag to reorder"
              {...handleProps(target.id)}
            >
              ⠿
            </button>
          ) : null
        }
        actions={
          pending ? (
            <>
              {canReorder ? (
                <>
                  <button
                    type="button"
                    className="small"
                    disabled={queuedIndex <= 0}
                    onClick={() => actions.move(target, queuedIndex - 1)}
                  >
                    Move up
                  </button>
                  <button
                    type="button"
                    className="small"
                    disabled={queuedIndex >= queuedCount - 1}
                    onClick={() => actions.move(target, queuedIndex + 1)}
                  >
                    Move down
                  </button>
                </>
              ) : null}
              <button type="button" className="small" onClick={() => actions.shareNow(target)}>
                Share now
              </button>
              <button type="button" className="small" onClick={() => actions.shareNext(target)}>
                Share next
              </button>
              <button type="button" className="small" onClick={() => actions.edit(target)}>
                Edit
              </button>
              <button type="button" className="small ghost danger" onClick={() => actions.remove(target)}>
                Delete
              </button>
            </>
          ) : null
        }
      />
    </li>
  );
});
