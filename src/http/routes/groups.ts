import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import { createProfileGroup } from '../../domain/channels/create-profile-group.ts';
import { deleteProfileGroup } from '../../domain/channels/delete-profile-group.ts';
import { groupNotFound, loadGroups } from '../../domain/channels/profile-group-view.ts';
import {
  addChannelToGroup,
  removeChannelFromGroup,
  updateProfileGroup,
} from '../../domain/channels/update-profile-group.ts';
import { listGroupQueue } from '../../domain/queue/list-group-queue.ts';
import type { App } from '../app.ts';
import { orgOf } from '../plugins/auth.ts';
import { groupChannelParams, groupParams, orgParams } from '../schemas/ids.ts';
import { decodeCursor, pageQuery, presentPage } from '../schemas/pagination.ts';

const groupName = z.string().trim().min(1).max(100);
const channelIds = z.array(z.uuid().toLowerCase()).max(500);

/** Profile groups: named sets of channels to pick together and to filter the queue and calendar. */
export function registerGroupRoutes(app: App, { sql }: { sql: Sql }): void {
  app.post(
    '/api/orgs/:orgId/groups',
    {
      config: { access: 'org', permission: 'channels.manage', idempotent: true },
      schema: {
        tags: ['groups'],
        summary: 'Create a profile group',
        params: orgParams,
        body: z.object({ name: groupName, channelIds: channelIds.default([]) }),
      },
    },
    async (request, reply) => {
      const group = await createProfileGroup(sql, {
        organizationId: orgOf(request).organizationId,
        ...request.body,
      });
      reply.status(201);
      return group;
    },
  );

  app.get(
    '/api/orgs/:orgId/groups',
    {
      config: { access: 'org', permission: 'org.read' },
      schema: { tags: ['groups'], summary: 'Profile groups with their channels', params: orgParams },
    },
    async (request) => ({ groups: await loadGroups(sql, orgOf(request).organizationId) }),
  );

  app.get(
    '/api/orgs/:orgId/groups/:groupId',
    {
      config: { access: 'org', permission: 'org.read' },
      schema: { tags: ['groups'], summary: 'One profile group', params: groupParams },
    },
    async (request) => {
      const [group] = await loadGroups(sql, orgOf(request).organizationId, request.params.groupId);
      if (!group) throw groupNotFound(request.params.groupId);
      return group;
    },
  );

  app.get(
    '/api/orgs/:orgId/groups/:groupId/queue',
    {
      config: { access: 'org', permission: 'org.read' },
      schema: {
        tags: ['groups', 'queue'],
        summary:
          'The upcoming posts of every channel in the group, merged in the order they go out, each with its channel',
        params: groupParams,
        querystring: z.object(pageQuery()),
      },
    },
    async (request) =>
      presentPage(
        await listGroupQueue(sql, {
          organizationId: orgOf(request).organizationId,
          groupId: request.params.groupId,
          after: decodeCursor(request.query.cursor),
          limit: request.query.limit,
        }),
      ),
  );

  app.patch(
    '/api/orgs/:orgId/groups/:groupId',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: {
        tags: ['groups'],
        summary: 'Rename a profile group and/or replace its channels',
        params: groupParams,
        body: z.object({ name: groupName.optional(), channelIds: channelIds.optional() }),
      },
    },
    async (request) =>
      updateProfileGroup(sql, {
        organizationId: orgOf(request).organizationId,
        groupId: request.params.groupId,
        ...request.body,
      }),
  );

  app.delete(
    '/api/orgs/:orgId/groups/:groupId',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: {
        tags: ['groups'],
        summary: 'Delete a profile group (its channels stay)',
        params: groupParams,
      },
    },
    async (request, reply) => {
      await deleteProfileGroup(sql, {
        organizationId: orgOf(request).organizationId,
        groupId: request.params.groupId,
      });
      return reply.status(204).send();
    },
  );

  app.put(
    '/api/orgs/:orgId/groups/:groupId/channels/:channelId',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: { tags: ['groups'], summary: 'Add a channel to a profile group', params: groupChannelParams },
    },
    async (request) =>
      addChannelToGroup(sql, { organizationId: orgOf(request).organizationId, ...pick(request.params) }),
  );

  app.delete(
    '/api/orgs/:orgId/groups/:groupId/channels/:channelId',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: {
        tags: ['groups'],
        summary: 'Take a channel out of a profile group',
        params: groupChannelParams,
      },
    },
    async (request) =>
      removeChannelFromGroup(sql, { organizationId: orgOf(request).organizationId, ...pick(request.params) }),
  );
}

function pick(params: { groupId: string; channelId: string }) {
  return { groupId: params.groupId, channelId: params.channelId };
}
