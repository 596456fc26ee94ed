import { describe, expect, it } from 'vitest';
import { findLinks } from '../../src/domain/links/prepare-links.ts';
import { appendUtm, utmForChannel } from '../../src/domain/links/utm.ts';

const utm = utmForChannel('mastodon', 'spring sale');
const TAGS = 'utm_source=mastodon&utm_medium=social&utm_campaign=spring%20sale';

describe('appendUtm', () => {
  it.each([
    ['https://example.com/page', `https://example.com/page?${TAGS}`],
    ['https://example.com', `https://example.com/?${TAGS}`],
    ['https://example.com/?', `https://example.com/?${TAGS}`],
    ['https://example.com/p?a=1', `https://example.com/p?a=1&${TAGS}`],
    ['https://example.com/p?a=1&', `https://example.com/p?a=1&${TAGS}`],
    ['https://example.com/p#section', `https://example.com/p?${TAGS}#section`],
    ['https://example.com/p?a=1#s?x=y', `https://example.com/p?a=1&${TAGS}#s?x=y`],
    ['https://example.com/#/app/route?x=1', `https://example.com/?${TAGS}#/app/route?x=1`],
    // The author's own encoding stays byte for byte.
    ['https://example.com/s?q=a+b%20c&x=%E2%9C%93', `https://example.com/s?q=a+b%20c&x=%E2%9C%93&${TAGS}`],
    ['http://example.com:8080/p', `http://example.com:8080/p?${TAGS}`],
  ])('%s', (url, expected) => {
    expect(appendUtm(url, utm)).toBe(expected);
  });

  it('keeps parameters the author set and adds only the missing ones', () => {
    expect(appendUtm('https://example.com/?utm_source=newsletter&utm_campaign=x', utm)).toBe(
      'https://example.com/?utm_source=newsletter&utm_campaign=x&utm_medium=social',
    );
    const full = 'https://example.com/?utm_source=a&utm_medium=b&utm_campaign=c';
    expect(appendUtm(full, utm)).toBe(full);
  });

  it('leaves anything that is not an http(s) URL alone', () => {
    for (const url of ['mailto:a@example.com', 'javascript:alert(1)', 'ftp://example.com/f']) {
      expect(appendUtm(url, utm)).toBe(url);
    }
  });

  it('produces URLs whose parameters parse back to the intended values', () => {
    const url = new URL(appendUtm('https://example.com/p?a=1#frag', utmForChannel('x', 'Q3 & more/ünï')));
    expect(url.searchParams.get('a')).toBe('1');
    expect(url.searchParams.get('utm_source')).toBe('x');
    expect(url.searchParams.get('utm_medium')).toBe('social');
    expect(url.searchParams.get('utm_campaign')).toBe('Q3 & more/ünï');
    expect(url.hash).toBe('#frag');
  });
});

describe('findLinks', () => {
  const urls = (text: string) => findLinks(text).map((l) => l.url);

  it('finds links and leaves sentence punctuation out', () => {
    expect(
      urls('Read https://example.com/a. Then https://example.com/b, and https://example.com/c!'),
    ).toEqual(['https://example.com/a', 'https://example.com/b', 'https://example.com/c']);
  });

  it('keeps balanced brackets that belong to the URL and drops unbalanced ones', () => {
    expect(urls('(see https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual([
      'https://en.wikipedia.org/wiki/Foo_(bar)',
    ]);
    expect(urls('(https://example.com/x)')).toEqual(['https://example.com/x']);
  });

  it('keeps queries, fragments, ports, IDNs and non-ASCII paths whole', () => {
    expect(urls('go https://例え.jp/パス?x=1#y now')).toEqual(['https://例え.jp/パス?x=1#y']);
    expect(urls('at http://localhost:3000/a?b=c&d=e#f')).toEqual(['http://localhost:3000/a?b=c&d=e#f']);
  });

  it('reports positions in the text, so the text around a link can be kept', () => {
    const text = '😀 https://example.com/x 👍';
    const [link] = findLinks(text);
    expect(text.slice(link!.start, link!.end)).toBe('https://example.com/x');
  });

  it('ignores schemes that are not http(s) and bare domains', () => {
    expect(urls('mail me: mailto:a@example.com or visit example.com or ftp://example.com')).toEqual([]);
  });
});
