import type { Channel, ProfileGroup } from '../../api/types.ts';
import { channelName } from '../../ui/networks.ts';

/** Choose the channels to post to; a profile group selects all of its channels at once. */
export function ChannelPicker({
  channels,
  groups,
  selected,
  disabled,
  error,
  onChange,
}: {
  channels: Channel[];
  groups: ProfileGroup[];
  selected: ReadonlySet<string>;
  disabled?: boolean;
  error?: string | undefined;
  onChange(selected: Set<string>): void;
}) {
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onChange(next);
  };
  const selectGroup = (group: ProfileGroup) => {
    const all = group.channelIds.every((id) => selected.has(id));
    const next = new Set(selected);
    for (const id of group.channelIds) {
      if (all) next.delete(id);
      else next.add(id);
    }
    onChange(next);
  };
  return (
    <fieldset
      className="channel-picker"
      disabled={disabled}
      aria-describedby={error ? 'channels-error' : undefined}
    >
      <legend>Post to</legend>
      {channels.length === 0 ? <p className="empty">Connect a channel first (Channels page).</p> : null}
      <div className="chips">
        {channels.map((channel) => (
          <label key={channel.id} className={`chip${selected.has(channel.id) ? ' on' : ''}`}>
            <input type="checkbox" checked={selected.has(channel.id)} onChange={() => toggle(channel.id)} />
            {channelName(channel)}
            {channel.paused ? <span className="badge warn">paused</span> : null}
          </label>
        ))}
      </div>
      {groups.length > 0 ? (
        <div className="button-row">
          {groups.map((group) => (
            <button key={group.id} type="button" className="small" onClick={() => selectGroup(group)}>
              Group: {group.name}
            </button>
          ))}
        </div>
      ) : null}
      {error ? (
        <p id="channels-error" className="field-error" role="alert" data-field-error="channelIds">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
