/**
 * Just enough DAG-CBOR and CAR decoding to read AT Protocol's event stream (subscribeRepos): each
 * message is two CBOR values (a header and a body), and a commit's records travel as a CAR file of
 * CBOR blocks keyed by CID. The input comes from a server someone else runs, so every length is
 * checked against the bytes that are there and nesting is bounded; anything malformed throws.
 */
export class Cid {
  constructor(readonly bytes: Uint8Array) {}

  /** The CID as multibase base32 (`b…`), the form AT Protocol writes in JSON. */
  toString(): string {
    return `b${base32(this.bytes)}`;
  }
}

export type CborValue = null | boolean | number | bigint | string | Uint8Array | Cid | CborValue[] | CborMap;
export interface CborMap {
  [key: string]: CborValue;
}

const MAX_DEPTH = 64;
const CID_TAG = 42;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes every CBOR value in `bytes`, one after another. */
export function decodeCborSequence(bytes: Uint8Array): CborValue[] {
  const reader = new Reader(bytes);
  const values: CborValue[] = [];
  while (reader.offset < bytes.length) values.push(reader.value(0));
  return values;
}

export function decodeCbor(bytes: Uint8Array): CborValue {
  const reader = new Reader(bytes);
  const value = reader.value(0);
  if (reader.offset !== bytes.length) throw new Error('trailing bytes after a CBOR value');
  return value;
}

/** The blocks of a CAR (v1) file by their CID's string form. */
export function readCarBlocks(bytes: Uint8Array): Map<string, Uint8Array> {
  const blocks = new Map<string, Uint8Array>();
  const reader = new Reader(bytes);
  const headerLength = reader.varint();
  reader.take(headerLength); // { version: 1, roots: [...] }: the roots are not needed here
  while (reader.offset < bytes.length) {
    const section = new Reader(reader.take(reader.varint()));
    const cidStart = section.offset;
    if (section.bytes[0] === 0x12 && section.bytes[1] === 0x20) {
      section.take(34); // CIDv0: a bare sha2-256 multihash
    } else {
      section.varint(); // version
      section.varint(); // codec
      section.varint(); // hash function
      section.take(section.varint()); // digest
    }
    const cid = new Cid(section.bytes.subarray(cidStart, section.offset));
    blocks.set(cid.toString(), section.bytes.subarray(section.offset));
  }
  return blocks;
}

class Reader {
  offset = 0;
  private readonly view: DataView;

  readonly bytes: Uint8Array;

  constructor(input: Uint8Array) {
    // A plain view even of a Buffer, so that byte strings decode to plain Uint8Arrays.
    this.bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  }

  take(length: number): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0 || this.offset + length > this.bytes.length) {
      throw new Error('a length runs past the end of the data');
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  /** An unsigned LEB128 varint (CAR section lengths and CID fields). */
  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 63; shift += 7) {
      const byte = this.take(1)[0]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error('a varint is too long');
  }

  value(depth: number): CborValue {
    if (depth > MAX_DEPTH) throw new Error('CBOR nesting is too deep');
    const initial = this.take(1)[0]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) return this.simple(info);
    const argument = this.argument(info);
    switch (major) {
      case 0:
        return argument;
      case 1:
        return typeof argument === 'bigint' ? -1n - argument : -1 - argument;
      case 2:
        return this.take(this.length(argument));
      case 3:
        return utf8.decode(this.take(this.length(argument)));
      case 4: {
        const count = this.count(argument);
        const items: CborValue[] = [];
        for (let i = 0; i < count; i++) items.push(this.value(depth + 1));
        return items;
      }
      case 5: {
        const count = this.count(argument);
        const map: CborMap = Object.create(null);
        for (let i = 0; i < count; i++) {
          const key = this.value(depth + 1);
          if (typeof key !== 'string') throw new Error('a CBOR map key is not a string');
          map[key] = this.value(depth + 1);
        }
        return map;
      }
      default: {
        // major 6: a tag; DAG-CBOR has only one, 42 (a CID as bytes with a leading zero)
        const tagged = this.value(depth + 1);
        if (argument !== CID_TAG || !(tagged instanceof Uint8Array) || tagged[0] !== 0) {
          throw new Error(`unsupported CBOR tag ${argument}`);
        }
        return new Cid(tagged.subarray(1));
      }
    }
  }

  private argument(info: number): number | bigint {
    if (info < 24) return info;
    if (info === 24) return this.take(1)[0]!;
    if (info === 25) return this.read(2, (o) => this.view.getUint16(o));
    if (info === 26) return this.read(4, (o) => this.view.getUint32(o));
    if (info === 27) {
      const big = this.read(8, (o) => this.view.getBigUint64(o));
      return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    throw new Error('indefinite-length CBOR is not DAG-CBOR');
  }

  private simple(info: number): CborValue {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
      case 23:
        return null;
      case 25:
        return halfFloat(this.read(2, (o) => this.view.getUint16(o)));
      case 26:
        return this.read(4, (o) => this.view.getFloat32(o));
      case 27:
        return this.read(8, (o) => this.view.getFloat64(o));
      default:
        throw new Error(`unsupported CBOR simple value ${info}`);
    }
  }

  private read<T>(size: number, get: (offset: number) => T): T {
    const at = this.offset;
    this.take(size);
    return get(at);
  }

  private length(argument: number | bigint): number {
    if (typeof argument === 'bigint' || argument > this.bytes.length - this.offset) {
      throw new Error('a length runs past the end of the data');
    }
    return argument;
  }

  /** Every item takes at least one byte, so a count larger than what is left is a lie. */
  private count(argument: number | bigint): number {
    return this.length(argument);
  }
}

function halfFloat(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let text = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      text += BASE32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) text += BASE32[(buffer << (5 - bits)) & 31];
  return text;
}
