import { type Logger, pino } from 'pino';

export type { Logger };

/** Paths that may carry a secret; pino replaces them before a line is written. */
const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
];

/**
 * Servers log to standard output; operator commands pass `stderr` so that their own output (JSON,
 * a token on the last line) stays clean for scripts.
 */
export function createLogger(level: string, name = 'spool', stream: 'stdout' | 'stderr' = 'stdout'): Logger {
  const options = { name, level, redact: { paths: redactedPaths, censor: '[redacted]' } };
  return stream === 'stderr' ? pino(options, pino.destination(2)) : pino(options);
}
