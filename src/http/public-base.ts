import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/config.ts';
import { publicBaseUrl } from '../mail/templates.ts';

/**
 * The address people reach Spool at, for links and OAuth redirects: PUBLIC_URL when the operator
 * set it, else the address this request came to. No trailing slash.
 */
export function publicBase(config: Pick<Config, 'publicUrl'>, request: FastifyRequest): string {
  return publicBaseUrl(config.publicUrl, `${request.protocol}://${request.host}`);
}
