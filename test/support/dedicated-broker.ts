/** The part of tools/kafka/broker.mjs a test needs to own a broker it can stop and restart. */
export interface Broker {
  readonly brokers: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

interface BrokerModule {
  startBroker(options?: { port?: number; controllerPort?: number; dataDir?: string }): Promise<Broker>;
}

/** Starts a broker of the test's own (fresh data dir, or an existing one to restart it with its data). */
export async function startDedicatedBroker(options?: { port: number; controllerPort: number; dataDir: string }): Promise<Broker> {
  const modulePath = process.env.KAFKA_BROKER_MODULE;
  if (modulePath === undefined) {
    throw new Error('KAFKA_BROKER_MODULE is not set: run the e2e project through jest (test/setup/global-setup.mjs)');
  }
  const { startBroker } = (await import(modulePath)) as BrokerModule;
  return startBroker(options);
}
