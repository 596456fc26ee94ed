import {
  countGraphemes,
  countMastodonLength,
  countThreadsLength,
  countUtf8Bytes,
  countUtf16Units,
  countXWeightedLength,
} from './counting.ts';

/**
 * What each network accepts, as data. Shared code (the composer's validation, the publisher) reads
 * these fields and never branches on a network's name. Sources are noted per network; where a
 * network documents "characters" without saying how it counts them, we count UTF-16 code units,
 * the largest usual measure, so a post we accept is never refused for length.
 */

export const NETWORK_IDS = [
  'x',
  'bluesky',
  'mastodon',
  'linkedin',
  'threads',
  'facebook',
  'instagram',
  'pinterest',
  'youtube',
] as const;
export type NetworkId = (typeof NETWORK_IDS)[number];

export interface MediaLimits {
  /** Attachments per post, images and videos together. */
  readonly maxCount: number;
  /** Accepted MIME types. */
  readonly types: readonly string[];
  readonly maxImageBytes: number;
  readonly maxVideoBytes: number;
  /** Stricter or looser limits for particular types, e.g. animated GIFs on X. */
  readonly maxBytesByType?: Readonly<Record<string, number>>;
  readonly maxVideos: number;
  /** Whether one post may carry both images and a video (a carousel), or a video must be alone. */
  readonly mixImagesAndVideos: boolean;
}

export interface NetworkRules {
  readonly network: NetworkId;
  /** The network's name as people know it, used in messages. */
  readonly displayName: string;
  /** What the text is called there, plural: "posts", "captions", "video descriptions". */
  readonly textLabel: string;
  readonly maxLength: number;
  /** The unit `countText` returns, for messages. */
  readonly lengthUnit: 'characters' | 'bytes';
  readonly countText: (text: string) => number;
  /** How the count differs from plain characters, for messages; absent when it does not. */
  readonly countingNote?: string;
  /** Characters the network refuses in the text and title. */
  readonly forbiddenCharacters?: readonly string[];
  /** For networks with a title; counted in UTF-16 code units. */
  readonly titleMaxLength?: number;
  readonly media: MediaLimits;
  readonly requires: {
    readonly media?: boolean;
    readonly image?: boolean;
    readonly video?: boolean;
    readonly title?: boolean;
    readonly board?: boolean;
  };
}

const MB = 1_000_000;
const GB = 1_000_000_000;

const X: NetworkRules = {
  // docs.x.com, Media upload: images 5 MB, GIF 15 MB, video 512 MB; up to 4 photos, 1 GIF or 1 video.
  network: 'x',
  displayName: 'X',
  textLabel: 'posts',
  maxLength: 280,
  lengthUnit: 'characters',
  countText: countXWeightedLength,
  countingNote: 'every link counts as 23, and emoji and CJK characters as 2',
  media: {
    maxCount: 4,
    types: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'video/mp4', 'video/quicktime'],
    maxImageBytes: 5 * MB,
    maxVideoBytes: 512 * MB,
    maxBytesByType: { 'image/gif': 15 * MB },
    maxVideos: 1,
    mixImagesAndVideos: false,
  },
  requires: {},
};

const BLUESKY: NetworkRules = {
  // app.bsky.feed.post text: maxGraphemes 300. app.bsky.embed.images: 4 images, 1,000,000 bytes each.
  // app.bsky.embed.video: one video/mp4, up to 100,000,000 bytes.
  network: 'bluesky',
  displayName: 'Bluesky',
  textLabel: 'posts',
  maxLength: 300,
  lengthUnit: 'characters',
  countText: countGraphemes,
  media: {
    maxCount: 4,
    types: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'video/mp4'],
    maxImageBytes: 1 * MB,
    maxVideoBytes: 100 * MB,
    maxVideos: 1,
    mixImagesAndVideos: false,
  },
  requires: {},
};

const MASTODON: NetworkRules = {
  // Mastodon's defaults (mastodon.social's /api/v2/instance): 500 characters, 4 attachments, images
  // 16 MiB, videos 99 MiB; one video, not mixed with images. A server may configure other limits.
  network: 'mastodon',
  displayName: 'Mastodon',
  textLabel: 'posts',
  maxLength: 500,
  lengthUnit: 'characters',
  countText: countMastodonLength,
  countingNote: 'every link counts as 23, and a mention counts only its @user part',
  media: {
    maxCount: 4,
    types: [
      'image/jpeg',
      'image/png',
      'image/gif',
      'image/webp',
      'image/heic',
      'image/heif',
      'image/avif',
      'video/mp4',
      'video/webm',
      'video/quicktime',
    ],
    maxImageBytes: 16_777_216,
    maxVideoBytes: 103_809_024,
    maxVideos: 1,
    mixImagesAndVideos: false,
  },
  requires: {},
};

const LINKEDIN: NetworkRules = {
  // Posts API commentary: 3,000 characters. Multi-image posts: up to 20 images. Videos API: MP4,
  // 75 KB to 500 MB. Images: JPEG, PNG, GIF, about 5 MB.
  network: 'linkedin',
  displayName: 'LinkedIn',
  textLabel: 'posts',
  maxLength: 3_000,
  lengthUnit: 'characters',
  countText: countUtf16Units,
  media: {
    maxCount: 20,
    types: ['image/jpeg', 'image/png', 'image/gif', 'video/mp4'],
    maxImageBytes: 5 * MB,
    maxVideoBytes: 500 * MB,
    maxVideos: 1,
    mixImagesAndVideos: false,
  },
  requires: {},
};

const THREADS: NetworkRules = {
  // Threads API, Posts: 500 characters, emoji counted as their UTF-8 bytes; carousels up to 20
  // images and videos. Media specifications: JPEG/PNG up to 8 MB; MOV/MP4 up to 1 GB.
  network: 'threads',
  displayName: 'Threads',
  textLabel: 'posts',
  maxLength: 500,
  lengthUnit: 'characters',
  countText: countThreadsLength,
  countingNote: 'each emoji counts as its size in bytes, usually 4',
  media: {
    maxCount: 20,
    types: ['image/jpeg', 'image/png', 'video/mp4', 'video/quicktime'],
    maxImageBytes: 8 * MB,
    maxVideoBytes: 1 * GB,
    maxVideos: 20,
    mixImagesAndVideos: true,
  },
  requires: {},
};

const FACEBOOK: NetworkRules = {
  // Page posts: 63,206 characters. Graph API page photos: JPEG, BMP, PNG, GIF, TIFF, 4 MB or less;
  // videos up to 10 GB. Several photos, or one video on its own.
  network: 'facebook',
  displayName: 'Facebook',
  textLabel: 'posts',
  maxLength: 63_206,
  lengthUnit: 'characters',
  countText: countUtf16Units,
  media: {
    maxCount: 10,
    types: [
      'image/jpeg',
      'image/png',
      'image/gif',
      'image/bmp',
      'image/tiff',
      'video/mp4',
      'video/quicktime',
    ],
    maxImageBytes: 4 * MB,
    maxVideoBytes: 10 * GB,
    maxVideos: 1,
    mixImagesAndVideos: false,
  },
  requires: {},
};

const INSTAGRAM: NetworkRules = {
  // Instagram Graph API content publishing: captions 2,200 characters; images JPEG only, 8 MB;
  // reels MOV/MP4, 300 MB; carousels up to 10 images and videos. Every post needs media.
  network: 'instagram',
  displayName: 'Instagram',
  textLabel: 'captions',
  maxLength: 2_200,
  lengthUnit: 'characters',
  countText: countUtf16Units,
  media: {
    maxCount: 10,
    types: ['image/jpeg', 'video/mp4', 'video/quicktime'],
    maxImageBytes: 8 * MB,
    maxVideoBytes: 300 * MB,
    maxVideos: 10,
    mixImagesAndVideos: true,
  },
  requires: { media: true },
};

const PINTEREST: NetworkRules = {
  // Pinterest API v5 pins: a board and an image are required; description 500 and title 100
  // characters; images (BMP, JPEG, PNG, TIFF, GIF, WebP) up to 20 MB; carousels up to 5 images.
  network: 'pinterest',
  displayName: 'Pinterest',
  textLabel: 'Pin descriptions',
  maxLength: 500,
  lengthUnit: 'characters',
  countText: countUtf16Units,
  titleMaxLength: 100,
  media: {
    maxCount: 5,
    types: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/bmp', 'image/tiff'],
    maxImageBytes: 20 * MB,
    maxVideoBytes: 0,
    maxVideos: 0,
    mixImagesAndVideos: false,
  },
  requires: { image: true, board: true },
};

const YOUTUBE: NetworkRules = {
  // YouTube Data API videos.insert: snippet.title up to 100 characters, snippet.description up to
  // 5,000 bytes, neither may contain < or >; one video file of up to 256 GB.
  network: 'youtube',
  displayName: 'YouTube',
  textLabel: 'video descriptions',
  maxLength: 5_000,
  lengthUnit: 'bytes',
  countText: countUtf8Bytes,
  countingNote: 'measured in UTF-8 bytes: accented letters take 2, most emoji 4',
  forbiddenCharacters: ['<', '>'],
  titleMaxLength: 100,
  media: {
    maxCount: 1,
    types: [
      'video/mp4',
      'video/quicktime',
      'video/webm',
      'video/x-msvideo',
      'video/x-ms-wmv',
      'video/x-flv',
      'video/3gpp',
      'video/mpeg',
    ],
    maxImageBytes: 0,
    maxVideoBytes: 256 * GB,
    maxVideos: 1,
    mixImagesAndVideos: false,
  },
  requires: { video: true, title: true },
};

export const NETWORK_RULES: Readonly<Record<NetworkId, NetworkRules>> = {
  x: X,
  bluesky: BLUESKY,
  mastodon: MASTODON,
  linkedin: LINKEDIN,
  threads: THREADS,
  facebook: FACEBOOK,
  instagram: INSTAGRAM,
  pinterest: PINTEREST,
  youtube: YOUTUBE,
};

export function rulesFor(network: NetworkId): NetworkRules {
  return NETWORK_RULES[network];
}
