import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client.ts';
import { useChannels, useGroups } from '../api/org-data.ts';
import type { Channel } from '../api/types.ts';
import { linkHandler, navigate, useLocation } from '../app/router.ts';
import { useAbilities, useSession } from '../app/session.tsx';
import { FormError, useSubmission } from '../ui/forms.tsx';
import { channelName } from '../ui/networks.ts';
import { type AppPasswordFallback, blueskyServerOf, startBlueskySignIn } from './channels/BlueskyConnect.tsx';
import { ConnectChannel } from './channels/ConnectForms.tsx';
import './channels/connect.css';
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
  // Kept from the first render: the address is cleaned right away, the confirmation stays.
  const [justConnectedId] = useState(() => query.get('connected'));
  // A connection that did not succeed comes back with the reason in words (connect_error).
  const [connectError] = useState(() => query.get('connect_error'));
  const justConnected = channels.data?.find((c) => c.id === justConnectedId);
  const [appPasswordFallback, setAppPasswordFallback] = useState<AppPasswordFallback | null>(null);

  // A network sends the browser back to /channels?connected=<id>; a reload or a bookmark must not
  // announce it again.
  useEffect(() => {
    const url = new URL(window.location.href);
    if (!url.searchParams.has('connected') && !url.searchParams.has('connect_error')) return;
    url.searchParams.delete('connected');
    url.searchParams.delete('connect_error');
    navigate(`${url.pathname}${url.search}${url.hash}`, { replace: true });
  }, []);

  const replace = (updated: Channel) =>
    channels.set((current) => current?.map((c) => (c.id === updated.id ? { ...c, ...updated } : c)));

  return (
    <div className="channels-page">
      <div className="page-head">
        <h1>Channels</h1>
      </div>
      {justConnectedId && channels.data ? (
        <p className="notice ok" role="status">
          {justConnected
            ? `Connected ${channelName(justConnected).replace(' · ', ' on ')}.`
            : 'Channel connected.'}
        </p>
      ) : null}
      {connectError ? (
        <p className="notice warn" role="alert">
          The account was not connected: {connectError}
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
            highlighted={channel.id === justConnectedId}
            onNeedsAppPassword={(fallback) => setAppPasswordFallback({ ...fallback, id: Date.now() })}
            onChanged={replace}
            onRemoved={() => void channels.reload()}
          />
        ))}
      </ul>
      {abilities.manageChannels ? (
        <ConnectChannel
          orgId={org.id}
          appPasswordFallback={appPasswordFallback}
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
  highlighted,
  onNeedsAppPassword,
  onChanged,
  onRemoved,
}: {
  orgId: string;
  channel: Channel;
  canManage: boolean;
  /** The channel the person has just connected: marked, and scrolled to. */
  highlighted: boolean;
  /** Reconnecting Bluesky found OAuth unavailable on this Spool: offer the app-password form. */
  onNeedsAppPassword(fallback: Omit<AppPasswordFallback, 'id'>): void;
  onChanged(channel: Channel): void;
  onRemoved(): void;
}) {
  const [open, setOpen] = useState(false);
  const card = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (highlighted) card.current?.scrollIntoView({ block: 'nearest' });
  }, [highlighted]);
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
      // The same sign-in as connecting, for this account: its server keeps the channel and its queue.
      const account = { handle: channel.handle, serviceUrl: blueskyServerOf(channel) };
      const started = await submission.run(() => startBlueskySignIn(orgId, account));
      if (!started) return;
      if ('appPasswordOnly' in started) onNeedsAppPassword({ ...account, reason: started.appPasswordOnly });
      else window.location.assign(started.authorizationUrl);
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
    <li ref={card} className={`card channel-card${highlighted ? ' just-connected' : ''}`}>
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
              <button
                type="button"
                className="primary"
                onClick={() => void reconnect()}
                disabled={submission.busy}
              >
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
