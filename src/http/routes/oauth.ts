import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import {
  clientRegistrationSchema,
  listAuthorizedApps,
  listClients,
  registerClient,
  revokeAppAccess,
  revokeClient,
} from '../../domain/accounts/oauth-clients.ts';
import {
  type AuthorizationCheck,
  type AuthorizationParams,
  approveAuthorization,
  authenticateClient,
  type ClientCredentials,
  checkAuthorizationRequest,
  denyAuthorization,
  exchangeAuthorizationCode,
  OAuthProtocolError,
  refreshAccessToken,
  revokeOAuthToken,
} from '../../domain/accounts/oauth-grants.ts';
import { loadMe } from '../../domain/accounts/profile.ts';
import { SpoolError } from '../../domain/errors.ts';
import type { App } from '../app.ts';
import { actorOf, originOf } from '../plugins/auth.ts';
import {
  consentContentSecurityPolicy,
  renderAuthorizeErrorPage,
  renderConsentPage,
} from '../views/consent-page.ts';

/**
 * Spool as an OAuth 2 authorization server: app registration (`/api/oauth/clients`), the apps a
 * person has authorized (`/api/oauth/authorizations`), the consent screen (`/oauth/authorize`), and
 * the token and revocation endpoints that apps call (`/oauth/token`, `/oauth/revoke`).
 */
export function registerOAuthRoutes(app: App, { sql }: { sql: Sql }): void {
  registerClientRoutes(app, sql);
  registerAuthorizeRoutes(app, sql);
  registerTokenRoutes(app, sql);
}

const clientIdParams = z.object({ clientId: z.string().min(1).max(100) });

function registerClientRoutes(app: App, sql: Sql): void {
  const session = { access: 'user', sessionOnly: true } as const;
  app.post(
    '/api/oauth/clients',
    {
      config: session,
      schema: {
        tags: ['oauth'],
        summary: 'Register an OAuth app (a confidential app’s secret is shown once)',
        body: clientRegistrationSchema,
      },
    },
    async (request, reply) => {
      const { client, clientSecret } = await registerClient(
        sql,
        actorOf(request).userId,
        request.body,
        originOf(request),
      );
      reply.status(201);
      return { ...client, ...(clientSecret ? { client_secret: clientSecret } : {}) };
    },
  );

  app.get(
    '/api/oauth/clients',
    { config: session, schema: { tags: ['oauth'], summary: 'List the OAuth apps you registered' } },
    async (request) => ({ clients: await listClients(sql, actorOf(request).userId) }),
  );

  app.delete(
    '/api/oauth/clients/:clientId',
    {
      config: session,
      schema: {
        tags: ['oauth'],
        summary: 'Remove an OAuth app you registered, ending every token it holds',
        params: clientIdParams,
      },
    },
    async (request, reply) => {
      await revokeClient(sql, actorOf(request).userId, request.params.clientId);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/oauth/authorizations',
    { config: session, schema: { tags: ['oauth'], summary: 'List the apps with access to your account' } },
    async (request) => ({ apps: await listAuthorizedApps(sql, actorOf(request).userId) }),
  );

  app.delete(
    '/api/oauth/authorizations/:clientId',
    {
      config: session,
      schema: { tags: ['oauth'], summary: 'End an app’s access to your account', params: clientIdParams },
    },
    async (request, reply) => {
      await revokeAppAccess(sql, actorOf(request).userId, request.params.clientId);
      return reply.status(204).send();
    },
  );
}

const authorizationParams = z.object({
  response_type: z.string().max(50).optional(),
  client_id: z.string().max(100).optional(),
  redirect_uri: z.string().max(2000).optional(),
  scope: z.string().max(200).optional(),
  state: z.string().max(1000).optional(),
  code_challenge: z.string().max(200).optional(),
  code_challenge_method: z.string().max(20).optional(),
});

const consentForm = authorizationParams.extend({
  decision: z.enum(['approve', 'deny']),
  // Checked by the auth hook (csrfFromBody); declared so the docs show the form completely.
  csrf_token: z.string().max(200),
});

function registerAuthorizeRoutes(app: App, sql: Sql): void {
  app.get(
    '/oauth/authorize',
    {
      // Public so that a visitor who is not signed in is sent to sign in rather than shown a 401.
      config: { access: 'public' },
      attachValidation: true,
      schema: {
        tags: ['oauth'],
        summary: 'The consent screen of the authorization-code flow (RFC 6749 §4.1.1)',
        querystring: authorizationParams,
      },
    },
    async (request, reply) => {
      const actor = request.actor;
      if (actor?.via !== 'session' || !actor.csrfToken) {
        return reply.redirect(`/signin?next=${encodeURIComponent(request.url)}`, 302);
      }
      if (request.validationError) return sendPage(reply, 400, invalidLinkPage(request));
      const check = await checkOrShowError(sql, request.query, reply);
      if (!check) return reply;
      if (!check.ok) return reply.redirect(check.redirect, 302);
      const { client, redirectUri, scopes } = check.request;
      const globalPolicy = reply.getHeader('content-security-policy');
      reply.header(
        'content-security-policy',
        consentContentSecurityPolicy(typeof globalPolicy === 'string' ? globalPolicy : '', redirectUri),
      );
      const me = await loadMe(sql, actor.userId);
      const html = renderConsentPage({
        clientName: client.name,
        redirectUri,
        userEmail: me.user.email,
        scopes,
        csrfToken: actor.csrfToken,
        params: request.query,
      });
      return sendPage(reply, 200, html);
    },
  );

  app.post(
    '/oauth/authorize',
    {
      config: { access: 'user', sessionOnly: true, csrfFromBody: true },
      attachValidation: true,
      schema: {
        tags: ['oauth'],
        summary: 'The consent form’s decision: redirects to the app with a code or access_denied',
        body: consentForm,
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      if (request.validationError) return sendPage(reply, 400, invalidLinkPage(request));
      const { decision, csrf_token: _csrf, ...params } = request.body;
      const check = await checkOrShowError(sql, params, reply);
      if (!check) return reply;
      if (!check.ok) return reply.redirect(check.redirect, 303);
      const target =
        decision === 'approve'
          ? await approveAuthorization(sql, actor.userId, check.request, originOf(request))
          : denyAuthorization(check.request);
      return reply.header('cache-control', 'no-store').redirect(target, 303);
    },
  );
}

/** Checks the request; a bad client or redirect URI is explained on the page, never redirected to. */
async function checkOrShowError(
  sql: Sql,
  params: AuthorizationParams,
  reply: FastifyReply,
): Promise<AuthorizationCheck | undefined> {
  try {
    return await checkAuthorizationRequest(sql, params);
  } catch (error) {
    if (!(error instanceof SpoolError)) throw error;
    sendPage(reply, 400, renderAuthorizeErrorPage(error.message));
    return undefined;
  }
}

function invalidLinkPage(request: FastifyRequest): string {
  const fields = (request.validationError?.validation ?? [])
    .map((issue: { instancePath?: string }) => String(issue.instancePath ?? '').replace(/^\//, ''))
    .filter(Boolean);
  const which = fields.length > 0 ? ` (${[...new Set(fields)].join(', ')})` : '';
  return renderAuthorizeErrorPage(
    `The authorization request is malformed: a parameter is missing, repeated or too long${which}. Go back to the app and try again, or tell its developer.`,
  );
}

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  // The consent page embeds the session's CSRF token: never cache it.
  return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

const clientAuthFields = {
  client_id: z.string().max(100).optional(),
  client_secret: z.string().max(200).optional(),
};

const tokenRequest = z.object({
  grant_type: z.string().max(100).optional(),
  code: z.string().max(200).optional(),
  redirect_uri: z.string().max(2000).optional(),
  code_verifier: z.string().max(200).optional(),
  refresh_token: z.string().max(200).optional(),
  scope: z.string().max(200).optional(),
  ...clientAuthFields,
});

const revocationRequest = z.object({
  token: z.string().max(200).optional(),
  token_type_hint: z.string().max(100).optional(),
  ...clientAuthFields,
});

function registerTokenRoutes(app: App, sql: Sql): void {
  app.post(
    '/oauth/token',
    {
      config: { access: 'public', oauthClientEndpoint: true },
      attachValidation: true,
      schema: {
        tags: ['oauth'],
        summary: 'Exchange a code or refresh token for tokens (RFC 6749 §4.1.3, §6)',
        body: tokenRequest,
      },
    },
    async (request, reply) =>
      answerOAuth(request, reply, async () => {
        const body = request.body;
        const client = await authenticateClient(sql, clientCredentials(request));
        switch (body.grant_type) {
          case 'authorization_code':
            return exchangeAuthorizationCode(sql, client, {
              code: required(body.code, 'code'),
              redirectUri: body.redirect_uri,
              codeVerifier: body.code_verifier,
            });
          case 'refresh_token':
            return refreshAccessToken(sql, client, {
              refreshToken: required(body.refresh_token, 'refresh_token'),
              scope: body.scope,
            });
          case undefined:
            throw new OAuthProtocolError('invalid_request', 'grant_type is required.');
          default:
            throw new OAuthProtocolError(
              'unsupported_grant_type',
              'grant_type must be authorization_code or refresh_token.',
            );
        }
      }),
  );

  app.post(
    '/oauth/revoke',
    {
      config: { access: 'public', oauthClientEndpoint: true },
      attachValidation: true,
      schema: {
        tags: ['oauth'],
        summary: 'Revoke an access or refresh token (RFC 7009)',
        body: revocationRequest,
      },
    },
    async (request, reply) =>
      answerOAuth(request, reply, async () => {
        const client = await authenticateClient(sql, clientCredentials(request));
        // token_type_hint is optional help; tokens carry their type in their prefix.
        await revokeOAuthToken(sql, client, required(request.body.token, 'token'));
        return '';
      }),
  );
}

/** Runs a token-endpoint action and answers in OAuth's own format (RFC 6749 §5.1, §5.2). */
async function answerOAuth(
  request: FastifyRequest,
  reply: FastifyReply,
  action: () => Promise<object | string>,
): Promise<FastifyReply> {
  // Tokens must never be cached; any site's app may call these endpoints (no cookies are used).
  reply
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .header('access-control-allow-origin', '*');
  try {
    if (!request.headers['content-type']?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new OAuthProtocolError(
        'invalid_request',
        'Send the parameters as application/x-www-form-urlencoded.',
      );
    }
    if (request.validationError) {
      throw new OAuthProtocolError('invalid_request', 'A parameter is repeated, too long or not text.');
    }
    const result = await action();
    return reply.status(200).send(result);
  } catch (error) {
    if (!(error instanceof OAuthProtocolError)) throw error;
    if (error.error === 'invalid_client') reply.status(401).header('www-authenticate', 'Basic realm="spool"');
    else reply.status(400);
    return reply
      .type('application/json; charset=utf-8')
      .send({ error: error.error, error_description: error.message });
  }
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new OAuthProtocolError('invalid_request', `${name} is required.`);
  return value;
}

/** HTTP Basic (RFC 6749 §2.3.1: form-encoded id and secret) or client_id/client_secret in the body. */
function clientCredentials(request: FastifyRequest): ClientCredentials {
  const body = request.body as { client_id?: string; client_secret?: string };
  const header = request.headers.authorization;
  if (header === undefined) return { clientId: body.client_id, clientSecret: body.client_secret };
  const basic = parseBasic(header);
  if (!basic) throw new OAuthProtocolError('invalid_client', 'Authenticate the client with HTTP Basic.');
  if (body.client_secret !== undefined) {
    throw new OAuthProtocolError(
      'invalid_request',
      'Send the client secret one way only: Basic or the body.',
    );
  }
  if (body.client_id !== undefined && body.client_id !== basic.clientId) {
    throw new OAuthProtocolError(
      'invalid_client',
      'client_id differs from the one in the Authorization header.',
    );
  }
  return basic;
}

function parseBasic(header: string): ClientCredentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/]+=*)$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    return undefined;
  }
}
