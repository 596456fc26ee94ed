import type { NetworkId, NetworkRules } from './network-rules.ts';

/**
 * Checks a post against one network's rules before it is queued. Every problem has a stable code
 * for clients and a message a person can act on, naming the network.
 */

export interface MediaAttachment {
  readonly mimeType: string;
  readonly bytes: number;
}

export interface PostDraft {
  readonly text: string;
  readonly media: readonly MediaAttachment[];
  readonly title?: string;
  readonly boardId?: string;
}

export type ProblemCode =
  | 'content.empty'
  | 'text.too_long'
  | 'text.forbidden_character'
  | 'title.required'
  | 'title.too_long'
  | 'title.forbidden_character'
  | 'board.required'
  | 'media.required'
  | 'media.image_required'
  | 'media.video_required'
  | 'media.too_many'
  | 'media.too_many_videos'
  | 'media.video_not_alone'
  | 'media.unsupported_type'
  | 'media.too_large';

export interface Problem {
  readonly code: ProblemCode;
  readonly message: string;
  readonly network: NetworkId;
  /** Position of the attachment concerned (0-based), for media problems about one file. */
  readonly mediaIndex?: number;
  /** The limit broken and the value found, for problems about a size or a count. */
  readonly limit?: number;
  readonly actual?: number;
}

type MediaKind = 'image' | 'video' | 'other';

function kindOf(mimeType: string): MediaKind {
  if (mimeType.startsWith('image/')) return 'image';
  if (mimeType.startsWith('video/')) return 'video';
  return 'other';
}

export function validateForNetwork(rules: NetworkRules, post: PostDraft): Problem[] {
  const problems: Problem[] = [];
  const add = (problem: Omit<Problem, 'network'>) => problems.push({ ...problem, network: rules.network });
  const name = rules.displayName;

  const kinds = post.media.map((item) => kindOf(item.mimeType));
  const images = kinds.filter((kind) => kind === 'image').length;
  const videos = kinds.filter((kind) => kind === 'video').length;
  const needsMedia = rules.requires.media || rules.requires.image || rules.requires.video;

  if (post.text.trim() === '' && post.media.length === 0 && !needsMedia) {
    add({ code: 'content.empty', message: `${name} ${rules.textLabel} need some text or an attachment.` });
  }

  const length = rules.countText(post.text);
  if (length > rules.maxLength) {
    const over = length - rules.maxLength;
    const unit = rules.lengthUnit === 'bytes' ? ' bytes' : '';
    const note = rules.countingNote ? ` (${rules.countingNote})` : '';
    add({
      code: 'text.too_long',
      message: `${name} ${rules.textLabel} can be at most ${count(rules.maxLength)} ${rules.lengthUnit}; this one has ${count(length)}${note}. Remove ${count(over)}${unit}.`,
      limit: rules.maxLength,
      actual: length,
    });
  }
  const forbiddenInText = forbiddenIn(post.text, rules);
  if (forbiddenInText) {
    add({
      code: 'text.forbidden_character',
      message: `${name} ${rules.textLabel} cannot contain ${forbiddenInText}; remove ${forbiddenInText.includes(' or ') ? 'them' : 'it'}.`,
    });
  }

  const title = post.title?.trim() ?? '';
  if (rules.requires.title && title === '') {
    add({ code: 'title.required', message: `${name} needs a title for this post; add one.` });
  }
  if (rules.titleMaxLength !== undefined && title.length > rules.titleMaxLength) {
    const over = title.length - rules.titleMaxLength;
    add({
      code: 'title.too_long',
      message: `${name} titles can be at most ${count(rules.titleMaxLength)} characters; this one has ${count(title.length)}. Remove ${count(over)}.`,
      limit: rules.titleMaxLength,
      actual: title.length,
    });
  }
  const forbiddenInTitle = forbiddenIn(title, rules);
  if (forbiddenInTitle) {
    add({
      code: 'title.forbidden_character',
      message: `${name} titles cannot contain ${forbiddenInTitle}; remove ${forbiddenInTitle.includes(' or ') ? 'them' : 'it'}.`,
    });
  }

  if (rules.requires.board && (post.boardId?.trim() ?? '') === '') {
    add({ code: 'board.required', message: `${name} needs a board to pin to; choose one.` });
  }

  if (rules.requires.video && videos === 0) {
    add({ code: 'media.video_required', message: `${name} needs a video for this post; attach one.` });
  } else if (rules.requires.image && images === 0) {
    add({ code: 'media.image_required', message: `${name} needs an image for this post; attach one.` });
  } else if (rules.requires.media && post.media.length === 0) {
    add({
      code: 'media.required',
      message: `${name} needs at least one photo or video for this post; attach one.`,
    });
  }

  const { media } = rules;
  if (post.media.length > media.maxCount) {
    add({
      code: 'media.too_many',
      message: `${name} allows at most ${count(media.maxCount)} ${plural(media.maxCount, 'attachment')} per post; this one has ${count(post.media.length)}. Remove ${count(post.media.length - media.maxCount)}.`,
      limit: media.maxCount,
      actual: post.media.length,
    });
  }
  if (media.maxVideos > 0 && videos > media.maxVideos) {
    add({
      code: 'media.too_many_videos',
      message: `${name} allows at most ${count(media.maxVideos)} ${plural(media.maxVideos, 'video')} per post; this one has ${count(videos)}. Remove ${count(videos - media.maxVideos)}.`,
      limit: media.maxVideos,
      actual: videos,
    });
  }
  if (!media.mixImagesAndVideos && videos > 0 && images > 0) {
    add({
      code: 'media.video_not_alone',
      message: `${name} cannot combine a video with images in one post; remove the images or the video.`,
    });
  }

  post.media.forEach((item, index) => {
    const label = `Attachment ${index + 1}`;
    const kind = kinds[index] ?? 'other';
    if (!media.types.includes(item.mimeType)) {
      add({
        code: 'media.unsupported_type',
        message: `${label} is ${formatName(item.mimeType)}, which ${name} does not accept; use ${listOr(acceptedFormats(media.types))}.`,
        mediaIndex: index,
      });
      return;
    }
    const limit =
      media.maxBytesByType?.[item.mimeType] ?? (kind === 'video' ? media.maxVideoBytes : media.maxImageBytes);
    if (item.bytes > limit) {
      const noun = kind === 'video' ? 'videos' : `${formatName(item.mimeType)} images`;
      const fix = kind === 'video' ? 'shorten or compress it' : 'resize or compress it';
      add({
        code: 'media.too_large',
        message: `${label} is ${formatBytes(item.bytes)}, but ${name} accepts ${noun} of at most ${formatBytes(limit)}; ${fix}.`,
        mediaIndex: index,
        limit,
        actual: item.bytes,
      });
    }
  });

  return problems;
}

const numbers = new Intl.NumberFormat('en-US');

function count(value: number): string {
  return numbers.format(value);
}

function plural(value: number, noun: string): string {
  return value === 1 ? noun : `${noun}s`;
}

function forbiddenIn(text: string, rules: NetworkRules): string | undefined {
  const found = (rules.forbiddenCharacters ?? []).filter((char) => text.includes(char));
  return found.length === 0 ? undefined : listOr(found.map((char) => `"${char}"`));
}

function listOr(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** Decimal units, as networks state their limits: 1 MB = 1,000,000 bytes. */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'KB'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) {
      const value = bytes / size;
      return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
    }
  }
  return `${bytes} bytes`;
}

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/webp': 'WebP',
  'image/gif': 'GIF',
  'image/heic': 'HEIC',
  'image/heif': 'HEIF',
  'image/avif': 'AVIF',
  'image/bmp': 'BMP',
  'image/tiff': 'TIFF',
  'video/mp4': 'MP4',
  'video/quicktime': 'MOV',
  'video/webm': 'WebM',
  'video/x-msvideo': 'AVI',
  'video/x-ms-wmv': 'WMV',
  'video/x-flv': 'FLV',
  'video/3gpp': '3GP',
  'video/mpeg': 'MPEG',
};

/** "JPEG" for image/jpeg; an unknown type is shown as given, e.g. "application/pdf". */
function formatName(mimeType: string): string {
  return FORMAT_NAMES[mimeType] ?? mimeType;
}

function acceptedFormats(types: readonly string[]): string[] {
  return [...new Set(types.map(formatName))];
}
