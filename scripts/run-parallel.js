// Runs npm scripts at the same time and fails if any of them fails: `npm test` builds, type-checks and lints
// this way before the tests. They do not depend on each other (lint and type-check read the sources, the build
// writes dist/), and each is mostly one busy core, so on two cores they take about half as long as in a row.
// Each script's output is printed as one block when it ends, so their lines never interleave.
//
// Usage: node scripts/run-parallel.js build typecheck lint
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';

const names = process.argv.slice(2);
if (names.length === 0) {
  process.stderr.write('usage: node scripts/run-parallel.js SCRIPT...\n');
  process.exit(2);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const children = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    process.exit(130);
  });
}

const started = Date.now();
const results = await Promise.all(
  names.map(
    (name) =>
      new Promise((resolve) => {
        const child = spawn(npm, ['run', '--silent', name], { stdio: ['ignore', 'pipe', 'pipe'] });
        children.add(child);
        const chunks = [];
        child.stdout.on('data', (c) => chunks.push(c));
        child.stderr.on('data', (c) => chunks.push(c));
        child.on('error', (error) => chunks.push(Buffer.from(`${error.message}\n`)));
        child.on('close', (code, signal) => {
          children.delete(child);
          const seconds = ((Date.now() - started) / 1000).toFixed(0);
          const ok = code === 0;
          const how = ok ? 'ok' : `FAILED (${signal ?? `exit ${code}`})`;
          process.stdout.write(`── npm run ${name}: ${how} after ${seconds} s\n`);
          process.stdout.write(Buffer.concat(chunks));
          resolve({ name, ok });
        });
      }),
  ),
);

const failed = results.filter((r) => !r.ok).map((r) => r.name);
if (failed.length > 0) {
  process.stderr.write(`failed: ${failed.map((n) => `npm run ${n}`).join(', ')}\n`);
  process.exit(1);
}
