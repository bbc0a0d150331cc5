import { describe, expect, it } from 'vitest';
import { sqliteFailure } from './sqlite-failure.js';

const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('what SQLite and the file system say about a store file, for a person', () => {
  it.each([
    ['EROFS', 'EROFS: read-only file system, mkdir', 'cannot create the store /mnt/ro/.tminus/tminus.db'],
    ['EACCES', 'EACCES: permission denied, mkdir', 'cannot create the store /mnt/ro/.tminus/tminus.db'],
    ['SQLITE_READONLY', 'attempt to write a readonly database', 'cannot write the store'],
    ['SQLITE_READONLY_DIRECTORY', 'attempt to write a readonly database', 'cannot write the store'],
    ['SQLITE_CORRUPT', 'database disk image is malformed', 'is not a tminus store or is damaged'],
    ['SQLITE_NOTADB', 'file is not a database', 'is not a tminus store or is damaged'],
    ['SQLITE_FULL', 'database or disk is full', 'the disk holding the store'],
    ['SQLITE_CANTOPEN', 'unable to open database file', 'cannot open the store'],
  ])('%s names the file, says what to do, and is a usage error (exit 2)', (code, message, expected) => {
    const e = sqliteFailure('/mnt/ro/.tminus/tminus.db', failure(code, message));
    expect(e?.code).toBe('STORE_UNUSABLE');
    expect(e?.message).toContain(expected);
    expect(e?.message).toContain('/mnt/ro/.tminus/tminus.db');
    expect(e?.hint).toMatch(/--store PATH|free some space/);
  });

  it('leaves anything else alone (a bug stays a bug)', () => {
    expect(sqliteFailure('/x.db', new TypeError('x is undefined'))).toBeUndefined();
    expect(sqliteFailure('/x.db', failure('SQLITE_CONSTRAINT_PRIMARYKEY', 'UNIQUE failed'))).toBeUndefined();
  });
});
