import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.ts';
import { assertBlobKey, type BlobStore } from '../ports/blob-store.ts';
import { S3BlobStore } from './s3-blob-store.ts';

/** The store the settings ask for: an S3-compatible bucket when S3_* are set, else `<dataDir>/media`. */
export function createBlobStore(config: Config): BlobStore {
  return config.media.s3
    ? new S3BlobStore(config.media.s3)
    : new LocalBlobStore(path.join(config.dataDir, 'media'));
}

/** Media on local disk, one file per key under `root` (by default `<SPOOL_DATA_DIR>/media`). */
export class LocalBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    assertBlobKey(key);
    const full = path.resolve(this.root, ...key.split('/'));
    // Belt and braces: the key pattern already rules out escaping the root.
    if (!full.startsWith(path.resolve(this.root) + path.sep))
      throw new Error(`blob key escapes the store: ${key}`);
    return full;
  }

  async putFile(key: string, stagedPath: string): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    try {
      await fs.rename(stagedPath, target);
    } catch (error) {
      // Staging on another file system: copy, then remove the staged file.
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await fs.copyFile(stagedPath, target);
      await fs.rm(stagedPath, { force: true });
    }
  }

  async putBytes(key: string, bytes: Buffer): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    // Written beside, then renamed, so a reader never sees half a file.
    const partial = `${target}.${process.pid}.${Date.now()}.part`;
    await fs.writeFile(partial, bytes);
    await fs.rename(partial, target);
  }

  async open(
    key: string,
  ): Promise<{ body: ReturnType<typeof createReadStream>; byteSize: number } | undefined> {
    const file = this.pathOf(key);
    try {
      const stat = await fs.stat(file);
      return { body: createReadStream(file), byteSize: stat.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    const file = this.pathOf(key);
    await fs.rm(file, { force: true });
    // Leave no empty per-media folders behind; a folder that still has files stays.
    await fs.rmdir(path.dirname(file)).catch(() => undefined);
  }
}
