import type { Channel, ProfileGroup } from '../../api/types.ts';
import { linkHandler, navigate } from '../../app/router.ts';
import { channelName } from '../../ui/networks.ts';
import type { QueueTab } from './ChannelView.tsx';

export type QueueSelection = { kind: 'channel'; channel: Channel } | { kind: 'group'; group: ProfileGroup };

export function channelQueuePath(channelId: string, tab: QueueTab = 'queue'): string {
  return `/queue?channel=${channelId}&tab=${tab}`;
}

export function groupQueuePath(groupId: string): string {
  return `/queue?group=${groupId}`;
}

/**
 * Pick a channel's queue, or a profile group's merged queue (groups listed under the channels).
 * On a phone the lists fold into one select with a group of options for each.
 */
export function QueueNav({
  channels,
  groups,
  selection,
  tab,
}: {
  channels: Channel[];
  groups: ProfileGroup[];
  selection: QueueSelection;
  tab: QueueTab;
}) {
  const selectedValue =
    selection.kind === 'channel' ? `channel:${selection.channel.id}` : `group:${selection.group.id}`;
  const choose = (value: string) => {
    const [kind, id] = value.split(':') as [string, string];
    navigate(kind === 'group' ? groupQueuePath(id) : channelQueuePath(id, tab));
  };
  return (
    <nav className="channel-nav queue-nav" aria-label="Channels and groups">
      {/* Named "Channel" as before; its option groups say which entries are groups. */}
      <label htmlFor="queue-channel" className="sr-only">
        Channel
      </label>
      <select
        id="queue-channel"
        className="channel-select"
        value={selectedValue}
        onChange={(e) => choose(e.target.value)}
      >
        <optgroup label="Channels">
          {channels.map((c) => (
            <option key={c.id} value={`channel:${c.id}`}>
              {channelName(c)}
              {c.paused ? ' (paused)' : ''}
            </option>
          ))}
        </optgroup>
        {groups.length > 0 ? (
          <optgroup label="Groups">
            {groups.map((g) => (
              <option key={g.id} value={`group:${g.id}`}>
                {g.name} ({g.channelIds.length} channels)
              </option>
            ))}
          </optgroup>
        ) : null}
      </select>
      <h2 className="queue-nav-heading" id="queue-nav-channels">
        Channels
      </h2>
      <ul aria-labelledby="queue-nav-channels">
        {channels.map((c) => (
          <li key={c.id}>
            <a
              href={channelQueuePath(c.id, tab)}
              onClick={linkHandler(channelQueuePath(c.id, tab))}
              aria-current={
                selection.kind === 'channel' && c.id === selection.channel.id ? 'page' : undefined
              }
            >
              {channelName(c)}
              {c.paused ? <span className="badge warn">paused</span> : null}
            </a>
          </li>
        ))}
      </ul>
      <h2 className="queue-nav-heading" id="queue-nav-groups">
        Groups
      </h2>
      {groups.length === 0 ? (
        <p className="small muted queue-nav-hint">
          Make a profile group on the{' '}
          <a href="/channels" onClick={linkHandler('/channels')}>
            Channels page
          </a>{' '}
          to see the queues of several channels together.
        </p>
      ) : (
        <ul aria-labelledby="queue-nav-groups">
          {groups.map((g) => (
            <li key={g.id}>
              <a
                href={groupQueuePath(g.id)}
                onClick={linkHandler(groupQueuePath(g.id))}
                aria-current={selection.kind === 'group' && g.id === selection.group.id ? 'page' : undefined}
              >
                {g.name}{' '}
                <span className="muted small">
                  · {g.channelIds.length} {g.channelIds.length === 1 ? 'channel' : 'channels'}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
