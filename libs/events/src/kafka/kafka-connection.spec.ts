import { describe, expect, it } from '@jest/globals';
import { silentEventLogger } from '../event-logger.js';
import { KafkaConnection, kafkaClientOf, type KafkaConnectionOptions } from './kafka-connection.js';

describe('KafkaConnection', () => {
  it('builds a client without connecting, silent without a logger', () => {
    const connection = new KafkaConnection({ brokers: ['127.0.0.1:1'], clientId: 'spec' });
    expect(connection.clientId).toBe('spec');
    expect(connection.logger).toBe(silentEventLogger);
    expect(typeof kafkaClientOf(connection).admin).toBe('function');
  });

  it.each([
    ['no brokers', { brokers: [], clientId: 'x' }, 'brokers'],
    ['a non-string broker', { brokers: [9092], clientId: 'x' }, 'brokers'],
    ['no clientId', { brokers: ['h:1'], clientId: '' }, 'clientId'],
    ['a zero connection timeout', { brokers: ['h:1'], clientId: 'x', connectionTimeoutMs: 0 }, 'connectionTimeoutMs'],
    ['a fractional request timeout', { brokers: ['h:1'], clientId: 'x', requestTimeoutMs: 1.5 }, 'requestTimeoutMs'],
  ])('refuses %s with a TypeError naming the option', (_name, options, option) => {
    expect(() => new KafkaConnection(options as unknown as KafkaConnectionOptions)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(`"${option}"`) }),
    );
  });

  it('refuses anything but a KafkaConnection where a connection is expected', () => {
    expect(() => kafkaClientOf({} as KafkaConnection)).toThrow(TypeError);
  });
});
