import type { Sql, TransactionSql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import { type PostingSchedule, parsePostingSchedule, type WEEKDAYS } from '../schedule/schedule.ts';
import { NETWORK_IDS, NETWORK_RULES, type NetworkId } from '../text/network-rules.ts';

/** A channel as the API shows it. The sealed network credentials never leave the database. */
export interface ChannelView {
  id: string;
  network: string;
  accountId: string;
  handle: string;
  displayName: string;
  avatarUrl: string | null;
  serviceUrl: string | null;
  timezone: string;
  /** Local posting times per weekday, in `timezone`. */
  schedule: PostingSchedule['days'];
  paused: boolean;
  pausedAt: Date | null;
  connectionState: 'connected' | 'needs_reconnect' | 'disconnected';
  connectionError: string | null;
  hasCredentials: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type ScheduleDays = Record<(typeof WEEKDAYS)[number], string[]>;

export interface ChannelRow {
  id: string;
  organization_id: string;
  network: string;
  account_id: string;
  handle: string;
  display_name: string;
  avatar_url: string | null;
  service_url: string | null;
  timezone: string;
  schedule: ScheduleDays;
  paused: boolean;
  paused_at: Date | null;
  connection_state: ChannelView['connectionState'];
  connection_error: string | null;
  has_credentials: boolean;
  created_at: Date;
  updated_at: Date;
}

/** Every column a view needs; `credentials_sealed` is reduced to whether it is set. */
export function channelColumns(sql: Sql | TransactionSql) {
  return sql`id, organization_id, network, account_id, handle, display_name, avatar_url, service_url,
    timezone, schedule, paused, paused_at, connection_state, connection_error,
    credentials_sealed is not null as has_credentials, created_at, updated_at`;
}

export function presentChannel(row: ChannelRow): ChannelView {
  return {
    id: row.id,
    network: row.network,
    accountId: row.account_id,
    handle: row.handle,
    displayName: row.display_name,
    avatarUrl: row.avatar_url,
    serviceUrl: row.service_url,
    timezone: row.timezone,
    schedule: row.schedule,
    paused: row.paused,
    pausedAt: row.paused_at,
    connectionState: row.connection_state,
    connectionError: row.connection_error,
    hasCredentials: row.has_credentials,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The stored zone and weekly times as one validated schedule. */
export function scheduleOf(row: { timezone: string; schedule: ScheduleDays }): PostingSchedule {
  return parsePostingSchedule({ timezone: row.timezone, days: row.schedule });
}

export function channelNotFound(channelId?: string): SpoolError {
  return new SpoolError(
    'channel.not_found',
    'There is no such channel in this organization.',
    'not_found',
    channelId ? { channelId } : undefined,
  );
}

/** How a channel is named in messages: "@ana on Bluesky". */
export function channelLabel(channel: { handle: string; network: string }): string {
  const handle = channel.handle.startsWith('@') ? channel.handle : `@${channel.handle}`;
  return `${handle} on ${networkName(channel.network)}`;
}

function networkName(network: string): string {
  const id = asNetworkId(network);
  return id ? NETWORK_RULES[id].displayName : network;
}

/** The network's id when Spool knows its rules; channels are only created for known networks. */
export function asNetworkId(network: string): NetworkId | undefined {
  return (NETWORK_IDS as readonly string[]).includes(network) ? (network as NetworkId) : undefined;
}
