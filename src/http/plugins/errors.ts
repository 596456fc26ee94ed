import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type ErrorKind, SpoolError } from '../../domain/errors.ts';
import type { App } from '../app.ts';

/** The one error envelope every API answer uses: `{ error: { code, message, details } }`. */
export interface ErrorEnvelope {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const statusOf: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  upstream_failed: 502,
  unavailable: 503,
};

export function sendError(reply: FastifyReply, status: number, envelope: ErrorEnvelope): FastifyReply {
  return reply.status(status).type('application/json; charset=utf-8').send(envelope);
}

export function registerErrorHandling(app: App): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof SpoolError) {
      const retryAfter = error.details?.retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(Math.ceil(retryAfter)));
      return sendError(reply, statusOf[error.kind], {
        error: { code: error.code, message: error.message, details: error.details },
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((v) => ({
        path: [error.validationContext, ...String(v.instancePath).split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'is invalid',
      }));
      const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      return sendError(reply, 400, {
        error: {
          code: 'request.invalid',
          message: `The request is not valid: ${summary}`,
          details: { issues },
        },
      });
    }
    // Fastify's own client errors (bad JSON, body too large, unsupported media type...) carry a 4xx.
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendError(reply, status, {
        error: { code: clientErrorCode(error), message: clientErrorMessage(error) },
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, 500, {
      error: {
        code: 'internal',
        message: `Something went wrong on our side. Quote request id ${request.id} when reporting it.`,
      },
    });
  });

  app.setNotFoundHandler((request, reply) => answerUnknownRoute(request, reply));
}

/** Fastify's limit on one path segment of a route with parameters. */
const MAX_SEGMENT_LENGTH = 100;

/**
 * An address no route answers. A catch-all route (the dashboard's) hides Fastify's own over-long
 * segment error, so the same 414 is decided here for every caller.
 */
export function answerUnknownRoute(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0] ?? '/';
  if (path.split('/').some((segment) => segment.length > MAX_SEGMENT_LENGTH)) {
    return sendError(reply, 414, {
      error: {
        code: 'request.url_too_long',
        message: `A part of the address is too long (at most ${MAX_SEGMENT_LENGTH} characters between two slashes).`,
      },
    });
  }
  return sendError(reply, 404, {
    error: { code: 'route.not_found', message: `There is no ${request.method} ${path}.` },
  });
}

/**
 * Errors Fastify raises before a route is found (a badly percent-encoded URL, an over-long path
 * segment) skip the error handler; this answers them with the same envelope (Fastify's
 * `frameworkErrors` option).
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      sendError(reply, 400, {
        error: {
          code: 'request.invalid_url',
          message: 'The address is not valid: part of it is not correctly percent-encoded.',
        },
      });
      return;
    case 'FST_ERR_MAX_PARAM_LENGTH':
      answerUnknownRoute(request, reply);
      return;
    default:
      request.log.error({ err: error }, 'unhandled framework error');
      sendError(reply, 500, {
        error: {
          code: 'internal',
          message: `Something went wrong on our side. Quote request id ${request.id} when reporting it.`,
        },
      });
  }
}

function clientErrorMessage(error: FastifyError): string {
  // The parser also refuses valid JSON that could tamper with objects; say so, not just "not valid".
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return 'The body is not valid JSON, or it uses a "__proto__" or "constructor.prototype" key, which Spool refuses. Send a JSON object without them.';
  }
  return error.message;
}

function clientErrorCode(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request.too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'request.unsupported_media_type';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'request.malformed_json';
    default:
      return error.statusCode === 429 ? 'rate_limited' : 'request.invalid';
  }
}
