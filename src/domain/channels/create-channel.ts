import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import type { PostingSchedule } from '../schedule/schedule.ts';
import type { NetworkId } from '../text/network-rules.ts';
import { type ChannelRow, type ChannelView, channelColumns, presentChannel } from './channel-view.ts';

/** Seals a secret for storage (AES-256-GCM, bound to a context such as "channel:<id>"). */
export interface Sealer {
  seal(plaintext: string, context: string): string;
}

export interface CreateChannelInput {
  organizationId: string;
  network: NetworkId;
  accountId: string;
  handle: string;
  displayName: string;
  avatarUrl?: string | undefined;
  serviceUrl?: string | undefined;
  /** Zone and weekly times, validated. */
  schedule: PostingSchedule;
  /** The network's tokens; stored sealed, never returned. */
  credentials?: Record<string, unknown> | undefined;
}

/**
 * Adds a channel (a connected social account) to an organization. Until each network's connection
 * flow exists, this is how channels are created; the same account can be added once per organization.
 */
export async function createChannel(
  sql: Sql,
  sealer: Sealer,
  input: CreateChannelInput,
): Promise<ChannelView> {
  const id = randomUUID();
  const sealed = input.credentials ? sealer.seal(JSON.stringify(input.credentials), `channel:${id}`) : null;
  try {
    const [row] = await sql<ChannelRow[]>`
      insert into channels (id, organization_id, network, account_id, handle, display_name, avatar_url, service_url,
                            timezone, schedule, credentials_sealed)
      values (${id}, ${input.organizationId}, ${input.network}, ${input.accountId}, ${input.handle},
              ${input.displayName}, ${input.avatarUrl ?? null}, ${input.serviceUrl ?? null},
              ${input.schedule.timezone}, ${sql.json(input.schedule.days)}, ${sealed})
      returning ${channelColumns(sql)}`;
    return presentChannel(row!);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new SpoolError(
        'channel.already_connected',
        `This ${input.network} account (${input.accountId}) is already a channel of this organization.`,
        'conflict',
      );
    }
    throw error;
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
