import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ROOT, cli, ensureBuilt } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-start-'));
const HEAVY = ['@aws-sdk/', 'cloudflare', 'pg', 'mysql2', 'nodemailer'];

/** Runs the built CLI with a module-resolution hook and returns the packages (under node_modules) it loaded. */
function packagesLoaded(
  args: string[],
  name: string,
  extraEnv: Record<string, string> = {},
): { code: number | null; output: string; packages: Set<string>; modules: string[] } {
  const trace = join(dir, `${name}.txt`);
  const r = spawnSync(
    process.execPath,
    ['--import', join(ROOT, 'test', 'support', 'module-trace.mjs'), join(ROOT, 'bin', 'tminus.js'), ...args],
    {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', TMINUS_MODULE_TRACE: trace, ...extraEnv },
      timeout: 60_000,
    },
  );
  const packages = new Set<string>();
  const modules = readFileSync(trace, 'utf8').split('\n');
  for (const url of modules) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) packages.add(m[1]!);
  }
  return { code: r.status, output: `${r.stdout}${r.stderr}`, packages, modules };
}

const heavyIn = (packages: Set<string>) =>
  [...packages].filter((p) => HEAVY.some((h) => (h.endsWith('/') ? p.startsWith(h) : p === h)));

beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI start', () => {
  it('`tminus --version` loads the bundled CLI and no package', () => {
    const { code, output, packages, modules } = packagesLoaded(['--version'], 'version');
    expect(code).toBe(0);
    expect(output.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(modules).toContain(pathToFileURL(join(ROOT, 'dist', 'bundle', 'main.js')).href); // the trace works
    // commander is compiled into the bundle; nothing is read from node_modules.
    expect([...packages]).toEqual([]);
  });

  it('`tminus status` on an ended run opens the store and loads neither zod, any action nor the YAML parser', async () => {
    copyFileSync(join(ROOT, 'test', 'fixtures', 'rehearsal.yaml'), join(dir, 'plan.yaml'));
    const env = { TMINUS_TEST_OUT: join(dir, 'out.txt') };
    const ran = await cli(
      ['run', 'plan.yaml', '--dry-run', '--auto-approve', '--speed', '5000', '--go-live', 'now+1h'],
      { cwd: dir, env },
    );
    expect(ran.stdout, ran.stderr).toContain('run ended:');
    const { code, output, packages, modules } = packagesLoaded(['status'], 'status');
    expect(code, output).toBe(0);
    expect(output).toContain('shop-rehearsal');
    expect(output).toMatch(/ended/);
    expect(packages).toContain('better-sqlite3'); // it did read the run from the store
    expect(heavyIn(packages)).toEqual([]);
    expect([...packages]).toEqual(['better-sqlite3']);
    // The run keeps its plan parsed (JSON) beside the text: no part of the YAML parser is loaded. The stored
    // plan is not checked against the plan schema again, and a session that only reads loads no action: no
    // part of zod is loaded either. The bundle compiles both in, each module under a `// node_modules/<package>/…`
    // line.
    const bundle = join(ROOT, 'dist', 'bundle');
    const loadedChunks = modules.filter((m) => m.startsWith(pathToFileURL(bundle).href));
    expect(loadedChunks.length).toBeGreaterThan(1);
    for (const mark of ['// node_modules/yaml/', '// node_modules/zod/']) {
      const chunksWithIt = readdirSync(bundle).filter(
        (f) => f.endsWith('.js') && readFileSync(join(bundle, f), 'utf8').includes(mark),
      );
      expect(chunksWithIt.length, mark).toBeGreaterThan(0); // the mark finds the package where it is
      expect(
        loadedChunks.filter((m) => readFileSync(fileURLToPath(m), 'utf8').includes(mark)),
        mark,
      ).toEqual([]);
    }
  });

  it('`tminus status` opens a run whose plan has no JSON copy (a YAML-only value) from its text', async () => {
    // `.inf` does not come back from JSON, so the run keeps only the plan's text: opening it parses the YAML
    // (in the bundle, where `yaml` is compiled in and its dynamic import has only a default export).
    const sub = mkdtempSync(join(dir, 'inf-'));
    writeFileSync(
      join(sub, 'plan.yaml'),
      `version: 1
name: yaml-only
title: A plan with a YAML-only value
roles:
  ops: { title: Ops, members: [olga] }
phases:
  - id: go
    at: T-0
    tasks:
      - id: probe
        title: Probe
        owner: ops
        action: http.check
        with:
          url: http://127.0.0.1:9/
          expect: { json: [{ path: $.limit, equals: .inf }] }
`,
    );
    const ran = await cli(
      ['run', 'plan.yaml', '--dry-run', '--auto-approve', '--speed', '5000', '--go-live', 'now+1h'],
      {
        cwd: sub,
      },
    );
    expect(ran.stdout, ran.stderr).toContain('run ended:');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tminus.js'), 'status'], {
      cwd: sub,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('yaml-only');
    expect(r.stderr).not.toContain('no longer loads');
  });

  it('`tminus status` opens a run stored before its plan was kept parsed (its text is parsed then)', async () => {
    const text = readFileSync(join(ROOT, 'test', 'fixtures', 'rehearsal.yaml'), 'utf8');
    const storePath = join(dir, 'old', 'tminus.db');
    const store = SqliteStore.open(storePath);
    await store.createRun('old-run', [
      {
        atMs: 1_000,
        actor: 'system',
        data: {
          type: 'run.started',
          planName: 'old-plan',
          planTitle: 'old plan',
          planText: text, // and no planDocument, as journals written before it
          planPath: join(dir, 'plan.yaml'),
          mode: 'rehearsal',
          goLiveMs: 3_600_000,
          dryRun: true,
          autoApprove: true,
          comms: 'off',
          speed: 1,
          rollbackSteps: [],
        },
      },
    ]);
    await store.close();
    const { code, output, packages } = packagesLoaded(['status', '--store', storePath], 'status-old');
    expect(code, output).toBe(0);
    expect(output).toContain('run old-run (plan old-plan');
    expect(output).not.toContain('no longer loads');
    expect(heavyIn(packages)).toEqual([]);
  });

  it('`tminus resume` of a run whose plan uses only `shell` loads the shell action and no other', async () => {
    const sub = mkdtempSync(join(dir, 'shell-only-'));
    writeFileSync(
      join(sub, 'plan.yaml'),
      `version: 1
name: shell-only
title: Shell tasks only
roles:
  ops: { title: Ops, members: [olga] }
phases:
  - id: go
    at: T-0
    tasks:
      - { id: first, title: First, owner: ops, action: shell, with: { run: 'true' } }
      - { id: second, title: Second, owner: ops, action: shell, with: { run: 'true' }, after: [first] }
`,
    );
    // Created and left for a worker (`--detach`): no executor has run it; `tminus resume` takes it over.
    const created = await cli(['run', 'plan.yaml', '--detach', '--auto-approve', '--speed', '5000'], {
      cwd: sub,
    });
    expect(created.code, created.stderr).toBe(0);
    const { code, output, modules } = packagesLoaded(
      ['resume', '--store', join(sub, '.tminus', 'tminus.db')],
      'resume-shell',
    );
    expect(code, output).toBe(0);
    expect(output).toContain('outcome: completed');
    // Each action is a chunk of the bundle; the chunks name the modules they hold (`// src/actions/<action>/…`).
    const bundle = join(ROOT, 'dist', 'bundle');
    const actionsIn = (files: readonly string[]) =>
      new Set(
        files.flatMap((f) =>
          [...readFileSync(f, 'utf8').matchAll(/^\/\/ src\/actions\/([a-z-]+)\//gm)].map((m) => m[1]!),
        ),
      );
    const allChunks = readdirSync(bundle)
      .filter((f) => f.endsWith('.js'))
      .map((f) => join(bundle, f));
    expect(actionsIn(allChunks)).toContain('dns-update'); // the marks find the actions where they are
    const loaded = modules
      .filter((m) => m.startsWith(pathToFileURL(bundle).href))
      .map((m) => fileURLToPath(m));
    expect([...actionsIn(loaded)]).toEqual(['shell']);
  });

  it('the trace sees a driver loaded on first use (`tminus status` on a PostgreSQL store)', () => {
    const { code, packages } = packagesLoaded(['status'], 'status-pg', {
      TMINUS_STORE: 'postgres://postgres@127.0.0.1:5432/tminus_speed_no_such_database',
    });
    expect(code).not.toBe(0); // the database does not exist: what matters is what was loaded to find out
    expect(heavyIn(packages)).toEqual(['pg']);
  });
});
