import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { Sql } from '../../db/connection.ts';
import { recordUserAudit } from '../../domain/accounts/audit.ts';
import {
  digestChangesSchema,
  getDigestPreferences,
  updateDigestPreferences,
} from '../../domain/accounts/digest-preferences.ts';
import {
  changePassword,
  deleteAccount,
  loadMe,
  type Me,
  profileChangesSchema,
  updateProfile,
} from '../../domain/accounts/profile.ts';
import {
  emailSchema,
  organizationNameSchema,
  passwordSchema,
  personNameSchema,
} from '../../domain/accounts/schemas.ts';
import { createSession, revokeSession } from '../../domain/accounts/sessions.ts';
import { signIn } from '../../domain/accounts/sign-in.ts';
import { signUp } from '../../domain/accounts/sign-up.ts';
import type { App } from '../app.ts';
import { actorOf, originOf, SESSION_COOKIE } from '../plugins/auth.ts';

interface Deps {
  sql: Sql;
  config: Config;
}

/**
 * Sign-up, sign-in, sign-out, and a person's own account: profile, password, digest email
 * preferences and account deletion.
 */
export function registerAuthRoutes(app: App, { sql, config }: Deps): void {
  const startSession = async (request: FastifyRequest, reply: FastifyReply, userId: string) => {
    // A new session on every sign-in: a session id planted before sign-in never gains rights.
    const old = request.cookies[SESSION_COOKIE];
    if (old) await revokeSession(sql, old);
    const { token, session } = await createSession(sql, userId, config.sessionTtlDays, originOf(request));
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
      expires: session.expiresAt,
    });
    return { ...(await loadMe(sql, userId)), csrfToken: session.csrfToken };
  };

  app.post(
    '/api/auth/signup',
    {
      config: { access: 'public' },
      schema: {
        tags: ['accounts'],
        summary: 'Create an account and its first organization, and sign in',
        body: z.object({
          email: emailSchema,
          password: passwordSchema,
          name: personNameSchema.optional(),
          organizationName: organizationNameSchema.optional(),
        }),
      },
    },
    async (request, reply) => {
      const created = await signUp(sql, request.body, { origin: originOf(request) });
      reply.status(201);
      return startSession(request, reply, created.userId);
    },
  );

  app.post(
    '/api/auth/signin',
    {
      config: { access: 'public' },
      schema: {
        tags: ['accounts'],
        summary: 'Sign in with email and password (sets the session cookie)',
        body: z.object({ email: emailSchema, password: z.string().min(1).max(1024) }),
      },
    },
    async (request, reply) => {
      const userId = await signIn(sql, request.body, originOf(request));
      return startSession(request, reply, userId);
    },
  );

  app.post(
    '/api/auth/signout',
    {
      config: { access: 'user', sessionOnly: true },
      schema: { tags: ['accounts'], summary: 'Sign out this session' },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      if (actor.sessionToken) await revokeSession(sql, actor.sessionToken);
      await recordUserAudit(sql, actor.userId, {
        action: 'user.signed_out',
        actorUserId: actor.userId,
        subjectUserId: actor.userId,
        origin: originOf(request),
      });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/me',
    {
      config: { access: 'user' },
      schema: { tags: ['accounts'], summary: 'The caller: user, organizations and roles' },
    },
    async (request) => presentMe(request, await loadMe(sql, actorOf(request).userId)),
  );

  app.patch(
    '/api/me',
    {
      config: { access: 'user' },
      schema: {
        tags: ['accounts'],
        summary: 'Change your name or time zone (an IANA name such as "Europe/London")',
        body: profileChangesSchema,
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const me = await updateProfile(sql, actor.userId, request.body, originOf(request));
      return presentMe(request, me);
    },
  );

  app.get(
    '/api/me/digest',
    {
      config: { access: 'user' },
      schema: {
        tags: ['accounts'],
        summary: 'When your weekly digest email arrives (weekday and hour in your time zone)',
      },
    },
    async (request) => getDigestPreferences(sql, actorOf(request).userId),
  );

  app.patch(
    '/api/me/digest',
    {
      config: { access: 'user' },
      schema: {
        tags: ['accounts'],
        summary: 'Turn your weekly digest email on or off, or move it to another weekday or hour',
        body: digestChangesSchema,
      },
    },
    async (request) => updateDigestPreferences(sql, actorOf(request).userId, request.body),
  );

  app.post(
    '/api/me/password',
    {
      config: { access: 'user', sessionOnly: true },
      schema: {
        tags: ['accounts'],
        summary: 'Change your password (signs out your other sessions)',
        body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await changePassword(sql, actor.userId, request.body, actor.sessionToken, originOf(request));
      return reply.status(204).send();
    },
  );

  app.delete(
    '/api/me',
    {
      config: { access: 'user', sessionOnly: true },
      schema: {
        tags: ['accounts'],
        summary: 'Delete your account (asks for your password)',
        body: z.object({ password: z.string().min(1).max(1024) }),
      },
    },
    async (request, reply) => {
      await deleteAccount(sql, actorOf(request).userId, request.body.password, originOf(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );
}

/** GET and PATCH /api/me answer alike: the caller, how they signed in, and the CSRF token to send. */
function presentMe(request: FastifyRequest, me: Me) {
  const actor = actorOf(request);
  return {
    ...me,
    authenticatedWith: actor.via,
    scopes: actor.scopes,
    ...(actor.csrfToken ? { csrfToken: actor.csrfToken } : {}),
  };
}
