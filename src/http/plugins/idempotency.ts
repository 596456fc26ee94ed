import { createHash } from 'node:crypto';
import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../../domain/errors.ts';
import type { App } from '../app.ts';
import { sendError } from './errors.ts';

/**
 * `Idempotency-Key` on creating POSTs: a client that retries a request (after a timeout, a dropped
 * connection) with the same key gets the first answer again, status and body, and nothing is
 * created twice. The same key with a different body is refused (422 `idempotency.key_reused`).
 * Only successes are kept: a refused request created nothing, so its retry (corrected or not) runs
 * again. A route opts in with `config: { idempotent: true }`; keys are per organization and route,
 * and kept 24 hours.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotencyClaim: IdempotencyClaim | null;
  }
}

interface IdempotencyClaim {
  organizationId: string;
  route: string;
  key: string;
}

type ClaimOutcome =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

const KEY = /^[\x21-\x7e]{1,255}$/;
/** A claim whose request never finished (the process died) is taken over after this long. */
const ABANDONED_AFTER = '1 minute';

export function registerIdempotency(app: App, { sql }: { sql: Sql }): void {
  app.decorateRequest('idempotencyClaim', null);

  // After authentication (request.org is known) and before the body is validated: the key covers
  // the request as sent.
  app.addHook('preValidation', async (request, reply) => {
    if (!request.routeOptions.config.idempotent) return;
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || !KEY.test(key)) {
      throw new SpoolError(
        'idempotency.key_invalid',
        'The Idempotency-Key header must be 1 to 255 visible ASCII characters, such as a UUID.',
      );
    }
    const organizationId = request.org?.organizationId;
    if (!organizationId) return;
    const claim = { organizationId, route: `${request.method} ${request.url.split('?')[0]}`, key };
    const outcome = await claimKey(sql, claim, hashRequest(request.body));
    switch (outcome.kind) {
      case 'claimed':
        request.idempotencyClaim = claim;
        return;
      case 'replay':
        reply.header('idempotent-replayed', 'true');
        return reply.status(outcome.status).type('application/json; charset=utf-8').send(outcome.body);
      case 'mismatch':
        return sendError(reply, 422, {
          error: {
            code: 'idempotency.key_reused',
            message:
              'This Idempotency-Key was already used for a different request on this route. Use a new key for a new request.',
          },
        });
      case 'in_progress':
        throw new SpoolError(
          'idempotency.in_progress',
          'A request with this Idempotency-Key is still being answered; wait a moment and retry it.',
          'conflict',
          { retryAfterSeconds: 1 },
        );
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    request.idempotencyClaim = null;
    const status = reply.statusCode;
    if (status >= 400 || (payload !== undefined && typeof payload !== 'string')) {
      await releaseKey(sql, claim);
    } else {
      await sql`
        update idempotency_keys set response_status = ${status}, response_body = ${payload ?? ''}
        where organization_id = ${claim.organizationId} and route = ${claim.route} and key = ${claim.key}`;
    }
    return payload;
  });
}

async function claimKey(sql: Sql, claim: IdempotencyClaim, requestHash: string): Promise<ClaimOutcome> {
  if (Math.random() < 0.01)
    await sql`delete from idempotency_keys where created_at < now() - interval '24 hours'`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await sql`
      insert into idempotency_keys (organization_id, route, key, request_hash)
      values (${claim.organizationId}, ${claim.route}, ${claim.key}, ${requestHash})
      on conflict do nothing
      returning 1`;
    if (inserted.length > 0) return { kind: 'claimed' };
    const [existing] = await sql<
      {
        request_hash: string;
        response_status: number | null;
        response_body: string | null;
        expired: boolean;
        abandoned: boolean;
      }[]
    >`
      select request_hash, response_status, response_body,
             created_at < now() - interval '24 hours' as expired,
             created_at < now() - ${ABANDONED_AFTER}::interval as abandoned
      from idempotency_keys
      where organization_id = ${claim.organizationId} and route = ${claim.route} and key = ${claim.key}`;
    if (!existing) continue; // released meanwhile: claim again
    if (existing.expired) {
      await releaseKey(sql, claim);
      continue;
    }
    if (existing.request_hash !== requestHash) return { kind: 'mismatch' };
    if (existing.response_status !== null) {
      return { kind: 'replay', status: existing.response_status, body: existing.response_body ?? '' };
    }
    if (!existing.abandoned) return { kind: 'in_progress' };
    const taken = await sql`
      update idempotency_keys set created_at = now()
      where organization_id = ${claim.organizationId} and route = ${claim.route} and key = ${claim.key}
        and response_status is null and created_at < now() - ${ABANDONED_AFTER}::interval
      returning 1`;
    if (taken.length > 0) return { kind: 'claimed' };
  }
  return { kind: 'in_progress' };
}

async function releaseKey(sql: Sql, claim: IdempotencyClaim): Promise<void> {
  await sql`
    delete from idempotency_keys
    where organization_id = ${claim.organizationId} and route = ${claim.route} and key = ${claim.key}`;
}

/** SHA-256 of the body as canonical JSON (keys sorted), so key order does not make two requests differ. */
function hashRequest(body: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(body ?? null))
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
