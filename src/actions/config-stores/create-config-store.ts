import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext } from '../../engine/action.js';
import type { ConfigStore } from './config-store.js';
import type { StoreType } from './config-store-params.js';
import { dotenvFormat } from './dotenv-format.js';
import type { FileFormat } from './file-format.js';
import type { FileStoreHooks } from './file-store.js';
import { FileStore } from './file-store.js';
import { jsonFormat } from './json-format.js';
import { propertiesFormat } from './properties-format.js';
import { yamlFormat } from './yaml-format.js';

/** Hooks for tests: AWS clients wired to a fake HTTP layer, a file store's crash seam. */
export interface ConfigStoreDeps {
  readonly file?: FileStoreHooks;
}

export interface StoreParams {
  readonly store: StoreType;
  readonly file?: string | undefined;
}

const FORMATS: Readonly<Record<string, FileFormat>> = {
  dotenv: dotenvFormat,
  json: jsonFormat,
  yaml: yamlFormat,
  properties: propertiesFormat,
};

/** The store a `config.*` call names, with connection details resolved. */
export function createConfigStore(
  _ctx: ActionContext,
  p: StoreParams,
  deps: ConfigStoreDeps = {},
): ConfigStore {
  const format = FORMATS[p.store];
  if (format && p.file !== undefined) return new FileStore(p.file, format, deps.file);
  throw new TminusError('INVALID_PARAMS', `store: ${p.store} is not available`, { retryable: false });
}
