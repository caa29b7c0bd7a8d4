import { KeyObject, sign } from 'node:crypto';
import type { CryptoKey } from 'jose';

/** One DER TLV (X.690); lengths in short or long form. */
function der(tag: number, ...contents: Uint8Array[]): Buffer {
  const body = Buffer.concat(contents);
  const length: number[] = [];
  for (let rest = body.length; rest > 0; rest >>= 8) length.unshift(rest & 0xff);
  const header = body.length < 0x80 ? [body.length] : [0x80 | length.length, ...length];
  return Buffer.concat([Buffer.from([tag, ...header]), body]);
}

const TAG = { integer: 0x02, bitString: 0x03, utf8String: 0x0c, sequence: 0x30, set: 0x31, utcTime: 0x17 } as const;
/** OID 1.2.840.10045.4.3.2 (ecdsa-with-SHA256) and OID 2.5.4.3 (commonName), encoded. */
const ECDSA_WITH_SHA256 = Buffer.from('06082a8648ce3d040302', 'hex');
const COMMON_NAME = Buffer.from('0603550403', 'hex');

/**
 * A self-signed X.509 v3 certificate (DER) for an ECDSA P-256 key pair: what an attacker puts in an `x5c` header
 * or serves at an `x5u` URL, so a verifier that trusted either would find a well-formed certificate for the key
 * that signed the token. Node can parse certificates but not make them, hence the few DER lines here.
 */
export async function selfSignedCertificate(keys: { privateKey: CryptoKey; publicKey: CryptoKey }): Promise<Buffer> {
  const name = der(
    TAG.sequence,
    der(TAG.set, der(TAG.sequence, COMMON_NAME, der(TAG.utf8String, Buffer.from('attacker')))),
  );
  const algorithm = der(TAG.sequence, ECDSA_WITH_SHA256);
  const validity = der(
    TAG.sequence,
    der(TAG.utcTime, Buffer.from('250101000000Z')),
    der(TAG.utcTime, Buffer.from('491231235959Z')),
  );
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  const version = der(0xa0, der(TAG.integer, Buffer.from([2])));
  const tbs = der(TAG.sequence, version, der(TAG.integer, Buffer.from([1])), algorithm, name, validity, name, spki);
  const signature = sign('sha256', tbs, KeyObject.from(keys.privateKey));
  return der(TAG.sequence, tbs, algorithm, der(TAG.bitString, Buffer.from([0]), signature));
}
