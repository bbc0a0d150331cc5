import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { TminusError } from '../../core/tminus-error.js';
import { testActionContext } from '../../../test/support/action-context.js';
import { configSetAction, configSetParams, createConfigSetAction } from './config-set-action.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-config-set-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(name: string, text: string, mode = 0o640): string {
  const path = join(dir, `${++n}-${name}`);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}
const read = (path: string) => readFileSync(path, 'utf8');
const params = (extra: Record<string, unknown>) => configSetParams.parse(extra);
const ctx = (secrets: string[] = []) => testActionContext({ secrets });

async function refused(work: Promise<unknown>): Promise<TminusError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TminusError);
  return error as TminusError;
}

const DOTENV = `# Shop configuration
export APP_ENV=production
DB_HOST=old-db.internal # the legacy primary

# quoted values keep their quotes
API_URL="https://api.legacy.example.com"
GREETING='hello world'
DB_PASSWORD=hunter2
`;

describe('config.set on a dotenv file', () => {
  it('changes values in place, keeping comments, order, export, quotes and the mode', async () => {
    const path = file('.env', DOTENV, 0o600);
    const result = await configSetAction.execute(
      ctx(),
      params({
        store: 'dotenv',
        file: path,
        set: { DB_HOST: 'new-db.internal', API_URL: 'https://api.new.example.com', NEW_KEY: 'x y' },
        expect: { DB_HOST: 'old-db.internal', API_URL: 'https://api.legacy.example.com', NEW_KEY: null },
      }),
    );
    expect(read(path)).toBe(`# Shop configuration
export APP_ENV=production
DB_HOST=new-db.internal # the legacy primary

# quoted values keep their quotes
API_URL="https://api.new.example.com"
GREETING='hello world'
DB_PASSWORD=hunter2
NEW_KEY="x y"
`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(result.output).toEqual({
      store: `dotenv ${path}`,
      changed: true,
      keys: [
        {
          key: 'DB_HOST',
          secret: false,
          existed: true,
          from: 'old-db.internal',
          to: 'new-db.internal',
          changed: true,
        },
        {
          key: 'API_URL',
          secret: false,
          existed: true,
          from: 'https://api.legacy.example.com',
          to: 'https://api.new.example.com',
          changed: true,
        },
        { key: 'NEW_KEY', secret: false, existed: false, to: 'x y', changed: true },
      ],
    });
    expect(result.summary).toBe(
      `dotenv ${path}: DB_HOST "old-db.internal" → "new-db.internal", API_URL "https://api.legacy.example.com" → "https://api.new.example.com", NEW_KEY (absent) → "x y"`,
    );
    // No temp file left next to it.
    expect(readdirSync(dir).filter((f) => f.includes('.tminus-'))).toEqual([]);
  });

  it('is idempotent: values already there change nothing, not even the bytes', async () => {
    const path = file('.env', DOTENV);
    const p = params({
      store: 'dotenv',
      file: path,
      set: { DB_HOST: 'new' },
      expect: { DB_HOST: 'old-db.internal' },
    });
    await configSetAction.execute(ctx(), p);
    const after = statSync(path).mtimeMs;
    const again = await configSetAction.execute(ctx(), p);
    expect(again.output).toMatchObject({ changed: false });
    expect(again.summary).toContain('nothing to change');
    expect(statSync(path).mtimeMs).toBe(after);
  });

  it('masks secret values everywhere: summary, evidence, errors', async () => {
    const path = file('.env', DOTENV);
    const c = ctx(['s3cret-new']);
    const result = await configSetAction.execute(
      c,
      params({
        store: 'dotenv',
        file: path,
        set: { DB_PASSWORD: 's3cret-new' },
        expect: { DB_PASSWORD: 'hunter2' },
        secret: ['DB_PASSWORD'],
      }),
    );
    expect(read(path)).toContain('DB_PASSWORD=s3cret-new\n');
    const shown = JSON.stringify(result) + c.logText();
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('s3cret-new');
    expect(result.output).toMatchObject({
      keys: [{ key: 'DB_PASSWORD', secret: true, from: '***', to: '***' }],
    });
    const error = await refused(
      configSetAction.execute(
        c,
        params({
          store: 'dotenv',
          file: path,
          set: { DB_PASSWORD: 'other' },
          expect: { DB_PASSWORD: 'hunter2' },
          secret: true,
        }),
      ),
    );
    expect(error.message).toBe(
      `refusing to change dotenv ${path}: DB_PASSWORD holds ***, not the expected ***. Nothing was changed`,
    );
  });

  it('refuses a stale compare-and-swap, naming every key that differs, and changes nothing', async () => {
    const path = file('.env', DOTENV);
    const error = await refused(
      configSetAction.execute(
        ctx(),
        params({
          store: 'dotenv',
          file: path,
          set: { DB_HOST: 'new', API_URL: 'https://new', MISSING: 'v', APP_ENV: 'x' },
          expect: {
            DB_HOST: 'someone-else',
            API_URL: 'https://api.legacy.example.com',
            MISSING: 'old',
            APP_ENV: null,
          },
        }),
      ),
    );
    expect(error.code).toBe('CONFIG_CAS_MISMATCH');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      `refusing to change dotenv ${path}: DB_HOST holds "old-db.internal", not the expected "someone-else"; MISSING is not set, expected "old"; APP_ENV already exists (holds "production"), expected it not to. Nothing was changed`,
    );
    expect(read(path)).toBe(DOTENV);
  });

  it('refuses when someone edits the file between the read and the write, and keeps their edit', async () => {
    const path = file('.env', DOTENV);
    const action = createConfigSetAction({
      file: { beforeRename: () => writeFileSync(path, `${DOTENV}EDITED_BY=a person\n`) },
    });
    const error = await refused(
      action.execute(
        ctx(),
        params({
          store: 'dotenv',
          file: path,
          set: { DB_HOST: 'new' },
          expect: { DB_HOST: 'old-db.internal' },
        }),
      ),
    );
    expect(error.code).toBe('CONFIG_CAS_MISMATCH');
    expect(error.message).toBe(
      `${path} changed while tminus was editing it (someone else wrote to it): nothing was written`,
    );
    expect(read(path)).toBe(`${DOTENV}EDITED_BY=a person\n`);
    expect(readdirSync(dir).filter((f) => f.includes('.tminus-'))).toEqual([]);
  });

  it('leaves the old file whole when the write fails between the temp file and the rename', async () => {
    const path = file('.env', DOTENV);
    const action = createConfigSetAction({
      file: {
        beforeRename: (temp) => {
          expect(read(temp)).toContain('DB_HOST=new');
          throw new Error('disk gone');
        },
      },
    });
    const error = await refused(
      action.execute(ctx(), params({ store: 'dotenv', file: path, set: { DB_HOST: 'new' } })),
    );
    expect(error.code).toBe('CONFIG_WRITE_FAILED');
    expect(read(path)).toBe(DOTENV);
    expect(readdirSync(dir).filter((f) => f.includes('.tminus-'))).toEqual([]);
  });

  it('replaces the target of a symlink and keeps the link', async () => {
    const target = file('.env', DOTENV);
    const link = join(dir, 'linked.env');
    symlinkSync(target, link);
    await configSetAction.execute(
      ctx(),
      params({ store: 'dotenv', file: link, set: { APP_ENV: 'cutover' } }),
    );
    expect(read(target)).toContain('export APP_ENV=cutover\n');
    expect(statSync(link).isFile()).toBe(true);
    expect(readFileSync(link, 'utf8')).toBe(read(target));
  });

  it('removes keys with unset, and the undo puts them back', async () => {
    const path = file('.env', DOTENV);
    const p = params({ store: 'dotenv', file: path, unset: ['GREETING'], set: { DB_HOST: 'new' } });
    const result = await configSetAction.execute(ctx(), p);
    expect(read(path)).not.toContain('GREETING');
    const undo = configSetAction.undo!(p, result.output!);
    expect(undo).toEqual({
      action: 'config.set',
      with: {
        store: 'dotenv',
        file: path,
        set: { GREETING: 'hello world', DB_HOST: 'old-db.internal' },
        expect: { GREETING: null, DB_HOST: 'new' },
      },
    });
    await configSetAction.execute(ctx(), params((undo as { with: Record<string, unknown> }).with));
    expect(read(path)).toBe(
      DOTENV.replace(
        "GREETING='hello world'\nDB_PASSWORD=hunter2\n",
        'DB_PASSWORD=hunter2\nGREETING="hello world"\n',
      ),
    );
  });

  it('says which line does not parse, without quoting its value, and changes nothing', async () => {
    const path = file('.env', 'A=1\nDB_PASSWORD hunter2\n');
    const error = await refused(
      configSetAction.execute(ctx(), params({ store: 'dotenv', file: path, set: { A: '2' } })),
    );
    expect(error.code).toBe('CONFIG_PARSE_ERROR');
    expect(error.message).toBe(
      `${path}:2: expected KEY=VALUE, a comment or a blank line; the line starting "DB_PASSWORD" has no '=' after a valid key name`,
    );
    expect(error.message).not.toContain('hunter2');
    const open = file('.env', 'A="never closed\nB=2\n');
    const e2 = await refused(
      configSetAction.execute(ctx(), params({ store: 'dotenv', file: open, set: { A: '2' } })),
    );
    expect(e2.message).toBe(`${open}:1: the value of A opens a " quote that never closes`);
    expect(read(path)).toBe('A=1\nDB_PASSWORD hunter2\n');
  });

  it('names a missing file and a key that cannot be a variable name', async () => {
    const missing = join(dir, 'nope.env');
    const error = await refused(
      configSetAction.execute(ctx(), params({ store: 'dotenv', file: missing, set: { A: '1' } })),
    );
    expect(error.code).toBe('FILE_NOT_FOUND');
    expect(error.message).toBe(`configuration file not found: ${missing}`);
    const path = file('.env', DOTENV);
    const bad = await refused(
      configSetAction.execute(ctx(), params({ store: 'dotenv', file: path, set: { '1BAD KEY': 'v' } })),
    );
    expect(bad.code).toBe('INVALID_PARAMS');
    expect(bad.message).toContain('"1BAD KEY" is not a dotenv variable name');
    expect(read(path)).toBe(DOTENV);
  });
});

const JSON_TEXT = `{
    // JSONC comments survive
    "database": { "host": "old-db.internal", "port": 5432 },
    "features": ["a", "b"],
    "api": {
        "url": "https://api.legacy.example.com",
        "timeoutMs": 3000
    },
    "zeta": true
}
`;

describe('config.set on a JSON file', () => {
  it('edits values in place with typed values, keeping indentation, order and comments', async () => {
    const path = file('config.json', JSON_TEXT);
    const result = await configSetAction.execute(
      ctx(),
      params({
        store: 'json',
        file: path,
        set: {
          'database.host': 'new-db.internal',
          'database.port': 6432,
          'api.url': 'https://api.new.example.com',
          'api.retries': 3,
        },
        expect: { 'database.host': 'old-db.internal', 'database.port': '5432', 'api.retries': null },
      }),
    );
    expect(read(path)).toBe(`{
    // JSONC comments survive
    "database": { "host": "new-db.internal", "port": 6432 },
    "features": ["a", "b"],
    "api": {
        "url": "https://api.new.example.com",
        "timeoutMs": 3000,
        "retries": 3
    },
    "zeta": true
}
`);
    expect(result.output).toMatchObject({
      keys: [{ key: 'database.host' }, { key: 'database.port', from: 5432, to: 6432 }, {}, {}],
    });
  });

  it('refuses to overwrite an object or a list (wrong type) and a file that is not JSON', async () => {
    const path = file('config.json', JSON_TEXT);
    const error = await refused(
      configSetAction.execute(ctx(), params({ store: 'json', file: path, set: { database: 'x' } })),
    );
    expect(error.code).toBe('CONFIG_WRONG_TYPE');
    expect(error.message).toBe(
      `${path}: database holds an object, not a single value: tminus sets text, numbers and booleans only`,
    );
    const broken = file('broken.json', '{\n  "a": 1,\n  "b": \n}\n');
    const e2 = await refused(
      configSetAction.execute(ctx(), params({ store: 'json', file: broken, set: { a: 2 } })),
    );
    expect(e2.code).toBe('CONFIG_PARSE_ERROR');
    expect(e2.message).toBe(`${broken}:4:1: not valid JSON: value expected`);
    expect(read(path)).toBe(JSON_TEXT);
    const bad = await refused(
      configSetAction.execute(ctx(), params({ store: 'json', file: path, set: { 'a..b': 1 } })),
    );
    expect(bad.message).toContain("cannot read JSON path 'a..b'");
  });
});

const YAML_TEXT = `# Application settings
database:
  host: old-db.internal # legacy primary
  port: 5432
  options: [sslmode=require]
api:
  url: "https://api.legacy.example.com"
  # how long to wait
  timeout: 30s
flags:
  - one
  - two
`;

describe('config.set on a YAML file', () => {
  it('changes scalars through the Document API, keeping comments, quoting and order', async () => {
    const path = file('app.yaml', YAML_TEXT);
    await configSetAction.execute(
      ctx(),
      params({
        store: 'yaml',
        file: path,
        set: {
          'database.host': 'new-db.internal',
          'database.port': '6432',
          'api.url': 'https://api.new.example.com',
          'cache.ttl': 60,
        },
        expect: { 'database.host': 'old-db.internal', 'database.port': 5432 },
      }),
    );
    const text = read(path);
    expect(text).toBe(`# Application settings
database:
  host: new-db.internal # legacy primary
  port: "6432"
  options: [sslmode=require]
api:
  url: "https://api.new.example.com"
  # how long to wait
  timeout: 30s
flags:
  - one
  - two
cache:
  ttl: 60
`);
    expect(parseYaml(text)).toMatchObject({
      database: { host: 'new-db.internal', port: '6432' },
      cache: { ttl: 60 },
    });
  });

  it('names the line of a YAML error and a key holding a list', async () => {
    const broken = file('bad.yaml', 'a: 1\nb: [unclosed\nc: 3\n');
    const error = await refused(
      configSetAction.execute(ctx(), params({ store: 'yaml', file: broken, set: { a: 2 } })),
    );
    expect(error.code).toBe('CONFIG_PARSE_ERROR');
    expect(error.message).toMatch(new RegExp(`^${broken}:\\d+:\\d+: not valid YAML: `));
    expect(read(broken)).toBe('a: 1\nb: [unclosed\nc: 3\n');
    const path = file('app.yaml', YAML_TEXT);
    const e2 = await refused(
      configSetAction.execute(ctx(), params({ store: 'yaml', file: path, set: { flags: 'x' } })),
    );
    expect(e2.code).toBe('CONFIG_WRONG_TYPE');
    expect(e2.message).toBe(
      `${path}: flags holds a list, not a single value: tminus sets text, numbers and booleans only`,
    );
  });
});

const PROPERTIES = `# Database
! bang comment
db.url = jdbc:postgresql://old-db.internal:5432/shop
db.pool.size: 10
api.base   https://api.legacy.example.com
long.value = first part, \\
             second part
unicode=caf\\u00e9
`;

describe('config.set on a Java properties file', () => {
  it('edits by logical line, keeping separators, comments, continuations elsewhere and order', async () => {
    const path = file('app.properties', PROPERTIES);
    const result = await configSetAction.execute(
      ctx(),
      params({
        store: 'properties',
        file: path,
        set: {
          'db.url': 'jdbc:postgresql://new-db.internal:5432/shop',
          'db.pool.size': 20,
          'long.value': 'one line',
          'new.key': 'naïve = yes',
        },
        expect: {
          'db.url': 'jdbc:postgresql://old-db.internal:5432/shop',
          'db.pool.size': 10,
          'long.value': 'first part, second part',
        },
      }),
    );
    expect(read(path)).toBe(`# Database
! bang comment
db.url = jdbc:postgresql://new-db.internal:5432/shop
db.pool.size: 20
api.base   https://api.legacy.example.com
long.value = one line
unicode=caf\\u00e9
new.key=na\\u00efve = yes
`);
    expect(result.output).toMatchObject({ keys: [{}, { from: '10', to: '20' }, {}, {}] });
  });

  it('reads escapes and refuses a malformed \\u escape with its line', async () => {
    const path = file('app.properties', PROPERTIES);
    const ok = await configSetAction.execute(
      ctx(),
      params({ store: 'properties', file: path, set: { unicode: 'café' } }),
    );
    expect(ok.output).toMatchObject({ changed: false });
    const broken = file('bad.properties', 'a=1\nb=\\u12G4\n');
    const error = await refused(
      configSetAction.execute(ctx(), params({ store: 'properties', file: broken, set: { a: '2' } })),
    );
    expect(error.message).toBe(`${broken}:2: malformed \\uXXXX escape "\\u12G4"`);
    expect(read(broken)).toBe('a=1\nb=\\u12G4\n');
  });
});

describe('config.set parameters and plan', () => {
  it('rejects incomplete store parameters with what is missing', () => {
    const r = configSetParams.safeParse({ store: 'yaml', set: { a: 1 }, secretId: 'x' });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual([
      'file: store: yaml needs file: PATH',
      'secretId: only for store: secrets-manager, not store: yaml',
    ]);
    const r2 = configSetParams.safeParse({ store: 'dotenv', file: '/x', set: { A: { nested: 1 } } });
    expect(r2.success).toBe(false);
    const r3 = configSetParams.safeParse({
      store: 'dotenv',
      file: '/x',
      set: { A: '1' },
      expect: { B: '2' },
    });
    expect(r3.error!.issues[0]!.message).toBe(
      "'B' is neither set nor unset: expect applies to the keys being changed",
    );
  });

  it('plans old → new per key (secrets masked) without writing', async () => {
    const path = file('.env', DOTENV);
    const plan = await configSetAction.plan!(
      ctx(),
      params({
        store: 'dotenv',
        file: path,
        set: { DB_HOST: 'new', DB_PASSWORD: 'x', APP_ENV: 'production' },
        expect: { DB_HOST: 'old-db.internal' },
        secret: ['DB_PASSWORD'],
      }),
    );
    expect(plan.changes).toEqual([
      {
        target: `DB_HOST in dotenv ${path}`,
        from: '"old-db.internal"',
        to: '"new"',
        note: 'only while it holds "old-db.internal"',
      },
      { target: `DB_PASSWORD in dotenv ${path}`, from: '***', to: '***' },
      {
        target: `APP_ENV in dotenv ${path}`,
        from: '"production"',
        to: '"production"',
        note: 'already set: no change',
      },
    ]);
    expect(read(path)).toBe(DOTENV);
  });

  it('drafts a static inverse only when every key has expect', () => {
    const p = params({
      store: 'json',
      file: '/etc/app.json',
      set: { a: 2 },
      unset: ['b'],
      expect: { a: 1, b: 'x' },
    });
    expect(configSetAction.inverse!(p)).toEqual({
      action: 'config.set',
      with: { store: 'json', file: '/etc/app.json', set: { a: 1, b: 'x' }, expect: { a: 2, b: null } },
    });
    expect(configSetAction.inverse!(params({ store: 'json', file: '/x', set: { a: 2 } }))).toBeUndefined();
  });
});
