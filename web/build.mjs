// Bundles the app into internal/server/webapp/dist, which the binary embeds.
// `npm ci && node build.mjs`, then commit the output. The build is
// deterministic (fixed options, no timestamps, no content hashes in names),
// so `make check-web` can rebuild and compare with what is committed.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '../internal/server/webapp/dist');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const result = await build({
  entryPoints: { app: path.join(here, 'src/main.tsx') },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'linked',
  charset: 'utf8',
  metafile: true,
  logLevel: 'warning',
});
await copyFile(path.join(here, 'index.html'), path.join(out, 'index.html'));
for (const [file, info] of Object.entries(result.metafile.outputs)) {
  console.log(`${path.relative(here, file)}: ${(info.bytes / 1024).toFixed(1)} KiB`);
}
