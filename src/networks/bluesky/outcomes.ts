import type { PublishOutcome } from '../../ports/social-network.ts';
import { retryAfterMs } from '../http-client.ts';
import {
  type CallOptions,
  describeXrpcError,
  isXrpcFailure,
  type XrpcClient,
  type XrpcFailure,
  type XrpcResponse,
} from './xrpc.ts';

/** A reference to a record by URI and content hash (replies, quotes, likes point at posts this way). */
export interface StrongRef {
  uri: string;
  cid: string;
}

/** One publish's view of the account: its PDS, its DID and the access token for the calls. */
export interface BlueskySession {
  xrpc: XrpcClient;
  did: string;
  call: CallOptions;
  resolveHandle(handle: string): Promise<string | undefined>;
}

/** Ends a publish early with an outcome (thrown from deep inside building a record). */
export class PublishStop extends Error {
  constructor(readonly outcome: PublishOutcome) {
    super(outcome.kind);
  }
}

const TOKEN_ERRORS = new Set(['ExpiredToken', 'InvalidToken', 'AuthenticationRequired', 'AuthMissing']);

/**
 * The outcome of a call that cannot create a post (a read, a blob upload): whatever happened, doing
 * it again is harmless, so a failure is `retryable`, never `unknown`.
 */
export function readOutcome(res: XrpcResponse | XrpcFailure, action: string): PublishOutcome {
  if (isXrpcFailure(res)) {
    if (res.blocked) return { kind: 'invalid', reason: `Spool does not connect to this PDS: ${res.reason}.` };
    return { kind: 'retryable', reason: `Could not reach the PDS for ${action}: ${res.reason}` };
  }
  return (
    refusal(res, action) ?? { kind: 'retryable', reason: `The PDS answered ${res.status} to ${action}.` }
  );
}

/**
 * The outcome of writing the post record. A request that may have reached the PDS, or a 5xx, is
 * `unknown`: the record key is derived from the target, so the publisher can safely try again.
 */
export function writeOutcome(res: XrpcResponse | XrpcFailure): PublishOutcome {
  if (isXrpcFailure(res)) {
    if (res.blocked) return { kind: 'invalid', reason: `Spool does not connect to this PDS: ${res.reason}.` };
    return res.delivery === 'not_sent'
      ? { kind: 'retryable', reason: `Could not reach the PDS: ${res.reason}` }
      : { kind: 'unknown', reason: `No answer from the PDS: ${res.reason}` };
  }
  if (res.status >= 500 || res.status === 408) {
    return { kind: 'unknown', reason: `The PDS answered ${res.status}: ${describeXrpcError(res)}` };
  }
  return (
    refusal(res, 'the post') ?? {
      kind: 'invalid',
      reason: `Bluesky refused the post: ${describeXrpcError(res)}`,
    }
  );
}

function refusal(res: XrpcResponse, action: string): PublishOutcome | undefined {
  if (res.status === 429) {
    return {
      kind: 'rate_limited',
      retryAfterMs: retryAfterMs(res.headers, 'ratelimit-reset'),
      reason: 'Bluesky is rate limiting this account.',
    };
  }
  if (res.status === 401 || (res.error !== undefined && TOKEN_ERRORS.has(res.error))) {
    return {
      kind: 'auth_expired',
      reason: `Bluesky no longer accepts Spool's session: ${describeXrpcError(res)}`,
    };
  }
  if (res.status === 413 || res.error === 'BlobTooLarge') {
    return { kind: 'invalid', reason: `Bluesky refused a file as too large: ${describeXrpcError(res)}` };
  }
  if (res.status >= 400 && res.status < 500) {
    return { kind: 'invalid', reason: `Bluesky refused ${action}: ${describeXrpcError(res)}` };
  }
  return undefined;
}
