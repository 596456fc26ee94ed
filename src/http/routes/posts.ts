import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import { can } from '../../domain/accounts/roles.ts';
import { approvePost, rejectPost } from '../../domain/posts/approve-post.ts';
import { createPost } from '../../domain/posts/create-post.ts';
import { deletePost, deleteTarget } from '../../domain/posts/delete-post.ts';
import { editPost } from '../../domain/posts/edit-post.ts';
import { editTarget } from '../../domain/posts/edit-target.ts';
import { getPost } from '../../domain/posts/get-post.ts';
import { listPosts } from '../../domain/posts/list-posts.ts';
import { schedulePost } from '../../domain/posts/schedule-post.ts';
import { rebufferTarget } from '../../domain/queue/rebuffer-target.ts';
import { requeueTarget } from '../../domain/queue/requeue-target.ts';
import type { Clock } from '../../ports/clock.ts';
import type { App } from '../app.ts';
import { actorOf, orgOf } from '../plugins/auth.ts';
import { orgParams, postParams, targetParams } from '../schemas/ids.ts';
import { decodeCursor, pageQuery, presentPage } from '../schemas/pagination.ts';
import {
  createPostBody,
  editPostBody,
  editTargetBody,
  POST_TABS,
  postTabSchema,
  scheduleSchema,
  toScheduleRequest,
} from '../schemas/posts.ts';

interface Deps {
  sql: Sql;
  clock: Clock;
}

const optionalSchedule = z.object({ schedule: scheduleSchema.optional() }).default({});

/** Whether the caller may queue and publish; a contributor's posts wait for approval instead. */
function canPublish(request: FastifyRequest): boolean {
  return can(orgOf(request).role, 'posts.publish');
}

/** Posts written once for several channels, their per-channel targets, drafts and approvals. */
export function registerPostRoutes(app: App, { sql, clock }: Deps): void {
  const now = () => clock.now();

  app.post(
    '/api/orgs/:orgId/posts',
    {
      config: { access: 'org', permission: 'posts.draft', idempotent: true },
      schema: {
        tags: ['posts'],
        summary: 'Write a post for channels and/or profile groups, and queue, schedule or save it as a draft',
        params: orgParams,
        body: createPostBody,
      },
    },
    async (request, reply) => {
      const { channelIds, groupIds, overrides, schedule, ...content } = request.body;
      const post = await createPost(sql, now, {
        organizationId: orgOf(request).organizationId,
        authorUserId: actorOf(request).userId,
        canPublish: canPublish(request),
        content,
        channelIds,
        groupIds,
        overrides,
        schedule: toScheduleRequest(schedule),
      });
      reply.status(201);
      return post;
    },
  );

  app.get(
    '/api/orgs/:orgId/posts',
    {
      config: { access: 'org', permission: 'org.read' },
      schema: {
        tags: ['posts'],
        summary: 'Posts per channel in a tab (drafts, awaiting_approval, pending, sent, failed) or status',
        params: orgParams,
        querystring: z.object({
          status: postTabSchema,
          channelId: z.uuid().toLowerCase().optional(),
          ...pageQuery(),
        }),
      },
    },
    async (request) =>
      presentPage(
        await listPosts(sql, {
          organizationId: orgOf(request).organizationId,
          statuses: POST_TABS[request.query.status],
          channelId: request.query.channelId,
          after: decodeCursor(request.query.cursor),
          limit: request.query.limit,
        }),
      ),
  );

  app.get(
    '/api/orgs/:orgId/posts/:postId',
    {
      config: { access: 'org', permission: 'org.read' },
      schema: { tags: ['posts'], summary: 'A post with its channels', params: postParams },
    },
    async (request) => getPost(sql, orgOf(request).organizationId, request.params.postId),
  );

  app.patch(
    '/api/orgs/:orgId/posts/:postId',
    {
      config: { access: 'org', permission: 'posts.draft' },
      schema: {
        tags: ['posts'],
        summary: 'Change what a post says on all its channels',
        params: postParams,
        body: editPostBody,
      },
    },
    async (request) =>
      editPost(sql, {
        organizationId: orgOf(request).organizationId,
        postId: request.params.postId,
        canPublish: canPublish(request),
        changes: request.body,
      }),
  );

  app.delete(
    '/api/orgs/:orgId/posts/:postId',
    {
      config: { access: 'org', permission: 'posts.draft' },
      schema: { tags: ['posts'], summary: 'Delete a post on all its channels', params: postParams },
    },
    async (request, reply) => {
      await deletePost(sql, now, {
        organizationId: orgOf(request).organizationId,
        postId: request.params.postId,
        canPublish: canPublish(request),
      });
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/orgs/:orgId/posts/:postId/schedule',
    {
      config: { access: 'org', permission: 'posts.draft' },
      schema: {
        tags: ['posts'],
        summary: "Schedule a draft on its channels (a contributor's goes to approval)",
        params: postParams,
        body: z.object({ schedule: scheduleSchema }),
      },
    },
    async (request) =>
      schedulePost(sql, now, {
        organizationId: orgOf(request).organizationId,
        postId: request.params.postId,
        canPublish: canPublish(request),
        schedule: toScheduleRequest(request.body.schedule),
      }),
  );

  app.post(
    '/api/orgs/:orgId/posts/:postId/approve',
    {
      config: { access: 'org', permission: 'posts.publish' },
      schema: {
        tags: ['posts'],
        summary: "Approve a contributor's post: schedule it as they asked, or as given here",
        params: postParams,
        body: optionalSchedule,
      },
    },
    async (request) =>
      approvePost(sql, now, {
        organizationId: orgOf(request).organizationId,
        postId: request.params.postId,
        approverUserId: actorOf(request).userId,
        schedule: request.body.schedule ? toScheduleRequest(request.body.schedule) : undefined,
      }),
  );

  app.post(
    '/api/orgs/:orgId/posts/:postId/reject',
    {
      config: { access: 'org', permission: 'posts.publish' },
      schema: {
        tags: ['posts'],
        summary: "Send a contributor's post back to drafts, saying why",
        params: postParams,
        body: z.object({ reason: z.string().trim().min(1).max(2000) }),
      },
    },
    async (request) =>
      rejectPost(sql, {
        organizationId: orgOf(request).organizationId,
        postId: request.params.postId,
        reviewerUserId: actorOf(request).userId,
        reason: request.body.reason,
      }),
  );

  registerTargetRoutes(app, sql, now);
}

function registerTargetRoutes(app: App, sql: Sql, now: () => Date): void {
  app.patch(
    '/api/orgs/:orgId/posts/:postId/targets/:targetId',
    {
      config: { access: 'org', permission: 'posts.draft' },
      schema: {
        tags: ['posts'],
        summary: "Change one channel's text, media, title or board (null: as the post), or when it goes out",
        params: targetParams,
        body: editTargetBody,
      },
    },
    async (request) => {
      const { schedule, ...changes } = request.body;
      return editTarget(sql, now, {
        organizationId: orgOf(request).organizationId,
        postId: request.params.postId,
        targetId: request.params.targetId,
        canPublish: canPublish(request),
        changes,
        schedule: schedule ? toScheduleRequest(schedule) : undefined,
      });
    },
  );

  app.delete(
    '/api/orgs/:orgId/posts/:postId/targets/:targetId',
    {
      config: { access: 'org', permission: 'posts.draft' },
      schema: { tags: ['posts'], summary: 'Remove one channel from a post', params: targetParams },
    },
    async (request, reply) => {
      await deleteTarget(sql, now, {
        organizationId: orgOf(request).organizationId,
        postId: request.params.postId,
        targetId: request.params.targetId,
        canPublish: canPublish(request),
      });
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/orgs/:orgId/posts/:postId/targets/:targetId/requeue',
    {
      config: { access: 'org', permission: 'posts.publish' },
      schema: {
        tags: ['queue'],
        summary: 'Put a failed or unconfirmed post back in the queue (or schedule it as given)',
        params: targetParams,
        body: optionalSchedule,
      },
    },
    async (request) =>
      requeueTarget(sql, now, {
        organizationId: orgOf(request).organizationId,
        postId: request.params.postId,
        targetId: request.params.targetId,
        schedule: request.body.schedule ? toScheduleRequest(request.body.schedule) : undefined,
      }),
  );

  app.post(
    '/api/orgs/:orgId/posts/:postId/targets/:targetId/rebuffer',
    {
      config: { access: 'org', permission: 'posts.publish', idempotent: true },
      schema: {
        tags: ['queue'],
        summary: 'Re-buffer a published post: a new copy for the same channel, added to the queue',
        params: targetParams,
        body: optionalSchedule,
      },
    },
    async (request, reply) => {
      const post = await rebufferTarget(sql, now, {
        organizationId: orgOf(request).organizationId,
        postId: request.params.postId,
        targetId: request.params.targetId,
        authorUserId: actorOf(request).userId,
        schedule: request.body.schedule ? toScheduleRequest(request.body.schedule) : undefined,
      });
      reply.status(201);
      return post;
    },
  );
}
