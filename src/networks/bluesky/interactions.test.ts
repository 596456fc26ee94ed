import { describe, expect, it } from 'vitest';
import type { CommitEvent } from './firehose.ts';
import { toEngagement } from './interactions.ts';

const ALICE = 'did:plc:alice';
const BOB = 'did:plc:bob';
const post = `at://${ALICE}/app.bsky.feed.post/3aaaaaaaaaaa2`;
const strangers = `at://did:plc:carol/app.bsky.feed.post/3aaaaaaaaaaa2`;
const channels = { channelIds: ['c1'], dids: new Set([ALICE]) };
const time = '2026-01-01T00:00:00.000Z';

function commit(repo: string, ops: CommitEvent['ops']): CommitEvent {
  return { seq: 1, repo, time, ops };
}

describe('engagement read from commits', () => {
  it("finds likes, reposts, replies and quotes of the channels' posts", () => {
    const { events, subjects } = toEngagement(
      [
        commit(BOB, [
          {
            action: 'create',
            collection: 'app.bsky.feed.like',
            uri: `at://${BOB}/app.bsky.feed.like/l1`,
            record: { subject: { uri: post, cid: 'x' } },
          },
          {
            action: 'create',
            collection: 'app.bsky.feed.repost',
            uri: `at://${BOB}/app.bsky.feed.repost/r1`,
            record: { subject: { uri: post, cid: 'x' } },
          },
          {
            action: 'create',
            collection: 'app.bsky.feed.post',
            uri: `at://${BOB}/app.bsky.feed.post/p1`,
            record: {
              text: 'both',
              reply: { root: { uri: post, cid: 'x' }, parent: { uri: post, cid: 'x' } },
              embed: {
                $type: 'app.bsky.embed.recordWithMedia',
                record: { record: { uri: post, cid: 'x' } },
                media: {},
              },
            },
          },
        ]),
      ],
      channels,
    );
    expect(events.map((e) => [e.kind, e.networkEventId, e.actorId])).toEqual([
      ['like', `at://${BOB}/app.bsky.feed.like/l1`, BOB],
      ['repost', `at://${BOB}/app.bsky.feed.repost/r1`, BOB],
      ['reply', `at://${BOB}/app.bsky.feed.post/p1`, BOB],
      ['quote', `at://${BOB}/app.bsky.feed.post/p1#quote`, BOB],
    ]);
    expect(events.every((e) => e.occurredAt.toISOString() === time)).toBe(true);
    expect(subjects).toEqual([post]);
  });

  it("ignores other accounts' posts and an account's engagement with its own posts", () => {
    const { events } = toEngagement(
      [
        commit(BOB, [
          {
            action: 'create',
            collection: 'app.bsky.feed.like',
            uri: `at://${BOB}/app.bsky.feed.like/l2`,
            record: { subject: { uri: strangers } },
          },
        ]),
        commit(ALICE, [
          {
            action: 'create',
            collection: 'app.bsky.feed.like',
            uri: `at://${ALICE}/app.bsky.feed.like/l3`,
            record: { subject: { uri: post } },
          },
          {
            action: 'create',
            collection: 'app.bsky.feed.post',
            uri: `at://${ALICE}/app.bsky.feed.post/t2`,
            record: { reply: { parent: { uri: post } } },
          },
        ]),
        commit(BOB, [
          {
            action: 'create',
            collection: 'app.bsky.feed.like',
            uri: `at://${BOB}/app.bsky.feed.like/l4`,
            record: { subject: 'not a ref' },
          },
        ]),
      ],
      channels,
    );
    expect(events).toEqual([]);
  });

  it('turns deletions into undos (a deleted post undoes its reply and its quote)', () => {
    const { undos } = toEngagement(
      [
        commit(BOB, [
          { action: 'delete', collection: 'app.bsky.feed.like', uri: `at://${BOB}/app.bsky.feed.like/l1` },
          { action: 'delete', collection: 'app.bsky.feed.post', uri: `at://${BOB}/app.bsky.feed.post/p1` },
        ]),
      ],
      channels,
    );
    expect(undos.map((u) => u.networkEventId)).toEqual([
      `at://${BOB}/app.bsky.feed.like/l1`,
      `at://${BOB}/app.bsky.feed.post/p1`,
      `at://${BOB}/app.bsky.feed.post/p1#quote`,
    ]);
  });
});
