import type { Sql } from '../../db/connection.ts';

/** Our plain data (media lists, options) as the driver's JSON parameter type, for `sql.json()`. */
export function asJson<T>(value: T): Parameters<Sql['json']>[0] {
  return value as unknown as Parameters<Sql['json']>[0];
}
