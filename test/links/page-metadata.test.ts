import { describe, expect, it } from 'vitest';
import { decodeHtml, extractPageMetadata } from '../../src/domain/links/page-metadata.ts';

const PAGE = 'https://example.com/blog/post';

describe('extractPageMetadata', () => {
  it('prefers Open Graph, in either attribute order and quoting style', () => {
    const html = `<!doctype html><html><head>
      <title>Plain title</title>
      <meta name="description" content="Plain description">
      <meta content="OG title" property="og:title" />
      <meta property='og:description' content='OG &amp; description'>
      <meta property=og:image content=/img/cover.png>
      <meta property="og:site_name" content="Example Blog">
      <meta name="twitter:title" content="Twitter title">
    </head><body></body></html>`;
    expect(extractPageMetadata(html, PAGE)).toEqual({
      title: 'OG title',
      description: 'OG & description',
      image: 'https://example.com/img/cover.png',
      siteName: 'Example Blog',
    });
  });

  it('falls back to Twitter cards, then to <title> and meta description', () => {
    const twitter = `<meta name="twitter:title" content="T title"><meta name="twitter:image" content="https://cdn.example.com/t.jpg">
      <title>Plain</title><meta name="description" content="D">`;
    expect(extractPageMetadata(twitter, PAGE)).toMatchObject({
      title: 'T title',
      description: 'D',
      image: 'https://cdn.example.com/t.jpg',
    });
    const plain = '<html><head><title>\n  Caf&eacute; &#8211; &#x1F600; menu  \n</title></head></html>';
    expect(extractPageMetadata(plain, PAGE)).toEqual({
      title: 'Caf&eacute; – 😀 menu',
      description: null,
      image: null,
      siteName: null,
    });
  });

  it('ignores tags inside comments and scripts', () => {
    const html = `<!-- <meta property="og:title" content="commented"> -->
      <script>const s = '<meta property="og:title" content="scripted">';</script>
      <meta property="og:title" content="real">`;
    expect(extractPageMetadata(html, PAGE).title).toBe('real');
  });

  it('refuses images that are not http(s) and cuts very long texts', () => {
    const html = `<meta property="og:image" content="javascript:alert(1)"><meta property="og:description" content="${'x'.repeat(5000)}">`;
    const metadata = extractPageMetadata(html, PAGE);
    expect(metadata.image).toBeNull();
    expect(metadata.description).toHaveLength(1000);
  });

  it('decodes the character set the page declares', () => {
    const latin1 = Buffer.concat([
      Buffer.from('<meta charset="iso-8859-1"><title>'),
      Buffer.from([0x43, 0x61, 0x66, 0xe9]),
      Buffer.from('</title>'),
    ]);
    expect(extractPageMetadata(decodeHtml(latin1, 'text/html'), PAGE).title).toBe('Café');
    expect(extractPageMetadata(decodeHtml(latin1, 'text/html; charset=windows-1252'), PAGE).title).toBe(
      'Café',
    );
  });
});
