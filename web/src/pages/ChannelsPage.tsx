import { useState } from 'react';
import { api } from '../api/client.ts';
import { useChannels, useGroups } from '../api/org-data.ts';
import type { Channel } from '../api/types.ts';
import { linkHandler, useLocation } from '../app/router.ts';
import { useAbilities, useSession } from '../app/session.tsx';
import { FormError, useSubmission } from '../ui/forms.tsx';
import { channelName } from '../ui/networks.ts';
import { ConnectChannel } from './channels/ConnectForms.tsx';
import { GroupsPanel } from './channels/GroupsPanel.tsx';
import { ScheduleEditor } from './channels/ScheduleEditor.tsx';

const TIME_ZONES: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();

/** Channels: connect, pause and resume, time zone, posting schedule, profile groups. */
export function ChannelsPage() {
  const { org } = useSession();
  const abilities = useAbilities();
  const channels = useChannels(org.id);
  const groups = useGroups(org.id);
  const { query } = useLocation();
  const connected = query.get('connected');

  const replace = (updated: Channel) =>
    channels.set((current) => current?.map((c) => (c.id === updated.id ? { ...c, ...updated } : c)));

  return (
    <div className="channels-page">
      <div className="page-head">
        <h1>Channels</h1>
      </div>
      {connected ? (
        <p className="notice ok" role="status">
          Channel connected.
        </p>
      ) : null}
      {channels.error ? <p className="form-error">{channels.error}</p> : null}
      {channels.data?.length === 0 ? (
        <p className="empty">No channels yet. Connect your first account below to start scheduling.</p>
      ) : null}
      <ul className="channel-list">
        {channels.data?.map((channel) => (
          <ChannelCard
            key={channel.id}
            orgId={org.id}
            channel={channel}
            canManage={abilities.manageChannels}
            onChanged={replace}
            onRemoved={() => void channels.reload()}
          />
        ))}
      </ul>
      {abilities.manageChannels ? (
        <ConnectChannel
          orgId={org.id}
          onConnected={(channel) =>
            channels.set((current) => [...(current ?? []).filter((c) => c.id !== channel.id), channel])
          }
        />
      ) : null}
      <GroupsPanel
        orgId={org.id}
        channels={channels.data ?? []}
        groups={groups}
        canManage={abilities.manageChannels}
      />
    </div>
  );
}

function ChannelCard({
  orgId,
  channel,
  canManage,
  onChanged,
  onRemoved,
}: {
  orgId: string;
  channel: Channel;
  canManage: boolean;
  onChanged(channel: Channel): void;
  onRemoved(): void;
}) {
  const [open, setOpen] = useState(false);
  const submission = useSubmission();
  const base = `/api/orgs/${orgId}/channels/${channel.id}`;
  const connected = channel.connectionState === 'connected';

  const setPaused = async (paused: boolean) => {
    const updated = await submission.run(() =>
      api<Channel>(`${base}/${paused ? 'pause' : 'resume'}`, { method: 'POST' }),
    );
    if (updated) onChanged(updated);
  };
  const setTimezone = async (timezone: string) => {
    const updated = await submission.run(() => api<Channel>(base, { method: 'PATCH', body: { timezone } }));
    if (updated) onChanged(updated);
  };
  const disconnect = async () => {
    if (!window.confirm(`Disconnect ${channelName(channel)}? Its queue waits until you connect it again.`))
      return;
    const updated = await submission.run(() => api<Channel>(`${base}/connection`, { method: 'DELETE' }));
    if (updated) onChanged(updated);
  };
  const reconnect = async () => {
    if (channel.network === 'mastodon' && channel.serviceUrl) {
      const started = await submission.run(() =>
        api<{ authorizeUrl: string }>(`/api/orgs/${orgId}/channels/mastodon/authorize`, {
          body: { instanceUrl: channel.serviceUrl },
        }),
      );
      if (started) window.location.assign(started.authorizeUrl);
      return;
    }
    if (channel.network === 'bluesky') {
      document.getElementById('connect-heading')?.scrollIntoView();
      return;
    }
    const accessToken = window.prompt(`A new access token for ${channelName(channel)}:`);
    if (!accessToken) return;
    const updated = await submission.run(() =>
      api<Channel>(base, { method: 'PATCH', body: { credentials: { accessToken } } }),
    );
    if (updated) onChanged(updated);
  };
  const remove = async () => {
    if (!window.confirm(`Remove ${channelName(channel)} and its queue? This cannot be undone.`)) return;
    const done = await submission.run(() => api(base, { method: 'DELETE' }).then(() => true));
    if (done) onRemoved();
  };

  return (
    <li className="card channel-card">
      <div className="channel-head">
        <div>
          <h2 className="channel-title">{channelName(channel)}</h2>
          <p className="muted">
            {channel.displayName || channel.handle} · {channel.timezone}
          </p>
        </div>
        <div className="badges">
          {channel.paused ? <span className="badge warn">Paused</span> : null}
          {/* "Active" only when it really publishes: a channel without access is not. */}
          {!channel.paused && connected ? <span className="badge ok">Active</span> : null}
          {connected ? null : (
            <span className="badge danger" title={channel.connectionError ?? undefined}>
              {channel.connectionState === 'needs_reconnect' ? 'Reconnect needed' : 'Disconnected'}
            </span>
          )}
        </div>
      </div>
      {channel.connectionError ? (
        <p className="form-error">
          {channel.connectionError}
          {/* The network's own words say what broke; this says what happens and what to do. */}
          {channel.connectionState === 'needs_reconnect'
            ? `${/[.!?]$/.test(channel.connectionError) ? '' : '.'} Its queued posts wait until you reconnect it.`
            : null}
        </p>
      ) : null}
      <div className="button-row">
        <a
          className="button"
          href={`/queue?channel=${channel.id}`}
          onClick={linkHandler(`/queue?channel=${channel.id}`)}
        >
          Open queue
        </a>
        {canManage ? (
          <>
            <button type="button" onClick={() => void setPaused(!channel.paused)} disabled={submission.busy}>
              {channel.paused ? 'Resume queue' : 'Pause queue'}
            </button>
            <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
              {open ? 'Close settings' : 'Schedule & time zone'}
            </button>
            {channel.connectionState !== 'connected' || !channel.hasCredentials ? (
              <button type="button" className="primary" onClick={() => void reconnect()}>
                Reconnect
              </button>
            ) : (
              <button type="button" className="ghost" onClick={() => void disconnect()}>
                Disconnect
              </button>
            )}
            <button type="button" className="ghost danger" onClick={() => void remove()}>
              Remove
            </button>
          </>
        ) : null}
      </div>
      <FormError message={submission.formError ?? (Object.values(submission.fieldErrors)[0] || null)} />
      {open ? (
        <div className="channel-settings">
          <div className="field">
            <label htmlFor={`tz-${channel.id}`}>Time zone</label>
            <select
              id={`tz-${channel.id}`}
              value={channel.timezone}
              onChange={(e) => void setTimezone(e.target.value)}
            >
              {(TIME_ZONES.includes(channel.timezone) ? TIME_ZONES : [channel.timezone, ...TIME_ZONES]).map(
                (zone) => (
                  <option key={zone} value={zone}>
                    {zone}
                  </option>
                ),
              )}
            </select>
          </div>
          <ScheduleEditor key={channel.timezone} orgId={orgId} channel={channel} onSaved={onChanged} />
        </div>
      ) : null}
    </li>
  );
}
