import { NETWORK_IDS, type NetworkId, rulesFor } from '../../../../src/domain/text/network-rules.ts';
import {
  type Problem,
  type ProblemCode,
  validateForNetwork,
} from '../../../../src/domain/text/validate-post.ts';

/**
 * The composer checks each channel's text with the very rules the server applies
 * (src/domain/text), so what the counter accepts the API accepts.
 */

export interface AttachedMedia {
  mediaId: string;
  contentType: string;
  byteSize: number;
  altText: string;
  previewUrl: string | null;
  filename: string;
}

export interface ChannelCheck {
  length: number;
  maxLength: number;
  unit: string;
  problems: Problem[];
}

function asNetworkId(network: string): NetworkId | undefined {
  return (NETWORK_IDS as readonly string[]).includes(network) ? (network as NetworkId) : undefined;
}

export function checkForNetwork(
  network: string,
  text: string,
  media: readonly AttachedMedia[],
  title: string,
): ChannelCheck | null {
  const id = asNetworkId(network);
  if (!id) return null;
  const rules = rulesFor(id);
  return {
    length: rules.countText(text),
    maxLength: rules.maxLength,
    unit: rules.lengthUnit,
    problems: validateForNetwork(rules, {
      text,
      media: media.map((m) => ({ mimeType: m.contentType, bytes: m.byteSize })),
      title,
    }),
  };
}

/**
 * Requirements of a whole post that replies in a thread do not repeat (a title, a board, a required
 * image): the same set the server skips for thread parts (src/domain/posts/validate-content.ts).
 */
const FIRST_PART_ONLY: ReadonlySet<ProblemCode> = new Set([
  'title.required',
  'board.required',
  'media.required',
  'media.image_required',
  'media.video_required',
]);

/** One further part of a thread (a reply), checked as the server checks it. */
export function checkThreadPart(
  network: string,
  text: string,
  media: readonly AttachedMedia[],
): ChannelCheck | null {
  const check = checkForNetwork(network, text, media, '');
  if (!check) return null;
  return { ...check, problems: check.problems.filter((problem) => !FIRST_PART_ONLY.has(problem.code)) };
}

export function requiresTitle(network: string): boolean {
  const id = asNetworkId(network);
  return id ? (rulesFor(id).requires.title ?? false) : false;
}
