import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CborValue,
  Cid,
  decodeCbor,
  decodeCborSequence,
  readCarBlocks,
} from '../../src/networks/bluesky/dag-cbor.ts';
import { requirePeerPackage } from '../support/atproto-network.ts';

interface PeerCid {
  toString(): string;
  bytes: Uint8Array;
}
const dagCbor = requirePeerPackage<{ encode(value: unknown): Uint8Array; code: number }>('@ipld/dag-cbor');
const { CID } = requirePeerPackage<{ CID: { parse(text: string): PeerCid } }>('multiformats/cid');
const { BlockMap, blocksToCarFile } = requirePeerPackage<{
  BlockMap: new () => { add(value: unknown): Promise<PeerCid> };
  blocksToCarFile(root: PeerCid | null, blocks: unknown): Promise<Uint8Array>;
}>('@atproto/repo');

/** Spool's small decoder against the encoders the AT Protocol reference implementation uses. */
describe('DAG-CBOR and CAR decoding', () => {
  const cid = CID.parse('bafyreidwroesxuw5qzp4pdvvpbxv4bjuvhubqz4zfz3de6pi3a5c5rryum');

  it('decodes what @ipld/dag-cbor encodes, including CIDs and large integers', () => {
    const value = {
      text: 'grüße 🎉',
      n: 0,
      neg: -1_000_000,
      big: Number.MAX_SAFE_INTEGER,
      float: 1.5,
      flags: [true, false, null],
      bytes: new Uint8Array([0, 1, 2, 255]),
      link: cid,
      nested: { deeper: { list: [1, 'two', { three: 3 }] } },
    };
    const decoded = decodeCbor(dagCbor.encode(value)) as Record<string, CborValue>;
    expect(decoded.link).toBeInstanceOf(Cid);
    expect(String(decoded.link)).toBe(cid.toString());
    expect({ ...decoded, link: undefined }).toEqual({ ...value, link: undefined });
  });

  it('round-trips arbitrary JSON-like values', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
        fc.boolean(),
        fc.constant(null),
        fc.uint8Array({ maxLength: 40 }),
        fc.array(tie('value'), { maxLength: 5 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        expect(decodeCbor(dagCbor.encode(value))).toEqual(normalize(value));
      }),
      { numRuns: 300 },
    );
  });

  it('splits a firehose message into its header and body', () => {
    const frame = Buffer.concat([
      dagCbor.encode({ op: 1, t: '#commit' }),
      dagCbor.encode({ seq: 42, ops: [] }),
    ]);
    expect(decodeCborSequence(frame)).toEqual([
      { op: 1, t: '#commit' },
      { seq: 42, ops: [] },
    ]);
  });

  it('reads the blocks of a CAR file by CID', async () => {
    const blocks = new BlockMap();
    const like = await blocks.add({
      $type: 'app.bsky.feed.like',
      subject: { uri: 'at://did:plc:x/app.bsky.feed.post/3k', cid },
    });
    const other = await blocks.add({ hello: 'world' });
    const car = await blocksToCarFile(like, blocks);
    const read = readCarBlocks(car);
    expect([...read.keys()].sort()).toEqual([like.toString(), other.toString()].sort());
    expect(decodeCbor(read.get(like.toString())!)).toMatchObject({ $type: 'app.bsky.feed.like' });
  });

  it('refuses malformed input instead of reading past it', () => {
    const bad = [
      new Uint8Array([0x5a, 0xff, 0xff, 0xff, 0xff]), // bytes of a length that is not there
      new Uint8Array([0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // an absurd array length
      new Uint8Array([0x9f, 0x01, 0xff]), // indefinite length
      new Uint8Array([0xa1, 0x01, 0x02]), // a map key that is not a string
      new Uint8Array([0xd8, 0x2b, 0x40]), // an unknown tag
      new Uint8Array(Array.from({ length: 100 }, () => 0x81)), // nesting too deep
    ];
    for (const bytes of bad) expect(() => decodeCbor(bytes)).toThrow();
    expect(() => readCarBlocks(new Uint8Array([0x05, 0x01]))).toThrow();
  });
});

/** What a decoder gives back for a value: plain objects, Uint8Arrays, -0 as 0. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'number' && Object.is(value, -0)) return 0;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}
