/**
 * The one error type of Spool's use cases: a stable, dotted code that clients can branch on, a
 * message a person can act on, and optional details. The HTTP edge maps codes to statuses.
 */
export type ErrorKind =
  | 'invalid' // the request is malformed or breaks a rule (400/422)
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404 (also for another organization's resources)
  | 'conflict' // 409
  | 'too_large' // 413
  | 'unsupported_media_type' // 415
  | 'rate_limited' // 429
  | 'upstream_failed' // 502: another site or network we called failed
  | 'unavailable'; // 503

export class SpoolError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: ErrorKind = 'invalid',
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'SpoolError';
  }
}
