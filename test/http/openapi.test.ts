import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.ts';

describe('the API reference', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await fetch(`${t.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown; parameters?: { name: string }[] }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/me', '/api/auth/signup', '/api/orgs/{orgId}/webhooks']),
    );
    // Request schemas come through: sign-up documents its body, org routes their path parameter.
    expect(doc.paths['/api/auth/signup']?.post?.requestBody).toBeDefined();
    expect(doc.paths['/api/orgs/{orgId}/webhooks']?.get?.parameters?.map((p) => p.name)).toContain('orgId');
    // Internal routes stay out of it.
    expect(Object.keys(doc.paths)).not.toContain('/api/openapi.json');
  });

  it('serves the interactive reference at /api/docs', async () => {
    const res = await fetch(`${t.url}/api/docs/`, { redirect: 'follow' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/swagger/i);
  });
});
