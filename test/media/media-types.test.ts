import { describe, expect, it } from 'vitest';
import { detectMediaType, imageDimensions } from '../../src/domain/media/media-types.ts';
import { displayFilename } from '../../src/domain/media/upload-media.ts';

const bytes = (...parts: (number[] | string)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const pad = (head: Buffer) => Buffer.concat([head, Buffer.alloc(64)]);

const jpeg = pad(
  bytes(
    [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10],
    'JFIF\0',
    [1, 1, 0, 0, 1, 0, 1, 0, 0],
    [0xff, 0xc2, 0x00, 0x11, 0x08, 0x01, 0x2c, 0x02, 0x58, 0x03],
  ),
);
const gif = pad(bytes('GIF89a', [0x40, 0x01, 0xf0, 0x00]));
const webpLossy = pad(
  bytes(
    'RIFF',
    [0, 0, 0, 0],
    'WEBPVP8 ',
    [0, 0, 0, 0],
    [0, 0, 0],
    [0x9d, 0x01, 0x2a],
    [0x80, 0x02, 0xe0, 0x01],
  ),
);
const webpLossless = pad(
  bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8L', [0, 0, 0, 0], [0x2f], [0x3f, 0xc0, 0x3b, 0x00]),
);
const webpExtended = pad(
  bytes(
    'RIFF',
    [0, 0, 0, 0],
    'WEBPVP8X',
    [10, 0, 0, 0],
    [0, 0, 0, 0],
    [0xff, 0x03, 0x00],
    [0x1f, 0x01, 0x00],
  ),
);
const ftyp = (brand: string) => pad(bytes([0, 0, 0, 0x18], 'ftyp', brand, [0, 0, 0, 0]));
const webm = pad(bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], 'webm'));
const matroska = pad(
  bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x88], 'matroska'),
);

describe('media type by content', () => {
  it.each([
    ['JPEG', jpeg, 'image/jpeg'],
    ['GIF', gif, 'image/gif'],
    ['lossy WebP', webpLossy, 'image/webp'],
    ['MP4', ftyp('isom'), 'video/mp4'],
    ['MP4 (mp42)', ftyp('mp42'), 'video/mp4'],
    ['QuickTime', ftyp('qt  '), 'video/quicktime'],
    ['WebM', webm, 'video/webm'],
  ])('recognises %s', (_name, head, contentType) => {
    expect(detectMediaType(head)?.contentType).toBe(contentType);
  });

  it.each([
    ['HEIC', ftyp('heic')],
    ['AVIF', ftyp('avif')],
    ['Matroska that is not WebM', matroska],
    ['SVG', pad(bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'))],
    ['PDF', pad(bytes('%PDF-1.7'))],
    ['ZIP', pad(bytes([0x50, 0x4b, 0x03, 0x04]))],
    ['a PNG signature cut short', bytes([0x89, 0x50, 0x4e, 0x47])],
  ])('refuses %s', (_name, head) => {
    expect(detectMediaType(head)).toBeUndefined();
  });

  it('reads image dimensions from the headers', () => {
    expect(imageDimensions(jpeg, 'image/jpeg')).toEqual({ width: 600, height: 300 });
    expect(imageDimensions(gif, 'image/gif')).toEqual({ width: 320, height: 240 });
    expect(imageDimensions(webpLossy, 'image/webp')).toEqual({ width: 640, height: 480 });
    expect(imageDimensions(webpLossless, 'image/webp')).toEqual({ width: 64, height: 240 });
    expect(imageDimensions(webpExtended, 'image/webp')).toEqual({ width: 1024, height: 288 });
    expect(imageDimensions(bytes([0xff, 0xd8, 0xff, 0xe1, 0x00]), 'image/jpeg')).toBeUndefined();
  });

  it('keeps only a displayable file name, never a path', () => {
    expect(displayFilename('../../etc/passwd')).toBe('passwd');
    expect(displayFilename('C:\\Users\\ana\\photo.jpg')).toBe('photo.jpg');
    expect(displayFilename('evil\u0000name\n.png')).toBe('evilname.png');
    expect(displayFilename(undefined)).toBe('');
    expect(displayFilename('x'.repeat(500))).toHaveLength(200);
  });
});
