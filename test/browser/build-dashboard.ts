import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The journeys drive the built dashboard: build it once when web/dist is missing. */
export default function buildDashboard(): void {
  const dist = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
  if (fs.existsSync(dist) && !process.env.REBUILD_WEB) return;
  execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    stdio: 'inherit',
  });
}
