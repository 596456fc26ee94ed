import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { Channel } from '../../api/types.ts';
import { linkHandler, navigate } from '../../app/router.ts';
import { useLiveEvents } from '../../live/events.ts';
import { FormError, useSubmission } from '../../ui/forms.tsx';
import { channelName } from '../../ui/networks.ts';
import { ChannelQueue } from './ChannelQueue.tsx';
import { type OtherTab, OtherTabList } from './OtherTabs.tsx';

export type QueueTab = 'queue' | OtherTab;
export const QUEUE_TABS: { id: QueueTab; label: string }[] = [
  { id: 'queue', label: 'Queue' },
  { id: 'awaiting_approval', label: 'Approvals' },
  { id: 'drafts', label: 'Drafts' },
  { id: 'sent', label: 'Sent' },
  { id: 'failed', label: 'Failed' },
];

/** One channel: its queue, approvals, drafts, sent and failed posts, and whether it is paused. */
export function ChannelView({
  orgId,
  channel,
  tab,
  canPublish,
  onChannelChanged,
}: {
  orgId: string;
  channel: Channel;
  tab: QueueTab;
  canPublish: boolean;
  onChannelChanged(): void;
}) {
  const go = (nextTab: QueueTab) => navigate(`/queue?channel=${channel.id}&tab=${nextTab}`);
  return (
    <section className="queue-main" aria-labelledby="queue-heading">
      <div className="page-head">
        <h1 id="queue-heading">{channelName(channel)}</h1>
        <a className="button primary" href="/compose" onClick={linkHandler('/compose')}>
          New post
        </a>
      </div>
      {channel.paused ? (
        <PausedBanner orgId={orgId} channel={channel} canResume={canPublish} onResumed={onChannelChanged} />
      ) : null}
      {channel.connectionState !== 'connected' ? (
        <div className="notice warn" role="status">
          {channel.connectionState === 'needs_reconnect'
            ? `Spool lost access to this account${channel.connectionError ? ` (${channel.connectionError})` : ''}.`
            : 'This channel is disconnected.'}{' '}
          Its posts wait here until it is{' '}
          <a href="/channels" onClick={linkHandler('/channels')}>
            reconnected
          </a>
          .
        </div>
      ) : null}
      <div className="tabs" role="tablist" aria-label="Posts">
        {QUEUE_TABS.map((t) => (
          <button key={t.id} type="button" role="tab" aria-selected={t.id === tab} onClick={() => go(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        {tab === 'queue' ? (
          <ChannelQueue
            key={channel.id}
            orgId={orgId}
            channel={channel}
            canPublish={canPublish}
            onReturned={onChannelChanged}
          />
        ) : (
          <LiveOtherTab orgId={orgId} channel={channel} tab={tab} canPublish={canPublish} />
        )}
      </div>
    </section>
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
