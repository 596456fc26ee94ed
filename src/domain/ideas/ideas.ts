import type { Sql, TransactionSql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import { assertMediaReferences } from '../media/media-library.ts';
import { columnNotFound, ensureBoard, lockBoard, shiftForMove } from './board.ts';

/** Ideas on the board: written, edited, moved between columns and reordered, deleted. */
export interface MediaReference {
  mediaId: string;
  altText: string;
}

export interface IdeaView {
  id: string;
  columnId: string;
  position: number;
  title: string;
  text: string;
  media: MediaReference[];
  tags: string[];
  /** The posts made from this idea. */
  postIds: string[];
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface IdeaContent {
  title: string;
  text: string;
  media: MediaReference[];
  tags: string[];
}

export const ideaNotFound = () =>
  new SpoolError('idea.not_found', 'There is no such idea in this organization.', 'not_found');

/** Tags are compared without case and stored once each, as first written. */
export function normalizeTags(tags: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const tag of tags.map((t) => t.trim().replace(/^#/, '')).filter(Boolean)) {
    if (!seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag);
  }
  return [...seen.values()];
}

async function resolveColumn(tx: TransactionSql, organizationId: string, columnId: string | undefined) {
  const [column] = columnId
    ? await tx<
        { id: string }[]
      >`select id from idea_columns where id = ${columnId} and organization_id = ${organizationId}`
    : await tx<{ id: string }[]>`
        select id from idea_columns where organization_id = ${organizationId} order by position limit 1`;
  if (!column) throw columnNotFound();
  return column.id;
}

async function ideasIn(tx: TransactionSql, columnId: string): Promise<number> {
  const [row] = await tx<{ n: string }[]>`select count(*) as n from ideas where column_id = ${columnId}`;
  return Number(row!.n);
}

export async function createIdea(
  sql: Sql,
  organizationId: string,
  createdBy: string,
  input: Partial<IdeaContent> & { columnId?: string | undefined; position?: number | undefined },
): Promise<IdeaView> {
  const id = await sql.begin(async (tx) => {
    await lockBoard(tx, organizationId);
    await assertMediaReferences(
      tx,
      organizationId,
      (input.media ?? []).map((m) => m.mediaId),
    );
    const columnId = await resolveColumn(tx, organizationId, input.columnId);
    const count = await ideasIn(tx, columnId);
    const position = Math.min(input.position ?? count, count);
    await tx`update ideas set position = position + 1 where column_id = ${columnId} and position >= ${position}`;
    const [row] = await tx<{ id: string }[]>`
      insert into ideas (organization_id, column_id, position, title, text, media, tags, created_by)
      values (${organizationId}, ${columnId}, ${position}, ${input.title ?? ''}, ${input.text ?? ''},
              ${tx.json(mediaJson(input.media ?? []))}, ${normalizeTags(input.tags ?? [])}, ${createdBy})
      returning id`;
    return row!.id;
  });
  return getIdea(sql, organizationId, id);
}

/** Only the fields a media reference has, so nothing else rides along into the jsonb column. */
export function mediaJson(media: readonly MediaReference[]): { mediaId: string; altText: string }[] {
  return media.map((m) => ({ mediaId: m.mediaId, altText: m.altText }));
}

export async function getIdea(sql: Sql, organizationId: string, ideaId: string): Promise<IdeaView> {
  const [row] = await sql<
    IdeaRow[]
  >`${selectIdeas(sql)} where i.id = ${ideaId} and i.organization_id = ${organizationId}`;
  if (!row) throw ideaNotFound();
  return present(row);
}

/** The board's ideas in board order (column by column, top to bottom), optionally of one column or tag. */
export async function listIdeas(
  sql: Sql,
  organizationId: string,
  filter: { columnId?: string | undefined; tag?: string | undefined },
): Promise<IdeaView[]> {
  await ensureBoard(sql, organizationId);
  const rows = await sql<IdeaRow[]>`
    ${selectIdeas(sql)}
    join idea_columns c on c.id = i.column_id
    where i.organization_id = ${organizationId}
      ${filter.columnId ? sql`and i.column_id = ${filter.columnId}` : sql``}
      ${filter.tag ? sql`and exists (select 1 from unnest(i.tags) t where lower(t) = lower(${filter.tag}))` : sql``}
    order by c.position, i.position`;
  return rows.map(present);
}

export async function updateIdea(
  sql: Sql,
  organizationId: string,
  ideaId: string,
  change: Partial<IdeaContent>,
): Promise<IdeaView> {
  await sql.begin(async (tx) => {
    if (change.media)
      await assertMediaReferences(
        tx,
        organizationId,
        change.media.map((m) => m.mediaId),
      );
    const [row] = await tx<{ id: string }[]>`
      update ideas set
        title = coalesce(${change.title ?? null}, title),
        text = coalesce(${change.text ?? null}, text),
        media = coalesce(${change.media ? tx.json(mediaJson(change.media)) : null}::jsonb, media),
        tags = coalesce(${change.tags ? normalizeTags(change.tags) : null}::text[], tags),
        updated_at = now()
      where id = ${ideaId} and organization_id = ${organizationId}
      returning id`;
    if (!row) throw ideaNotFound();
  });
  return getIdea(sql, organizationId, ideaId);
}

/**
 * Moves an idea to `position` in `columnId` (the same or another column); a position past the end
 * puts it last. The ideas between close the gap it leaves and make room where it lands.
 */
export async function moveIdea(
  sql: Sql,
  organizationId: string,
  ideaId: string,
  to: { columnId?: string | undefined; position: number },
): Promise<IdeaView> {
  await sql.begin(async (tx) => {
    await lockBoard(tx, organizationId);
    const [idea] = await tx<{ column_id: string; position: number }[]>`
      select column_id, position from ideas where id = ${ideaId} and organization_id = ${organizationId}`;
    if (!idea) throw ideaNotFound();
    const columnId = to.columnId ? await resolveColumn(tx, organizationId, to.columnId) : idea.column_id;
    if (columnId === idea.column_id) {
      const position = Math.min(to.position, (await ideasIn(tx, columnId)) - 1);
      await shiftForMove(tx, 'ideas', { column_id: columnId }, idea.position, position);
      await tx`update ideas set position = ${position}, updated_at = now() where id = ${ideaId}`;
      return;
    }
    const position = Math.min(to.position, await ideasIn(tx, columnId));
    await tx`update ideas set position = position - 1 where column_id = ${idea.column_id} and position > ${idea.position}`;
    await tx`update ideas set position = position + 1 where column_id = ${columnId} and position >= ${position}`;
    await tx`
      update ideas set column_id = ${columnId}, position = ${position}, updated_at = now() where id = ${ideaId}`;
  });
  return getIdea(sql, organizationId, ideaId);
}

export async function deleteIdea(sql: Sql, organizationId: string, ideaId: string): Promise<void> {
  await sql.begin(async (tx) => {
    await lockBoard(tx, organizationId);
    const [idea] = await tx<{ column_id: string; position: number }[]>`
      delete from ideas where id = ${ideaId} and organization_id = ${organizationId}
      returning column_id, position`;
    if (!idea) throw ideaNotFound();
    await tx`update ideas set position = position - 1 where column_id = ${idea.column_id} and position > ${idea.position}`;
  });
}

const selectIdeas = (sql: Sql) => sql`
  select i.id, i.column_id, i.position, i.title, i.text, i.media, i.tags, i.created_by, i.created_at, i.updated_at,
         coalesce((select array_agg(p.post_id order by p.created_at) from idea_posts p where p.idea_id = i.id),
                  '{}') as post_ids
  from ideas i`;

interface IdeaRow {
  id: string;
  column_id: string;
  position: number;
  title: string;
  text: string;
  media: MediaReference[];
  tags: string[];
  post_ids: string[];
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

function present(row: IdeaRow): IdeaView {
  return {
    id: row.id,
    columnId: row.column_id,
    position: row.position,
    title: row.title,
    text: row.text,
    media: row.media,
    tags: row.tags,
    postIds: row.post_ids,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
