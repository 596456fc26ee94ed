import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import { createColumn, deleteColumn, listColumns, updateColumn } from '../../domain/ideas/board.ts';
import { convertIdeaToPost } from '../../domain/ideas/convert-idea-to-post.ts';
import {
  createIdea,
  deleteIdea,
  getIdea,
  listIdeas,
  moveIdea,
  updateIdea,
} from '../../domain/ideas/ideas.ts';
import type { App } from '../app.ts';
import { actorOf, orgOf } from '../plugins/auth.ts';

const orgParams = z.object({ orgId: z.uuid().toLowerCase() });
const columnParams = z.object({ orgId: z.uuid().toLowerCase(), columnId: z.uuid().toLowerCase() });
const ideaParams = z.object({ orgId: z.uuid().toLowerCase(), ideaId: z.uuid().toLowerCase() });

const columnName = z.string().trim().min(1).max(100);
const position = z.number().int().min(0).max(100_000);
const ideaContent = z.object({
  title: z.string().max(300),
  text: z.string().max(70_000),
  media: z
    .array(z.object({ mediaId: z.uuid().toLowerCase(), altText: z.string().max(2000).default('') }))
    .max(20),
  tags: z.array(z.string().trim().min(1).max(50)).max(30),
});

const READ = { access: 'org' } as const;
const WRITE = { access: 'org', permission: 'posts.draft' } as const;

/** The ideas board: columns (`/idea-columns`) and the ideas in them (`/ideas`). */
export function registerIdeaRoutes(app: App, { sql }: { sql: Sql }): void {
  app.get(
    '/api/orgs/:orgId/idea-columns',
    {
      config: READ,
      schema: { tags: ['ideas'], summary: 'The columns of the ideas board, in order', params: orgParams },
    },
    async (request) => ({ columns: await listColumns(sql, orgOf(request).organizationId) }),
  );

  app.post(
    '/api/orgs/:orgId/idea-columns',
    {
      config: WRITE,
      schema: {
        tags: ['ideas'],
        summary: 'Add a column (last, or at `position`)',
        params: orgParams,
        body: z.object({ name: columnName, position: position.optional() }),
      },
    },
    async (request, reply) => {
      reply.status(201);
      return createColumn(sql, orgOf(request).organizationId, request.body);
    },
  );

  app.patch(
    '/api/orgs/:orgId/idea-columns/:columnId',
    {
      config: WRITE,
      schema: {
        tags: ['ideas'],
        summary: 'Rename a column or move it to another position',
        params: columnParams,
        body: z.object({ name: columnName.optional(), position: position.optional() }),
      },
    },
    async (request) =>
      updateColumn(sql, orgOf(request).organizationId, request.params.columnId, request.body),
  );

  app.delete(
    '/api/orgs/:orgId/idea-columns/:columnId',
    {
      config: WRITE,
      schema: { tags: ['ideas'], summary: 'Delete an empty column', params: columnParams },
    },
    async (request, reply) => {
      await deleteColumn(sql, orgOf(request).organizationId, request.params.columnId);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/orgs/:orgId/ideas',
    {
      config: READ,
      schema: {
        tags: ['ideas'],
        summary: 'The ideas in board order (column by column, top to bottom)',
        params: orgParams,
        querystring: z.object({
          columnId: z.uuid().toLowerCase().optional(),
          tag: z.string().max(50).optional(),
        }),
      },
    },
    async (request) => ({ ideas: await listIdeas(sql, orgOf(request).organizationId, request.query) }),
  );

  app.post(
    '/api/orgs/:orgId/ideas',
    {
      config: WRITE,
      schema: {
        tags: ['ideas'],
        summary: 'Add an idea (to the first column unless `columnId` is given; last unless `position` is)',
        params: orgParams,
        body: ideaContent
          .partial()
          .extend({ columnId: z.uuid().toLowerCase().optional(), position: position.optional() })
          .refine((idea) => Boolean(idea.title?.trim() || idea.text?.trim() || idea.media?.length), {
            message: 'an idea needs a title, a text or media',
          }),
      },
    },
    async (request, reply) => {
      const idea = await createIdea(
        sql,
        orgOf(request).organizationId,
        actorOf(request).userId,
        request.body,
      );
      reply.status(201);
      return idea;
    },
  );

  app.get(
    '/api/orgs/:orgId/ideas/:ideaId',
    { config: READ, schema: { tags: ['ideas'], summary: 'An idea', params: ideaParams } },
    async (request) => getIdea(sql, orgOf(request).organizationId, request.params.ideaId),
  );

  app.patch(
    '/api/orgs/:orgId/ideas/:ideaId',
    {
      config: WRITE,
      schema: {
        tags: ['ideas'],
        summary: 'Edit an idea’s title, text, media or tags',
        params: ideaParams,
        body: ideaContent.partial(),
      },
    },
    async (request) => updateIdea(sql, orgOf(request).organizationId, request.params.ideaId, request.body),
  );

  app.post(
    '/api/orgs/:orgId/ideas/:ideaId/move',
    {
      config: WRITE,
      schema: {
        tags: ['ideas'],
        summary: 'Move an idea to a position in a column (its own, or another)',
        params: ideaParams,
        body: z.object({ columnId: z.uuid().toLowerCase().optional(), position }),
      },
    },
    async (request) => moveIdea(sql, orgOf(request).organizationId, request.params.ideaId, request.body),
  );

  app.delete(
    '/api/orgs/:orgId/ideas/:ideaId',
    { config: WRITE, schema: { tags: ['ideas'], summary: 'Delete an idea', params: ideaParams } },
    async (request, reply) => {
      await deleteIdea(sql, orgOf(request).organizationId, request.params.ideaId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/orgs/:orgId/ideas/:ideaId/post',
    {
      config: WRITE,
      schema: {
        tags: ['ideas'],
        summary: 'Make a post from an idea (the idea stays, linked to the post)',
        params: ideaParams,
      },
    },
    async (request, reply) => {
      const result = await convertIdeaToPost(
        sql,
        orgOf(request).organizationId,
        actorOf(request).userId,
        request.params.ideaId,
      );
      reply.status(201);
      return result;
    },
  );
}
