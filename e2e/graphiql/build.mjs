// Bundles main.jsx (GraphiQL, React, graphql-ws) into the assets that
// internal/server embeds. Run `npm run build:graphiql` in e2e/ (it installs the
// dev dependencies first) and commit the output; the Go build never needs Node.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '../../internal/server/graphiql');

await build({
  entryPoints: { graphiql: path.join(here, 'main.jsx') },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'linked',
  logLevel: 'info',
});
