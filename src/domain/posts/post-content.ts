/**
 * What a post says: written once, with optional per-channel changes. Media items point at files of
 * the organization's media library (whose type and size the network rules are checked against).
 */
export interface MediaItem {
  mediaId: string;
  altText: string;
}

/** A media item as a client names it; the alt text defaults to the library's. */
export interface MediaRef {
  mediaId: string;
  altText?: string | undefined;
}

export interface ThreadPart {
  text: string;
  media: MediaItem[];
}

export interface PostContent {
  text: string;
  media: MediaItem[];
  /** Further parts, published as replies in order. */
  thread: ThreadPart[];
  tags: string[];
  /** For networks that show a title (YouTube, Pinterest). */
  title: string;
}

/** A post's content as a client sends it: media may leave out their alt text. */
export interface PostContentInput {
  text: string;
  media: MediaRef[];
  thread: { text: string; media: MediaRef[] }[];
  tags: string[];
  title: string;
}

/**
 * Per-network fields of one target, kept in `post_targets.options` and handed to the adapter as the
 * post's network options: generic fields at the top, one network's own settings under its id.
 */
export interface TargetOptions {
  boardId?: string;
  title?: string;
  mastodon?: Record<string, unknown>;
}

/** A per-channel change to the post; absent fields mean "as the post". */
export interface ChannelOverride {
  channelId: string;
  text?: string | undefined;
  media?: MediaRef[] | undefined;
  title?: string | undefined;
  boardId?: string | undefined;
  mastodon?: Record<string, unknown> | undefined;
}

/** What one channel publishes: the post with that channel's changes applied. */
export interface EffectiveContent {
  text: string;
  media: MediaItem[];
  thread: ThreadPart[];
  title: string;
  boardId: string | undefined;
}

export function effectiveContent(
  post: Pick<PostContent, 'text' | 'media' | 'thread' | 'title'>,
  target: { textOverride: string | null; mediaOverride: MediaItem[] | null; options: TargetOptions },
): EffectiveContent {
  return {
    text: target.textOverride ?? post.text,
    media: target.mediaOverride ?? post.media,
    thread: post.thread,
    title: target.options.title ?? post.title,
    boardId: target.options.boardId,
  };
}

export function optionsOf(override: ChannelOverride | undefined): TargetOptions {
  const options: TargetOptions = {};
  if (override?.boardId !== undefined) options.boardId = override.boardId;
  if (override?.title !== undefined) options.title = override.title;
  if (override?.mastodon !== undefined) options.mastodon = override.mastodon;
  return options;
}
