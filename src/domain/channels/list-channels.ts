import type { Sql } from '../../db/connection.ts';
import {
  type ChannelRow,
  type ChannelView,
  channelColumns,
  channelNotFound,
  presentChannel,
} from './channel-view.ts';

export async function listChannels(sql: Sql, organizationId: string): Promise<ChannelView[]> {
  const rows = await sql<ChannelRow[]>`
    select ${channelColumns(sql)} from channels
    where organization_id = ${organizationId}
    order by created_at, id`;
  return rows.map(presentChannel);
}

export async function getChannel(sql: Sql, organizationId: string, channelId: string): Promise<ChannelView> {
  const [row] = await sql<ChannelRow[]>`
    select ${channelColumns(sql)} from channels
    where id = ${channelId} and organization_id = ${organizationId}`;
  if (!row) throw channelNotFound(channelId);
  return presentChannel(row);
}
