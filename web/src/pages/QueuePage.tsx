import { useChannels, useGroups } from '../api/org-data.ts';
import { linkHandler, useLocation } from '../app/router.ts';
import { useAbilities, useSession } from '../app/session.tsx';
import { ChannelView, QUEUE_TABS, type QueueTab } from './queue/ChannelView.tsx';
import { GroupQueue } from './queue/GroupQueue.tsx';
import { QueueNav, type QueueSelection } from './queue/QueueNav.tsx';

/**
 * The queue of one channel (with its approvals, drafts, sent and failed posts), or the merged
 * queue of a profile group: `/queue?channel=<id>&tab=<tab>` or `/queue?group=<id>`.
 */
export function QueuePage() {
  const { org } = useSession();
  const abilities = useAbilities();
  const channels = useChannels(org.id);
  const groups = useGroups(org.id);
  const { query } = useLocation();
  const tab = (QUEUE_TABS.find((t) => t.id === query.get('tab'))?.id ?? 'queue') as QueueTab;

  if (channels.error) return <p className="form-error">{channels.error}</p>;
  if (!channels.data) return <p className="muted">Loading…</p>;
  const group = groups.data?.find((g) => g.id === query.get('group'));
  const channel = channels.data.find((c) => c.id === query.get('channel')) ?? channels.data[0];
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
  // A group link opened before the groups arrive waits for them instead of flashing a channel.
  if (query.get('group') && !groups.data && !groups.error) return <p className="muted">Loading…</p>;
  const selection: QueueSelection = group ? { kind: 'group', group } : { kind: 'channel', channel };

  return (
    <div className="queue-page">
      <QueueNav channels={channels.data} groups={groups.data ?? []} selection={selection} tab={tab} />
      {selection.kind === 'group' ? (
        <GroupQueue
          key={selection.group.id}
          orgId={org.id}
          group={selection.group}
          channels={channels.data}
        />
      ) : (
        <ChannelView
          orgId={org.id}
          channel={channel}
          tab={tab}
          canPublish={abilities.publish}
          onChannelChanged={() => void channels.reload()}
        />
      )}
    </div>
  );
}
