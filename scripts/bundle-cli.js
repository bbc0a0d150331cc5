// Bundles the CLI into dist/bundle/ (bin/tminus.js loads dist/bundle/main.js): tminus's own modules and the
// pure-JavaScript packages the commands need (commander, yaml, zod, ...) become a few files instead of
// hundreds, so a command starts without resolving and reading each module one by one (bench/cli-start.ts).
// Each command's dynamic import stays a separate chunk, loaded when the command runs, and so does each
// action (a run loads the actions its plan uses). Every other package stays in node_modules: native drivers
// and the SDKs load on first use, as from dist/.
// The chunks sit next to main.js, at the same depth as src/cli, so paths taken from import.meta.url
// (templates, schema, dist/web) still hold. Run by `npm run build` after tsc.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

/**
 * Packages compiled into the bundle; they are plain JavaScript with no native part. zod is one: imported from
 * node_modules it is ~100 modules (0.15–0.2 s CPU to load on a shared 2-vCPU machine), compiled in about 0.07 s.
 * The war room's OpenAPI schemas use `@hono/zod-openapi`'s own zod (external, with that package), never mixed
 * with tminus's schemas.
 */
const INLINE = new Set([
  'commander',
  'yaml',
  'zod',
  'eventsource-parser',
  'fastest-levenshtein',
  'pure-rand',
]);
const packageOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

const outdir = new URL('../dist/bundle/', import.meta.url).pathname;
// Chunk names carry a hash of their content: an earlier build's chunks would stay beside the new ones.
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: { main: new URL('../src/cli/main.ts', import.meta.url).pathname },
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  chunkNames: '[name]-[hash]',
  sourcemap: true,
  logLevel: 'warning',
  // The inlined packages are CommonJS that require node's own modules: give the bundle a `require`.
  banner: {
    js: "import { createRequire as __tminusRequire } from 'node:module';\nconst require = __tminusRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'packages-outside-but-a-few',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith('node:') || INLINE.has(packageOf(args.path))
            ? undefined
            : { path: args.path, external: true },
        );
      },
    },
  ],
});
