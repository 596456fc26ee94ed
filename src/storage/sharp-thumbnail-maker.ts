import sharp from 'sharp';
import type { Thumbnail, ThumbnailMaker } from '../domain/media/upload-media.ts';

/** The box every thumbnail fits inside, in pixels. */
export const THUMBNAIL_BOX = 400;

// A thumbnail that takes longer than this is a pathological image, not one worth waiting for.
const TIMEOUT_SECONDS = 30;

// Every upload is a new staged file read once, so libvips' operation cache would only hold memory.
sharp.cache(false);

/**
 * Thumbnails with sharp (libvips, on the thread pool, so the event loop stays free): turned upright
 * by the EXIF orientation, shrunk (never enlarged) to fit inside 400×400, encoded as WebP. It also
 * reports the image's size as people see it, which the header alone gets wrong for rotated photos.
 */
export class SharpThumbnailMaker implements ThumbnailMaker {
  async make(file: string): Promise<Thumbnail | undefined> {
    try {
      // sharp's default limits stay on: at most 16383×16383 pixels, and failing on damaged pixel data.
      const image = sharp(file, { autoOrient: true });
      const metadata = await image.metadata();
      const bytes = await image
        .resize({ width: THUMBNAIL_BOX, height: THUMBNAIL_BOX, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .timeout({ seconds: TIMEOUT_SECONDS })
        .toBuffer();
      return {
        bytes,
        contentType: 'image/webp',
        imageWidth: metadata.autoOrient.width,
        imageHeight: metadata.autoOrient.height,
      };
    } catch {
      // The bytes start like an image but cannot be decoded (damaged, too many pixels): the upload
      // is still kept, as the networks may take it, just without a preview.
      return undefined;
    }
  }
}
