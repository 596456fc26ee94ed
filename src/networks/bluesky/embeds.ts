import type { OutgoingMedia, OutgoingPart } from '../../ports/social-network.ts';
import type { LinkCardSource } from './link-card.ts';
import { type BlueskySession, PublishStop, readOutcome, type StrongRef } from './outcomes.ts';
import { isXrpcFailure } from './xrpc.ts';

/**
 * What a Bluesky post embeds: images with alt text, a quoted post, both, or a link card. Blobs are
 * uploaded first (`com.atproto.repo.uploadBlob`); uploading the same bytes again is harmless (the
 * PDS stores a blob once, by its hash), so a retried publish may upload again safely.
 */
export const MAX_IMAGES = 4;
/** Bluesky's limit for one image blob (app.bsky.embed.images: maxSize 1000000). */
export const MAX_IMAGE_BYTES = 1_000_000;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

interface Blob {
  $type: 'blob';
  ref: { $link: string };
  mimeType: string;
  size: number;
}

export type Embed =
  | { $type: 'app.bsky.embed.images'; images: ImageEmbed[] }
  | { $type: 'app.bsky.embed.record'; record: StrongRef }
  | {
      $type: 'app.bsky.embed.recordWithMedia';
      record: { $type: 'app.bsky.embed.record'; record: StrongRef };
      media: { $type: 'app.bsky.embed.images'; images: ImageEmbed[] };
    }
  | {
      $type: 'app.bsky.embed.external';
      external: { uri: string; title: string; description: string; thumb?: Blob };
    };

interface ImageEmbed {
  alt: string;
  image: Blob;
  aspectRatio?: { width: number; height: number };
}

/** Problems Spool can see before sending anything, so a thread never stops half-published on them. */
export function mediaProblem(part: OutgoingPart, index: number): string | undefined {
  const where = index === 0 ? 'The post' : `Part ${index + 1} of the thread`;
  if (part.media.length > MAX_IMAGES) {
    return `${where} has ${part.media.length} media files; Bluesky takes at most ${MAX_IMAGES} images per post.`;
  }
  for (const media of part.media) {
    if (media.mimeType.startsWith('video/'))
      return `${where} has a video; Spool does not publish videos to Bluesky yet.`;
    if (!IMAGE_TYPES.has(media.mimeType))
      return `${where} has a ${media.mimeType} file, which Bluesky does not show.`;
    if (media.bytes > MAX_IMAGE_BYTES) {
      return `${where} has an image of ${(media.bytes / 1_000_000).toFixed(1)} MB; Bluesky takes images up to 1 MB.`;
    }
  }
  return undefined;
}

export async function buildEmbed(
  session: BlueskySession,
  part: OutgoingPart,
  links: string[],
  linkCards: LinkCardSource | undefined,
): Promise<Embed | undefined> {
  const images = part.media.length > 0 ? await uploadImages(session, part.media) : undefined;
  const quoted = await findQuotedPost(session, links);
  if (quoted && images) {
    return {
      $type: 'app.bsky.embed.recordWithMedia',
      record: { $type: 'app.bsky.embed.record', record: quoted.ref },
      media: { $type: 'app.bsky.embed.images', images },
    };
  }
  if (quoted) return { $type: 'app.bsky.embed.record', record: quoted.ref };
  if (images) return { $type: 'app.bsky.embed.images', images };
  const link = links[0];
  if (!link || !linkCards) return undefined;
  const card = await linkCards(link).catch(() => undefined);
  if (!card) return undefined;
  const thumb = card.thumbnail
    ? await uploadBlob(session, card.thumbnail.bytes, card.thumbnail.mimeType).catch((error: unknown) => {
        // A card without its picture is better than no post; only a lost session stops the post.
        if (error instanceof PublishStop && error.outcome.kind === 'auth_expired') throw error;
        return undefined;
      })
    : undefined;
  return {
    $type: 'app.bsky.embed.external',
    external: {
      uri: card.uri,
      title: card.title,
      description: card.description,
      ...(thumb ? { thumb } : {}),
    },
  };
}

async function uploadImages(session: BlueskySession, media: OutgoingMedia[]): Promise<ImageEmbed[]> {
  const images: ImageEmbed[] = [];
  for (const item of media) {
    const bytes = await item.read().catch((error: unknown) => {
      throw new PublishStop({
        kind: 'invalid',
        reason: `An image could not be read: ${(error as Error).message}.`,
      });
    });
    if (bytes.length > MAX_IMAGE_BYTES) {
      throw new PublishStop({
        kind: 'invalid',
        reason: 'An image is over 1 MB; Bluesky takes images up to 1 MB.',
      });
    }
    const image = await uploadBlob(session, bytes, item.mimeType);
    images.push({
      alt: item.altText.slice(0, 10_000),
      image,
      ...(item.width && item.height ? { aspectRatio: { width: item.width, height: item.height } } : {}),
    });
  }
  return images;
}

async function uploadBlob(session: BlueskySession, bytes: Buffer, mimeType: string): Promise<Blob> {
  const res = await session.xrpc.upload('com.atproto.repo.uploadBlob', bytes, mimeType, session.call);
  if (isXrpcFailure(res) || res.status !== 200) throw new PublishStop(readOutcome(res, 'the image upload'));
  return (res.body as { blob: Blob }).blob;
}

const POST_LINK = /^https:\/\/bsky\.app\/profile\/([^/?#]+)\/post\/([a-z0-9]{13})\/?(?:[?#].*)?$/i;

/**
 * A link to a Bluesky post makes the post a quote (as in Bluesky's own app). A link to a post that
 * cannot be found stays a plain link, shown as a link card.
 */
async function findQuotedPost(
  session: BlueskySession,
  links: string[],
): Promise<{ ref: StrongRef } | undefined> {
  for (const link of links) {
    const match = POST_LINK.exec(link);
    if (!match) continue;
    const actor = decodeURIComponent(match[1]!);
    const did = actor.startsWith('did:') ? actor : await session.resolveHandle(actor);
    if (!did) continue;
    const res = await session.xrpc.query(
      'com.atproto.repo.getRecord',
      { repo: did, collection: 'app.bsky.feed.post', rkey: match[2]! },
      session.call,
    );
    if (isXrpcFailure(res)) throw new PublishStop(readOutcome(res, 'the quoted post'));
    if (res.status === 200) {
      const body = res.body as { uri: string; cid: string };
      return { ref: { uri: body.uri, cid: body.cid } };
    }
    if (res.status === 429 || res.status >= 500) throw new PublishStop(readOutcome(res, 'the quoted post'));
  }
  return undefined;
}
