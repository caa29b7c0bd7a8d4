#!/usr/bin/env node
/**
 * The container healthcheck of the image (Dockerfile HEALTHCHECK): asks the app that `APP` names for
 * `/health/ready` (or the path given as the first argument) on its own port, over HTTPS when the app was given a
 * certificate, and exits 0 on a 2xx answer, 1 otherwise or after 2 s. Reads the same variables as the app:
 * `<PREFIX>_PORT` (default 3000/3001/3002) and `<PREFIX>_TLS_CERT_FILE`.
 *
 *   node tools/healthcheck.mjs               # readiness
 *   node tools/healthcheck.mjs /health/live  # liveness
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const APPS = {
  'auth-service': { prefix: 'AUTH', port: 3000 },
  'orders-service': { prefix: 'ORDERS', port: 3001 },
  'billing-service': { prefix: 'BILLING', port: 3002 },
};

const app = APPS[process.env.APP ?? ''];
if (app === undefined) {
  console.error(`healthcheck: APP must be one of ${Object.keys(APPS).join(', ')}`);
  process.exit(1);
}
const port = Number(process.env[`${app.prefix}_PORT`] || app.port);
const tls = Boolean(process.env[`${app.prefix}_TLS_CERT_FILE`]);
const path = process.argv[2] ?? '/health/ready';
// The app's own certificate names its public host, not 127.0.0.1: this loopback probe checks that the app answers,
// which trusting the certificate would not add to.
const options = { host: '127.0.0.1', port, path, timeout: 2000, ...(tls ? { rejectUnauthorized: false } : {}) };
const probe = (tls ? httpsRequest : httpRequest)(options, (response) => {
  response.resume();
  process.exit(response.statusCode >= 200 && response.statusCode < 300 ? 0 : 1);
});
probe.on('timeout', () => probe.destroy(new Error('timeout')));
probe.on('error', () => process.exit(1));
probe.end();
