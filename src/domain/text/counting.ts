import twitterText from 'twitter-text';

/**
 * How each network measures the length of a post. Every function is pure and counts what the
 * network's own server counts, so that the composer rejects exactly what the network would.
 */

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** User-perceived characters (Unicode extended grapheme clusters): 👨‍👩‍👧‍👦, 🇯🇵 and é are one each. */
export function countGraphemes(text: string): number {
  let count = 0;
  for (const _ of graphemes.segment(text)) count++;
  return count;
}

/** Unicode code points: an emoji outside the BMP is one, a ZWJ family is several. */
export function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * UTF-16 code units, JavaScript's `length`: the largest of the usual character counts, used where a
 * network documents "characters" without saying which, so that we never accept what it may refuse.
 */
export function countUtf16Units(text: string): number {
  return text.length;
}

/** Bytes of the UTF-8 encoding (a lone surrogate becomes U+FFFD, 3 bytes, as `TextEncoder` does). */
export function countUtf8Bytes(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    bytes += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * X's weighted length, by its official library: every URL weighs 23 whatever its length; CJK
 * characters and emoji weigh 2; most other characters weigh 1.
 */
export function countXWeightedLength(text: string): number {
  return twitterText.parseTweet(text).weightedLength;
}

const MASTODON_URL_LENGTH = 23;
/** Ruby's `[[:word:]]` on Unicode strings: letters, marks, decimal digits, connector punctuation. */
const WORD = String.raw`[\p{L}\p{M}\p{Nd}\p{Pc}]`;
/** Mastodon's `Account::MENTION_RE`: @user or @user@domain, not preceded by =, / or a word character. */
const MASTODON_MENTION = new RegExp(
  `(?<![=/]|${WORD})@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*(?:@${WORD}+(?:[.-]+${WORD}+)*)?)`,
  'giu',
);
/** A DNS name is at most 253 characters; Mastodon counts a mention with a longer "domain" in full. */
const MAX_DOMAIN_LENGTH = 253;

interface Entity {
  start: number;
  end: number;
  replacement: string;
}

/**
 * Mastodon's status length (app/validators/status_length_validator.rb): grapheme clusters, after
 * replacing every auto-linked URL (one with http:// or https://) by 23 characters and every mention
 * `@user@domain` by just `@user`. Entities are found the way Mastodon's formatter finds them, so a
 * URL glued to other text gets no discount. (Mastodon also counts the content warning, which the
 * caller adds to `text` if the post has one.)
 */
export function countMastodonLength(text: string): number {
  const entities: Entity[] = [];
  for (const url of twitterText.extractUrlsWithIndices(text, { extractUrlsWithoutProtocol: false })) {
    entities.push({
      start: url.indices[0],
      end: url.indices[1],
      replacement: 'x'.repeat(MASTODON_URL_LENGTH),
    });
  }
  for (const match of text.matchAll(MASTODON_MENTION)) {
    const start = match.index;
    const end = start + match[0].length;
    const [username = '', domain] = (match[1] ?? '').split('@');
    // Like Mastodon's extractor: not a mention when followed by another @, an accented letter or "://".
    if (twitterText.regexen.endMentionMatch.test(text.slice(end))) continue;
    if (domain === undefined || domain.length > MAX_DOMAIN_LENGTH) continue;
    entities.push({ start, end, replacement: `@${username}` });
  }
  return countGraphemes(rewriteEntities(text, entities));
}

/** Replaces non-overlapping entities (the earliest wins, as in twitter-text's removeOverlappingEntities). */
function rewriteEntities(text: string, entities: Entity[]): string {
  if (entities.length === 0) return text;
  entities.sort((a, b) => a.start - b.start);
  let result = '';
  let position = 0;
  for (const entity of entities) {
    if (entity.start < position) continue;
    result += text.slice(position, entity.start) + entity.replacement;
    position = entity.end;
  }
  return result + text.slice(position);
}

const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;

/**
 * Threads' length: "Emojis are counted as the number of UTF-8 bytes" (Threads API, Posts,
 * Limitations), so 😀 counts 4 and 👍🏽 counts 8; every other character counts 1 per code point.
 */
export function countThreadsLength(text: string): number {
  let count = 0;
  for (const { segment } of graphemes.segment(text)) {
    count += EMOJI.test(segment) ? countUtf8Bytes(segment) : countCodePoints(segment);
  }
  return count;
}
