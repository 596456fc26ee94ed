/** The API's answers as the dashboard reads them (dates arrive as ISO strings). */

export type Role = 'owner' | 'admin' | 'editor' | 'contributor';

export interface Organization {
  id: string;
  name: string;
  role: Role;
}

export interface Me {
  user: { id: string; email: string; name: string; timezone: string; createdAt: string };
  organizations: Organization[];
  csrfToken?: string;
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface Channel {
  id: string;
  network: string;
  accountId: string;
  handle: string;
  displayName: string;
  avatarUrl: string | null;
  serviceUrl: string | null;
  timezone: string;
  schedule: Partial<Record<Weekday, string[]>>;
  paused: boolean;
  pausedAt: string | null;
  connectionState: 'connected' | 'needs_reconnect' | 'disconnected';
  connectionError: string | null;
  hasCredentials: boolean;
}

export interface ProfileGroup {
  id: string;
  name: string;
  channelIds: string[];
}

export type TargetStatus =
  | 'draft'
  | 'awaiting_approval'
  | 'queued'
  | 'scheduled'
  | 'publishing'
  | 'published'
  | 'failed'
  | 'unconfirmed';

export interface MediaItem {
  mediaId: string;
  altText?: string;
}

export interface Target {
  id: string;
  postId: string;
  channelId: string;
  status: TargetStatus;
  slot: 'queue' | 'custom' | null;
  dueAt: string | null;
  text: string;
  media: MediaItem[];
  title: string;
  tags: string[];
  textOverride: string | null;
  rejectionReason: string | null;
  publishedAt: string | null;
  networkPostUrl: string | null;
  lastError: { code: string | null; message: string } | null;
  requestedSchedule: unknown;
}

export interface Post {
  id: string;
  text: string;
  media: MediaItem[];
  tags: string[];
  title: string;
  authorUserId: string | null;
  targets: Target[];
}

export interface Media {
  id: string;
  kind: 'image' | 'video';
  contentType: string;
  byteSize: number;
  filename: string;
  altText: string;
  url: string;
  thumbnailUrl: string | null;
}

export interface IdeaColumn {
  id: string;
  name: string;
  position: number;
  ideaCount: number;
}

export interface Idea {
  id: string;
  columnId: string;
  position: number;
  title: string;
  text: string;
  media: { mediaId: string; altText: string }[];
  tags: string[];
  postIds: string[];
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
}

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  active?: boolean;
}

/** What a live event says: a post's copy on one channel changed status or time. */
export interface TargetEvent {
  org: string;
  target: string;
  post: string;
  channel: string;
  status: TargetStatus;
}
