import type { TransactionSql } from '../../db/connection.ts';
import { asNetworkId, channelLabel } from '../channels/channel-view.ts';
import { SpoolError } from '../errors.ts';
import { rulesFor } from '../text/network-rules.ts';
import { type Problem, type ProblemCode, validateForNetwork } from '../text/validate-post.ts';
import type { EffectiveContent, MediaItem } from './post-content.ts';
import { loadMediaFacts, type MediaFacts } from './post-media.ts';

export interface ChannelContent {
  channel: { id: string; handle: string; network: string };
  content: EffectiveContent;
}

/** Requirements of a whole post that replies in a thread do not repeat. */
const FIRST_PART_ONLY: ReadonlySet<ProblemCode> = new Set([
  'title.required',
  'board.required',
  'media.required',
  'media.image_required',
  'media.video_required',
]);

/**
 * Checks what each channel would publish against its network's rules, and refuses the whole post
 * when any channel has a problem (nothing is written): `post.invalid`, with every problem of every
 * channel in the message and, per channel, in `details.channels`.
 */
export async function assertPublishable(
  tx: TransactionSql,
  organizationId: string,
  items: readonly ChannelContent[],
): Promise<void> {
  const mediaIds = items.flatMap(({ content }) => [
    ...content.media.map((m) => m.mediaId),
    ...content.thread.flatMap((part) => part.media.map((m) => m.mediaId)),
  ]);
  const facts = await loadMediaFacts(tx, organizationId, mediaIds);
  const failing: { channelId: string; handle: string; network: string; problems: Problem[] }[] = [];
  for (const { channel, content } of items) {
    const problems = problemsFor(channel.network, content, facts);
    if (problems.length > 0) {
      failing.push({ channelId: channel.id, handle: channel.handle, network: channel.network, problems });
    }
  }
  if (failing.length === 0) return;
  const byChannel = failing.map(
    (f) => `${channelLabel(f)}: ${f.problems.map((problem) => problem.message).join(' ')}`,
  );
  throw new SpoolError(
    'post.invalid',
    `This post cannot be scheduled as it is. ${byChannel.join(' — ')}`,
    'invalid',
    { channels: failing },
  );
}

function problemsFor(
  network: string,
  content: EffectiveContent,
  facts: ReadonlyMap<string, MediaFacts>,
): Problem[] {
  const id = asNetworkId(network);
  if (!id) return [];
  const rules = rulesFor(id);
  const attachments = (media: readonly MediaItem[]) => media.map((m) => facts.get(m.mediaId)!);
  const problems = validateForNetwork(rules, {
    text: content.text,
    media: attachments(content.media),
    title: content.title,
    ...(content.boardId !== undefined ? { boardId: content.boardId } : {}),
  });
  content.thread.forEach((part, index) => {
    for (const problem of validateForNetwork(rules, { text: part.text, media: attachments(part.media) })) {
      if (FIRST_PART_ONLY.has(problem.code)) continue;
      problems.push({ ...problem, message: `Thread part ${index + 2}: ${problem.message}` });
    }
  });
  return problems;
}
