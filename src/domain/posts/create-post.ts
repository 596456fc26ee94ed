import type { Sql, TransactionSql } from '../../db/connection.ts';
import { groupNotFound } from '../channels/profile-group-view.ts';
import { SpoolError } from '../errors.ts';
import { lockChannels } from '../queue/lock-channels.ts';
import { placeTargets } from '../queue/place-targets.ts';
import { resolveSchedule, type ScheduleRequest } from '../queue/schedule-request.ts';
import { getPost, type PostView } from './get-post.ts';
import { type ChannelOverride, effectiveContent, optionsOf, type PostContentInput } from './post-content.ts';
import { completeMedia, completePostContent, loadMediaFacts, mediaIdsOf } from './post-media.ts';
import { asJson } from './sql-json.ts';
import { assertPublishable } from './validate-content.ts';

export interface CreatePostInput {
  organizationId: string;
  authorUserId: string;
  /** False for contributors: their posts wait for approval instead of being queued. */
  canPublish: boolean;
  content: PostContentInput;
  channelIds: readonly string[];
  /** Profile groups: every channel in them is added. */
  groupIds: readonly string[];
  overrides: readonly ChannelOverride[];
  schedule: ScheduleRequest;
  /** A re-buffered post: the published target it copies. */
  copiedFromTargetId?: string;
}

/**
 * Writes a post once for several channels and schedules it on each. Everything is checked first
 * (channels exist in the organization, custom times are in the future, every channel's network
 * accepts its text and media); a problem anywhere writes nothing.
 */
export async function createPost(sql: Sql, now: () => Date, input: CreatePostInput): Promise<PostView> {
  const postId = await sql.begin(async (tx) => {
    const channelIds = [...new Set([...input.channelIds, ...(await groupMembers(tx, input))])];
    if (channelIds.length === 0) {
      throw new SpoolError(
        'post.no_channels',
        'Choose at least one channel (or a profile group with channels) to post to.',
      );
    }
    const overrides = new Map(input.overrides.map((o) => [o.channelId, o]));
    const stray = [...overrides.keys()].find((id) => !channelIds.includes(id));
    if (stray) {
      throw new SpoolError(
        'post.override_channel_not_selected',
        'A per-channel change names a channel the post is not for; add that channel or remove the change.',
        'invalid',
        { channelId: stray },
      );
    }
    const channels = await lockChannels(tx, input.organizationId, channelIds);
    const at = now();
    const facts = await loadMediaFacts(tx, input.organizationId, mediaIdsOf(input.content, input.overrides));
    const content = completePostContent(input.content, facts);
    const plans = channelIds.map((id) => {
      const channel = channels.get(id)!;
      const requested = overrides.get(id);
      const override = requested && {
        ...requested,
        media: requested.media ? completeMedia(requested.media, facts) : undefined,
      };
      return { channel, override, schedule: resolveSchedule(input.schedule, channel, at) };
    });
    if (input.schedule.mode !== 'draft') {
      await assertPublishable(
        tx,
        input.organizationId,
        plans.map(({ channel, override }) => ({
          channel,
          content: effectiveContent(content, {
            textOverride: override?.text ?? null,
            mediaOverride: override?.media ?? null,
            options: optionsOf(override),
          }),
        })),
      );
    }

    const [post] = await tx<{ id: string }[]>`
      insert into posts (organization_id, author_user_id, text, media, thread, tags, title, copied_from_target_id)
      values (${input.organizationId}, ${input.authorUserId}, ${content.text}, ${tx.json(asJson(content.media))},
              ${tx.json(asJson(content.thread))}, ${content.tags}, ${content.title},
              ${input.copiedFromTargetId ?? null})
      returning id`;
    const targets = await tx<{ id: string; channel_id: string }[]>`
      insert into post_targets ${tx(
        plans.map(({ channel, override }) => ({
          post_id: post!.id,
          organization_id: input.organizationId,
          channel_id: channel.id,
          status: 'draft',
          text_override: override?.text ?? null,
          media_override: override?.media ? tx.json(asJson(override.media)) : null,
          options: tx.json(asJson(optionsOf(override))),
        })),
      )}
      returning id, channel_id`;
    const targetOf = new Map(targets.map((t) => [t.channel_id, t.id]));
    const awaitingApproval = !input.canPublish && input.schedule.mode !== 'draft';
    for (const { channel, schedule } of plans) {
      await placeTargets(tx, channel, at, [{ targetId: targetOf.get(channel.id)!, schedule }], {
        awaitingApproval,
      });
    }
    return post!.id;
  });
  return getPost(sql, input.organizationId, postId);
}

async function groupMembers(
  tx: TransactionSql,
  input: Pick<CreatePostInput, 'organizationId' | 'groupIds'>,
): Promise<string[]> {
  if (input.groupIds.length === 0) return [];
  const groupIds = [...new Set(input.groupIds)];
  const rows = await tx<{ group_id: string; channel_id: string | null }[]>`
    select g.id as group_id, gc.channel_id
    from profile_groups g left join profile_group_channels gc on gc.group_id = g.id
    where g.organization_id = ${input.organizationId} and g.id = any(${groupIds}::uuid[])`;
  const found = new Set(rows.map((r) => r.group_id));
  const missing = groupIds.find((id) => !found.has(id));
  if (missing) throw groupNotFound(missing);
  return rows.flatMap((r) => (r.channel_id ? [r.channel_id] : []));
}
