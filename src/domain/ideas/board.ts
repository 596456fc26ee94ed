import type { Sql, TransactionSql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';

/**
 * An organization's ideas board: named columns in order (a Kanban board). Positions are dense
 * integers (0, 1, 2, …) within the board and within each column. Every change of order runs in a
 * transaction that first locks the board's row, so concurrent moves on one board are applied one
 * after the other and positions never collide or leave gaps; different boards never wait on each other.
 */
export const DEFAULT_COLUMNS = ['Unassigned', 'To do', 'In progress', 'Done'];

export interface IdeaColumnView {
  id: string;
  name: string;
  position: number;
  ideaCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export const columnNotFound = () =>
  new SpoolError(
    'idea_column.not_found',
    'There is no such column on this organization’s ideas board.',
    'not_found',
  );

/** Creates the board with its default columns, unless it exists. */
async function createBoardIfMissing(tx: TransactionSql, organizationId: string): Promise<void> {
  // Two first visits at once: the second insert waits for the first to commit, then does nothing.
  const [created] = await tx`
    insert into idea_boards (organization_id) values (${organizationId})
    on conflict do nothing returning organization_id`;
  if (!created) return;
  await tx`
    insert into idea_columns (organization_id, name, position)
    select ${organizationId}, name, ordinality - 1
    from unnest(${DEFAULT_COLUMNS}::text[]) with ordinality as name`;
}

/** The board is created, with its default columns, the first time anyone looks at it. */
export async function ensureBoard(sql: Sql, organizationId: string): Promise<void> {
  const [exists] = await sql`select 1 from idea_boards where organization_id = ${organizationId}`;
  if (!exists) await sql.begin((tx) => createBoardIfMissing(tx, organizationId));
}

/** Locks the board for a change of order; everything else that reorders this board waits. */
export async function lockBoard(tx: TransactionSql, organizationId: string): Promise<void> {
  const lock = () => tx`select 1 from idea_boards where organization_id = ${organizationId} for update`;
  if ((await lock()).length > 0) return;
  await createBoardIfMissing(tx, organizationId);
  await lock();
}

export async function listColumns(sql: Sql, organizationId: string): Promise<IdeaColumnView[]> {
  await ensureBoard(sql, organizationId);
  const rows = await sql<ColumnRow[]>`
    select c.id, c.name, c.position, c.created_at, c.updated_at,
           (select count(*) from ideas i where i.column_id = c.id) as idea_count
    from idea_columns c where c.organization_id = ${organizationId}
    order by c.position`;
  return rows.map(present);
}

async function columnCount(tx: TransactionSql, organizationId: string): Promise<number> {
  const [row] = await tx<
    { n: string }[]
  >`select count(*) as n from idea_columns where organization_id = ${organizationId}`;
  return Number(row!.n);
}

async function assertNameFree(tx: TransactionSql, organizationId: string, name: string, except?: string) {
  const [taken] = await tx`
    select 1 from idea_columns
    where organization_id = ${organizationId} and lower(name) = lower(${name})
      ${except ? tx`and id <> ${except}` : tx``}`;
  if (taken) {
    throw new SpoolError('idea_column.name_taken', `There is already a column named "${name}".`, 'conflict', {
      name,
    });
  }
}

export async function createColumn(
  sql: Sql,
  organizationId: string,
  input: { name: string; position?: number | undefined },
): Promise<IdeaColumnView> {
  return sql.begin(async (tx) => {
    await lockBoard(tx, organizationId);
    await assertNameFree(tx, organizationId, input.name);
    const count = await columnCount(tx, organizationId);
    const position = Math.min(input.position ?? count, count);
    await tx`
      update idea_columns set position = position + 1
      where organization_id = ${organizationId} and position >= ${position}`;
    const [row] = await tx<ColumnRow[]>`
      insert into idea_columns (organization_id, name, position) values (${organizationId}, ${input.name}, ${position})
      returning id, name, position, created_at, updated_at, 0 as idea_count`;
    return present(row!);
  });
}

/** Renames a column and/or moves it to another place among the columns. */
export async function updateColumn(
  sql: Sql,
  organizationId: string,
  columnId: string,
  change: { name?: string | undefined; position?: number | undefined },
): Promise<IdeaColumnView> {
  return sql.begin(async (tx) => {
    await lockBoard(tx, organizationId);
    const [column] = await tx<{ position: number }[]>`
      select position from idea_columns where id = ${columnId} and organization_id = ${organizationId}`;
    if (!column) throw columnNotFound();
    if (change.name !== undefined) {
      await assertNameFree(tx, organizationId, change.name, columnId);
      await tx`update idea_columns set name = ${change.name}, updated_at = now() where id = ${columnId}`;
    }
    if (change.position !== undefined) {
      const to = Math.min(change.position, (await columnCount(tx, organizationId)) - 1);
      await shiftForMove(tx, 'idea_columns', { organization_id: organizationId }, column.position, to);
      await tx`update idea_columns set position = ${to}, updated_at = now() where id = ${columnId}`;
    }
    const [row] = await tx<ColumnRow[]>`
      select c.id, c.name, c.position, c.created_at, c.updated_at,
             (select count(*) from ideas i where i.column_id = c.id) as idea_count
      from idea_columns c where c.id = ${columnId}`;
    return present(row!);
  });
}

/** Deletes an empty column; the board keeps at least one. */
export async function deleteColumn(sql: Sql, organizationId: string, columnId: string): Promise<void> {
  await sql.begin(async (tx) => {
    await lockBoard(tx, organizationId);
    const [column] = await tx<{ position: number; ideas: string }[]>`
      select position, (select count(*) from ideas where column_id = ${columnId}) as ideas
      from idea_columns where id = ${columnId} and organization_id = ${organizationId}`;
    if (!column) throw columnNotFound();
    if (Number(column.ideas) > 0) {
      throw new SpoolError(
        'idea_column.not_empty',
        `This column still holds ${column.ideas} idea${column.ideas === '1' ? '' : 's'}. Move or delete them first.`,
        'conflict',
        { ideaCount: Number(column.ideas) },
      );
    }
    if ((await columnCount(tx, organizationId)) === 1) {
      throw new SpoolError('idea_column.last', 'The board needs at least one column.', 'conflict');
    }
    await tx`delete from idea_columns where id = ${columnId}`;
    await tx`
      update idea_columns set position = position - 1
      where organization_id = ${organizationId} and position > ${column.position}`;
  });
}

/**
 * Makes room for an item moving from `from` to `to` within one ordered set (`scope` selects the set):
 * the items in between move one place towards the gap the item leaves.
 */
export async function shiftForMove(
  tx: TransactionSql,
  table: 'idea_columns' | 'ideas',
  scope: { organization_id: string } | { column_id: string },
  from: number,
  to: number,
): Promise<void> {
  const [[column, value]] = Object.entries(scope) as [[string, string]];
  if (to < from) {
    await tx`
      update ${tx(table)} set position = position + 1
      where ${tx(column)} = ${value} and position >= ${to} and position < ${from}`;
  } else if (to > from) {
    await tx`
      update ${tx(table)} set position = position - 1
      where ${tx(column)} = ${value} and position > ${from} and position <= ${to}`;
  }
}

interface ColumnRow {
  id: string;
  name: string;
  position: number;
  idea_count: string | number;
  created_at: Date;
  updated_at: Date;
}

function present(row: ColumnRow): IdeaColumnView {
  return {
    id: row.id,
    name: row.name,
    position: row.position,
    ideaCount: Number(row.idea_count),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
