import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from '../../src/db/connection.ts';
import type { Permission, Role, Scope } from '../../src/domain/accounts/roles.ts';
import { PERMISSIONS, scopeFor } from '../../src/domain/accounts/roles.ts';
import { createSession } from '../../src/domain/accounts/sessions.ts';
import { signUp } from '../../src/domain/accounts/sign-up.ts';
import type { RouteRecord } from '../../src/http/app.ts';
import { HttpClient } from '../support/http-client.ts';

/**
 * Reading the app's own route table (`app.routeTable`, filled by an `onRoute` hook in buildApp) so
 * the security suites cover every route, including ones added after these tests were written.
 */

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function routeKey(route: Pick<RouteRecord, 'method' | 'url'>): string {
  return `${route.method} ${route.url}`;
}

export function isWrite(route: RouteRecord): boolean {
  return !SAFE_METHODS.has(route.method);
}

/** What a route's declared `config` says about who may reach it (mirrors src/http/plugins/auth.ts). */
export type AccessRule =
  | { access: 'public'; oauthClientEndpoint: boolean }
  | { access: 'user'; sessionOnly: boolean; csrfFromBody: boolean; tokenScope: Scope }
  | { access: 'org'; permission: Permission; sessionOnly: boolean; csrfFromBody: boolean; tokenScope: Scope };

/**
 * Config keys the walk understands. A new key may change who gets in, so the walk refuses to guess:
 * teach `accessRuleOf` and `declaredAccess` about it first.
 */
const KNOWN_CONFIG_KEYS = new Set([
  'access',
  'permission',
  'scope',
  'sessionOnly',
  'csrfFromBody',
  'oauthClientEndpoint',
  // Not about access: a health check (never redirected) and Idempotency-Key replays (after auth).
  'health',
  'idempotent',
]);

/** Classifies a route, or says why it cannot be classified (which fails the walk). */
export function accessRuleOf(route: RouteRecord): AccessRule | { problem: string } {
  const { access, permission, scope, sessionOnly, csrfFromBody, oauthClientEndpoint } = route.config;
  const unknown = Object.keys(route.config).filter((key) => !KNOWN_CONFIG_KEYS.has(key));
  if (unknown.length > 0) return { problem: `declares config the walk does not know: ${unknown.join(', ')}` };
  if (access === undefined) return { problem: 'declares no config.access (it would answer 500)' };
  if (permission !== undefined && !(permission in PERMISSIONS)) {
    return { problem: `declares an unknown permission "${permission}"` };
  }
  if (access !== 'public' && oauthClientEndpoint) {
    return { problem: 'declares oauthClientEndpoint, which only public routes may' };
  }
  const common = { sessionOnly: sessionOnly === true, csrfFromBody: csrfFromBody === true };
  switch (access) {
    case 'public':
      if (permission || scope || sessionOnly || csrfFromBody) {
        return { problem: 'is public but also declares permission/scope/sessionOnly/csrfFromBody' };
      }
      return { access: 'public', oauthClientEndpoint: oauthClientEndpoint === true };
    case 'user':
      if (permission) return { problem: 'declares a permission, but only org routes check permissions' };
      return {
        access: 'user',
        ...common,
        tokenScope: scope ?? (SAFE_METHODS.has(route.method) ? 'read' : 'write'),
      };
    case 'org': {
      if (!pathParamNames(route.url).includes('orgId')) {
        return { problem: 'is an org route without :orgId in its path, so nobody can pass its check' };
      }
      const needed = permission ?? 'org.read';
      return { access: 'org', permission: needed, ...common, tokenScope: scopeFor(needed) };
    }
    default:
      return { problem: `declares an unknown access level "${String(access)}"` };
  }
}

/** The declared access config in words, e.g. `org, members.manage` or `user, session only`. */
export function declaredAccess(route: RouteRecord): string {
  const { access, permission, scope, sessionOnly, csrfFromBody, oauthClientEndpoint } = route.config;
  const parts = [access ?? 'undeclared'];
  if (permission) parts.push(permission);
  if (scope) parts.push(`scope ${scope}`);
  if (sessionOnly) parts.push('session only');
  if (csrfFromBody) parts.push('CSRF token in the form');
  if (oauthClientEndpoint) parts.push('OAuth client endpoint');
  return parts.join(', ');
}

export function pathParamNames(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
}

/**
 * A URL for the route: `encoded` first (used verbatim, for deliberately broken encodings), then
 * `values` (percent-encoded here), else a value its params schema accepts, else a random UUID.
 */
export function fillPath(
  route: RouteRecord,
  values: Record<string, string> = {},
  encoded: Record<string, string> = {},
): string {
  const params = jsonSchemaOf(route.schema?.params);
  return route.url
    .replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, (_match, name: string) => {
      const value = encoded[name] ?? (values[name] === undefined ? undefined : encodeSegment(values[name]));
      return value ?? encodeSegment(exampleString(params?.properties?.[name]));
    })
    .replace(/\*$/, 'index.html');
}

/** Percent-encodes a path segment; a lone surrogate (which UTF-8 cannot carry) becomes U+FFFD. */
export function encodeSegment(value: string): string {
  return encodeURIComponent(value.replace(/\p{Surrogate}/gu, '\uFFFD'));
}

function exampleString(schema: JsonSchema | undefined): string {
  if (!schema) return randomUUID();
  if (schema.enum?.length) return String(schema.enum[0]);
  if (schema.const !== undefined) return String(schema.const);
  if (schema.type === 'integer' || schema.type === 'number') return String(schema.minimum ?? 1);
  if (schema.type === 'string' && schema.format !== 'uuid' && !schema.pattern) {
    return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
  }
  return randomUUID();
}

/** The subset of JSON Schema that zod's `toJSONSchema` produces and the fuzzer reads. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
}

/** A route schema part (zod, as our routes declare them, or plain JSON Schema) as JSON Schema. */
export function jsonSchemaOf(part: unknown): JsonSchema | undefined {
  if (part === undefined || part === null) return undefined;
  if (part instanceof z.ZodType) {
    return z.toJSONSchema(part, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  }
  return part as JsonSchema;
}

export interface RequestSchemas {
  body?: JsonSchema;
  querystring?: JsonSchema;
  params?: JsonSchema;
}

export function requestSchemasOf(route: RouteRecord): RequestSchemas {
  const schema = route.schema;
  const parts: RequestSchemas = {};
  const body = jsonSchemaOf(schema?.body);
  const querystring = jsonSchemaOf(schema?.querystring);
  const params = jsonSchemaOf(schema?.params);
  if (body) parts.body = body;
  if (querystring) parts.querystring = querystring;
  if (params) parts.params = params;
  return parts;
}

// ---- Fixtures: real users, organizations and sessions, made with the domain's own use cases. ----

export interface TestUser {
  userId: string;
  organizationId: string;
  email: string;
  password: string;
}

export async function createUser(sql: Sql, label: string): Promise<TestUser> {
  const email = `${label}-${randomBytes(4).toString('hex')}@example.com`;
  const password = `pw ${randomBytes(12).toString('hex')}`;
  const created = await signUp(sql, { email, password, name: label, organizationName: `Org of ${label}` });
  return { userId: created.userId, organizationId: created.organizationId, email, password };
}

/**
 * A fresh organization with the given members, so that whatever one route does to its
 * organization (rename, delete, remove a member) cannot change what the next route sees.
 */
export async function createOrganization(
  sql: Sql,
  members: { userId: string; role: Role }[],
): Promise<string> {
  return sql.begin(async (tx) => {
    const [org] = await tx<{ id: string }[]>`
      insert into organizations (name) values (${`Walk ${randomBytes(4).toString('hex')}`}) returning id`;
    for (const m of members) {
      await tx`insert into memberships (organization_id, user_id, role)
               values (${org!.id}, ${m.userId}, ${m.role})`;
    }
    return org!.id;
  });
}

/**
 * A browser-like client signed in as `userId` with a brand-new session (cheaper than a password
 * sign-in, and a route that signs out or rotates sessions cannot spoil the next request).
 */
export async function signedInClient(baseUrl: string, sql: Sql, userId: string): Promise<HttpClient> {
  const { token, session } = await createSession(sql, userId, 1);
  const client = new HttpClient(baseUrl, { headers: { cookie: `spool_session=${token}` } });
  client.csrfToken = session.csrfToken;
  return client;
}

export interface ErrorBody {
  error?: { code?: unknown; message?: unknown };
}

/** The `{ error: { code, message } }` envelope, with a non-empty code and message. */
export function hasErrorEnvelope(body: unknown): body is { error: { code: string; message: string } } {
  if (!body || typeof body !== 'object') return false;
  const error = (body as ErrorBody).error;
  return (
    !!error &&
    typeof error.code === 'string' &&
    error.code.length > 0 &&
    typeof error.message === 'string' &&
    error.message.length > 0
  );
}

/**
 * A deliberate 503 with the envelope (a part of Spool that is not running in this process, such as
 * background jobs in the test app) is an answer, not a crash.
 */
export function isDeliberatelyUnavailable(status: number, body: unknown): boolean {
  return status === 503 && hasErrorEnvelope(body) && body.error.code !== 'internal';
}

export function errorCodeOf(body: unknown): string | undefined {
  return hasErrorEnvelope(body) ? body.error.code : undefined;
}
