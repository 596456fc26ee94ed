import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.ts';
import type { Sql } from '../../db/connection.ts';
import { resolveBearerToken } from '../../domain/accounts/api-tokens.ts';
import { hitWindow } from '../../domain/accounts/rate-limit.ts';
import {
  can,
  type Permission,
  type Role,
  SCOPES,
  type Scope,
  scopeFor,
} from '../../domain/accounts/roles.ts';
import { resolveSession } from '../../domain/accounts/sessions.ts';
import { SpoolError } from '../../domain/errors.ts';
import { safeEqual } from '../../security/tokens.ts';
import type { App } from '../app.ts';

export const SESSION_COOKIE = 'spool_session';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Who is calling: a signed-in person (cookie session) or an API token acting for a user. */
export interface Actor {
  userId: string;
  via: 'session' | 'token';
  scopes: readonly Scope[];
  tokenId?: string;
  oauthClientId?: string | null;
  /** The session's cookie token and CSRF token (sessions only). */
  sessionToken?: string;
  csrfToken?: string;
}

export interface OrgAccess {
  organizationId: string;
  role: Role;
}

/**
 * How a route is reached. Every route declares one: `public` (anyone), `user` (any signed-in user
 * or token), `org` (a member of the `:orgId` in the path, with `permission`). Routes that can only
 * be used from a browser session (e.g. creating tokens) add `sessionOnly`.
 */
export type AccessLevel = 'public' | 'user' | 'org';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessLevel;
    permission?: Permission;
    /** For `user` routes reached with a token: the scope needed (default: read for GET, else write). */
    scope?: Scope;
    sessionOnly?: boolean;
    /**
     * A server-rendered HTML form (e.g. the OAuth consent screen) that cannot set headers: the CSRF
     * token comes as the `csrf_token` form field, checked once the body is parsed.
     */
    csrfFromBody?: boolean;
    /**
     * An OAuth endpoint other sites' apps call (token, revoke; `public` only): the route
     * authenticates the client itself (HTTP Basic or form fields), and no cookie or bearer token is
     * used, so the hook neither authenticates the caller nor checks Origin.
     */
    oauthClientEndpoint?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
    org: OrgAccess | null;
  }
}

export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new SpoolError('auth.required', 'Sign in first.', 'unauthenticated');
  return request.actor;
}

export function orgOf(request: FastifyRequest): OrgAccess {
  if (!request.org)
    throw new SpoolError('organization.not_found', 'There is no such organization.', 'not_found');
  return request.org;
}

export function originOf(request: FastifyRequest) {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

interface AuthDeps {
  sql: Sql;
  config: Config;
}

export function registerAuth(app: App, deps: AuthDeps): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('org', null);

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    const access = config.access;
    if (!access) {
      // Unmatched routes (404) have no config; matched routes must declare their access level.
      if (request.routeOptions.url === undefined) return;
      throw new Error(`route ${request.routeOptions.url} declares no access level`);
    }
    if (access === 'public' && config.oauthClientEndpoint) return;
    const orgId = access === 'org' ? orgIdOf(request) : undefined;
    const knownRole = await authenticate(request, reply, deps, orgId);
    if (access === 'public') {
      if (!SAFE_METHODS.has(request.method)) checkOrigin(request);
      return;
    }
    const actor = actorOf(request);
    if (actor.via === 'session' && !SAFE_METHODS.has(request.method)) {
      if (config.csrfFromBody) checkOrigin(request);
      else checkCsrf(request, actor, request.headers['x-csrf-token']);
    }
    if (config.sessionOnly && actor.via !== 'session') {
      throw new SpoolError(
        'auth.session_required',
        'This can only be done when signed in to the dashboard.',
        'forbidden',
      );
    }
    if (actor.via === 'token') await applyRateLimit(reply, actor, deps);
    if (access === 'user') {
      requireScope(actor, config.scope ?? (SAFE_METHODS.has(request.method) ? 'read' : 'write'));
      return;
    }
    const permission = config.permission ?? 'org.read';
    request.org = await authorizeOrganization(orgId, actor, permission, deps.sql, knownRole);
  });

  app.addHook('preValidation', async (request) => {
    const actor = request.actor;
    if (!request.routeOptions.config.csrfFromBody || actor?.via !== 'session') return;
    if (SAFE_METHODS.has(request.method)) return;
    checkCsrf(request, actor, (request.body as { csrf_token?: unknown } | undefined)?.csrf_token);
  });
}

/** The `:orgId` of the path, when it is a well-formed id. */
function orgIdOf(request: FastifyRequest): string | undefined {
  const orgId = (request.params as { orgId?: string }).orgId;
  return orgId && UUID.test(orgId) ? orgId : undefined;
}

/**
 * Sets `request.actor`. For a session and an organization in the path, returns the person's role
 * there (`null`: not a member), read in the same query; `undefined` when not looked up.
 */
async function authenticate(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: AuthDeps,
  orgId: string | undefined,
): Promise<Role | null | undefined> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const identity = match ? await resolveBearerToken(deps.sql, match[1]!) : undefined;
    if (!identity) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new SpoolError(
        'auth.invalid_token',
        'The API token is not valid: it may be mistyped, revoked or expired. Create a new one in Settings → API tokens.',
        'unauthenticated',
      );
    }
    request.actor = {
      userId: identity.userId,
      via: 'token',
      scopes: identity.scopes,
      tokenId: identity.tokenId,
      oauthClientId: identity.oauthClientId,
    };
    return undefined;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) {
    if (request.routeOptions.config.access === 'public') return undefined;
    throw new SpoolError(
      'auth.required',
      'Sign in, or send an API token as `Authorization: Bearer <token>`.',
      'unauthenticated',
    );
  }
  const session = await resolveSession(deps.sql, cookie, deps.config.sessionTtlDays, orgId);
  if (!session) {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    if (request.routeOptions.config.access === 'public') return undefined;
    throw new SpoolError('auth.session_expired', 'Your session has ended. Sign in again.', 'unauthenticated');
  }
  request.actor = {
    userId: session.userId,
    via: 'session',
    scopes: SCOPES,
    sessionToken: cookie,
    csrfToken: session.csrfToken,
  };
  return session.role;
}

/** Rejects a state-changing request whose Origin is another site (cross-site request forgery). */
function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site') throw csrfError();
  // "null" is what a sandboxed frame or a cross-origin redirect sends: never our own pages.
  if (origin && origin !== `${request.protocol}://${request.host}`) throw csrfError();
}

function checkCsrf(request: FastifyRequest, actor: Actor, token: unknown): void {
  checkOrigin(request);
  if (typeof token !== 'string' || !actor.csrfToken || !safeEqual(token, actor.csrfToken)) throw csrfError();
}

function csrfError(): SpoolError {
  return new SpoolError(
    'auth.csrf_failed',
    'This request did not come from Spool’s own pages (missing or wrong X-CSRF-Token header). Reload the page and try again.',
    'forbidden',
  );
}

function requireScope(actor: Actor, scope: Scope): void {
  if (actor.via === 'token' && !actor.scopes.includes(scope)) {
    throw new SpoolError(
      'auth.insufficient_scope',
      `This API token lacks the "${scope}" scope needed here. Create a token with that scope.`,
      'forbidden',
      { requiredScope: scope },
    );
  }
}

async function authorizeOrganization(
  orgId: string | undefined,
  actor: Actor,
  permission: Permission,
  sql: Sql,
  knownRole: Role | null | undefined,
): Promise<OrgAccess> {
  const notFound = () =>
    new SpoolError(
      'organization.not_found',
      'There is no such organization, or you are not a member of it.',
      'not_found',
    );
  if (!orgId) throw notFound();
  const role =
    knownRole !== undefined
      ? knownRole
      : ((
          await sql<{ role: Role }[]>`
            select role from memberships where organization_id = ${orgId} and user_id = ${actor.userId}`
        )[0]?.role ?? null);
  if (!role) throw notFound();
  requireScope(actor, scopeFor(permission));
  if (!can(role, permission)) {
    throw new SpoolError(
      'auth.forbidden',
      `Your role (${role}) cannot do this. Ask an owner or admin of the organization.`,
      'forbidden',
      { role, permission },
    );
  }
  return { organizationId: orgId, role };
}

async function applyRateLimit(reply: FastifyReply, actor: Actor, deps: AuthDeps) {
  const limit = deps.config.apiRateLimitPerMinute;
  const state = await hitWindow(deps.sql, `api:token:${actor.tokenId}`, limit, 60);
  reply.header('ratelimit-limit', String(limit));
  reply.header('ratelimit-remaining', String(state.remaining));
  reply.header('ratelimit-reset', String(state.resetInSeconds));
  if (state.exceeded) {
    throw new SpoolError(
      'rate_limited',
      `This API token made more than ${limit} requests in a minute. Wait ${state.resetInSeconds} s and try again.`,
      'rate_limited',
      { retryAfterSeconds: state.resetInSeconds },
    );
  }
}
