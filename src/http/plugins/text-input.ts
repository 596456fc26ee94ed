import { SpoolError } from '../../domain/errors.ts';
import type { App } from '../app.ts';

/**
 * PostgreSQL cannot store two things JSON can carry: the NUL character (U+0000), in text, and an
 * unpaired surrogate (a lone \ud800–\udfff escape, half of a character), in json/jsonb. A value
 * containing either fails deep inside a query with a 500. No legitimate input needs them, so every
 * request is refused up front, with the place of the first one, whatever the route and its schema.
 */
export function registerTextInputGuard(app: App): void {
  app.addHook('preValidation', async (request) => {
    const parts = { params: request.params, querystring: request.query, body: request.body };
    for (const [part, value] of Object.entries(parts)) {
      const hit = findBadText(value);
      if (hit === undefined) continue;
      const where = [part, ...hit.path].join('.');
      const message =
        hit.problem === 'nul'
          ? 'must not contain the NUL character (\\u0000)'
          : 'must be valid Unicode text: it contains half of a character (an unpaired surrogate, \\ud800–\\udfff)';
      throw new SpoolError('request.invalid', `The request is not valid: ${where}: ${message}`, 'invalid', {
        issues: [{ path: where, message }],
      });
    }
  });
}

interface Visit {
  value: unknown;
  key: string | undefined;
  parent: Visit | undefined;
}

type TextProblem = 'nul' | 'surrogate';

/** A lone high surrogate, or a low one without its high half. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problemOf(text: string): TextProblem | undefined {
  if (text.includes('\u0000')) return 'nul';
  return UNPAIRED_SURROGATE.test(text) ? 'surrogate' : undefined;
}

/**
 * The key path to the first string (value or key) with a problem. Iterative, and paths are built
 * only on a hit, as bodies may nest thousands deep.
 */
function findBadText(root: unknown): { path: string[]; problem: TextProblem } | undefined {
  const stack: Visit[] = [{ value: root, key: undefined, parent: undefined }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value } = visit;
    if (typeof value === 'string') {
      const problem = problemOf(value);
      if (problem) return { path: pathOf(visit), problem };
    } else if (isWalkable(value)) {
      for (const [key, child] of Object.entries(value)) {
        const problem = problemOf(key);
        if (problem) return { path: [...pathOf(visit), JSON.stringify(key)], problem };
        stack.push({ value: child, key, parent: visit });
      }
    }
  }
  return undefined;
}

function isWalkable(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  // Uploaded bytes and streams are not text.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return false;
  return typeof (value as { pipe?: unknown }).pipe !== 'function';
}

function pathOf(visit: Visit): string[] {
  const path: string[] = [];
  for (let v: Visit | undefined = visit; v?.key !== undefined; v = v.parent) path.unshift(v.key);
  return path;
}
