import { describe, expect, it } from 'vitest';
import { commandLineSecrets } from './command-line-secrets.js';

describe('secret references in a command line', () => {
  it('finds none in a line that refers to variables by name', () => {
    expect(commandLineSecrets('pg_dump "$LEGACY_DB_URL"')).toBeUndefined();
  });

  it('rewrites each reference as a quoted variable, whatever quotes it stood in', () => {
    const r = commandLineSecrets(
      `curl -u \${env:USER_PW} "https://x/?t=\${env:TOKEN}" --data '{"k":"\${file:./k.pem}"}' \\"\${env:A}`,
    );
    expect(r?.line).toBe(
      `curl -u "\${USER_PW}" "https://x/?t=\${TOKEN}" --data '{"k":"'"\${K}"'"}' \\""\${A}"`,
    );
    expect(r?.env).toEqual({
      USER_PW: '${env:USER_PW}',
      TOKEN: '${env:TOKEN}',
      K: '${file:./k.pem}',
      A: '${env:A}',
    });
  });

  it('gives two different files two names and one file one name', () => {
    const r = commandLineSecrets('x ${file:a/key.txt} ${file:b/key.txt} ${file:a/key.txt}');
    expect(r?.line).toBe('x "${KEY}" "${KEY_2}" "${KEY}"');
    expect(r?.env).toEqual({ KEY: '${file:a/key.txt}', KEY_2: '${file:b/key.txt}' });
  });
});
