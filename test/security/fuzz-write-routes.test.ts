import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteRecord } from '../../src/http/app.ts';
import type { HttpClient, HttpResult } from '../support/http-client.ts';
import { startTestApp } from '../support/test-app.ts';
import {
  createOrganization,
  createUser,
  fillPath,
  hasErrorEnvelope,
  isDeliberatelyUnavailable,
  isWrite,
  type JsonSchema,
  pathParamNames,
  requestSchemasOf,
  routeKey,
  signedInClient,
  type TestUser,
} from './route-table.ts';

/**
 * Hostile input on every route that takes input, generated from the routes' own schemas and sent by
 * a signed-in owner (so it gets past authorization): every answer must be 2xx (the input happened
 * to be valid) or 4xx with the error envelope, never 5xx. Seeded and bounded, so it stays fast and
 * a failure can be replayed with FUZZ_SEED.
 */
const BASE_SEED = Number(process.env.FUZZ_SEED ?? 20_250_611);
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 25);
const BODY_LIMIT = 1024 * 1024;
const POLLUTION_MARKER = 'spoolPolluted';

const t = await startTestApp({ env: { API_RATE_LIMIT_PER_MINUTE: '1000000' } });
const targets = t.app.routeTable.filter(
  (route) => route.method !== 'HEAD' && (isWrite(route) || Object.keys(requestSchemasOf(route)).length > 0),
);

let owner: TestUser;
beforeAll(async () => {
  owner = await createUser(t.sql, 'fuzz-owner');
});
afterAll(async () => {
  await t.close();
});

type Body = { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; contentType: string | undefined };
interface FuzzCase {
  params: Record<string, string>;
  /** Path segments sent exactly as given: broken percent-encodings, dot segments. */
  encodedParams: Record<string, string>;
  query: [string, string][];
  body: Body | undefined;
}

// ---- Hostile values ----

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uFFFE',
  '\u202Egnp.exe',
  '<script>alert(1)</script>',
  "' or 1=1 --",
  '../../etc/passwd',
  '%00',
  `\${7*7}{{7*7}}`, // template injection probes
  '\r\nSet-Cookie: spool_session=x',
  'null',
  'NaN',
  '-1',
  '1e309',
  '__proto__',
  'x'.repeat(10_000),
  '🙂'.repeat(3_000),
];
const NASTY_NUMBERS = [0, -0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 53) - 2, 1e308, -1e308, Number.MIN_VALUE];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', '', '$where', '\u0000', 'a.b'];

const keyArb = fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 20 }));
const leafArb = fc.oneof(
  fc.constantFrom<unknown>(...NASTY_STRINGS),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.constantFrom<unknown>(...NASTY_NUMBERS),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const nestedArb = fc.integer({ min: 50, max: 1_000 }).map((depth) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
});
const objectArb = (values: fc.Arbitrary<unknown>) =>
  fc.array(fc.tuple(keyArb, values), { maxLength: 4 }).map((entries) => Object.fromEntries(entries));
const hostileArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: leafArb },
  { weight: 1, arbitrary: fc.array(leafArb, { maxLength: 5 }) },
  { weight: 1, arbitrary: objectArb(leafArb) },
  { weight: 1, arbitrary: nestedArb },
  { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 400_000 }).map((n) => 'A'.repeat(n)) },
);

/** A value the schema would probably accept, so input also reaches the handler and the database. */
function plausibleArb(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return hostileArb;
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices?.length) return fc.oneof(...choices.map((c) => plausibleArb(c, depth + 1)));
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      const bounds = { minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 60, 300) };
      return fc.oneof(fc.string(bounds), fc.string({ ...bounds, unit: 'binary' }));
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -(2 ** 31), max: schema.maximum ?? 2 ** 31 });
    case 'number':
      return fc.double({ min: schema.minimum, max: schema.maximum, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(plausibleArb(schema.items, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, 10),
      });
    case 'object':
      return shapedObjectArb(schema, depth + 1);
    default:
      return hostileArb;
  }
}

/** An object with the schema's fields, each plausible or hostile or missing, plus stray keys. */
function shapedObjectArb(schema: JsonSchema, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.entries(schema.properties ?? {}).map(([name, field]) =>
    fc.option(
      fc.tuple(
        fc.constant(name),
        fc.oneof({ weight: 3, arbitrary: plausibleArb(field, depth) }, { weight: 1, arbitrary: hostileArb }),
      ),
      { nil: undefined, freq: 6 },
    ),
  );
  const strays = fc.array(fc.tuple(keyArb, hostileArb), { maxLength: 2 });
  return fc
    .tuple(
      fc.tuple(...fields),
      fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: strays }),
    )
    .map(([present, extra]) =>
      Object.fromEntries([...present.filter((f) => f !== undefined), ...(extra as [string, unknown][])]),
    );
}

const rawBodyArb: fc.Arbitrary<Body> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => raw(text, 'application/json')),
  fc.constantFrom(...fixedRawBodies()),
);

function raw(text: string, contentType: string | undefined): Body {
  return { kind: 'raw', text, contentType };
}

/** Malformed and hostile bodies that every write route gets, besides the generated ones. */
function fixedRawBodies(): Body[] {
  const json = 'application/json';
  return [
    raw('{"name":', json),
    raw('', json),
    raw('\uFEFF{}', json),
    raw('null', json),
    raw('[]', json),
    raw('"a string"', json),
    raw('1e999', json),
    raw(`{"__proto__":{"${POLLUTION_MARKER}":true}}`, json),
    raw(`{"constructor":{"prototype":{"${POLLUTION_MARKER}":true}}}`, json),
    raw(`${'['.repeat(10_000)}${']'.repeat(10_000)}`, json),
    raw(`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`, json),
    raw(JSON.stringify({ name: 'x'.repeat(BODY_LIMIT) }), json),
    raw('{"name":"ok"}', 'text/plain'),
    raw('<a>1</a>', 'application/xml'),
    raw(
      '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
      'multipart/form-data; boundary=x',
    ),
    raw(
      `a=1&__proto__[${POLLUTION_MARKER}]=1&constructor[prototype][x]=1`,
      'application/x-www-form-urlencoded',
    ),
    raw('{"name":"ok"}', 'application/json; charset=utf-16'),
    raw('{"name":"ok"}', undefined),
  ];
}

function caseArb(route: RouteRecord, orgId: string): fc.Arbitrary<FuzzCase> {
  const schemas = requestSchemasOf(route);
  const paramNames = pathParamNames(route.url);
  const params = fc.tuple(
    ...paramNames.map((name) =>
      fc.oneof(
        {
          weight: 4,
          arbitrary:
            name === 'orgId'
              ? fc.constant(orgId)
              : fc.option(plausibleStringArb(schemas.params?.properties?.[name]), { nil: undefined }),
        },
        { weight: 1, arbitrary: hostileStringArb },
        { weight: 1, arbitrary: brokenSegmentArb.map((segment) => ({ segment })) },
      ),
    ),
  );
  const queryFields = Object.entries(schemas.querystring?.properties ?? {});
  const query = fc.tuple(
    fc.tuple(
      ...queryFields.map(([name, field]) =>
        fc.option(fc.tuple(fc.constant(name), fc.oneof(plausibleStringArb(field), hostileStringArb)), {
          nil: undefined,
        }),
      ),
    ),
    fc.array(fc.tuple(fc.oneof(keyArb, fc.constantFrom('a[b]', 'a[__proto__][x]')), hostileStringArb), {
      maxLength: 2,
    }),
  );
  const body: fc.Arbitrary<Body | undefined> = !isWrite(route)
    ? fc.constant(undefined)
    : fc.oneof(
        { weight: 4, arbitrary: shapedObjectArb(schemas.body ?? {}).map(asJson) },
        { weight: 1, arbitrary: hostileArb.map(asJson) },
        { weight: 1, arbitrary: rawBodyArb },
      );
  return fc.record({ params, query, body }).map(({ params: values, query: [known, extra], body: b }) => ({
    params: Object.fromEntries(
      paramNames.flatMap((name, i) => (typeof values[i] === 'string' ? [[name, values[i]]] : [])),
    ),
    encodedParams: Object.fromEntries(
      paramNames.flatMap((name, i) => {
        const v = values[i];
        return typeof v === 'object' ? [[name, v.segment]] : [];
      }),
    ),
    query: [...known.filter((q) => q !== undefined), ...extra],
    body: b,
  }));
}

const hostileStringArb = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS.filter((s) => s.length < 1_000)),
  fc.string({ unit: 'binary', maxLength: 150 }),
);
const brokenSegmentArb = fc.constantFrom(
  '%',
  '%zz',
  '%FF',
  '%ED%A0%80',
  '%00',
  '%2e%2e%2f',
  '..',
  'a'.repeat(500),
);
const plausibleStringArb = (schema: JsonSchema | undefined) => plausibleArb(schema).map(String);
const asJson = (value: unknown): Body => ({ kind: 'json', value });

// ---- Sending and judging ----

async function send(client: HttpClient, route: RouteRecord, orgId: string, c: FuzzCase) {
  const path = fillPath(route, { orgId, ...c.params }, c.encodedParams);
  const search = c.query.length > 0 ? `?${new URLSearchParams(c.query).toString()}` : '';
  if (!c.body) return client.request(route.method, path + search);
  if (c.body.kind === 'json') return client.request(route.method, path + search, c.body.value);
  const headers: Record<string, string> = c.body.contentType ? { 'content-type': c.body.contentType } : {};
  return client.request(route.method, path + search, c.body.text, headers);
}

/** Why the answer breaks the rules, or undefined when it does not. */
function verdict(route: RouteRecord, res: HttpResult): string | undefined {
  const isPage = !route.url.startsWith('/api/');
  if (isDeliberatelyUnavailable(res.status, res.body)) return undefined;
  if (res.status >= 500) return `answered ${res.status}: ${res.text.slice(0, 300)}`;
  if (res.status >= 200 && res.status < 300) return undefined;
  if (res.status >= 300 && res.status < 400) return isPage ? undefined : `answered a ${res.status} redirect`;
  if (res.status < 400) return `answered ${res.status}`;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    if (hasErrorEnvelope(res.body)) return undefined;
    // OAuth client endpoints answer in RFC 6749's own error format, which clients expect.
    const oauthError = (res.body as { error?: unknown }).error;
    if (route.config.oauthClientEndpoint && typeof oauthError === 'string') return undefined;
    return `answered ${res.status} without the error envelope: ${res.text.slice(0, 300)}`;
  }
  if (isPage && type.includes('text/html')) return undefined;
  return `answered ${res.status} with ${type || 'no content type'}: ${res.text.slice(0, 300)}`;
}

function summarize(c: FuzzCase): string {
  const text = JSON.stringify(c, (_key, value: unknown) =>
    typeof value === 'string' && value.length > 120 ? `${value.slice(0, 60)}…(${value.length} chars)` : value,
  );
  return text.length > 800 ? `${text.slice(0, 800)}…` : text;
}

function seedFor(key: string): number {
  let hash = BASE_SEED | 0;
  for (const ch of key) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) | 0;
  return hash;
}

describe('hostile input on every route that takes input', { timeout: 120_000 }, () => {
  it('finds routes to fuzz in the route table', () => {
    expect(targets.map(routeKey)).toEqual(
      expect.arrayContaining(['POST /api/auth/signup', 'POST /api/tokens']),
    );
  });

  // Routes run side by side (each on its own organization and sessions), which keeps the run short.
  describe.concurrent.each(targets.map((route) => ({ key: routeKey(route), route })))(
    '$key',
    ({ key, route }) => {
      it('answers 2xx or a 4xx error envelope, never 5xx', async () => {
        const prototypeKeys = Object.getOwnPropertyNames(Object.prototype);
        const orgId = await createOrganization(t.sql, [{ userId: owner.userId, role: 'owner' }]);
        const attempt = async (c: FuzzCase) => {
          // A fresh session each time: an input that signs out or rotates the session spoils nothing.
          const client = await signedInClient(t.url, t.sql, owner.userId);
          let res: HttpResult;
          try {
            res = await send(client, route, orgId, c);
          } catch (error) {
            throw new Error(`the request failed without an answer: ${(error as Error).message}`);
          }
          const problem = verdict(route, res);
          if (problem) throw new Error(problem);
        };

        for (const body of isWrite(route) ? fixedRawBodies() : []) {
          const c: FuzzCase = { params: {}, encodedParams: {}, query: [], body };
          await attempt(c).catch((error: Error) => {
            throw new Error(`${key} ${error.message}\n  input: ${summarize(c)}`);
          });
        }

        const seed = seedFor(key);
        const run = await fc.check(fc.asyncProperty(caseArb(route, orgId), attempt), {
          seed,
          numRuns: RUNS_PER_ROUTE,
          endOnFailure: true,
        });
        if (run.failed) {
          const cause =
            run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
          throw new Error(
            `${key} ${cause}\n  input: ${run.counterexample ? summarize(run.counterexample[0]) : '?'}\n` +
              `  replay: FUZZ_SEED=${BASE_SEED} (fast-check seed ${seed}, path ${run.counterexamplePath})`,
          );
        }

        // The server runs in this process: a polluted prototype would show here.
        expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeKeys);
        expect(({} as Record<string, unknown>)[POLLUTION_MARKER]).toBeUndefined();
      });
    },
  );
});

describe('malformed requests the fuzzer found, pinned', () => {
  it('refuses a NUL character anywhere (PostgreSQL text cannot hold one) with 400 saying where', async () => {
    const client = await signedInClient(t.url, t.sql, owner.userId);
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/orgs', { name: 'a\u0000b' }, 'body.name'],
      ['POST', '/api/orgs', { name: 'ok', extra: [{ 'k\u0000': 1 }] }, 'body.extra.0."k\\u0000"'],
      ['GET', '/api/me?q=%00', undefined, 'querystring.q'],
      ['DELETE', '/api/oauth/authorizations/a%00', {}, 'params.clientId'],
    ];
    for (const [method, path, body, where] of cases) {
      const res = await client.request(method, path, body);
      expect(res.status, path).toBe(400);
      expect(res.body, path).toMatchObject({
        error: { code: 'request.invalid', details: { issues: [{ path: where }] } },
      });
    }
  });

  it('answers a badly encoded or over-long URL with the error envelope', async () => {
    const bad = await fetch(`${t.url}/api/tokens/%zz`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'request.invalid_url' } });
    const long = await fetch(`${t.url}/api/invitations/${'a'.repeat(200)}`);
    expect(long.status).toBe(414);
    expect(await long.json()).toMatchObject({ error: { code: 'request.url_too_long' } });
  });
});
