import { randomUUID } from 'node:crypto';
import type { Sql } from '../../src/db/connection.ts';
import type { Clock } from '../../src/ports/clock.ts';
import { type HttpClient, type HttpResult, signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/** A clock the test sets: the app computes slots from this "now". */
export class TestClock implements Clock {
  private current: number;
  constructor(iso: string) {
    this.current = Date.parse(iso);
  }
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = Date.parse(iso);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export async function startQueueApp(nowIso: string): Promise<{ t: TestApp; clock: TestClock }> {
  const clock = new TestClock(nowIso);
  const t = await startTestApp({ clock });
  return { t, clock };
}

export interface Member {
  client: HttpClient;
  userId: string;
  orgId: string;
}

/** A fresh owner of a fresh organization. */
export async function signUpOwner(url: string): Promise<Member> {
  const { client, userId, organizationId } = await signUpUser(url);
  return { client, userId, orgId: organizationId };
}

/** Another person who joins `orgId` with `role` (set up directly: invitations are tested elsewhere). */
export async function addMember(
  t: TestApp,
  orgId: string,
  role: 'admin' | 'editor' | 'contributor',
): Promise<Member> {
  const { client, userId } = await signUpUser(t.url);
  await t.sql`insert into memberships (organization_id, user_id, role) values (${orgId}, ${userId}, ${role})`;
  return { client, userId, orgId };
}

export interface ChannelBody {
  network?: string;
  handle?: string;
  timezone?: string;
  schedule?: Record<string, string[]>;
  credentials?: Record<string, unknown>;
}

export interface Channel {
  id: string;
  network: string;
  handle: string;
  timezone: string;
  schedule: Record<string, string[]>;
  paused: boolean;
}

export async function createChannel(member: Member, body: ChannelBody = {}): Promise<Channel> {
  const handle = body.handle ?? `acct-${randomUUID().slice(0, 8)}`;
  const res = await member.client.post<Channel>(`/api/orgs/${member.orgId}/channels`, {
    network: 'mastodon',
    accountId: handle,
    handle,
    ...body,
  });
  if (res.status !== 201) throw new Error(`channel not created: ${res.status} ${res.text}`);
  return res.body;
}

export interface Target {
  id: string;
  postId: string;
  channelId: string;
  status: string;
  slot: 'queue' | 'custom' | null;
  dueAt: string | null;
  text: string;
  requestedSchedule: { mode: string; dueAt?: string } | null;
  rejectionReason: string | null;
}

export interface Post {
  id: string;
  text: string;
  targets: Target[];
  rejectionReason: string | null;
  approvedBy: string | null;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export async function createPost(
  member: Member,
  body: Record<string, unknown>,
  headers?: Record<string, string>,
): Promise<HttpResult<Post & ErrorBody>> {
  return member.client.post<Post & ErrorBody>(`/api/orgs/${member.orgId}/posts`, body, headers);
}

/** Adds a post to one channel (mode `queue` unless given); fails the test on any error. */
export async function addPost(
  member: Member,
  channelId: string,
  text: string,
  schedule: Record<string, unknown> = { mode: 'queue' },
): Promise<Target> {
  const res = await createPost(member, { text, channelIds: [channelId], schedule });
  if (res.status !== 201) throw new Error(`post not created: ${res.status} ${res.text}`);
  return res.body.targets[0]!;
}

/** The channel's queue as [text, dueAt, slot] in order, every page. */
export async function queueOf(member: Member, channelId: string): Promise<[string, string, string][]> {
  const rows: [string, string, string][] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${cursor}` : '?limit=100';
    const res = await member.client.get<{ items: Target[]; nextCursor: string | null }>(
      `/api/orgs/${member.orgId}/channels/${channelId}/queue${query}`,
    );
    if (res.status !== 200) throw new Error(`queue not listed: ${res.status} ${res.text}`);
    for (const item of res.body.items) rows.push([item.text, item.dueAt!, item.slot!]);
    cursor = res.body.nextCursor;
  } while (cursor);
  return rows;
}

/** A media item in the organization's library, as an upload would leave it. */
export async function seedMedia(
  sql: Sql,
  orgId: string,
  contentType: string,
  byteSize: number,
): Promise<string> {
  const id = randomUUID();
  await sql`
    insert into media (id, organization_id, kind, content_type, byte_size, sha256, storage_key)
    values (${id}, ${orgId}, ${contentType.startsWith('video/') ? 'video' : 'image'}, ${contentType},
            ${byteSize}, ${'0'.repeat(64)}, ${`test/${id}`})`;
  return id;
}

/** Weekdays with the same times. */
export function everyDay(...times: string[]): Record<string, string[]> {
  return { mon: times, tue: times, wed: times, thu: times, fri: times, sat: times, sun: times };
}
