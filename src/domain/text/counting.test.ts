import { describe, expect, it } from 'vitest';
import {
  countCodePoints,
  countGraphemes,
  countMastodonLength,
  countThreadsLength,
  countUtf8Bytes,
  countUtf16Units,
  countXWeightedLength,
} from './counting.ts';

const FAMILY = '👨‍👩‍👧‍👦'; // four people joined by ZWJ: 7 code points, 11 UTF-16 units
const TRANS_FLAG = '🏳️‍⚧️';
const JAPAN_FLAG = '🇯🇵';
const THUMBS_UP_MEDIUM = '👍🏽';

describe('X (twitter-text weighted length)', () => {
  // From twitter-text's conformance suite (conformance/validate.yml,
  // WeightedTweetsWithDiscountedEmojiCounterTest), which v3 of the library is tested against.
  it.each([
    ['Hi http://test.co', 26],
    ['http://test.co', 23],
    [`285 chars-${'xxxxxxxxxx-'.repeat(25)}`, 285],
    ['https://www.twitter.com/aloha '.repeat(10), 240],
    [`H🐱☺${FAMILY}`, 7],
    ['😷👾😡🔥💩', 10],
    ['🙋🏽👨‍🎤', 4],
    ['1⃣', 2],
    ['Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; 🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}', 34],
    ['Unicode 9.0 emoji: 🤠; 💃; 💃🏾', 29],
    ['randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com', 68], // 64-char label: no URL
    ['example.com', 23],
    ['A\u0301B', 2], // normalized to NFC first: Á is one character
  ])('%j weighs %i', (text, expected) => {
    expect(countXWeightedLength(text)).toBe(expected);
  });

  it('counts any URL as 23 whatever its length', () => {
    const short = countXWeightedLength('see https://t.co/a');
    const long = countXWeightedLength(`see https://example.com/${'a/'.repeat(200)}`);
    expect(short).toBe(4 + 23);
    expect(long).toBe(4 + 23);
  });

  it('weighs CJK characters as 2', () => {
    expect(countXWeightedLength('の'.repeat(140))).toBe(280);
    expect(countXWeightedLength('저찀쯿쿿')).toBe(8);
  });
});

describe('Bluesky (graphemes)', () => {
  it('counts emoji ZWJ sequences, flags and skin tones as one character', () => {
    expect(countGraphemes(FAMILY)).toBe(1);
    expect(countGraphemes(TRANS_FLAG)).toBe(1);
    expect(countGraphemes(JAPAN_FLAG)).toBe(1);
    expect(countGraphemes(THUMBS_UP_MEDIUM)).toBe(1);
    expect(countGraphemes(`hi ${FAMILY}${JAPAN_FLAG}!`)).toBe(6);
  });

  it('counts a letter with a combining accent as one character', () => {
    expect(countGraphemes('e\u0301')).toBe(1);
    expect(countGraphemes('é')).toBe(1);
  });

  it('does not shorten links', () => {
    expect(countGraphemes('https://example.com/a/long/path')).toBe(31);
  });
});

describe('Mastodon (status_length_validator)', () => {
  // Cases from Mastodon's spec/validators/status_length_validator_spec.rb, against a 500 limit.
  const link = `http://${'b'.repeat(30)}.com/example`;

  it('counts a space-separated URL as 23 characters', () => {
    expect(countMastodonLength(`${'a'.repeat(476)} ${link}`)).toBe(500);
  });

  it('does not shorten a URL glued to other text', () => {
    expect(countMastodonLength(`${'a'.repeat(476)}${link}`)).toBeGreaterThan(500);
  });

  it('does not shorten an overly long URL', () => {
    expect(countMastodonLength(`http://example.com/valid?${'#foo?'.repeat(1000)}`)).toBeGreaterThan(500);
  });

  it('counts only the @user part of a remote mention', () => {
    expect(countMastodonLength(`${'a'.repeat(475)} @alice@${'b'.repeat(30)}.com`)).toBe(482);
    expect(countMastodonLength('@Gargron@mastodon.social')).toBe('@Gargron'.length);
  });

  it('counts both parts of a mention whose domain is too long to be one', () => {
    expect(countMastodonLength(`@alice@${'b'.repeat(500)}.com`)).toBeGreaterThan(500);
  });

  it('counts emoji, including ZWJ sequences, as one character', () => {
    expect(countMastodonLength('✨'.repeat(500))).toBe(500);
    expect(countMastodonLength(TRANS_FLAG.repeat(500))).toBe(500);
  });

  it('needs a protocol for the URL discount and leaves e-mail addresses alone', () => {
    expect(countMastodonLength('example.com')).toBe(11);
    expect(countMastodonLength('write to alice@example.com')).toBe(26);
  });

  it('combines links, mentions and text', () => {
    const text = 'hi @Gargron@mastodon.social and @bob, see https://joinmastodon.org/apps';
    expect(countMastodonLength(text)).toBe('hi @Gargron and @bob, see '.length + 23);
  });
});

describe('Threads (emoji count as their UTF-8 bytes)', () => {
  it('counts an emoji by its UTF-8 size and other characters as one', () => {
    expect(countThreadsLength('hello')).toBe(5);
    expect(countThreadsLength('😀')).toBe(4);
    expect(countThreadsLength(THUMBS_UP_MEDIUM)).toBe(8);
    expect(countThreadsLength(FAMILY)).toBe(25);
    expect(countThreadsLength('héllo 😀')).toBe(10);
  });
});

describe('plain measures', () => {
  it('counts code points, UTF-16 units and UTF-8 bytes', () => {
    expect(countCodePoints(FAMILY)).toBe(7);
    expect(countUtf16Units(FAMILY)).toBe(11);
    expect(countUtf8Bytes('a')).toBe(1);
    expect(countUtf8Bytes('é')).toBe(2);
    expect(countUtf8Bytes('の')).toBe(3);
    expect(countUtf8Bytes('😀')).toBe(4);
    expect(countUtf8Bytes('\uD800')).toBe(new TextEncoder().encode('\uD800').length);
  });
});
