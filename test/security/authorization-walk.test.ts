import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPersonalToken } from '../../src/domain/accounts/api-tokens.ts';
import { can } from '../../src/domain/accounts/roles.ts';
import type { RouteRecord } from '../../src/http/app.ts';
import { HttpClient, type HttpResult } from '../support/http-client.ts';
import { startTestApp } from '../support/test-app.ts';
import {
  type AccessRule,
  accessRuleOf,
  createOrganization,
  createUser,
  declaredAccess,
  errorCodeOf,
  fillPath,
  isDeliberatelyUnavailable,
  isWrite,
  routeKey,
  signedInClient,
  type TestUser,
} from './route-table.ts';

/**
 * Every route and the access it must declare. A route missing here, or declaring something else,
 * fails the walk: adding or loosening a route is a security decision that someone writes down.
 * (A HEAD route that mirrors its GET needs no line of its own.)
 */
const DECLARED_ACCESS: Record<string, string> = {
  // Health checks: load balancers probe them without credentials.
  'GET /livez': 'public',
  'GET /readyz': 'public',
  // Becoming a user, and getting back in.
  'POST /api/auth/signup': 'public',
  'POST /api/auth/signin': 'public',
  'POST /api/auth/password-reset': 'public',
  'POST /api/auth/password-reset/confirm': 'public',
  // The accept page shows what an invitation link offers before the invitee signs in or up.
  'GET /api/invitations/:token': 'public',
  // The vulnerability disclosure policy and its pages.
  'GET /.well-known/security.txt': 'public',
  'GET /security': 'public',
  'GET /security/hall-of-fame': 'public',
  // OAuth 2: the consent screen sends visitors who are not signed in to sign in; other sites' apps
  // call the token and revocation endpoints, authenticating as a client rather than as a user.
  'GET /oauth/authorize': 'public',
  'POST /oauth/authorize': 'user, session only, CSRF token in the form',
  'POST /oauth/token': 'public, OAuth client endpoint',
  'POST /oauth/revoke': 'public, OAuth client endpoint',
  'POST /api/oauth/clients': 'user, session only',
  'GET /api/oauth/clients': 'user, session only',
  'DELETE /api/oauth/clients/:clientId': 'user, session only',
  'GET /api/oauth/authorizations': 'user, session only',
  'DELETE /api/oauth/authorizations/:clientId': 'user, session only',
  'POST /api/auth/signout': 'user, session only',
  'GET /api/me': 'user',
  'PATCH /api/me': 'user',
  'GET /api/me/digest': 'user',
  'PATCH /api/me/digest': 'user',
  'POST /api/me/password': 'user, session only',
  'DELETE /api/me': 'user, session only',
  'GET /api/tokens': 'user, session only',
  'POST /api/tokens': 'user, session only',
  'DELETE /api/tokens/:tokenId': 'user, session only',
  'GET /api/orgs': 'user',
  'POST /api/orgs': 'user',
  'POST /api/invitations/accept': 'user',
  'GET /api/orgs/:orgId': 'org, org.read',
  'PATCH /api/orgs/:orgId': 'org, org.own',
  'DELETE /api/orgs/:orgId': 'org, org.own',
  'GET /api/orgs/:orgId/members': 'org, org.read',
  'PATCH /api/orgs/:orgId/members/:userId': 'org, members.manage',
  'DELETE /api/orgs/:orgId/members/:userId': 'org, org.read',
  'POST /api/orgs/:orgId/invitations': 'org, members.manage',
  'GET /api/orgs/:orgId/invitations': 'org, members.manage',
  'DELETE /api/orgs/:orgId/invitations/:invitationId': 'org, members.manage',
  'GET /api/orgs/:orgId/audit-events': 'org, org.own',
  // Operations: Prometheus scrapes without credentials; process-wide figures only, no tenant data.
  'GET /metrics': 'public',
  // The API reference: the OpenAPI document and its interactive viewer.
  'GET /api/openapi.json': 'public',
  'GET /api/docs': 'public',
  'HEAD /api/docs/': 'public',
  'GET /api/docs/json': 'public',
  'GET /api/docs/yaml': 'public',
  'GET /api/docs/static/*': 'public',
  'GET /api/docs/static/index.html': 'public',
  'GET /api/docs/static/swagger-initializer.js': 'public',
  // The dashboard's single-page app and its assets; it signs people in itself.
  'GET /*': 'public',
  // Short links in published posts: anyone who sees a post follows them.
  'GET /s/:code': 'public',
  'POST /api/orgs/:orgId/short-links': 'org, posts.draft',
  'GET /api/orgs/:orgId/short-links': 'org',
  'GET /api/orgs/:orgId/short-links/:linkId/clicks': 'org',
  'GET /api/orgs/:orgId/channels/:channelId/link-settings': 'org',
  'PUT /api/orgs/:orgId/channels/:channelId/link-settings': 'org, channels.manage',
  'GET /api/orgs/:orgId/link-preview': 'org, posts.draft',
  'POST /api/orgs/:orgId/media': 'org, posts.draft',
  'GET /api/orgs/:orgId/media': 'org',
  'GET /api/orgs/:orgId/media/:mediaId': 'org',
  'PATCH /api/orgs/:orgId/media/:mediaId': 'org, posts.draft',
  'DELETE /api/orgs/:orgId/media/:mediaId': 'org, posts.draft',
  'GET /api/orgs/:orgId/media/:mediaId/content': 'org',
  'GET /api/orgs/:orgId/media/:mediaId/thumbnail': 'org',
  'GET /api/orgs/:orgId/idea-columns': 'org',
  'POST /api/orgs/:orgId/idea-columns': 'org, posts.draft',
  'PATCH /api/orgs/:orgId/idea-columns/:columnId': 'org, posts.draft',
  'DELETE /api/orgs/:orgId/idea-columns/:columnId': 'org, posts.draft',
  'GET /api/orgs/:orgId/ideas': 'org',
  'POST /api/orgs/:orgId/ideas': 'org, posts.draft',
  'GET /api/orgs/:orgId/ideas/:ideaId': 'org',
  'PATCH /api/orgs/:orgId/ideas/:ideaId': 'org, posts.draft',
  'POST /api/orgs/:orgId/ideas/:ideaId/move': 'org, posts.draft',
  'DELETE /api/orgs/:orgId/ideas/:ideaId': 'org, posts.draft',
  'POST /api/orgs/:orgId/ideas/:ideaId/post': 'org, posts.draft',
  // Channels, their posting schedules and groups: editors and up.
  'POST /api/orgs/:orgId/channels': 'org, channels.manage',
  'GET /api/orgs/:orgId/channels': 'org, org.read',
  'GET /api/orgs/:orgId/channels/:channelId': 'org, org.read',
  'PATCH /api/orgs/:orgId/channels/:channelId': 'org, channels.manage',
  'PUT /api/orgs/:orgId/channels/:channelId/schedule': 'org, channels.manage',
  'DELETE /api/orgs/:orgId/channels/:channelId': 'org, channels.manage',
  'POST /api/orgs/:orgId/groups': 'org, channels.manage',
  'GET /api/orgs/:orgId/groups': 'org, org.read',
  'GET /api/orgs/:orgId/groups/:groupId': 'org, org.read',
  'GET /api/orgs/:orgId/groups/:groupId/queue': 'org, org.read',
  'PATCH /api/orgs/:orgId/groups/:groupId': 'org, channels.manage',
  'DELETE /api/orgs/:orgId/groups/:groupId': 'org, channels.manage',
  'PUT /api/orgs/:orgId/groups/:groupId/channels/:channelId': 'org, channels.manage',
  'DELETE /api/orgs/:orgId/groups/:groupId/channels/:channelId': 'org, channels.manage',
  // Posts: contributors draft (their scheduled posts wait for approval); editors and up publish.
  'POST /api/orgs/:orgId/posts': 'org, posts.draft',
  'GET /api/orgs/:orgId/posts': 'org, org.read',
  'GET /api/orgs/:orgId/posts/:postId': 'org, org.read',
  'PATCH /api/orgs/:orgId/posts/:postId': 'org, posts.draft',
  'DELETE /api/orgs/:orgId/posts/:postId': 'org, posts.draft',
  'POST /api/orgs/:orgId/posts/:postId/schedule': 'org, posts.draft',
  'POST /api/orgs/:orgId/posts/:postId/approve': 'org, posts.publish',
  'POST /api/orgs/:orgId/posts/:postId/reject': 'org, posts.publish',
  'PATCH /api/orgs/:orgId/posts/:postId/targets/:targetId': 'org, posts.draft',
  'DELETE /api/orgs/:orgId/posts/:postId/targets/:targetId': 'org, posts.draft',
  'POST /api/orgs/:orgId/posts/:postId/targets/:targetId/requeue': 'org, posts.publish',
  'POST /api/orgs/:orgId/posts/:postId/targets/:targetId/rebuffer': 'org, posts.publish',
  // The queue and calendar.
  'GET /api/orgs/:orgId/channels/:channelId/queue': 'org, org.read',
  'POST /api/orgs/:orgId/channels/:channelId/queue/reorder': 'org, posts.publish',
  'POST /api/orgs/:orgId/channels/:channelId/queue/move-to-top': 'org, posts.publish',
  'POST /api/orgs/:orgId/channels/:channelId/queue/shuffle': 'org, posts.publish',
  'POST /api/orgs/:orgId/channels/:channelId/pause': 'org, posts.publish',
  'POST /api/orgs/:orgId/channels/:channelId/resume': 'org, posts.publish',
  'GET /api/orgs/:orgId/calendar': 'org, org.read',
  // Live updates (server-sent events) for the dashboard.
  'GET /api/orgs/:orgId/events': 'org, org.read',
  // Webhooks carry the organization's events and a signing secret: owners and admins only.
  'GET /api/orgs/:orgId/webhooks': 'org, members.manage',
  'POST /api/orgs/:orgId/webhooks': 'org, members.manage',
  'PATCH /api/orgs/:orgId/webhooks/:webhookId': 'org, members.manage',
  'DELETE /api/orgs/:orgId/webhooks/:webhookId': 'org, members.manage',
  'GET /api/orgs/:orgId/webhooks/:webhookId/secret': 'org, members.manage',
  'GET /api/orgs/:orgId/webhooks/:webhookId/deliveries': 'org, members.manage',
  'POST /api/orgs/:orgId/webhooks/:webhookId/test': 'org, members.manage',
  // Connecting a Mastodon account: the network sends the browser back to the callback, which
  // belongs to the signed-in person who started the flow.
  'POST /api/orgs/:orgId/channels/mastodon/authorize': 'org, channels.manage',
  'GET /api/connections/mastodon/callback': 'user, session only',
  'POST /api/orgs/:orgId/channels/mastodon/:channelId/disconnect': 'org, channels.manage',
  'POST /api/orgs/:orgId/channels/bluesky': 'org, channels.manage',
  'POST /api/orgs/:orgId/channels/bluesky/authorize': 'org, channels.manage',
  'GET /api/connections/bluesky/callback': 'user, session only',
  'GET /oauth-client-metadata.json': 'public',
  'DELETE /api/orgs/:orgId/channels/:channelId/connection': 'org, channels.manage',
  // A person's own notifications; marking them read needs only a read-scoped token.
  'GET /api/notifications': 'user',
  'POST /api/notifications/:notificationId/read': 'user, scope read',
  'POST /api/notifications/read-all': 'user, scope read',
};

/**
 * Routes whose handler denies more than their declared config says (their config lets everyone
 * in who may take the mildest form of the action). Each entry says what the walk's callers get.
 */
const STRICTER_THAN_DECLARED: Record<string, { contributor?: Expected; token?: Expected; why: string }> = {
  'DELETE /api/orgs/:orgId/members/:userId': {
    why: 'any member may leave (org.read), but removing someone else needs members.manage and an admin token',
    contributor: { status: 403, code: 'auth.forbidden' },
    token: { status: 403, code: 'auth.insufficient_scope' },
  },
};

/** What a caller must get back: an exact denial, a 404 for someone else's resource, or no denial. */
type Expected = { status: number; code: string } | 'someone-elses-resource' | 'not-denied';

// The table is read at collection time so every route becomes its own test case.
const t = await startTestApp({ env: { API_RATE_LIMIT_PER_MINUTE: '1000000' } });
const routes: readonly RouteRecord[] = [...t.app.routeTable];

let owner: TestUser;
let contributor: TestUser;
let outsider: TestUser;
/** The owner's read-only API token, used to check `sessionOnly` and token scopes. */
let readOnlyToken: string;
/** Resources of the owner that an outsider names in a path: they must answer 404, never act. */
let ownerResources: Record<string, string>;

beforeAll(async () => {
  [owner, contributor, outsider] = await Promise.all([
    createUser(t.sql, 'owner'),
    createUser(t.sql, 'contributor'),
    createUser(t.sql, 'outsider'),
  ]);
  readOnlyToken = (await createPersonalToken(t.sql, owner.userId, { name: 'walk read', scopes: ['read'] }))
    .token;
  const victimToken = await createPersonalToken(t.sql, owner.userId, { name: 'victim', scopes: ['read'] });
  // Made here as the publisher makes them (there is no API to create one).
  const [notification] = await t.sql<{ id: string }[]>`
    insert into notifications (organization_id, user_id, kind, title, body)
    values (${owner.organizationId}, ${owner.userId}, 'post.failed', 'A post failed', 'For the walk')
    returning id`;
  ownerResources = { tokenId: victimToken.view.id, notificationId: notification!.id };
});

afterAll(async () => {
  await t.close();
});

describe('the route table', () => {
  it('lists the routes the app serves (so the walk below sees every one)', () => {
    const keys = new Set(routes.map(routeKey));
    for (const known of ['GET /livez', 'GET /api/me', 'POST /api/tokens', 'DELETE /api/tokens/:tokenId']) {
      expect(keys).toContain(known);
    }
  });

  it('has no stale entry in DECLARED_ACCESS or STRICTER_THAN_DECLARED', () => {
    const keys = new Set(routes.map(routeKey));
    const listed = [...Object.keys(DECLARED_ACCESS), ...Object.keys(STRICTER_THAN_DECLARED)];
    expect(listed.filter((key) => !keys.has(key))).toEqual([]);
  });
});

describe.each(routes.map((route) => ({ key: routeKey(route), route })))('$key', ({ key, route }) => {
  it('gives anonymous callers, outsiders, contributors and tokens the denial its config declares', async () => {
    const rule = accessRuleOf(route);
    if ('problem' in rule) throw new Error(`${key} ${rule.problem}; the walk cannot classify it`);
    const reviewed =
      DECLARED_ACCESS[key] ?? (route.method === 'HEAD' ? DECLARED_ACCESS[`GET ${route.url}`] : undefined);
    expect(reviewed, `${key} is missing from DECLARED_ACCESS`).toBeDefined();
    expect(declaredAccess(route), `${key} declares other access than DECLARED_ACCESS says`).toBe(reviewed);
    const problems = await walkRoute(route, rule);
    expect(problems, `${key}:\n  ${problems.join('\n  ')}`).toEqual([]);
  });
});

async function walkRoute(route: RouteRecord, rule: AccessRule): Promise<string[]> {
  const problems: string[] = [];
  const check = async (who: string, client: HttpClient, path: string, expected: Expected, headers = {}) => {
    const res = await send(client, route, path, headers);
    const problem = mismatch(route, res, expected);
    if (problem) problems.push(`${who} (${route.method} ${path}): ${problem}`);
  };
  const anonymous = new HttpClient(t.url);

  if (rule.access === 'public') {
    await check('anonymous', anonymous, fillPath(route), 'not-denied');
    if (isWrite(route) && !rule.oauthClientEndpoint) {
      // Public writes (sign-in, sign-up) still refuse another site's forms.
      await check('another site', anonymous, fillPath(route), csrfFailed, { origin: 'https://evil.example' });
    }
    return problems;
  }

  // Each route gets its own organization, so what one route does (delete, rename) spares the next.
  const orgId = await createOrganization(t.sql, [
    { userId: owner.userId, role: 'owner' },
    { userId: contributor.userId, role: 'contributor' },
  ]);
  const path = fillPath(route, { orgId });
  const stricter = STRICTER_THAN_DECLARED[routeKey(route)];
  const session = (user: TestUser) => signedInClient(t.url, t.sql, user.userId);

  await check('anonymous', anonymous, path, { status: 401, code: 'auth.required' });

  if (rule.access === 'org') {
    await check('a member of another organization', await session(outsider), path, {
      status: 404,
      code: 'organization.not_found',
    });
    await check(
      'a contributor',
      await session(contributor),
      path,
      stricter?.contributor ??
        (can('contributor', rule.permission) ? 'not-denied' : { status: 403, code: 'auth.forbidden' }),
    );
  } else {
    const pathOfOwnersThings = fillPath(route, ownerResources);
    const namesOwnersThings = Object.keys(ownerResources).some((name) => route.url.includes(`:${name}`));
    await check(
      'another user',
      await session(outsider),
      pathOfOwnersThings,
      namesOwnersThings ? 'someone-elses-resource' : 'not-denied',
    );
    await check('a contributor', await session(contributor), path, stricter?.contributor ?? 'not-denied');
  }

  // Control: the owner is not denied, which proves the paths above reached the route's own checks.
  await check('the owner', await session(owner), path, 'not-denied');

  if (isWrite(route)) {
    const withoutCsrf = await session(owner);
    withoutCsrf.csrfToken = undefined;
    await check('the owner without the CSRF token', withoutCsrf, path, csrfFailed);
    await check('another site, with the owner’s cookie', await session(owner), path, csrfFailed, {
      origin: 'https://evil.example',
    });
  }

  const tokenClient = new HttpClient(t.url).withBearer(readOnlyToken);
  const tokenExpected: Expected =
    stricter?.token ??
    (rule.sessionOnly
      ? { status: 403, code: 'auth.session_required' }
      : rule.tokenScope !== 'read'
        ? { status: 403, code: 'auth.insufficient_scope' }
        : 'not-denied');
  await check('the owner’s read-only API token', tokenClient, path, tokenExpected);
  return problems;
}

const csrfFailed: Expected = { status: 403, code: 'auth.csrf_failed' };

function send(client: HttpClient, route: RouteRecord, path: string, headers: Record<string, string>) {
  if (!isWrite(route)) return client.request(route.method, path, undefined, headers);
  // A server-rendered form carries its CSRF token as a field, as the browser would post it.
  const body = route.config.csrfFromBody && client.csrfToken ? { csrf_token: client.csrfToken } : {};
  return client.request(route.method, path, body, headers);
}

/** Why the answer is not what was expected, or undefined when it is. */
function mismatch(route: RouteRecord, res: HttpResult, expected: Expected): string | undefined {
  const code = errorCodeOf(res.body);
  const got = `got ${res.status} ${code ?? res.text.slice(0, 200)}`;
  if (res.status >= 500 && !isDeliberatelyUnavailable(res.status, res.body)) return `${got}: a server error`;
  if (code === 'route.not_found') return `${got}: the path did not reach the route`;
  if (expected === 'not-denied') {
    const denied =
      res.status === 401 || res.status === 403 || (res.status === 404 && code === 'organization.not_found');
    return denied ? `${got}, but this caller may use the route` : undefined;
  }
  if (expected === 'someone-elses-resource') {
    return res.status === 404 ? undefined : `${got}, expected 404 for another user's resource`;
  }
  // HEAD answers carry no body; the status must still match.
  const codeMatches = route.method === 'HEAD' || code === expected.code;
  return res.status === expected.status && codeMatches
    ? undefined
    : `${got}, expected ${expected.status} ${expected.code}`;
}
