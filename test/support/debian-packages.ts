import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

let updated = false;

/**
 * Installs Debian packages whose marker binary is missing (tests run as root on a fresh machine with only
 * Node; the project installs what it needs). `packages` maps package name → a file it provides.
 *
 * @example ensureDebianPackages({ bind9: '/usr/sbin/named', 'bind9-utils': '/usr/bin/nsupdate' });
 */
export function ensureDebianPackages(packages: Readonly<Record<string, string>>): void {
  const missing = Object.entries(packages)
    .filter(([, marker]) => !existsSync(marker))
    .map(([name]) => name);
  if (missing.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!updated) {
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update', '-qq'], { stdio: 'inherit', env });
    updated = true;
  }
  // --no-install-recommends keeps installs small; policy-rc.d-less images may try to start services, which
  // the tests never rely on: every server a test uses is started by the test on loopback.
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
    env,
  });
  const still = Object.entries(packages).filter(([, marker]) => !existsSync(marker));
  if (still.length > 0) {
    throw new Error(
      `installed ${missing.join(', ')} but ${still.map(([, m]) => m).join(', ')} is still missing`,
    );
  }
}
