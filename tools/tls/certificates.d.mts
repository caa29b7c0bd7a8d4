/**
 * Types for tools/tls/certificates.mjs, so TypeScript tests can import it.
 *
 * @example
 * import { createCertificates } from '../tools/tls/certificates.mjs';
 * const { caFile, certFile, keyFile } = createCertificates({ dir: await mkdtemp(join(tmpdir(), 'tls-')), days: 1 });
 */

/** Names the server certificate carries (subjectAltName). */
export declare const SERVER_NAMES: readonly string[];

/** `openssl` is not installed, or one of its commands failed (its stderr is in `message`). */
export declare class CertificateError extends Error {
  readonly code: 'ERR_OPENSSL_MISSING' | 'ERR_OPENSSL_FAILED';
  constructor(code: CertificateError['code'], message: string, options?: { cause?: unknown });
}

/** The PEM files of a certificate directory. */
export interface CertificatePaths {
  /** The CA certificate clients trust (`NODE_EXTRA_CA_CERTS`, `curl --cacert`). */
  readonly caFile: string;
  /** The server certificate (`<APP>_TLS_CERT_FILE`). */
  readonly certFile: string;
  /** The server's unencrypted PKCS#8 private key (`<APP>_TLS_KEY_FILE`), mode 0600. */
  readonly keyFile: string;
}

export declare function certificatePaths(dir: string): CertificatePaths;

/** A fresh CA and server certificate in `dir`, valid `days` (default 365). */
export declare function createCertificates(options: { dir: string; days?: number }): CertificatePaths;

/** The usable certificates already in `dir`, else fresh ones (`created` tells which). */
export declare function ensureCertificates(options: {
  dir: string;
  days?: number;
}): CertificatePaths & { readonly created: boolean };
