import { createHash } from 'node:crypto';

/**
 * Record keys for Spool's Bluesky posts, derived from the target id and the thread part, so that
 * every retry of a target writes the same record (putRecord with `swapRecord: null` never creates a
 * second one). A record key of app.bsky.feed.post must be a TID: 13 characters of base32-sortable,
 * a 53-bit microsecond timestamp (11 characters) then a 10-bit clock id (2 characters), the top bit
 * of the 64-bit value zero.
 *
 * The timestamp comes from a hash, placed inside a fixed window in the past (2020-01-01 plus up to
 * 2^47 µs, about 4.5 years): a TID never claims a time in the future, and 47 + 10 hashed bits make
 * two targets of one account colliding about as likely as a 57-bit hash collision.
 */
const ALPHABET = '234567abcdefghijklmnopqrstuvwxyz';
const WINDOW_START_US = 1_577_836_800_000_000n; // 2020-01-01T00:00:00Z
const WINDOW_BITS = 47n;
const TID_PATTERN = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;
/**
 * The PDS refuses record keys that contain certain slurs (its `hasExplicitSlur` check); the only
 * pattern in that list that can match inside a TID is this one, so such a key is derived again with
 * the next salt. Deterministic, and rare (about one key in 10^8).
 */
const REFUSED_BY_PDS = /n[ilo4a][gq]{2}/;

export function recordKeyFor(targetId: string, part: number): string {
  for (let salt = 0; ; salt++) {
    const digest = createHash('sha256').update(`spool:bluesky:${targetId}:${part}:${salt}`).digest();
    const offset = digest.readBigUInt64BE(0) & ((1n << WINDOW_BITS) - 1n);
    const clockId = digest.readUInt16BE(8) & 0x3ff;
    const tid = encode(WINDOW_START_US + offset, 11) + encode(BigInt(clockId), 2);
    if (!REFUSED_BY_PDS.test(tid)) return tid;
  }
}

export function isValidTid(value: string): boolean {
  return TID_PATTERN.test(value);
}

/** The microsecond timestamp a TID carries. */
export function tidTimestampUs(tid: string): bigint {
  let value = 0n;
  for (const char of tid.slice(0, 11)) value = (value << 5n) | BigInt(ALPHABET.indexOf(char));
  return value;
}

function encode(value: bigint, length: number): string {
  let text = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    text = ALPHABET[Number(rest & 31n)]! + text;
    rest >>= 5n;
  }
  return text;
}
