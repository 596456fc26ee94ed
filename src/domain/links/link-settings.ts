import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';

/** How a channel's links are rewritten when its posts are published. Off unless a team turns it on. */
export interface LinkSettings {
  channelId: string;
  shortenLinks: boolean;
  utmEnabled: boolean;
  utmCampaign: string;
}

export const DEFAULT_UTM_CAMPAIGN = 'spool';

const defaults = (channelId: string): LinkSettings => ({
  channelId,
  shortenLinks: false,
  utmEnabled: false,
  utmCampaign: DEFAULT_UTM_CAMPAIGN,
});

async function assertChannel(sql: Sql, organizationId: string, channelId: string): Promise<void> {
  const [channel] =
    await sql`select 1 from channels where id = ${channelId} and organization_id = ${organizationId}`;
  if (!channel)
    throw new SpoolError('channel.not_found', 'There is no such channel in this organization.', 'not_found');
}

export async function getLinkSettings(
  sql: Sql,
  organizationId: string,
  channelId: string,
): Promise<LinkSettings> {
  await assertChannel(sql, organizationId, channelId);
  return readLinkSettings(sql, channelId);
}

/** The settings of a channel already known to exist (the publisher's, for a post it claimed). */
export async function readLinkSettings(sql: Sql, channelId: string): Promise<LinkSettings> {
  const [row] = await sql<SettingsRow[]>`
    select channel_id, shorten_links, utm_enabled, utm_campaign from channel_link_settings
    where channel_id = ${channelId}`;
  return row ? present(row) : defaults(channelId);
}

export async function updateLinkSettings(
  sql: Sql,
  organizationId: string,
  channelId: string,
  change: Partial<Omit<LinkSettings, 'channelId'>>,
): Promise<LinkSettings> {
  await assertChannel(sql, organizationId, channelId);
  const current = await readLinkSettings(sql, channelId);
  const next = { ...current, ...stripUndefined(change) };
  const [row] = await sql<SettingsRow[]>`
    insert into channel_link_settings (channel_id, organization_id, shorten_links, utm_enabled, utm_campaign)
    values (${channelId}, ${organizationId}, ${next.shortenLinks}, ${next.utmEnabled}, ${next.utmCampaign})
    on conflict (channel_id) do update set
      shorten_links = excluded.shorten_links, utm_enabled = excluded.utm_enabled,
      utm_campaign = excluded.utm_campaign, updated_at = now()
    returning channel_id, shorten_links, utm_enabled, utm_campaign`;
  return present(row!);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

interface SettingsRow {
  channel_id: string;
  shorten_links: boolean;
  utm_enabled: boolean;
  utm_campaign: string;
}

function present(row: SettingsRow): LinkSettings {
  return {
    channelId: row.channel_id,
    shortenLinks: row.shorten_links,
    utmEnabled: row.utm_enabled,
    utmCampaign: row.utm_campaign,
  };
}
