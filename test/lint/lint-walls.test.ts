import { ESLint } from 'eslint';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

/**
 * The project's own ESLint configuration, run on planted files (test/fixtures/lint, ignored by `npm run lint`):
 * every upward import between layers and an import cycle must be refused, and downward imports allowed. A wall
 * that lets a breach through would fail here, not silently in review.
 */
const FIXTURE = join(ROOT, 'test', 'fixtures', 'lint');
const found = new Map<string, string[]>();

beforeAll(async () => {
  // One run over every planted file: starting the type-aware parser is what takes time.
  const eslint = new ESLint({ cwd: ROOT, ignore: false });
  for (const result of await eslint.lintFiles([FIXTURE])) {
    found.set(
      relative(FIXTURE, result.filePath),
      result.messages.map((m) => `${m.line} ${m.ruleId ?? 'parse'}`),
    );
  }
}, 600_000);

const problems = (file: string): string[] | undefined => found.get(file);

describe('lint: the walls between layers', () => {
  it.each([
    ['core', 6],
    ['engine', 5],
    ['store', 4],
    ['data', 5],
    ['actions', 3],
    ['server', 1],
  ])('refuses each upward import of the %s layer', (layer, count) => {
    const found = problems(`src/${layer}/upward.ts`);
    expect(found).toEqual(Array.from({ length: count }, (_, i) => `${i + 1} import-x/no-restricted-paths`));
  });

  it('allows downward imports (cli uses everything, the engine uses core and the store interface)', () => {
    expect(problems('src/cli/allowed.ts')).toEqual([]);
    expect(problems('src/engine/allowed.ts')).toEqual([]);
  });

  it('refuses an action in a library several actions share (src/actions/shared)', () => {
    expect(problems('src/actions/shared/upward.ts')).toEqual(['1 import-x/no-restricted-paths']);
  });

  it('refuses node built-ins in core', () => {
    expect(problems('src/core/io.ts')).toEqual(['1 no-restricted-imports']);
  });

  it('refuses an import cycle', () => {
    expect(problems('cycle-a.ts')).toEqual(['1 import-x/no-cycle']);
  });
});
