import { z } from 'zod';
import { SpoolError } from '../../domain/errors.ts';
import type { Page, PagePosition } from '../../domain/posts/page.ts';
import { parseInstant } from './instant.ts';

/**
 * Cursor pagination: `?limit=` (1–100) and the `nextCursor` of the previous page as `?cursor=`.
 * The cursor is opaque to clients (base64url of the last row's sort key and id).
 */
export function pageQuery(defaultLimit = 25) {
  return {
    cursor: z.string().max(300).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(defaultLimit),
  };
}

const SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.key, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): PagePosition | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (
    Array.isArray(decoded) &&
    decoded.length === 2 &&
    typeof decoded[0] === 'string' &&
    typeof decoded[1] === 'string' &&
    SORT_KEY.test(decoded[0]) &&
    parseInstant(decoded[0]) !== undefined &&
    UUID.test(decoded[1])
  ) {
    return { key: decoded[0], id: decoded[1].toLowerCase() };
  }
  throw new SpoolError(
    'request.invalid_cursor',
    'The cursor is not one this API handed out; pass the `nextCursor` of the previous page unchanged, or leave it out to start over.',
  );
}

export function presentPage<T>(page: Page<T>): { items: T[]; nextCursor: string | null } {
  return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
}
