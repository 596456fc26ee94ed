import type { Sql } from '../../db/connection.ts';
import type { SecretBox } from '../../security/secret-box.ts';
import { recordAudit } from './audit.ts';

/**
 * Re-seals every encrypted value under the current key, so that a previous key can be retired.
 *
 * Encrypted values live in text columns whose name ends in `_sealed` (e.g. `channels.credentials_sealed`)
 * and hold `SecretBox.seal` output. Whoever adds such a column registers it in `sealedColumns`
 * (below) with the context it is sealed with; rotation then walks each registered column in batches.
 * An unregistered `_sealed` column that still holds values under an older key is reported, because
 * those values would be lost when that key is removed.
 */
export type SealedRow = Readonly<Record<string, unknown>>;

export interface SealedColumn {
  /** Table name, optionally schema-qualified. */
  table: string;
  /** A unique, orderable column (the primary key) used to walk the table in batches. */
  idColumn: string;
  /** The text column holding sealed values (null means "no secret"). */
  column: string;
  /** The authenticated context the value was sealed with, e.g. `channel:${row.id}`; sees the whole row. */
  context(row: SealedRow): string;
}

export class SealedColumnRegistry {
  private readonly columns = new Map<string, SealedColumn>();

  register(column: SealedColumn): this {
    this.columns.set(columnKey(column.table, column.column), column);
    return this;
  }

  list(): SealedColumn[] {
    return [...this.columns.values()];
  }
}

/**
 * Every encrypted column in Spool. Registrations live here, not in the owning modules, so that no
 * column is missed because its module was not imported by the process running the rotation.
 */
export const sealedColumns = new SealedColumnRegistry()
  .register({
    // A channel's network tokens, sealed per channel (src/publisher/run-attempt.ts).
    table: 'channels',
    idColumn: 'id',
    column: 'credentials_sealed',
    context: (row) => `channel:${String(row.id)}`,
  })
  .register({
    // A webhook's signing secret (src/domain/webhooks/webhooks.ts).
    table: 'webhooks',
    idColumn: 'id',
    column: 'secret_sealed',
    context: (row) => `webhook:${String(row.id)}`,
  });

export interface ColumnRotation {
  table: string;
  column: string;
  /** Values that were under a previous key and now are under the current one. */
  resealed: number;
  /** Values that were already under the current key (left untouched). */
  alreadyCurrent: number;
  /** Values that could not be opened with any configured key (left untouched). */
  failed: number;
  /** Up to ten ids of rows that failed, with the reason (never the value). */
  failures: { id: string; reason: string }[];
}

export interface RotationReport {
  keyId: string;
  columns: ColumnRotation[];
  resealed: number;
  failed: number;
  /** `table.column` names ending in `_sealed`, not registered, that hold values under an older key. */
  unregisteredColumns: string[];
}

const MAX_LISTED_FAILURES = 10;

export async function rotateSecrets(
  sql: Sql,
  box: SecretBox,
  options: { columns?: readonly SealedColumn[]; batchSize?: number } = {},
): Promise<RotationReport> {
  const columns = options.columns ?? sealedColumns.list();
  const batchSize = options.batchSize ?? 200;
  const results: ColumnRotation[] = [];
  for (const column of columns) results.push(await rotateColumn(sql, box, column, batchSize));
  const unregisteredColumns = await findUnregisteredStaleColumns(sql, columns, box.currentKeyId);
  const report: RotationReport = {
    keyId: box.currentKeyId,
    columns: results,
    resealed: results.reduce((n, c) => n + c.resealed, 0),
    failed: results.reduce((n, c) => n + c.failed, 0),
    unregisteredColumns,
  };
  await recordAudit(sql, {
    action: 'secrets.rotated',
    organizationId: null,
    details: {
      keyId: report.keyId,
      columns: results.length,
      resealed: report.resealed,
      failed: report.failed,
      unregisteredColumns: unregisteredColumns.join(' ') || null,
    },
  });
  return report;
}

/**
 * Walks one column in id order. Each batch is one transaction that locks its rows, so a process
 * writing a fresh secret to the same row waits instead of being overwritten with the old one.
 */
async function rotateColumn(
  sql: Sql,
  box: SecretBox,
  spec: SealedColumn,
  batchSize: number,
): Promise<ColumnRotation> {
  const result: ColumnRotation = {
    table: spec.table,
    column: spec.column,
    resealed: 0,
    alreadyCurrent: 0,
    failed: 0,
    failures: [],
  };
  const currentPrefix = `v1.${box.currentKeyId}.`;
  let after: unknown;
  for (;;) {
    const batch = await sql.begin(async (tx) => {
      const rows = await tx<SealedRow[]>`
        select * from ${tx(spec.table)}
        where ${tx(spec.column)} is not null
          and not starts_with(${tx(spec.column)}, ${currentPrefix})
          ${after === undefined ? tx`` : tx`and ${tx(spec.idColumn)} > ${after as string}`}
        order by ${tx(spec.idColumn)}
        limit ${batchSize}
        for update`;
      for (const row of rows) {
        const id = row[spec.idColumn];
        const sealed = row[spec.column];
        try {
          if (typeof sealed !== 'string') throw new Error('the column does not hold text');
          const context = spec.context(row);
          const resealed = box.seal(box.open(sealed, context), context);
          await tx`update ${tx(spec.table)} set ${tx(spec.column)} = ${resealed}
                   where ${tx(spec.idColumn)} = ${id as string}`;
          result.resealed += 1;
        } catch (error) {
          result.failed += 1;
          if (result.failures.length < MAX_LISTED_FAILURES)
            result.failures.push({ id: String(id), reason: reasonOf(error) });
        }
      }
      return rows;
    });
    if (batch.length === 0) break;
    after = batch.at(-1)![spec.idColumn];
    if (batch.length < batchSize) break;
  }
  const [counted] = await sql<{ n: number }[]>`
    select count(*)::int as n from ${sql(spec.table)} where starts_with(${sql(spec.column)}, ${currentPrefix})`;
  result.alreadyCurrent = counted!.n - result.resealed;
  return result;
}

/** A `_sealed` column nobody registered matters once it holds a value that rotation would leave behind. */
async function findUnregisteredStaleColumns(
  sql: Sql,
  registered: readonly SealedColumn[],
  currentKeyId: string,
): Promise<string[]> {
  const known = new Set(registered.map((c) => columnKey(c.table, c.column)));
  const candidates = await sql<{ table_schema: string; table_name: string; column_name: string }[]>`
    select table_schema, table_name, column_name from information_schema.columns
    where table_schema = any (current_schemas(false)) and column_name like '%\\_sealed'
    order by table_name, column_name`;
  const stale: string[] = [];
  for (const c of candidates) {
    const qualified = `${c.table_schema}.${c.table_name}`;
    if (known.has(columnKey(c.table_name, c.column_name)) || known.has(columnKey(qualified, c.column_name)))
      continue;
    const [row] = await sql<{ found: boolean }[]>`
      select exists (select 1 from ${sql(qualified)} where ${sql(c.column_name)} is not null
                     and not starts_with(${sql(c.column_name)}::text, ${`v1.${currentKeyId}.`})) as found`;
    if (row!.found) stale.push(`${c.table_name}.${c.column_name}`);
  }
  return stale;
}

function columnKey(table: string, column: string): string {
  return `${table}.${column}`;
}

/** SecretBox's messages name a key id or the failure kind, never the value. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /unable to authenticate/i.test(message)
    ? 'the value does not open with its key and context (tampered, or moved from another row)'
    : message;
}
