import { TminusError } from '../../../core/tminus-error.js';
import type { ConfigValue } from './config-value.js';

/** A parsed configuration file that can be edited in place and written back with everything else kept. */
export interface FileDocument {
  /** The key's value, undefined when absent; throws CONFIG_WRONG_TYPE when it holds a mapping or a list. */
  get(key: string): ConfigValue | undefined;
  set(key: string, value: ConfigValue): void;
  delete(key: string): void;
  toString(): string;
}

export interface FileFormat {
  readonly name: 'dotenv' | 'json' | 'yaml' | 'properties';
  readonly textOnly: boolean;
  checkKey(key: string): string | undefined;
  /** Throws CONFIG_PARSE_ERROR naming the file, line and what is wrong (never the values around it). */
  parse(text: string, file: string): FileDocument;
}

export const parseError = (file: string, line: number, what: string, col?: number): TminusError =>
  new TminusError('CONFIG_PARSE_ERROR', `${file}:${line}${col === undefined ? '' : `:${col}`}: ${what}`, {
    retryable: false,
    hint: 'fix the file (nothing was changed), then retry the step',
  });

export const wrongType = (file: string, key: string, holds: string): TminusError =>
  new TminusError(
    'CONFIG_WRONG_TYPE',
    `${file}: ${key} holds ${holds}, not a single value: tminus sets text, numbers and booleans only`,
    { retryable: false, hint: 'name the key of one value inside it, e.g. database.host' },
  );
