import type { Sql } from '../../src/db/connection.ts';
import type { SecretBox } from '../../src/security/secret-box.ts';

/**
 * Rows for publishing tests and benchmarks, written straight to the database in bulk (a benchmark
 * needs 10,000 channels in a second, not 10,000 HTTP calls). The publisher reads exactly these rows.
 */
export async function seedOrganization(
  sql: Sql,
  name = 'Publishing Test Org',
): Promise<{ organizationId: string; userId: string }> {
  const [user] = await sql<{ id: string }[]>`
    insert into users (email, name, password_hash)
    values (${`author-${crypto.randomUUID()}@example.com`}, 'Author', 'not-a-real-hash') returning id`;
  const [org] = await sql<{ id: string }[]>`insert into organizations (name) values (${name}) returning id`;
  await sql`insert into memberships (organization_id, user_id, role) values (${org!.id}, ${user!.id}, 'owner')`;
  return { organizationId: org!.id, userId: user!.id };
}

export interface ChannelSpec {
  network: string;
  accountId: string;
  handle: string;
  serviceUrl: string;
  credentials?: { accessToken: string; refreshToken?: string } | null;
}

export async function seedChannels(
  sql: Sql,
  box: SecretBox,
  organizationId: string,
  specs: ChannelSpec[],
): Promise<string[]> {
  const ids = specs.map(() => crypto.randomUUID());
  const sealed = specs.map((s, i) =>
    s.credentials ? box.seal(JSON.stringify(s.credentials), `channel:${ids[i]}`) : null,
  );
  for (let i = 0; i < specs.length; i += 5_000) {
    const slice = <T>(a: T[]) => a.slice(i, i + 5_000);
    await sql`
      insert into channels (id, organization_id, network, account_id, handle, service_url, credentials_sealed)
      select * from unnest(${slice(ids)}::uuid[], ${slice(specs.map(() => organizationId))}::uuid[],
                           ${slice(specs.map((s) => s.network))}::text[], ${slice(specs.map((s) => s.accountId))}::text[],
                           ${slice(specs.map((s) => s.handle))}::text[], ${slice(specs.map((s) => s.serviceUrl))}::text[],
                           ${slice(sealed)}::text[])`;
  }
  return ids;
}

export interface TargetSpec {
  channelId: string;
  text: string;
  dueAt: Date;
  status?: 'queued' | 'scheduled';
  thread?: { text: string }[];
}

/** One post per target (as the composer makes for a single channel). Returns target ids in order. */
export async function seedTargets(
  sql: Sql,
  organizationId: string,
  authorUserId: string | null,
  specs: TargetSpec[],
): Promise<string[]> {
  const postIds = specs.map(() => crypto.randomUUID());
  const targetIds = specs.map(() => crypto.randomUUID());
  for (let i = 0; i < specs.length; i += 5_000) {
    const part = specs.slice(i, i + 5_000);
    const posts = postIds.slice(i, i + 5_000);
    const targets = targetIds.slice(i, i + 5_000);
    await sql.begin(async (tx) => {
      await tx`
        insert into posts (id, organization_id, author_user_id, text, thread)
        select id, ${organizationId}, ${authorUserId}, text, thread::jsonb
        from unnest(${posts}::uuid[], ${part.map((s) => s.text)}::text[],
                    ${part.map((s) => JSON.stringify(s.thread ?? []))}::text[]) as v(id, text, thread)`;
      await tx`
        insert into post_targets (id, post_id, organization_id, channel_id, status, due_at)
        select id, post_id, ${organizationId}, channel_id, status, due_at
        from unnest(${targets}::uuid[], ${posts}::uuid[], ${part.map((s) => s.channelId)}::uuid[],
                    ${part.map((s) => s.status ?? 'scheduled')}::text[],
                    ${part.map((s) => s.dueAt.toISOString())}::timestamptz[]) as v(id, post_id, channel_id, status, due_at)`;
      await tx`select pg_notify('spool_due', 'seed')`;
    });
  }
  return targetIds;
}

export interface TargetRow {
  id: string;
  status: string;
  attempts: number;
  network_post_id: string | null;
  network_post_url: string | null;
  last_error_code: string | null;
  last_error: string | null;
  published_at: Date | null;
  due_at: Date;
}

export async function targetRows(sql: Sql, ids: string[]): Promise<TargetRow[]> {
  const rows = await sql<TargetRow[]>`
    select id, status, attempts, network_post_id, network_post_url, last_error_code, last_error, published_at, due_at
    from post_targets where id = any(${ids}::uuid[])`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)!).filter(Boolean);
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
