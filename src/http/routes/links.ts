import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../../domain/errors.ts';
import { previewLink } from '../../domain/links/link-preview.ts';
import { getLinkSettings, updateLinkSettings } from '../../domain/links/link-settings.ts';
import {
  followShortLink,
  listShortLinks,
  type ShortLinkView,
  shortLinkDailyClicks,
  shortLinkFor,
} from '../../domain/links/short-links.ts';
import { SsrfGuard } from '../../security/ssrf-guard.ts';
import type { App } from '../app.ts';
import { orgOf } from '../plugins/auth.ts';
import { publicBase } from '../public-base.ts';

const orgParams = z.object({ orgId: z.uuid().toLowerCase() });
const channelParams = z.object({ orgId: z.uuid().toLowerCase(), channelId: z.uuid().toLowerCase() });

/** Short links (`/s/{code}` and their click counts), per-channel link settings, and link previews. */
export function registerLinkRoutes(app: App, { sql, config }: { sql: Sql; config: Config }): void {
  const guard = new SsrfGuard({ allowPrivateAddresses: config.ssrfAllowPrivate });
  const present = (request: FastifyRequest, link: ShortLinkView) => ({
    ...link,
    shortUrl: `${publicBase(config, request)}/s/${link.code}`,
  });

  app.get(
    '/s/:code',
    {
      config: { access: 'public' },
      schema: {
        tags: ['links'],
        summary: 'Follow a short link (counts the click)',
        params: z.object({ code: z.string().max(64) }),
      },
    },
    async (request, reply) => {
      // Link unfurlers check links with HEAD; only real visits count.
      const url = await followShortLink(sql, request.params.code, request.method === 'GET');
      if (!url) throw new SpoolError('link.not_found', 'This short link does not exist.', 'not_found');
      // Every visit must reach Spool to be counted, so nothing may cache the redirect.
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    },
  );

  app.post(
    '/api/orgs/:orgId/short-links',
    {
      config: { access: 'org', permission: 'posts.draft' },
      schema: {
        tags: ['links'],
        summary: 'Get the short link for a URL (the same URL, post and channel give the same link)',
        params: orgParams,
        body: z.object({
          url: z.string().min(1).max(4096),
          postId: z.uuid().toLowerCase().optional(),
          channelId: z.uuid().toLowerCase().optional(),
        }),
      },
    },
    async (request, reply) => {
      const link = await shortLinkFor(sql, {
        organizationId: orgOf(request).organizationId,
        ...request.body,
      });
      reply.status(201);
      return present(request, link);
    },
  );

  app.get(
    '/api/orgs/:orgId/short-links',
    {
      config: { access: 'org' },
      schema: {
        tags: ['links'],
        summary: 'Short links with their click counts',
        params: orgParams,
        querystring: z.object({
          postId: z.uuid().toLowerCase().optional(),
          channelId: z.uuid().toLowerCase().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.uuid().toLowerCase().optional(),
        }),
      },
    },
    async (request) => {
      const { cursor, ...filter } = request.query;
      const links = await listShortLinks(sql, orgOf(request).organizationId, { ...filter, after: cursor });
      return {
        links: links.map((link) => present(request, link)),
        nextCursor: links.length === filter.limit ? (links.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.get(
    '/api/orgs/:orgId/short-links/:linkId/clicks',
    {
      config: { access: 'org' },
      schema: {
        tags: ['links'],
        summary: 'Clicks per day of a short link',
        params: z.object({ orgId: z.uuid().toLowerCase(), linkId: z.uuid().toLowerCase() }),
      },
    },
    async (request) => ({
      days: await shortLinkDailyClicks(sql, orgOf(request).organizationId, request.params.linkId),
    }),
  );

  app.get(
    '/api/orgs/:orgId/channels/:channelId/link-settings',
    {
      config: { access: 'org' },
      schema: {
        tags: ['links'],
        summary: 'How a channel’s links are shortened and tagged',
        params: channelParams,
      },
    },
    async (request) => getLinkSettings(sql, orgOf(request).organizationId, request.params.channelId),
  );

  app.put(
    '/api/orgs/:orgId/channels/:channelId/link-settings',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: {
        tags: ['links'],
        summary: 'Turn link shortening and UTM parameters on or off for a channel',
        params: channelParams,
        body: z.object({
          shortenLinks: z.boolean().optional(),
          utmEnabled: z.boolean().optional(),
          utmCampaign: z.string().trim().min(1).max(100).optional(),
        }),
      },
    },
    async (request) =>
      updateLinkSettings(sql, orgOf(request).organizationId, request.params.channelId, request.body),
  );

  app.get(
    '/api/orgs/:orgId/link-preview',
    {
      config: { access: 'org', permission: 'posts.draft' },
      schema: {
        tags: ['links'],
        summary: 'Title, description and image of a web page (fetched safely, cached for a day)',
        params: orgParams,
        querystring: z.object({ url: z.string().min(1).max(4096) }),
      },
    },
    async (request) => previewLink(sql, guard, orgOf(request).organizationId, request.query.url),
  );
}
