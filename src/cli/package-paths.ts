import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The package root, whether running from `dist/cli` or from `src/cli` under a TypeScript loader. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');
export const SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'plan-v1.schema.json');
