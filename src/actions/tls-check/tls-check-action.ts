import { readFile } from 'node:fs/promises';
import { checkServerIdentity, connect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { z } from 'zod';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionDefinition } from '../../engine/action.js';
import { withDeadline } from '../action-deadline.js';
import { durationParam } from '../duration-param.js';
import { certificateName } from '../shared/network/certificate-name.js';
import { describeNetworkError } from '../shared/network/describe-network-error.js';
import { tlsProblemWords } from '../shared/network/describe-tls-error.js';

export const tlsCheckParams = z
  .object({
    host: z.string().min(1).meta({ description: 'Host to connect to' }),
    port: z.number().int().min(1).max(65_535).default(443).meta({ description: 'TLS port (default 443)' }),
    servername: z
      .string()
      .optional()
      .meta({ description: 'Name sent in SNI and checked against the SAN (default: host)' }),
    ca: z
      .string()
      .optional()
      .meta({ description: 'PEM file of the CA(s) to trust instead of the system CAs (private PKI)' }),
    minDaysToExpiry: z
      .number()
      .int()
      .min(0)
      .default(14)
      .meta({ description: 'The certificate must stay valid at least this many more days (default 14)' }),
    timeout: durationParam('Connect and handshake timeout (default 10s)').default(10_000),
  })
  .strict();
export type TlsCheckParams = z.infer<typeof tlsCheckParams>;

/** What the handshake showed. */
interface Handshake {
  readonly authorized: boolean;
  readonly authorizationError: string | undefined;
  readonly cert: DetailedPeerCertificate;
  readonly protocol: string | null;
}

function handshake(p: TlsCheckParams, servername: string, ca: string | undefined, signal: AbortSignal) {
  return new Promise<Handshake>((resolve, reject) => {
    // Verification is done here, not by the socket, so every problem can be reported, not only the first.
    const socket: TLSSocket = connect({
      host: p.host,
      port: p.port,
      servername,
      rejectUnauthorized: false,
      ...(ca ? { ca } : {}),
    });
    signal.addEventListener('abort', () => socket.destroy(signal.reason as Error), { once: true });
    socket.once('secureConnect', () => {
      const result: Handshake = {
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
        cert: socket.getPeerCertificate(true),
        protocol: socket.getProtocol(),
      };
      socket.destroy();
      resolve(result);
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(signal.aborted ? (signal.reason as Error) : error);
    });
  });
}

function chainOf(cert: DetailedPeerCertificate): string[] {
  const names: string[] = [];
  let current: DetailedPeerCertificate | undefined = cert;
  while (current && names.length < 10) {
    names.push(certificateName(current.subject?.CN ?? current.subject?.O));
    if (!current.issuerCertificate || current.issuerCertificate === current) break;
    current = current.issuerCertificate;
  }
  return names;
}

/**
 * `tls.check`: connects, and checks the certificate chain (system CAs or `ca:`), that the SAN covers the
 * host, and the days left before expiry. Reports every problem at once, with issuer, subject and expiry.
 */
export const tlsCheckAction: ActionDefinition<TlsCheckParams> = {
  type: 'tls.check',
  description: 'Check a TLS certificate: trusted chain, SAN covers the host, enough days before expiry',
  params: tlsCheckParams,
  idempotent: true,

  plan(_ctx, p) {
    return Promise.resolve({
      summary: `would check the certificate of ${p.servername ?? p.host} on ${p.host}:${p.port}; changes nothing`,
      changes: [],
    });
  },

  async execute(ctx, p) {
    const servername = p.servername ?? p.host;
    let ca: string | undefined;
    if (p.ca !== undefined) {
      try {
        ca = await readFile(p.ca, 'utf8');
      } catch (error) {
        throw new TminusError('INVALID_PARAMS', `tls.check: cannot read the CA file '${p.ca}'`, {
          cause: error,
        });
      }
    }
    const target = `${p.host}:${p.port}`;
    let hs: Handshake;
    try {
      hs = await withDeadline(ctx, p.timeout, `TLS handshake with ${target}`, (signal) =>
        handshake(p, servername, ca, signal),
      );
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && (code.startsWith('ERR_SSL') || code === 'EPROTO')) {
        throw new TminusError(
          'TLS_INVALID',
          `${target}: ${tlsProblemWords(code, (error as Error).message)}`,
          {
            cause: error,
          },
        );
      }
      throw describeNetworkError(error, target);
    }
    const { cert } = hs;
    const validToMs = Date.parse(cert.valid_to);
    const validFromMs = Date.parse(cert.valid_from);
    const now = ctx.clock.now();
    const daysToExpiry = Math.floor((validToMs - now) / 86_400_000);
    const san = (cert.subjectaltname ?? '').split(', ').filter((s) => s !== '');
    const problems: string[] = [];
    if (!hs.authorized) {
      const code = hs.authorizationError ?? 'UNKNOWN';
      problems.push(`${tlsProblemWords(code)} [${code}]`);
    }
    if (now > validToMs && hs.authorizationError !== 'CERT_HAS_EXPIRED') {
      problems.push(`the certificate expired on ${new Date(validToMs).toISOString()}`);
    } else if (now < validFromMs && hs.authorizationError !== 'CERT_NOT_YET_VALID') {
      problems.push(`the certificate is not valid before ${new Date(validFromMs).toISOString()}`);
    }
    const identityError = checkServerIdentity(servername, cert);
    if (identityError) {
      problems.push(
        `the certificate does not cover '${servername}' (it names ${san.join(', ') || 'no SAN'})`,
      );
    }
    if (daysToExpiry >= 0 && daysToExpiry < p.minDaysToExpiry) {
      problems.push(
        `the certificate expires in ${daysToExpiry} days, fewer than the required ${p.minDaysToExpiry}`,
      );
    }
    const output = {
      host: p.host,
      port: p.port,
      servername,
      subject: certificateName(cert.subject?.CN),
      issuer: certificateName(cert.issuer?.CN ?? cert.issuer?.O),
      san,
      validFrom: new Date(validFromMs).toISOString(),
      validTo: new Date(validToMs).toISOString(),
      daysToExpiry,
      chain: chainOf(cert),
      trusted: hs.authorized,
      protocol: hs.protocol,
      fingerprint256: cert.fingerprint256,
      problems,
    };
    if (problems.length > 0) {
      throw new TminusError('TLS_INVALID', `${target} (${servername}): ${problems.join('; ')}`, {
        hint: `subject ${output.subject}, issuer ${output.issuer}, valid until ${output.validTo}`,
      });
    }
    return {
      summary: `${servername} on ${target}: trusted certificate from ${output.issuer}, valid ${daysToExpiry} more days (until ${output.validTo})`,
      output,
      value: daysToExpiry,
    };
  },
};
