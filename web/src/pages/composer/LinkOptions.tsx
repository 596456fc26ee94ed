import { useId, useRef, useState } from 'react';
import { ApiError, api } from '../../api/client.ts';
import type { Channel } from '../../api/types.ts';
import { useAbilities } from '../../app/session.tsx';
import { channelName } from '../../ui/networks.ts';
import { useResource } from '../../ui/use-resource.ts';
import './composer.css';

/** How a channel's links are rewritten when its posts are published (GET/PUT …/link-settings). */
interface LinkSettings {
  channelId: string;
  shortenLinks: boolean;
  utmEnabled: boolean;
  utmCampaign: string;
}

type LinkSettingsChange = Partial<Omit<LinkSettings, 'channelId'>>;

/**
 * Shown when the post contains a link: per channel, whether Spool shortens its links and tags them
 * with UTM parameters. These are the channel's own settings, saved as soon as they are changed, so
 * every later post on that channel does the same; people who may not manage channels see them only.
 */
export function LinkOptions({ orgId, channels }: { orgId: string; channels: readonly Channel[] }) {
  const { manageChannels } = useAbilities();
  if (channels.length === 0) return null;
  return (
    <section className="link-options" aria-label="Link settings">
      {channels.map((channel) => (
        <ChannelLinkOptions key={channel.id} orgId={orgId} channel={channel} canManage={manageChannels} />
      ))}
      <p className="hint">
        {manageChannels
          ? 'Saved for the channel when changed, and applied when a post on it is published.'
          : 'Only owners, admins and editors can change how a channel’s links are shortened and tagged.'}
      </p>
    </section>
  );
}

function ChannelLinkOptions({
  orgId,
  channel,
  canManage,
}: {
  orgId: string;
  channel: Channel;
  canManage: boolean;
}) {
  const id = useId();
  const path = `/api/orgs/${orgId}/channels/${channel.id}/link-settings`;
  const settings = useResource((signal) => api<LinkSettings>(path, { signal }), [path]);
  /** The campaign as being typed; null while it is the saved one. */
  const [campaign, setCampaign] = useState<string | null>(null);
  const [saved, setSaved] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [campaignError, setCampaignError] = useState<string | null>(null);
  // Changes are sent one after another, so the last one made is the one that stays.
  const queue = useRef<Promise<void>>(Promise.resolve());

  const save = (change: LinkSettingsChange, confirmation: string) => {
    setSaved('');
    setError(null);
    setCampaignError(null);
    settings.set((current) => current && { ...current, ...change });
    queue.current = queue.current.then(async () => {
      try {
        const updated = await api<LinkSettings>(path, { method: 'PUT', body: change });
        settings.set(() => updated);
        if (change.utmCampaign !== undefined) setCampaign(null);
        setSaved(`Saved: ${confirmation}`);
      } catch (caught) {
        const fields = caught instanceof ApiError ? caught.fieldErrors() : {};
        const message = caught instanceof Error ? caught.message : String(caught);
        if (fields.utmCampaign) setCampaignError(fields.utmCampaign);
        else setError(`Not saved: ${message}`);
        // Show what the channel really has again.
        await settings.reload();
      }
    });
  };

  const value = settings.data;
  const name = channelName(channel);
  if (!value) {
    return settings.error ? (
      <p className="field-error" role="alert">
        The link settings of {name} could not be loaded: {settings.error}
      </p>
    ) : (
      <p className="muted small">Loading the link settings of {name}…</p>
    );
  }

  const campaignValue = campaign ?? value.utmCampaign;
  const saveCampaign = () => {
    const trimmed = campaignValue.trim();
    if (trimmed === '') {
      setCampaignError('Enter a campaign name (up to 100 characters).');
      return;
    }
    save({ utmCampaign: trimmed }, `links on ${name} are tagged with campaign “${trimmed}”.`);
  };
  const errorId = `${id}-error`;

  return (
    <fieldset className="link-options-channel" data-link-options={channel.id}>
      <legend>Links on {name}</legend>
      <div className="link-toggles">
        <label className="toggle">
          <input
            type="checkbox"
            checked={value.shortenLinks}
            disabled={!canManage}
            aria-describedby={error ? errorId : undefined}
            onChange={(event) =>
              save(
                { shortenLinks: event.target.checked },
                event.target.checked
                  ? `links on ${name} will be shortened.`
                  : `links on ${name} stay as written.`,
              )
            }
          />
          Shorten links
        </label>
        <label className="toggle">
          <input
            type="checkbox"
            checked={value.utmEnabled}
            disabled={!canManage}
            aria-describedby={error ? errorId : undefined}
            onChange={(event) =>
              save(
                { utmEnabled: event.target.checked },
                event.target.checked ? `links on ${name} get UTM tags.` : `links on ${name} get no UTM tags.`,
              )
            }
          />
          Add UTM tags
        </label>
      </div>
      {value.utmEnabled ? (
        <div className={`field link-campaign${campaignError ? ' field-invalid' : ''}`}>
          <label htmlFor={`${id}-campaign`}>Campaign name</label>
          <div className="inline-form">
            <input
              id={`${id}-campaign`}
              value={campaignValue}
              maxLength={100}
              readOnly={!canManage}
              aria-invalid={campaignError ? true : undefined}
              aria-describedby={`${id}-tags${campaignError ? ` ${id}-campaign-error` : ''}`}
              onChange={(event) => setCampaign(event.target.value)}
              onKeyDown={(event) => {
                // Enter saves the campaign rather than submitting the whole post.
                if (event.key !== 'Enter') return;
                event.preventDefault();
                if (canManage) saveCampaign();
              }}
            />
            {canManage ? (
              <button type="button" className="small" onClick={saveCampaign}>
                Save campaign
              </button>
            ) : null}
          </div>
          {campaignError ? (
            <p
              id={`${id}-campaign-error`}
              className="field-error"
              role="alert"
              data-field-error="utmCampaign"
            >
              {campaignError}
            </p>
          ) : null}
          <p id={`${id}-tags`} className="hint link-tags">
            Adds utm_source={channel.network}, utm_medium=social, utm_campaign=
            {encodeURIComponent(value.utmCampaign)}
          </p>
        </div>
      ) : null}
      {error ? (
        <p id={errorId} className="field-error" role="alert" data-field-error="linkSettings">
          {error}
        </p>
      ) : null}
      <p className="ok small link-saved" role="status">
        {saved}
      </p>
    </fieldset>
  );
}
