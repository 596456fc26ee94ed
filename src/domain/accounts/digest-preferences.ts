import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';

/**
 * When a person's weekly digest email arrives: on or off, a weekday and an hour on their own clock
 * (their profile's time zone). Stored on `users` with ISO weekday numbers (1 = Monday).
 */
export const DIGEST_WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type DigestWeekday = (typeof DIGEST_WEEKDAYS)[number];

export interface DigestPreferences {
  enabled: boolean;
  weekday: DigestWeekday;
  /** 0–23, in `timezone`. */
  hour: number;
  /** The person's profile time zone, in which `hour` is read (changed with PATCH /api/me). */
  timezone: string;
}

/** A change to the preferences; a field left out stays as it is. */
export const digestChangesSchema = z.object({
  enabled: z.boolean().optional(),
  weekday: z.enum(DIGEST_WEEKDAYS, { message: `must be one of ${DIGEST_WEEKDAYS.join(', ')}` }).optional(),
  hour: z
    .number({ message: 'must be a whole hour from 0 to 23' })
    .int({ message: 'must be a whole hour from 0 to 23' })
    .min(0, { message: 'must be a whole hour from 0 to 23' })
    .max(23, { message: 'must be a whole hour from 0 to 23' })
    .optional(),
});
export type DigestChanges = z.infer<typeof digestChangesSchema>;

interface DigestRow {
  digest_enabled: boolean;
  digest_weekday: number;
  digest_hour: number;
  timezone: string;
}

export async function getDigestPreferences(sql: Sql, userId: string): Promise<DigestPreferences> {
  const [row] = await sql<DigestRow[]>`
    select digest_enabled, digest_weekday, digest_hour, timezone from users where id = ${userId}`;
  return present(row);
}

export async function updateDigestPreferences(
  sql: Sql,
  userId: string,
  changes: DigestChanges,
): Promise<DigestPreferences> {
  const weekday = changes.weekday === undefined ? null : DIGEST_WEEKDAYS.indexOf(changes.weekday) + 1;
  const [row] = await sql<DigestRow[]>`
    update users set
      digest_enabled = coalesce(${changes.enabled ?? null}::boolean, digest_enabled),
      digest_weekday = coalesce(${weekday}::smallint, digest_weekday),
      digest_hour = coalesce(${changes.hour ?? null}::smallint, digest_hour),
      updated_at = now()
    where id = ${userId}
    returning digest_enabled, digest_weekday, digest_hour, timezone`;
  return present(row);
}

function present(row: DigestRow | undefined): DigestPreferences {
  if (!row) throw new SpoolError('auth.required', 'This account no longer exists.', 'unauthenticated');
  return {
    enabled: row.digest_enabled,
    weekday: DIGEST_WEEKDAYS[row.digest_weekday - 1] ?? 'monday',
    hour: row.digest_hour,
    timezone: row.timezone,
  };
}
