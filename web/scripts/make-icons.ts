/**
 * Renders the PWA icons from web/public/icon.svg (run once after changing the icon:
 * `npx tsx web/scripts/make-icons.ts`); the PNGs are kept in the repository.
 */
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const publicDir = fileURLToPath(new URL('../public/', import.meta.url));
const svg = `${publicDir}icon.svg`;

for (const size of [192, 512]) {
  await sharp(svg).resize(size, size).png().toFile(`${publicDir}icon-${size}.png`);
}
// Maskable: the artwork inside the safe zone (80%) on a full-bleed background.
const inner = await sharp(svg).resize(410, 410).png().toBuffer();
await sharp({ create: { width: 512, height: 512, channels: 4, background: '#1f4fd1' } })
  .composite([{ input: inner, gravity: 'center' }])
  .png()
  .toFile(`${publicDir}icon-maskable-512.png`);
