import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import type { Channel, ProfileGroup, Target } from '../../api/types.ts';
import { linkHandler, navigate } from '../../app/router.ts';
import { useLiveEvents } from '../../live/events.ts';
import { FormError, useSubmission } from '../../ui/forms.tsx';
import { channelName } from '../../ui/networks.ts';
import { useResource } from '../../ui/use-resource.ts';
import { ChannelTag } from './ChannelTag.tsx';
import { PostCard } from './PostCard.tsx';
import { channelQueuePath } from './QueueNav.tsx';
import './group-queue.css';

/** A post of the group's merged queue, with the channel it goes out on (GET …/groups/:id/queue). */
interface GroupQueueItem extends Target {
  channel: {
    id: string;
    network: string;
    handle: string;
    displayName: string;
    avatarUrl: string | null;
    timezone: string;
    paused: boolean;
  };
}

const PAGE_SIZE = 100;

/** Pages of the merged queue until `max` posts; `more` says whether the server has others. */
async function loadGroupQueue(path: string, max: number, signal: AbortSignal) {
  const items: GroupQueueItem[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page: { items: GroupQueueItem[]; nextCursor: string | null } = await api(`${path}${query}`, {
      signal,
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return { items, more: cursor !== null };
}

/**
 * The upcoming posts of every channel in a profile group, merged in the order they go out. Posts
 * can be shared now, edited or deleted here; reordering stays in each channel's own queue, since a
 * queue's order only means something within one channel's posting times.
 */
export function GroupQueue({
  orgId,
  group,
  channels,
}: {
  orgId: string;
  group: ProfileGroup;
  channels: Channel[];
}) {
  const members = useMemo(
    () => channels.filter((channel) => group.channelIds.includes(channel.id)),
    [channels, group.channelIds],
  );
  const [max, setMax] = useState(PAGE_SIZE);
  const path = `/api/orgs/${orgId}/groups/${group.id}/queue`;
  const queue = useResource((signal) => loadGroupQueue(path, max, signal), [path, max]);
  const submission = useSubmission();

  // A burst of changes (a channel's queue re-timed) reloads once; a post that leaves the queue
  // (publishing, published, failed) disappears at once.
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(reloadTimer.current), []);
  useLiveEvents(orgId, (event) => {
    if (!group.channelIds.includes(event.channel)) return;
    if (event.status !== 'queued' && event.status !== 'scheduled') {
      queue.set(
        (current) => current && { ...current, items: current.items.filter((t) => t.id !== event.target) },
      );
    }
    clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => void queue.reload(), 400);
  });

  const act = (work: () => Promise<unknown>) =>
    void submission.run(async () => {
      await work();
      await queue.reload();
    });
  const targetPath = (target: Target) => `/api/orgs/${orgId}/posts/${target.postId}/targets/${target.id}`;
  const schedule = (target: Target, mode: 'now' | 'next') =>
    act(() => api(targetPath(target), { method: 'PATCH', body: { schedule: { mode } } }));
  const remove = (target: GroupQueueItem) => {
    if (!window.confirm(`Delete this post from ${channelName(target.channel)}?`)) return;
    act(() => api(targetPath(target), { method: 'DELETE' }));
  };

  const paused = members.filter((channel) => channel.paused);
  const mixedZones = new Set(members.map((channel) => channel.timezone)).size > 1;
  const items = queue.data?.items;

  return (
    <section className="queue-main" aria-labelledby="queue-heading">
      <div className="page-head">
        <div>
          <h1 id="queue-heading">{group.name}</h1>
          <p className="muted group-queue-sub">
            Group of {members.length} {members.length === 1 ? 'channel' : 'channels'}: their upcoming posts,
            merged in the order they go out.
          </p>
        </div>
        <a className="button primary" href="/compose" onClick={linkHandler('/compose')}>
          New post
        </a>
      </div>
      <div className="notice group-queue-note" role="note">
        <span>
          <strong>Reordering is per channel,</strong> so posts cannot be dragged here. To change the order,
          open a channel's queue:
        </span>
        <span className="group-queue-links">
          {members.map((channel) => (
            <a
              key={channel.id}
              href={channelQueuePath(channel.id)}
              onClick={linkHandler(channelQueuePath(channel.id))}
            >
              {channelName(channel)}
            </a>
          ))}
        </span>
      </div>
      {paused.length > 0 ? (
        <p className="notice warn" role="status">
          Paused: {paused.map(channelName).join(', ')}. Their posts below are not published until their queue
          is resumed (open the channel's queue to resume it).
        </p>
      ) : null}
      <FormError message={submission.formError ?? (Object.values(submission.fieldErrors)[0] || null)} />
      {queue.error ? <p className="form-error">{queue.error}</p> : null}
      {!items ? (
        <p className="muted">Loading the queue…</p>
      ) : items.length === 0 ? (
        <p className="empty">
          {members.length === 0
            ? 'This group has no channels yet: add some to it on the Channels page.'
            : 'Nothing queued on the channels of this group.'}
        </p>
      ) : (
        <ol className="queue-list group-queue-list" aria-label={`Queue of ${group.name}`}>
          {items.map((target) => (
            <li key={target.id} data-target-id={target.id} data-channel-id={target.channel.id}>
              <PostCard
                target={target}
                timeZone={target.channel.timezone}
                orgId={orgId}
                channelTag={
                  <>
                    <ChannelTag channel={target.channel} />
                    {mixedZones ? (
                      <span className="group-queue-zone">({target.channel.timezone})</span>
                    ) : null}
                    {target.channel.paused ? <span className="badge warn">Channel paused</span> : null}
                  </>
                }
                actions={
                  <>
                    <button type="button" className="small" onClick={() => schedule(target, 'now')}>
                      Share now
                    </button>
                    <button type="button" className="small" onClick={() => schedule(target, 'next')}>
                      Share next
                    </button>
                    <button
                      type="button"
                      className="small"
                      onClick={() => navigate(`/compose?post=${target.postId}`)}
                    >
                      Edit
                    </button>
                    <button type="button" className="small ghost danger" onClick={() => remove(target)}>
                      Delete
                    </button>
                  </>
                }
              />
            </li>
          ))}
        </ol>
      )}
      {queue.data?.more ? (
        <button
          type="button"
          className="group-queue-more"
          disabled={queue.loading}
          onClick={() => setMax((n) => n + PAGE_SIZE)}
        >
          {queue.loading ? 'Loading…' : 'Show more posts'}
        </button>
      ) : null}
    </section>
  );
}
