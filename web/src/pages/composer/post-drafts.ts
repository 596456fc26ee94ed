import { api } from '../../api/client.ts';
import type { Idea, Media, Post } from '../../api/types.ts';
import { type ScheduleMode, scheduleBody } from './SchedulePicker.tsx';
import type { AttachedMedia } from './validation.ts';

/** What the composer edits: loading it from a post or an idea, and saving an edited post. */

export interface Draft {
  text: string;
  title: string;
  media: AttachedMedia[];
  selected: Set<string>;
  /** Per-channel text replacing the shared text on that channel. */
  overrides: Record<string, string>;
}

export const EMPTY: Draft = { text: '', title: '', media: [], selected: new Set(), overrides: {} };

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
  const post = await api<Post>(`/api/orgs/${orgId}/posts/${postId}`);
  const overrides: Record<string, string> = {};
  for (const target of post.targets)
    if (target.textOverride !== null) overrides[target.channelId] = target.textOverride;
  return {
    text: post.text,
    title: post.title,
    media: await mediaFacts(orgId, post.media),
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

/** Saves an edited post: the shared content, each channel's text, then the time if it changed. */
export async function saveEdit(
  orgId: string,
  postId: string,
  draft: Draft,
  media: { mediaId: string; altText: string }[],
  mode: ScheduleMode,
  localTime: string,
): Promise<Post> {
  const base = `/api/orgs/${orgId}/posts/${postId}`;
  const post = await api<Post>(base, {
    method: 'PATCH',
    body: { text: draft.text, title: draft.title, media },
  });
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
