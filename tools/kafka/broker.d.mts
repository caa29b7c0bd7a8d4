/**
 * Types for tools/kafka/broker.mjs, so TypeScript tests can `import { startBroker } from '../tools/kafka/broker.mjs'`.
 *
 * @example
 * import { startBroker } from '../tools/kafka/broker.mjs';
 * const broker = await startBroker({ dataDir });
 * await broker.stop();
 */

/** Stable codes of {@link BrokerError}. */
export type BrokerErrorCode =
  | 'ERR_BROKER_TOOL_MISSING'
  | 'ERR_BROKER_FETCH_FAILED'
  | 'ERR_BROKER_PORT_IN_USE'
  | 'ERR_BROKER_FORMAT_FAILED'
  | 'ERR_BROKER_START_FAILED'
  | 'ERR_BROKER_START_TIMEOUT'
  | 'ERR_BROKER_NOT_FORMATTED'
  | 'ERR_BROKER_FORMATTED_OTHERWISE';

/**
 * Everything that goes wrong around the broker; start failures carry the tail of the broker log in `message`.
 *
 * @example
 * try { await startBroker({ port: 19092 }); } catch (e) { if (e instanceof BrokerError && e.code === 'ERR_BROKER_PORT_IN_USE') ... }
 */
export declare class BrokerError extends Error {
  readonly code: BrokerErrorCode;
  constructor(code: BrokerErrorCode, message: string, options?: { cause?: unknown });
}

/** Repository root. @example join(REPO_ROOT, '.kafka') */
export declare const REPO_ROOT: string;

/** Kafka version pinned in tools/kafka/pom.xml. @example await kafkaVersion() // '4.1.1' */
export declare function kafkaVersion(): Promise<string>;

/** Ensures the jars are in `<repo>/.kafka/libs-<version>` and returns that folder. @example await fetchBroker() */
export declare function fetchBroker(options?: { quiet?: boolean }): Promise<string>;

/**
 * A fresh 22-char base64url cluster id that never starts with '-' (which StorageTool would read as an option).
 * @example randomClusterId() // 'EVqYf1oWS0mG7RbbnbmTNw'
 */
export declare function randomClusterId(): string;

/** SCRAM credentials of one Kafka principal (`User:<username>`). */
export interface ScramUser {
  /** Matches /^[A-Za-z0-9._-]{1,64}$/; `broker` is the broker's own. */
  username: string;
  /** Matches /^[A-Za-z0-9._~+/-]{8,256}$/ (base64url and hex fit). */
  password: string;
}

/**
 * A `SASL_SSL` client listener (SCRAM-SHA-256) with the KRaft `StandardAuthorizer`: nothing is allowed without an
 * ACL, except to {@link BrokerHandle.superUser}. The controller listener stays on loopback with SASL/PLAIN for the
 * broker's own principal only.
 *
 * @example
 * const secure: SecureListenerOptions = { keyPem, certificateChainPem, caPem, users: [{ username: 'auth-service', password }] };
 */
export interface SecureListenerOptions {
  /** Unencrypted PKCS#8 PEM key (`-----BEGIN PRIVATE KEY-----`) of `certificateChainPem`. */
  keyPem: string;
  /** PEM: the broker certificate (its SAN must hold IP:127.0.0.1), then any intermediates. */
  certificateChainPem: string;
  /** PEM: the CA that issued the broker certificate; the broker's own (inter-broker) connections trust it. */
  caPem: string;
  /** SCRAM-SHA-256 users, created when the data dir is formatted; a restart must pass the same users. */
  users: ScramUser[];
}

/** Options of {@link startBroker}; everything optional. */
export interface StartBrokerOptions {
  /**
   * Client port on 127.0.0.1 (PLAINTEXT, or SASL_SSL with `secure`); default a free ephemeral port, picked again
   * (up to 3 times) if another process takes it before the JVM binds it. A port given here that is taken fails
   * with ERR_BROKER_PORT_IN_USE.
   */
  port?: number;
  /** KRaft controller port on 127.0.0.1; default a free ephemeral port (picked again like `port`). */
  controllerPort?: number;
  /** Broker state folder; default a new temp folder (kept after stop). Reuse it to restart with the same data. */
  dataDir?: string;
  /** 'if-needed' (default) formats only an unformatted dir; 'always' wipes and formats; 'never' requires formatted. */
  format?: 'if-needed' | 'always' | 'never';
  /** JVM heap in MiB (-Xms = -Xmx), default 512. */
  heapMb?: number;
  /** Broker output is appended here; default `<dataDir>/broker.log`. */
  logFile?: string;
  /** Level for the Kafka loggers, default 'WARN' (the "Kafka Server started" line is always INFO). */
  logLevel?: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';
  /** Receives each output line of the JVM. */
  onLog?: (line: string) => void;
  /** Deadline for readiness, default 90000 ms. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL, default 30000 ms. */
  stopTimeoutMs?: number;
  /** Extra server.properties entries (override the defaults). */
  extraProperties?: Record<string, string | number | boolean>;
  /** Extra JVM flags. */
  extraJvmArgs?: string[];
  /** Own process group: a terminal Ctrl-C does not reach the JVM, the caller stops it (still dies with the caller). */
  detached?: boolean;
  /** A SASL_SSL client listener with SCRAM users and ACL authorization instead of PLAINTEXT. */
  secure?: SecureListenerOptions;
}

/** A running broker. */
export interface BrokerHandle {
  /** Bootstrap list for clients, `127.0.0.1:<port>`. */
  brokers: string;
  port: number;
  controllerPort: number;
  dataDir: string;
  logFile: string;
  pid: number;
  /** Wall time of startBroker (fetch check, format, JVM start, readiness). */
  startedInMs: number;
  /** What clients speak on `port`. */
  securityProtocol: 'PLAINTEXT' | 'SASL_SSL';
  /** With `secure`: the broker's own SCRAM-SHA-256 principal (`User:broker`), a Kafka super user (creates ACLs). */
  superUser?: ScramUser;
  /** Settles when the JVM is gone; `expected` is false if it died without stop(). */
  exited: Promise<{ code: number | null; signal: string | null; expected: boolean }>;
  /** Controlled shutdown (SIGTERM), SIGKILL after stopTimeoutMs. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a single-node KRaft broker on loopback and resolves when it is ready. Restartable on the same dataDir.
 *
 * @example
 * const broker = await startBroker({ dataDir, port, controllerPort });
 * await broker.stop();
 * const again = await startBroker({ dataDir, port, controllerPort }); // same topics and records
 */
export declare function startBroker(options?: StartBrokerOptions): Promise<BrokerHandle>;
