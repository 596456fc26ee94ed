import { api } from '../../api/client.ts';
import type { Idea, Media, MediaItem, Post } from '../../api/types.ts';
import { type ScheduleMode, scheduleBody } from './SchedulePicker.tsx';
import type { AttachedMedia } from './validation.ts';

/** What the composer edits: loading it from a post or an idea, and saving a new or edited post. */

/** A further part of a thread, published as a reply to the part before it. */
export interface ThreadPartDraft {
  /** Stable while the part is edited and moved, so React keeps its textarea (and focus) with it. */
  key: string;
  text: string;
  media: AttachedMedia[];
}

export interface Draft {
  text: string;
  title: string;
  media: AttachedMedia[];
  /** Parts 2, 3, … of a thread; the same on every channel. */
  thread: ThreadPartDraft[];
  selected: Set<string>;
  /** Per-channel text replacing the shared text on that channel. */
  overrides: Record<string, string>;
}

export const EMPTY: Draft = {
  text: '',
  title: '',
  media: [],
  thread: [],
  selected: new Set(),
  overrides: {},
};

/** A post as the API answers it, with the thread the shared `Post` type does not name. */
type PostWithThread = Post & { thread?: { text: string; media: MediaItem[] }[] };

let partCount = 0;

export function newThreadPart(text = '', media: AttachedMedia[] = []): ThreadPartDraft {
  partCount += 1;
  return { key: `part-${partCount}`, text, media };
}

async function mediaFacts(
  orgId: string,
  items: { mediaId: string; altText?: string }[],
): Promise<AttachedMedia[]> {
  return Promise.all(
    items.map(async (item) => {
      const media = await api<Media>(`/api/orgs/${orgId}/media/${item.mediaId}`);
      return {
        mediaId: media.id,
        contentType: media.contentType,
        byteSize: media.byteSize,
        altText: item.altText ?? media.altText,
        previewUrl: media.thumbnailUrl ?? (media.kind === 'image' ? media.url : null),
        filename: media.filename,
      };
    }),
  );
}

export async function loadPost(orgId: string, postId: string): Promise<Draft> {
  const post = await api<PostWithThread>(`/api/orgs/${orgId}/posts/${postId}`);
  const overrides: Record<string, string> = {};
  for (const target of post.targets)
    if (target.textOverride !== null) overrides[target.channelId] = target.textOverride;
  const thread = await Promise.all(
    (post.thread ?? []).map(async (part) => newThreadPart(part.text, await mediaFacts(orgId, part.media))),
  );
  return {
    text: post.text,
    title: post.title,
    media: await mediaFacts(orgId, post.media),
    thread,
    selected: new Set(post.targets.map((t) => t.channelId)),
    overrides,
  };
}

export async function loadIdea(orgId: string, ideaId: string): Promise<Draft> {
  const idea = await api<Idea>(`/api/orgs/${orgId}/ideas/${ideaId}`);
  return {
    ...EMPTY,
    text: idea.text || idea.title,
    title: idea.title,
    media: await mediaFacts(orgId, idea.media),
  };
}

function mediaBody(media: AttachedMedia[]) {
  return media.map((m) => ({ mediaId: m.mediaId, altText: m.altText }));
}

/** What the post says on every channel, as the API takes it. */
function contentBody(draft: Draft) {
  return {
    text: draft.text,
    title: draft.title,
    media: mediaBody(draft.media),
    thread: draft.thread.map((part) => ({ text: part.text, media: mediaBody(part.media) })),
  };
}

export function createPost(
  orgId: string,
  draft: Draft,
  mode: ScheduleMode,
  localTime: string,
): Promise<Post> {
  const overrides = Object.entries(draft.overrides)
    .filter(([channelId]) => draft.selected.has(channelId))
    .map(([channelId, text]) => ({ channelId, text }));
  return api<Post>(`/api/orgs/${orgId}/posts`, {
    idempotent: true,
    body: {
      ...contentBody(draft),
      channelIds: [...draft.selected],
      overrides,
      schedule: scheduleBody(mode === 'keep' ? 'queue' : mode, localTime),
    },
  });
}

/** Saves an edited post: the shared content and thread, each channel's text, then the time if it changed. */
export async function saveEdit(
  orgId: string,
  postId: string,
  draft: Draft,
  mode: ScheduleMode,
  localTime: string,
): Promise<Post> {
  const base = `/api/orgs/${orgId}/posts/${postId}`;
  const post = await api<Post>(base, { method: 'PATCH', body: contentBody(draft) });
  for (const target of post.targets) {
    const override = draft.overrides[target.channelId] ?? null;
    const schedule = mode === 'keep' ? undefined : scheduleBody(mode, localTime);
    if (override === target.textOverride && !schedule) continue;
    await api(`${base}/targets/${target.id}`, {
      method: 'PATCH',
      body: { text: override, ...(schedule ? { schedule } : {}) },
    });
  }
  return api<Post>(base);
}
