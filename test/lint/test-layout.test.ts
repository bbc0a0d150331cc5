import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

/** Every test-like file in the repository, outside what is installed or built. */
function testFiles(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.git', 'coverage'].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) testFiles(path, found);
    else if (/\.(test|spec)\.[cm]?[jt]sx?$/.test(entry.name)) found.push(relative(ROOT, path));
  }
  return found;
}

describe('where tests live (CONTRIBUTING.md)', () => {
  const files = testFiles(ROOT);

  it('finds the tests of both places (the walk works)', () => {
    expect(files).toContain('src/core/plan/duration.test.ts');
    expect(files).toContain('test/lint/test-layout.test.ts');
  });

  it('has every test where vitest collects it: src/**/*.test.ts or test/**/*.test.ts', () => {
    const astray = files.filter((f) => !/^(src|test)\/.+\.test\.ts$/.test(f));
    expect(astray).toEqual([]);
  });

  it('keeps test/support free of tests (it holds shared helpers only)', () => {
    expect(files.filter((f) => f.startsWith('test/support/'))).toEqual([]);
  });
});
