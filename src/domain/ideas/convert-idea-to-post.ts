import type { Sql } from '../../db/connection.ts';
import { assertMediaReferences } from '../media/media-library.ts';
import { getIdea, type IdeaView, ideaNotFound, mediaJson } from './ideas.ts';

/**
 * Turns an idea into a post: a new post with the idea's text, media and tags, and no channels yet
 * (the author picks them in the composer). The idea stays on the board, linked to the post.
 */
export async function convertIdeaToPost(
  sql: Sql,
  organizationId: string,
  authorUserId: string,
  ideaId: string,
): Promise<{ postId: string; idea: IdeaView }> {
  const postId = await sql.begin(async (tx) => {
    const [idea] = await tx<
      { title: string; text: string; media: { mediaId: string; altText: string }[]; tags: string[] }[]
    >`
      select title, text, media, tags from ideas
      where id = ${ideaId} and organization_id = ${organizationId}
      for update`;
    if (!idea) throw ideaNotFound();
    await assertMediaReferences(
      tx,
      organizationId,
      idea.media.map((m) => m.mediaId),
    );
    // An idea may have only a title; the post then starts from it.
    const text = idea.text.trim() ? idea.text : idea.title;
    const [post] = await tx<{ id: string }[]>`
      insert into posts (organization_id, author_user_id, title, text, media, tags)
      values (${organizationId}, ${authorUserId}, ${idea.title}, ${text}, ${tx.json(mediaJson(idea.media))}, ${idea.tags})
      returning id`;
    await tx`insert into idea_posts (idea_id, post_id) values (${ideaId}, ${post!.id})`;
    return post!.id;
  });
  return { postId, idea: await getIdea(sql, organizationId, ideaId) };
}
