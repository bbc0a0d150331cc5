import { readFile, writeFile, mkdir, readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { TminusError } from '../../core/tminus-error.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { SCHEMA_FILE, TEMPLATES_DIR } from '../package-paths.js';

export async function templateNames(): Promise<string[]> {
  return (await readdir(TEMPLATES_DIR))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** `tminus init [DIR] [--template NAME] [--force]`: writes a commented plan.yaml to start from. */
export async function initCommand(
  dir: string | undefined,
  options: { template: string; force?: boolean },
  io: CliIo,
): Promise<number> {
  const names = await templateNames();
  if (!names.includes(options.template)) {
    throw new TminusError('USAGE', `unknown template '${options.template}'`, {
      hint: `templates: ${names.join(', ')}`,
    });
  }
  const target = resolve(io.cwd, dir ?? '.');
  const file = join(target, 'plan.yaml');
  const text = await readFile(join(TEMPLATES_DIR, `${options.template}.yaml`), 'utf8');
  const schemaPath = relative(target, SCHEMA_FILE).split('\\').join('/');
  const body = text.replace(
    /^# yaml-language-server: \$schema=.*$/m,
    `# yaml-language-server: $schema=${schemaPath}`,
  );
  await mkdir(target, { recursive: true });
  try {
    await writeFile(file, body, { flag: options.force ? 'w' : 'wx' });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new TminusError('USAGE', `${relative(io.cwd, file) || file} already exists`, {
        cause,
        hint: 'pass --force to overwrite it',
      });
    }
    throw new TminusError('FILE_UNREADABLE', `cannot write ${file}: ${(cause as Error).message}`, { cause });
  }
  const shown = relative(io.cwd, file) || file;
  io.stdout.write(
    `wrote ${shown} (template: ${options.template})\nnext: tminus validate ${shown} && tminus plan ${shown}\n`,
  );
  return EXIT.ok;
}
