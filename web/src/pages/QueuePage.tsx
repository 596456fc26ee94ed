import { useCallback, useMemo, useState } from 'react';
import { allPages, api } from '../api/client.ts';
import { useChannels } from '../api/org-data.ts';
import type { Channel, Post, Target } from '../api/types.ts';
import { linkHandler, navigate, useLocation } from '../app/router.ts';
import { useAbilities, useSession } from '../app/session.tsx';
import { useLiveEvents } from '../live/events.ts';
import { FormError, useSubmission } from '../ui/forms.tsx';
import { channelName } from '../ui/networks.ts';
import { useResource } from '../ui/use-resource.ts';
import { emptySlots } from './queue/empty-slots.ts';
import { type OtherTab, OtherTabList } from './queue/OtherTabs.tsx';
import { PostCard } from './queue/PostCard.tsx';
import { type QueueActions, QueueList } from './queue/QueueList.tsx';

type Tab = 'queue' | OtherTab;
const TABS: { id: Tab; label: string }[] = [
  { id: 'queue', label: 'Queue' },
  { id: 'awaiting_approval', label: 'Approvals' },
  { id: 'drafts', label: 'Drafts' },
  { id: 'sent', label: 'Sent' },
  { id: 'failed', label: 'Failed' },
];

/** The queue of one channel, with its approvals, drafts, sent and failed posts. */
export function QueuePage() {
  const { org } = useSession();
  const abilities = useAbilities();
  const channels = useChannels(org.id);
  const { query } = useLocation();
  const channel = channels.data?.find((c) => c.id === query.get('channel')) ?? channels.data?.[0];
  const tab = (TABS.find((t) => t.id === query.get('tab'))?.id ?? 'queue') as Tab;

  if (channels.error) return <p className="form-error">{channels.error}</p>;
  if (!channels.data) return <p className="muted">Loading…</p>;
  if (!channel) {
    return (
      <div className="empty-state">
        <h1>Your queue</h1>
        <p>Connect a channel to start scheduling posts.</p>
        <a className="button primary" href="/channels" onClick={linkHandler('/channels')}>
          Connect a channel
        </a>
      </div>
    );
  }
  const go = (channelId: string, nextTab: Tab) => navigate(`/queue?channel=${channelId}&tab=${nextTab}`);

  return (
    <div className="queue-page">
      <nav className="channel-nav" aria-label="Channels">
        <label htmlFor="queue-channel" className="sr-only">
          Channel
        </label>
        <select
          id="queue-channel"
          className="channel-select"
          value={channel.id}
          onChange={(e) => go(e.target.value, tab)}
        >
          {channels.data.map((c) => (
            <option key={c.id} value={c.id}>
              {channelName(c)}
            </option>
          ))}
        </select>
        <ul>
          {channels.data.map((c) => (
            <li key={c.id}>
              <a
                href={`/queue?channel=${c.id}&tab=${tab}`}
                onClick={linkHandler(`/queue?channel=${c.id}&tab=${tab}`)}
                aria-current={c.id === channel.id ? 'page' : undefined}
              >
                {channelName(c)}
                {c.paused ? <span className="badge warn">paused</span> : null}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <section className="queue-main" aria-labelledby="queue-heading">
        <div className="page-head">
          <h1 id="queue-heading">{channelName(channel)}</h1>
          <a className="button primary" href="/compose" onClick={linkHandler('/compose')}>
            New post
          </a>
        </div>
        {channel.paused ? (
          <PausedBanner
            orgId={org.id}
            channel={channel}
            canResume={abilities.publish}
            onResumed={() => void channels.reload()}
          />
        ) : null}
        <div className="tabs" role="tablist" aria-label="Posts">
          {TABS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              aria-selected={t.id === tab}
              onClick={() => go(channel.id, t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
        <div role="tabpanel">
          {tab === 'queue' ? (
            <ChannelQueue key={channel.id} orgId={org.id} channel={channel} canPublish={abilities.publish} />
          ) : (
            <LiveOtherTab orgId={org.id} channel={channel} tab={tab} canPublish={abilities.publish} />
          )}
        </div>
      </section>
    </div>
  );
}

function PausedBanner({
  orgId,
  channel,
  canResume,
  onResumed,
}: {
  orgId: string;
  channel: Channel;
  canResume: boolean;
  onResumed(): void;
}) {
  const submission = useSubmission();
  return (
    <div className="notice warn" role="status">
      This queue is paused: nothing is published until it is resumed.{' '}
      {canResume ? (
        <button
          type="button"
          className="small"
          onClick={() =>
            void submission
              .run(() => api(`/api/orgs/${orgId}/channels/${channel.id}/resume`, { method: 'POST' }))
              .then(onResumed)
          }
        >
          Resume
        </button>
      ) : null}
      <FormError message={submission.formError} />
    </div>
  );
}

function LiveOtherTab(props: { orgId: string; channel: Channel; tab: OtherTab; canPublish: boolean }) {
  const [version, setVersion] = useState(0);
  useLiveEvents(props.orgId, (event) => {
    if (event.channel === props.channel.id) setVersion((v) => v + 1);
  });
  return <OtherTabList {...props} version={version} />;
}

function ChannelQueue({
  orgId,
  channel,
  canPublish,
}: {
  orgId: string;
  channel: Channel;
  canPublish: boolean;
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

  // Live: a post of this channel changed status; show it at once, then fetch its final details.
  useLiveEvents(orgId, (event) => {
    if (event.channel !== channel.id) return;
    if (event.status === 'queued' || event.status === 'scheduled') {
      if (!queue.data?.some((t) => t.id === event.target)) void queue.reload();
      return;
    }
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
        if (!fresh) return;
        setRecent((current) => [fresh, ...current.filter((t) => t.id !== fresh.id)]);
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
