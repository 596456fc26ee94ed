import { useState } from 'react';
import { channelName } from '../../ui/networks.ts';
import './group-queue.css';

/** Who a post goes out as: the channel's picture (or its initial) and its handle on its network. */
export function ChannelTag({
  channel,
}: {
  channel: { handle: string; network: string; displayName: string; avatarUrl: string | null };
}) {
  // Only pictures the page's content policy allows (https); a broken one falls back to the initial.
  const [broken, setBroken] = useState(false);
  const picture = channel.avatarUrl?.startsWith('https://') && !broken ? channel.avatarUrl : null;
  const initial = (channel.displayName || channel.handle).replace(/^@/, '').slice(0, 1).toUpperCase();
  return (
    <span className="channel-tag">
      {picture ? (
        <img
          className="channel-avatar"
          src={picture}
          alt=""
          width={22}
          height={22}
          onError={() => setBroken(true)}
        />
      ) : (
        <span className="channel-avatar" aria-hidden="true">
          {initial}
        </span>
      )}
      <span className="channel-tag-name">{channelName(channel)}</span>
    </span>
  );
}
