import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A certificate and its private key, PEM-encoded. */
export interface TestCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface IssueOptions {
  readonly commonName: string;
  /** DNS names and IP addresses for the SAN (IPs are recognised by their dots and digits). */
  readonly altNames?: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** Signs with this CA; self-signed when absent. */
  readonly issuer?: TestCertificate;
  readonly isCa?: boolean;
}

const DAY = 86_400_000;

/**
 * Issues an X.509 certificate for tests (RSA 2048, SHA-256), signed by `issuer` or self-signed. Keys come
 * from node:crypto (native, fast); node-forge builds and signs the certificate, so tests can make
 * certificates that are expired, not yet valid, for the wrong name or from an untrusted CA.
 *
 * @example
 * const ca = issueTestCertificate({ commonName: 'Test CA', isCa: true });
 * const leaf = issueTestCertificate({ commonName: 'localhost', altNames: ['localhost', '127.0.0.1'], issuer: ca });
 */
export function issueTestCertificate(options: IssueOptions): TestCertificate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.rsa.setPublicKey(key.n, key.e);
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 90 * DAY);
  const subject = [{ name: 'commonName', value: options.commonName }];
  cert.setSubject(subject);
  const issuerCert = options.issuer ? forge.pki.certificateFromPem(options.issuer.certPem) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: options.isCa ?? false, critical: true },
    options.isCa
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
  if (!options.isCa) extensions.push({ name: 'extKeyUsage', serverAuth: true });
  if (options.altNames?.length) {
    extensions.push({
      name: 'subjectAltName',
      altNames: options.altNames.map((n) =>
        /^[\d.]+$/.test(n) ? { type: 7, ip: n } : { type: 2, value: n },
      ),
    });
  }
  cert.setExtensions(extensions);
  const signingKey = options.issuer ? forge.pki.privateKeyFromPem(options.issuer.keyPem) : key;
  cert.sign(signingKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

export const daysFromNow = (days: number): Date => new Date(Date.now() + days * DAY);
