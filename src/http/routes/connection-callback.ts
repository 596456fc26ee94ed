import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SpoolError } from '../../domain/errors.ts';

/** What an OAuth 2 authorization server sends the browser back with (RFC 6749 §4.1.2). */
export const oauthCallbackQuery = z.object({
  state: z.string().min(1).max(200),
  code: z.string().min(1).max(2000).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
});

/**
 * The end of an OAuth connection, where the network sends the person's browser back: on success
 * to the channels page naming the channel; when it did not succeed (declined, expired, another
 * issuer, the server unreachable) a browser goes back there too, with the reason in words, instead of landing on a
 * bare JSON error. API clients (no `text/html` in Accept) keep the JSON error envelope.
 */
export async function finishConnection(
  request: FastifyRequest,
  reply: FastifyReply,
  complete: () => Promise<{ channel: { id: string } }>,
) {
  reply.header('cache-control', 'no-store');
  try {
    const { channel } = await complete();
    return reply.redirect(`/channels?connected=${encodeURIComponent(channel.id)}`, 303);
  } catch (error) {
    const browser = String(request.headers.accept ?? '').includes('text/html');
    if (!browser || !(error instanceof SpoolError)) throw error;
    request.log.info({ code: error.code }, 'connection not completed');
    return reply.redirect(`/channels?connect_error=${encodeURIComponent(error.message)}`, 303);
  }
}
