import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The package root, whether running from the CLI bundle (`dist/bundle`), `dist/cli` or `src/cli` under tsx. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');
export const SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'plan-v1.schema.json');
