import { SpoolError } from '../../domain/errors.ts';
import type { App } from '../app.ts';

/**
 * PostgreSQL text cannot hold the NUL character (U+0000): a value containing one fails deep inside
 * a query with a 500. No legitimate input needs it, so every request is refused up front, with the
 * place of the first NUL, whatever the route and its schema.
 */
export function registerTextInputGuard(app: App): void {
  app.addHook('preValidation', async (request) => {
    const parts = { params: request.params, querystring: request.query, body: request.body };
    for (const [part, value] of Object.entries(parts)) {
      const path = findNul(value);
      if (path === undefined) continue;
      const where = [part, ...path].join('.');
      const message = 'must not contain the NUL character (\\u0000)';
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

/**
 * The key path to the first string (value or key) containing NUL. Iterative, and paths are built
 * only on a hit, as bodies may nest thousands deep.
 */
function findNul(root: unknown): string[] | undefined {
  const stack: Visit[] = [{ value: root, key: undefined, parent: undefined }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value } = visit;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return pathOf(visit);
    } else if (isWalkable(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\u0000')) return [...pathOf(visit), JSON.stringify(key)];
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
