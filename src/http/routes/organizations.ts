import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { Sql } from '../../db/connection.ts';
import {
  acceptInvitation,
  createInvitation,
  listPendingInvitations,
  previewInvitation,
  revokeInvitation,
} from '../../domain/accounts/invitations.ts';
import { changeMemberRole, listMembers, removeMember } from '../../domain/accounts/members.ts';
import {
  createOrganization,
  deleteOrganization,
  getOrganization,
  listUserOrganizations,
  renameOrganization,
} from '../../domain/accounts/organizations.ts';
import { ROLES, type Scope } from '../../domain/accounts/roles.ts';
import { emailSchema, organizationNameSchema } from '../../domain/accounts/schemas.ts';
import { SpoolError } from '../../domain/errors.ts';
import type { Mailer } from '../../ports/mailer.ts';
import type { App } from '../app.ts';
import { actorOf, orgOf, originOf } from '../plugins/auth.ts';
import { publicBase } from '../public-base.ts';

interface Deps {
  sql: Sql;
  config: Config;
  mailer: Mailer;
}

const orgParams = z.object({ orgId: z.uuid().toLowerCase() });
const memberParams = orgParams.extend({ userId: z.uuid().toLowerCase() });
const invitationParams = orgParams.extend({ invitationId: z.uuid().toLowerCase() });
const invitationToken = z.string().min(1).max(200);

/** Organizations (workspaces), their members and invitations. */
export function registerOrganizationRoutes(app: App, deps: Deps): void {
  registerOrganizations(app, deps);
  registerMembers(app, deps);
  registerInvitations(app, deps);
}

function registerOrganizations(app: App, { sql }: Deps): void {
  app.get(
    '/api/orgs',
    {
      config: { access: 'user' },
      schema: { tags: ['organizations'], summary: 'The organizations you belong to, with your role' },
    },
    async (request) => ({ organizations: await listUserOrganizations(sql, actorOf(request).userId) }),
  );

  app.post(
    '/api/orgs',
    {
      config: { access: 'user' },
      schema: {
        tags: ['organizations'],
        summary: 'Create an organization (you become its owner)',
        body: z.object({ name: organizationNameSchema }),
      },
    },
    async (request, reply) => {
      reply.status(201);
      return createOrganization(sql, actorOf(request).userId, request.body.name);
    },
  );

  app.get(
    '/api/orgs/:orgId',
    {
      config: { access: 'org', permission: 'org.read' },
      schema: { tags: ['organizations'], summary: 'One organization', params: orgParams },
    },
    async (request) => getOrganization(sql, orgOf(request).organizationId, actorOf(request).userId),
  );

  app.patch(
    '/api/orgs/:orgId',
    {
      config: { access: 'org', permission: 'org.own' },
      schema: {
        tags: ['organizations'],
        summary: 'Rename the organization (owners)',
        params: orgParams,
        body: z.object({ name: organizationNameSchema }),
      },
    },
    async (request) =>
      renameOrganization(sql, orgOf(request).organizationId, actorOf(request).userId, request.body.name),
  );

  app.delete(
    '/api/orgs/:orgId',
    {
      config: { access: 'org', permission: 'org.own' },
      schema: {
        tags: ['organizations'],
        summary: 'Delete the organization and everything in it (owners; type its name to confirm)',
        params: orgParams,
        body: z.object({ confirmName: z.string().max(200) }),
      },
    },
    async (request, reply) => {
      await deleteOrganization(sql, orgOf(request).organizationId, request.body.confirmName);
      return reply.status(204).send();
    },
  );
}

function registerMembers(app: App, { sql }: Deps): void {
  app.get(
    '/api/orgs/:orgId/members',
    {
      config: { access: 'org', permission: 'org.read' },
      schema: { tags: ['members'], summary: 'Members of the organization', params: orgParams },
    },
    async (request) => ({ members: await listMembers(sql, orgOf(request).organizationId) }),
  );

  app.patch(
    '/api/orgs/:orgId/members/:userId',
    {
      config: { access: 'org', permission: 'members.manage' },
      schema: {
        tags: ['members'],
        summary: "Change a member's role (only owners grant or take away the owner role)",
        params: memberParams,
        body: z.object({ role: z.enum(ROLES) }),
      },
    },
    async (request) =>
      changeMemberRole(
        sql,
        {
          organizationId: orgOf(request).organizationId,
          actorUserId: actorOf(request).userId,
          memberUserId: request.params.userId,
          role: request.body.role,
        },
        originOf(request),
      ),
  );

  app.delete(
    '/api/orgs/:orgId/members/:userId',
    {
      // Any member may leave; removing someone else needs members.manage (checked by the use case).
      config: { access: 'org', permission: 'org.read' },
      schema: { tags: ['members'], summary: 'Remove a member, or leave yourself', params: memberParams },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const leaving = request.params.userId === actor.userId;
      requireTokenScope(request, leaving ? 'write' : 'admin');
      await removeMember(
        sql,
        {
          organizationId: orgOf(request).organizationId,
          actorUserId: actor.userId,
          memberUserId: request.params.userId,
        },
        originOf(request),
      );
      return reply.status(204).send();
    },
  );
}

function registerInvitations(app: App, { sql, config, mailer }: Deps): void {
  app.post(
    '/api/orgs/:orgId/invitations',
    {
      config: { access: 'org', permission: 'members.manage' },
      schema: {
        tags: ['members'],
        summary: 'Invite someone by email (the link is valid for 7 days; only owners invite owners)',
        params: orgParams,
        body: z.object({ email: emailSchema, role: z.enum(ROLES) }),
      },
    },
    async (request, reply) => {
      const org = orgOf(request);
      const invitation = await createInvitation(
        sql,
        mailer,
        {
          organizationId: org.organizationId,
          inviterUserId: actorOf(request).userId,
          inviterRole: org.role,
          email: request.body.email,
          role: request.body.role,
          baseUrl: publicBase(config, request),
        },
        originOf(request),
      );
      reply.status(201);
      return invitation;
    },
  );

  app.get(
    '/api/orgs/:orgId/invitations',
    {
      config: { access: 'org', permission: 'members.manage' },
      schema: { tags: ['members'], summary: 'Pending invitations', params: orgParams },
    },
    async (request) => ({ invitations: await listPendingInvitations(sql, orgOf(request).organizationId) }),
  );

  app.delete(
    '/api/orgs/:orgId/invitations/:invitationId',
    {
      config: { access: 'org', permission: 'members.manage' },
      schema: { tags: ['members'], summary: 'Withdraw a pending invitation', params: invitationParams },
    },
    async (request, reply) => {
      await revokeInvitation(sql, orgOf(request).organizationId, request.params.invitationId);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/invitations/:token',
    {
      config: { access: 'public' },
      // The token is in the path: keep this route out of the per-request info log lines.
      logLevel: 'warn',
      schema: {
        tags: ['members'],
        summary: 'What an invitation link offers (for the accept page; no sign-in needed)',
        params: z.object({ token: invitationToken }),
      },
    },
    async (request) => previewInvitation(sql, request.params.token),
  );

  app.post(
    '/api/invitations/accept',
    {
      config: { access: 'user' },
      schema: {
        tags: ['members'],
        summary: 'Accept an invitation as the signed-in user (who must own the invited address)',
        body: z.object({ token: invitationToken }),
      },
    },
    async (request) =>
      acceptInvitation(
        sql,
        { token: request.body.token, userId: actorOf(request).userId },
        originOf(request),
      ),
  );
}

/** `org` routes check the scope of their declared permission; this asks more where the action does. */
function requireTokenScope(request: FastifyRequest, scope: Scope): void {
  const actor = actorOf(request);
  if (actor.via === 'token' && !actor.scopes.includes(scope)) {
    throw new SpoolError(
      'auth.insufficient_scope',
      `This API token lacks the "${scope}" scope needed here. Create a token with that scope.`,
      'forbidden',
      { requiredScope: scope },
    );
  }
}
