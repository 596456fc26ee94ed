import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CreatedAccount, SimControlClient } from './control-client.ts';
import { type Simulator, startSimulator } from './server.ts';

let sim: Simulator;
let control: SimControlClient;
let masto: CreatedAccount;
let x: CreatedAccount;

beforeAll(async () => {
  sim = await startSimulator();
  control = new SimControlClient(sim.url);
});
afterAll(() => sim.close());
beforeEach(async () => {
  await control.reset();
  masto = await control.createAccount({ network: 'mastodon', username: 'alice' });
  x = await control.createAccount({ network: 'x', username: 'xuser' });
});

function status(token: string, text: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}/mastodon/api/v1/statuses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ status: text }),
  });
}

function tweet(token: string, text: string): Promise<Response> {
  return fetch(`${sim.url}/x/2/tweets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
}

describe('injected faults', () => {
  it('answers 429 with Retry-After and each network’s rate-limit headers, storing nothing', async () => {
    await control.setFaults({ global: { rateLimitRate: 1, retryAfterSeconds: 42 } });
    const m = await status(masto.accessToken, 'hi');
    expect(m.status).toBe(429);
    expect(m.headers.get('retry-after')).toBe('42');
    expect(m.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Date.parse(m.headers.get('x-ratelimit-reset')!)).toBeGreaterThan(Date.now() + 40_000);
    expect(await m.json()).toEqual({ error: 'Too many requests' });

    const t = await tweet(x.accessToken, 'hi');
    expect(t.status).toBe(429);
    expect(t.headers.get('retry-after')).toBe('42');
    expect(Number(t.headers.get('x-rate-limit-reset'))).toBeGreaterThan(Date.now() / 1000 + 40);
    expect(await t.json()).toMatchObject({ title: 'Too Many Requests', status: 429 });

    expect(await control.posts()).toHaveLength(0);
    expect((await control.stats()).networks.mastodon?.faults.rateLimited).toBe(1);
  });

  it('enforces a real per-account quota', async () => {
    await control.setFaults({ networks: { mastodon: { quota: { limit: 2, windowSeconds: 60 } } } });
    expect((await status(masto.accessToken, 'a')).status).toBe(200);
    expect((await status(masto.accessToken, 'b')).status).toBe(200);
    const limited = await status(masto.accessToken, 'c');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('2');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers 500, 502 or 503 in the network’s shape', async () => {
    await control.setFaults({ global: { serverErrorRate: 1 } });
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const res = await status(masto.accessToken, `p${i}`);
      seen.add(res.status);
      if (res.status === 502) expect(res.headers.get('content-type')).toBe('text/html');
      await res.arrayBuffer();
    }
    expect([...seen].sort()).toEqual([500, 502, 503]);
    expect(await control.posts()).toHaveLength(0);
  });

  it('stores the post and then never answers on timeout-after-store', async () => {
    await control.setFaults({ global: { timeoutAfterStoreRate: 1, hangMs: 100 } });
    await expect(status(masto.accessToken, 'lost answer')).rejects.toThrow();
    await expect(tweet(x.accessToken, 'lost answer')).rejects.toThrow();
    const posts = await control.posts();
    expect(posts.map((p) => [p.network, p.text])).toEqual([
      ['mastodon', 'lost answer'],
      ['x', 'lost answer'],
    ]);
    expect((await control.stats()).networks.x?.faults.timeoutAfterStore).toBe(1);
  });

  it('lets a timed-out Mastodon post be retried safely with the same Idempotency-Key', async () => {
    await control.setFaults({ global: { timeoutAfterStoreRate: 1, hangMs: 50 } });
    await expect(status(masto.accessToken, 'retry me', { 'Idempotency-Key': 't1' })).rejects.toThrow();
    await control.setFaults({});
    expect((await status(masto.accessToken, 'retry me', { 'Idempotency-Key': 't1' })).status).toBe(200);
    expect(await control.posts()).toHaveLength(1);
    expect((await control.stats()).duplicates.byText).toBe(0);
  });

  it('drops the connection before storing', async () => {
    await control.setFaults({ global: { dropBeforeStoreRate: 1 } });
    await expect(status(masto.accessToken, 'never')).rejects.toThrow();
    expect(await control.posts()).toHaveLength(0);
    expect((await control.stats()).networks.mastodon?.faults.dropBeforeStore).toBe(1);
  });

  it('expires the presented token: 401 now and until a new token is used', async () => {
    await control.setFaults({ global: { expiredTokenRate: 1 } });
    const res = await status(masto.accessToken, 'hi');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'The access token expired' });
    await control.setFaults({});
    expect((await status(masto.accessToken, 'hi')).status).toBe(401);

    const fresh = (await (
      await fetch(`${sim.url}/_sim/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ account: 'alice' }),
      })
    ).json()) as { accessToken: string };
    expect((await status(fresh.accessToken, 'hi')).status).toBe(200);
  });

  it('expires tokens through the control API', async () => {
    expect(await control.expireTokens({ account: x.id })).toBe(1);
    const res = await tweet(x.accessToken, 'hi');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ title: 'Unauthorized', status: 401 });
  });

  it('adds latency', async () => {
    await control.setFaults({ global: { latency: { kind: 'fixed', ms: 150 } } });
    const started = performance.now();
    await (await status(masto.accessToken, 'slow')).arrayBuffer();
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('layers settings: account over network over global', async () => {
    const bob = await control.createAccount({ network: 'mastodon', username: 'bob' });
    await control.setFaults({
      global: { serverErrorRate: 1 },
      networks: { x: { serverErrorRate: 0, rateLimitRate: 1 } },
      accounts: { alice: { serverErrorRate: 0 } },
    });
    expect((await status(masto.accessToken, 'a')).status).toBe(200);
    expect((await status(bob.accessToken, 'b')).status).toBeGreaterThanOrEqual(500);
    expect((await tweet(x.accessToken, 'c')).status).toBe(429);
  });

  it('confines faults to writes with scope: writes', async () => {
    await control.setFaults({ global: { serverErrorRate: 1, scope: 'writes' } });
    const me = await fetch(`${sim.url}/x/2/users/me`, {
      headers: { authorization: `Bearer ${x.accessToken}` },
    });
    expect(me.status).toBe(200);
    expect((await tweet(x.accessToken, 'w')).status).toBeGreaterThanOrEqual(500);
  });

  it('reproduces the same fault sequence from the same seed', async () => {
    const run = async () => {
      await control.setFaults({ seed: 7, global: { serverErrorRate: 0.5 } });
      const codes: number[] = [];
      for (let i = 0; i < 30; i++) {
        const res = await status(masto.accessToken, `s${i}`);
        codes.push(res.status);
        await res.arrayBuffer();
      }
      return codes;
    };
    const first = await run();
    expect(first).toContain(200);
    expect(first.some((c) => c >= 500)).toBe(true);
    expect(await run()).toEqual(first);
  });

  it('rejects an invalid fault shape', async () => {
    const res = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ global: { serverErrorRate: 2 } }),
    });
    expect(res.status).toBe(400);
    expect(() => sim.setFaults({ global: { latency: { kind: 'fixed', ms: -1 } } })).toThrow();
  });
});
