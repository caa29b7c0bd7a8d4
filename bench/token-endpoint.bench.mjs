#!/usr/bin/env node
/**
 * Token endpoint throughput: `POST /oauth/token` (client_credentials, the demo client, HTTP Basic) against an empty
 * route of the same auth-service process (`GET /health/live`), interleaved in rounds (medians), with the server's
 * CPU µs/request from /proc. Target: client_credentials at least 0.5× the empty route's req/s. The database is the
 * embedded one (`DATABASE_URL` empty), as in the other benches.
 *
 *   npm run build && node bench/token-endpoint.bench.mjs [--quick]
 *
 * Variables (defaults; `--quick` in brackets): BENCH_ROUNDS (3 [1]), BENCH_DURATION_SECONDS (3 [0.5]),
 * BENCH_WARMUP_SECONDS (2 [0.5]), BENCH_CONNECTIONS (32 [2]), BENCH_LOG_LEVEL (`warn`), BENCH_CPU_PROFILE_DIR (off:
 * else auth-service runs under `node --cpu-prof` and writes its profile there at exit). Uses KAFKA_BROKERS when set,
 * else starts the built-in broker.
 */
import autocannon from 'autocannon';
import {
  benchAuthEnv,
  freePort,
  interleaved,
  kafkaBrokers,
  measure,
  printBenchLine,
  QUICK,
  ratio,
  runBench,
  setting,
  startApp,
  target,
  tokenRequest,
  waitUntilOk,
} from './support.mjs';

const ROUNDS = setting('BENCH_ROUNDS', 3, 1);
const DURATION_SECONDS = setting('BENCH_DURATION_SECONDS', 3, 0.5);
const WARMUP_SECONDS = setting('BENCH_WARMUP_SECONDS', 2, 0.5);
const CONNECTIONS = setting('BENCH_CONNECTIONS', 32, 2);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;

/** The token table's rows, for this script and the umbrella. */
export function tokenTableRows(result) {
  return [
    ['empty route (GET /health/live)', result.variants.emptyRoute],
    ['client_credentials (POST /oauth/token)', result.variants.clientCredentials],
  ].map(([variant, figures]) => ({
    adapter: 'auth-service',
    variant,
    'req/s': figures.reqPerSec,
    'p50 ms': figures.p50Ms,
    'p99 ms': figures.p99Ms,
    'server CPU µs/req': figures.cpuUsPerReq,
    'steal % (worst round)': figures.stealPercentMax,
  }));
}

async function main() {
  const brokers = await kafkaBrokers();
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const args = CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [];
  const auth = startApp('auth-service', benchAuthEnv({ port, issuer, brokers, logLevel: LOG_LEVEL }), { args });
  await waitUntilOk(`${issuer}/health/ready`);
  const load = { connections: CONNECTIONS, duration: DURATION_SECONDS };
  const token = tokenRequest(issuer);
  await autocannon({ url: `${issuer}/health/live`, ...load, duration: WARMUP_SECONDS });
  await autocannon({ ...token, ...load, duration: WARMUP_SECONDS });
  const variants = await interleaved(ROUNDS, {
    emptyRoute: () => measure('empty route', auth.pid, { url: `${issuer}/health/live`, ...load }),
    clientCredentials: () => measure('client_credentials', auth.pid, { ...token, ...load }),
  });
  const result = {
    bench: 'token-endpoint',
    quick: QUICK,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    durationSeconds: DURATION_SECONDS,
    node: process.version,
    variants,
    ratios: {
      clientCredentialsVsEmptyRouteReqPerSec: target(
        ratio(variants.clientCredentials.reqPerSec, variants.emptyRoute.reqPerSec),
        0.5,
      ),
    },
  };
  console.table(tokenTableRows(result));
  const { value, met } = result.ratios.clientCredentialsVsEmptyRouteReqPerSec;
  console.log(`client_credentials vs empty route: ${value}× req/s (≥ 0.5${met ? '' : ', MISSED'})`);
  printBenchLine(result);
}

if (import.meta.url === `file://${process.argv[1]}`) runBench(main);
