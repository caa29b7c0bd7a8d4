/**
 * A local certificate authority for HTTPS in development (`npm start -- --tls`, in `.dev-certs/`) and in tests (a
 * temporary directory): one CA certificate and one server certificate it signed, for `IP:127.0.0.1` and
 * `DNS:localhost`, with an unencrypted PKCS#8 key. Generated with the `openssl` command line tool: Node has no X.509
 * generation, and keytool cannot export a private key. On Debian, `openssl` comes with `ca-certificates`, which the
 * JDK the Kafka broker needs depends on; elsewhere install it (`apt-get install openssl`).
 * The CA's private key is deleted once the server certificate is signed: nothing can mint another certificate that
 * whoever trusts this CA would accept.
 *
 * @example
 * import { ensureCertificates } from './tls/certificates.mjs';
 * const { caFile, certFile, keyFile } = ensureCertificates({ dir: '.dev-certs' });
 * // server: AUTH_TLS_CERT_FILE=certFile AUTH_TLS_KEY_FILE=keyFile; clients: NODE_EXTRA_CA_CERTS=caFile, curl --cacert caFile
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Names the server certificate carries (subjectAltName). */
export const SERVER_NAMES = ['IP:127.0.0.1', 'DNS:localhost'];

/** A reused server certificate must stay valid at least this long. */
const MIN_REMAINING_MS = 24 * 60 * 60 * 1000;

/** Stable codes of {@link CertificateError}. */
export class CertificateError extends Error {
  /**
   * @param {'ERR_OPENSSL_MISSING' | 'ERR_OPENSSL_FAILED'} code
   * @param {string} message
   * @param {{ cause?: unknown }} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'CertificateError';
    this.code = code;
  }
}

/** Where the three files of a certificate directory are. */
export function certificatePaths(dir) {
  return { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
}

/**
 * Generates a fresh CA and server certificate in `dir` (created if missing), replacing what was there.
 * `days` bounds both certificates' validity.
 */
export function createCertificates({ dir, days = 365 }) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const paths = certificatePaths(dir);
  const caKey = join(dir, 'ca.key');
  const config = join(dir, 'openssl.cnf');
  const csr = join(dir, 'server.csr');
  writeFileSync(config, opensslConfig());
  try {
    openssl([
      'req',
      '-x509',
      '-config',
      config,
      '-extensions',
      'ca_ext',
      '-subj',
      '/CN=nest-auth-layer local CA',
      ...newEcKey(caKey),
      '-out',
      paths.caFile,
      '-days',
      String(days),
    ]);
    openssl(['req', '-new', '-config', config, '-subj', '/CN=localhost', ...newEcKey(paths.keyFile), '-out', csr]);
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      paths.caFile,
      '-CAkey',
      caKey,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-days',
      String(days),
      '-sha256',
      '-extfile',
      config,
      '-extensions',
      'server_ext',
      '-out',
      paths.certFile,
    ]);
  } finally {
    for (const file of [caKey, config, csr]) rmSync(file, { force: true });
  }
  chmodSync(paths.keyFile, 0o600);
  return paths;
}

/**
 * The certificates in `dir` when they are still usable (server certificate signed by the CA, matching its key,
 * naming 127.0.0.1, valid for at least another day), else fresh ones. Reuse keeps a CA someone chose to trust.
 */
export function ensureCertificates({ dir, days = 365 }) {
  const paths = certificatePaths(dir);
  if (usable(paths)) return { ...paths, created: false };
  return { ...createCertificates({ dir, days }), created: true };
}

function usable({ caFile, certFile, keyFile }) {
  if (![caFile, certFile, keyFile].every((file) => existsSync(file))) return false;
  try {
    const ca = new X509Certificate(readFileSync(caFile));
    const cert = new X509Certificate(readFileSync(certFile));
    const validUntil = Date.parse(cert.validTo);
    return (
      cert.checkIssued(ca) &&
      cert.verify(ca.publicKey) &&
      cert.checkPrivateKey(createPrivateKey(readFileSync(keyFile))) &&
      cert.checkIP('127.0.0.1') !== undefined &&
      validUntil - Date.now() > MIN_REMAINING_MS &&
      Date.parse(ca.validTo) >= validUntil
    );
  } catch {
    return false; // unreadable or not PEM: generate anew
  }
}

/** `openssl req` arguments for a new unencrypted P-256 key written as PKCS#8 to `keyFile`. */
function newEcKey(keyFile) {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-sha256'];
}

/** A config of our own, so the system's openssl.cnf defaults cannot add or duplicate extensions. */
function opensslConfig() {
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    '[ca_ext]',
    'basicConstraints = critical, CA:TRUE, pathlen:0',
    'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash',
    '[server_ext]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = ${SERVER_NAMES.join(', ')}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    '',
  ].join('\n');
}

function openssl(args) {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if (error?.code === 'ENOENT') {
      throw new CertificateError(
        'ERR_OPENSSL_MISSING',
        'openssl not found: install it to generate local certificates (Debian: apt-get install openssl)',
        { cause: error },
      );
    }
    const stderr = error?.stderr?.toString().trim() ?? '';
    throw new CertificateError('ERR_OPENSSL_FAILED', `openssl ${args[0]} failed: ${stderr}`, { cause: error });
  }
}
