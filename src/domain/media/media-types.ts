/**
 * What an uploaded file is, decided from its first bytes (its "magic numbers"), never from its name
 * or the type the browser declared. Only the formats the social networks take are accepted: JPEG,
 * PNG, GIF and WebP images; MP4, QuickTime and WebM videos. Everything else (SVG, HTML, archives,
 * HEIC, …) is refused, so nothing Spool serves back can run as a page.
 */
export type MediaKind = 'image' | 'video';

export interface DetectedMediaType {
  kind: MediaKind;
  contentType: string;
  extension: string;
}

/** Enough bytes to tell every accepted format apart. */
export const SNIFF_BYTES = 64;

const MP4_BRANDS = new Set([
  'isom',
  'iso2',
  'iso3',
  'iso4',
  'iso5',
  'iso6',
  'iso7',
  'iso8',
  'iso9',
  'mp41',
  'mp42',
  'mmp4',
  'avc1',
  'dash',
  'M4V ',
  'M4VH',
  'M4VP',
  'f4v ',
  'MSNV',
  'NDAS',
  '3gp4',
  '3gp5',
  '3gp6',
  '3g2a',
]);

const startsWith = (head: Buffer, bytes: number[], offset = 0) =>
  bytes.every((b, i) => head[offset + i] === b);
const ascii = (head: Buffer, start: number, end: number) => head.subarray(start, end).toString('latin1');

export function detectMediaType(head: Buffer): DetectedMediaType | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff]))
    return { kind: 'image', contentType: 'image/jpeg', extension: 'jpg' };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { kind: 'image', contentType: 'image/png', extension: 'png' };
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a')
    return { kind: 'image', contentType: 'image/gif', extension: 'gif' };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP')
    return { kind: 'image', contentType: 'image/webp', extension: 'webp' };
  if (ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (brand === 'qt  ') return { kind: 'video', contentType: 'video/quicktime', extension: 'mov' };
    if (MP4_BRANDS.has(brand)) return { kind: 'video', contentType: 'video/mp4', extension: 'mp4' };
    return undefined;
  }
  // Matroska's EBML header; only its WebM flavour is taken.
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3]) && head.subarray(0, SNIFF_BYTES).includes('webm'))
    return { kind: 'video', contentType: 'video/webm', extension: 'webm' };
  return undefined;
}

export interface Dimensions {
  width: number;
  height: number;
}

/** An image's size in pixels from its header, when the header is within `head`. */
export function imageDimensions(head: Buffer, contentType: string): Dimensions | undefined {
  const fits = (end: number) => head.length >= end;
  switch (contentType) {
    case 'image/png':
      return fits(24) ? { width: head.readUInt32BE(16), height: head.readUInt32BE(20) } : undefined;
    case 'image/gif':
      return fits(10) ? { width: head.readUInt16LE(6), height: head.readUInt16LE(8) } : undefined;
    case 'image/webp':
      return webpDimensions(head);
    case 'image/jpeg':
      return jpegDimensions(head);
    default:
      return undefined;
  }
}

function webpDimensions(head: Buffer): Dimensions | undefined {
  if (head.length < 30) return undefined;
  const chunk = ascii(head, 12, 16);
  if (chunk === 'VP8 ')
    return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = head.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
  return undefined;
}

function jpegDimensions(head: Buffer): Dimensions | undefined {
  let offset = 2;
  while (offset + 9 <= head.length) {
    if (head[offset] !== 0xff) return undefined;
    const marker = head[offset + 1]!;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    // Start-of-frame markers (C0–CF, except DHT C4, JPG C8 and DAC CC) carry the size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: head.readUInt16BE(offset + 5), width: head.readUInt16BE(offset + 7) };
    }
    offset += 2 + head.readUInt16BE(offset + 2);
  }
  return undefined;
}
