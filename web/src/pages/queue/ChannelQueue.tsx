import { useCallback, useMemo, useRef, useState } from 'react';
import { allPages, api } from '../../api/client.ts';
import type { Channel, Post, Target } from '../../api/types.ts';
import { navigate } from '../../app/router.ts';
import { useLiveEvents } from '../../live/events.ts';
import { FormError, useSubmission } from '../../ui/forms.tsx';
import { useResource } from '../../ui/use-resource.ts';
import { emptySlots } from './empty-slots.ts';
import { PostCard } from './PostCard.tsx';
import { type QueueActions, QueueList } from './QueueList.tsx';

/** One channel's upcoming posts, reorderable, with what left the queue while the page was open. */
export function ChannelQueue({
  orgId,
  channel,
  canPublish,
  onReturned,
}: {
  orgId: string;
  channel: Channel;
  canPublish: boolean;
  /** A post that was being published came back to the queue (e.g. the channel lost its access). */
  onReturned?: () => void;
}) {
  const queue = useResource(
    // The first page shows as soon as it arrives; the rest of a long queue follows.
    (signal) =>
      allPages<Target>(`/api/orgs/${orgId}/channels/${channel.id}/queue`, 5000, signal, (items) => {
        // The first page at once; re-rendering for every page would only delay the rest.
        if (items.length <= 100 && !queue.data) queue.set(() => items);
      }),
    [orgId, channel.id],
  );
  const submission = useSubmission();

  // Posts that left the queue while this page was open (publishing, published, failed), newest first.
  const [recent, setRecent] = useState<Target[]>([]);

  // Posts seen leaving the queue: one that comes back (it waits for a retry or a reconnect) tells
  // the page the channel may have changed.
  const left = useRef(new Set<string>());
  const returned = (targetId: string) => {
    setRecent((current) => current.filter((t) => t.id !== targetId));
    if (left.current.delete(targetId)) onReturned?.();
    void queue.reload();
  };

  // The newest event seen per post: details fetched for an older one must not undo a newer one
  // (they can answer after the post already went back to the queue).
  const eventCount = useRef(0);
  const newestEvent = useRef(new Map<string, number>());

  // Live: a post of this channel changed status; show it at once, then fetch its final details.
  useLiveEvents(orgId, (event) => {
    if (event.channel !== channel.id) return;
    const seen = ++eventCount.current;
    newestEvent.current.set(event.target, seen);
    if (event.status === 'queued' || event.status === 'scheduled') {
      if (left.current.has(event.target)) returned(event.target);
      else if (!queue.data?.some((t) => t.id === event.target)) void queue.reload();
      return;
    }
    left.current.add(event.target);
    const leaving = queue.data?.find((t) => t.id === event.target);
    queue.set((items) => items?.filter((t) => t.id !== event.target));
    setRecent((current) => {
      const known = current.find((t) => t.id === event.target) ?? leaving;
      if (!known) return current;
      return [{ ...known, status: event.status }, ...current.filter((t) => t.id !== event.target)];
    });
    void api<Post>(`/api/orgs/${orgId}/posts/${event.post}`).then(
      (post) => {
        const fresh = post.targets.find((t) => t.id === event.target);
        if (!fresh || newestEvent.current.get(fresh.id) !== seen) return;
        // Its details may arrive after it already went back to the queue.
        if (fresh.status === 'queued' || fresh.status === 'scheduled') returned(fresh.id);
        else setRecent((current) => [fresh, ...current.filter((t) => t.id !== fresh.id)]);
      },
      () => undefined,
    );
  });

  // A reload answered just before a post was claimed must not bring it back into the queue.
  const upcoming = useMemo(() => {
    const left = new Set(recent.map((t) => t.id));
    return (queue.data ?? []).filter((t) => !left.has(t.id));
  }, [queue.data, recent]);

  const gaps = useMemo(
    () =>
      channel.paused
        ? []
        : emptySlots(
            channel.schedule,
            channel.timezone,
            upcoming.map((t) => t.dueAt),
            Date.now(),
          ),
    [channel.paused, channel.schedule, channel.timezone, upcoming],
  );

  const base = `/api/orgs/${orgId}`;
  const act = useCallback(
    (work: () => Promise<unknown>) =>
      submission.run(async () => {
        await work();
        await queue.reload();
      }),
    [submission, queue],
  );
  const actions = useMemo<QueueActions>(
    () => ({
      move(target, index) {
        // Show the new order at once; the server re-times the queue and the reload shows the slots.
        queue.set((items) => {
          if (!items) return items;
          const queued = items.filter((t) => t.status === 'queued' && t.id !== target.id);
          queued.splice(index, 0, target);
          let next = 0;
          return items.map((t) => (t.status === 'queued' ? queued[next++]! : t));
        });
        void act(() =>
          api(`${base}/channels/${channel.id}/queue/reorder`, { body: { targetId: target.id, index } }),
        );
      },
      shareNow: (target) =>
        void act(() =>
          api(`${base}/posts/${target.postId}/targets/${target.id}`, {
            method: 'PATCH',
            body: { schedule: { mode: 'now' } },
          }),
        ),
      shareNext: (target) =>
        void act(() =>
          api(`${base}/posts/${target.postId}/targets/${target.id}`, {
            method: 'PATCH',
            body: { schedule: { mode: 'next' } },
          }),
        ),
      edit: (target) => navigate(`/compose?post=${target.postId}`),
      remove(target) {
        if (!window.confirm('Delete this post from this channel?')) return;
        void act(() => api(`${base}/posts/${target.postId}/targets/${target.id}`, { method: 'DELETE' }));
      },
    }),
    [queue, act, base, channel.id],
  );

  return (
    <div>
      <FormError message={submission.formError ?? (Object.values(submission.fieldErrors)[0] || null)} />
      {queue.error ? <p className="form-error">{queue.error}</p> : null}
      {recent.length > 0 ? (
        <section aria-label="Just now" className="recent">
          <h2 className="sr-only">Just now</h2>
          <ol className="queue-list">
            {recent.map((target) => (
              <li key={target.id} data-target-id={target.id}>
                <PostCard target={target} timeZone={channel.timezone} orgId={orgId} />
              </li>
            ))}
          </ol>
        </section>
      ) : null}
      {queue.data ? (
        <QueueList
          items={upcoming}
          emptySlots={queue.loading ? [] : gaps}
          timeZone={channel.timezone}
          orgId={orgId}
          canReorder={canPublish}
          actions={actions}
        />
      ) : (
        <p className="muted">Loading the queue…</p>
      )}
    </div>
  );
}
