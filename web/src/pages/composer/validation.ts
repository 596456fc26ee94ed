import { NETWORK_IDS, type NetworkId, rulesFor } from '../../../../src/domain/text/network-rules.ts';
import { type Problem, validateForNetwork } from '../../../../src/domain/text/validate-post.ts';

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

export function requiresTitle(network: string): boolean {
  const id = asNetworkId(network);
  return id ? (rulesFor(id).requires.title ?? false) : false;
}
