import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface MeBody {
  user: { id: string; email: string; name: string; timezone: string };
  organizations: { id: string }[];
  authenticatedWith: string;
  csrfToken?: string;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { field?: string; issues?: { path: string }[] } };
}
interface DigestBody {
  enabled: boolean;
  weekday: string;
  hour: number;
  timezone: string;
}

describe('a person’s profile and digest preferences', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('changes the name and time zone, answers like GET /api/me, and keeps the change', async () => {
    const { client, userId, organizationId } = await signUpUser(t.url);
    const res = await client.patch<MeBody>('/api/me', {
      name: '  Ana Lima  ',
      timezone: 'America/Sao_Paulo',
    });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: userId, name: 'Ana Lima', timezone: 'America/Sao_Paulo' });
    expect(res.body.organizations.map((o) => o.id)).toEqual([organizationId]);
    expect(res.body.authenticatedWith).toBe('session');
    expect(res.body.csrfToken).toBe(client.csrfToken);

    const me = await client.get<MeBody>('/api/me');
    expect(me.body.user).toMatchObject({ name: 'Ana Lima', timezone: 'America/Sao_Paulo' });

    // One field at a time leaves the other alone; zone names are stored in their canonical spelling.
    const zoneOnly = await client.patch<MeBody>('/api/me', { timezone: 'europe/paris' });
    expect(zoneOnly.body.user).toMatchObject({ name: 'Ana Lima', timezone: 'Europe/Paris' });
  });

  it('records a change in the organization’s audit log, and no entry for a change to nothing', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    await client.patch('/api/me', { name: 'Bea', timezone: 'Asia/Tokyo' });
    await client.patch('/api/me', { name: 'Bea', timezone: 'Asia/Tokyo' });
    const log = await client.get<{ events: { action: string; details: Record<string, unknown> }[] }>(
      `/api/orgs/${organizationId}/audit-events`,
    );
    const changes = log.body.events.filter((e) => e.action === 'user.profile_changed');
    expect(changes).toEqual([
      expect.objectContaining({ details: { changed: 'name,timezone', timezone: 'Asia/Tokyo' } }),
    ]);
  });

  it('refuses an unknown time zone or an empty name, naming the field, and changes nothing', async () => {
    const { client } = await signUpUser(t.url);
    for (const timezone of ['Mars/Olympus_Mons', '+02:00', 'Not a zone']) {
      const bad = await client.patch<ErrorBody>('/api/me', { name: 'Never saved', timezone });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('profile.invalid_timezone');
      expect(bad.body.error.details?.field).toBe('timezone');
      expect(bad.body.error.message).toContain(timezone);
    }
    const blank = await client.patch<ErrorBody>('/api/me', { name: '   ' });
    expect(blank.status).toBe(400);
    expect(blank.body.error.details?.issues?.map((i) => i.path)).toEqual(['body.name']);
    const long = await client.patch<ErrorBody>('/api/me', { name: 'x'.repeat(101) });
    expect(long.body.error.details?.issues?.map((i) => i.path)).toEqual(['body.name']);

    const me = await client.get<MeBody>('/api/me');
    expect(me.body.user).toMatchObject({ name: 'Test Person', timezone: 'UTC' });
  });

  it('starts every digest on Monday at 08:00, changes it, and keeps each field it was not given', async () => {
    const { client } = await signUpUser(t.url);
    const initial = await client.get<DigestBody>('/api/me/digest');
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({ enabled: true, weekday: 'monday', hour: 8, timezone: 'UTC' });

    const changed = await client.patch<DigestBody>('/api/me/digest', {
      enabled: false,
      weekday: 'friday',
      hour: 17,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ enabled: false, weekday: 'friday', hour: 17, timezone: 'UTC' });

    await client.patch('/api/me/digest', { enabled: true });
    // The hour is read in the profile's time zone, which the digest answer names.
    await client.patch('/api/me', { timezone: 'Australia/Sydney' });
    const after = await client.get<DigestBody>('/api/me/digest');
    expect(after.body).toEqual({ enabled: true, weekday: 'friday', hour: 17, timezone: 'Australia/Sydney' });
  });

  it('refuses an unknown weekday or an hour outside 0–23, naming each field', async () => {
    const { client } = await signUpUser(t.url);
    const bad = await client.patch<ErrorBody>('/api/me/digest', { weekday: 'someday', hour: 24 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('request.invalid');
    expect(bad.body.error.details?.issues?.map((i) => i.path).sort()).toEqual(['body.hour', 'body.weekday']);
    for (const hour of [-1, 7.5, '8']) {
      const res = await client.patch<ErrorBody>('/api/me/digest', { hour });
      expect(res.status).toBe(400);
      expect(res.body.error.details?.issues?.map((i) => i.path)).toEqual(['body.hour']);
    }
    const notBoolean = await client.patch<ErrorBody>('/api/me/digest', { enabled: 'yes' });
    expect(notBoolean.body.error.details?.issues?.map((i) => i.path)).toEqual(['body.enabled']);
    expect((await client.get<DigestBody>('/api/me/digest')).body).toMatchObject({
      weekday: 'monday',
      hour: 8,
    });
  });

  it('keeps the columns valid even for writes that bypass the API', async () => {
    const { userId } = await signUpUser(t.url);
    await expect(t.sql`update users set digest_hour = 24 where id = ${userId}`).rejects.toThrow(
      /users_digest_hour_check/,
    );
    await expect(t.sql`update users set digest_weekday = 0 where id = ${userId}`).rejects.toThrow(
      /users_digest_weekday_check/,
    );
  });

  it('answers 401 to callers who are not signed in', async () => {
    const anonymous = new HttpClient(t.url);
    for (const [method, path] of [
      ['PATCH', '/api/me'],
      ['GET', '/api/me/digest'],
      ['PATCH', '/api/me/digest'],
    ] as const) {
      const res = await anonymous.request<ErrorBody>(
        method,
        path,
        method === 'GET' ? undefined : { hour: 9 },
      );
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe('auth.required');
    }
  });

  it('lets an API token read with the read scope and change with the write scope', async () => {
    const { client } = await signUpUser(t.url);
    const readOnly = await client.post<{ token: string }>('/api/tokens', { name: 'r', scopes: ['read'] });
    const reader = new HttpClient(t.url).withBearer(readOnly.body.token);
    expect((await reader.get('/api/me/digest')).status).toBe(200);
    const denied = await reader.patch<ErrorBody>('/api/me/digest', { hour: 6 });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('auth.insufficient_scope');

    const readWrite = await client.post<{ token: string }>('/api/tokens', { name: 'rw' });
    const writer = new HttpClient(t.url).withBearer(readWrite.body.token);
    expect((await writer.patch<DigestBody>('/api/me/digest', { hour: 6 })).body.hour).toBe(6);
    const renamed = await writer.patch<MeBody>('/api/me', { name: 'Scripted' });
    expect(renamed.body.user.name).toBe('Scripted');
    expect(renamed.body.authenticatedWith).toBe('token');
    expect(renamed.body).not.toHaveProperty('csrfToken');
  });

  it('documents the new routes in the OpenAPI reference', async () => {
    const doc = (await (await fetch(`${t.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    expect(doc.paths['/api/me']?.patch?.requestBody).toBeDefined();
    expect(doc.paths['/api/me/digest']?.get).toBeDefined();
    expect(doc.paths['/api/me/digest']?.patch?.requestBody).toBeDefined();
  });
});
