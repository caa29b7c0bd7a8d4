import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** `token.issued`: the token endpoint answered 200 for this grant type. No token, only who asked for what. */
export interface TokenIssuedEvent {
  readonly grantType: string;
  readonly clientId: string;
}

/** `oauth.request.failed`: an OAuth endpoint answered an RFC 6749 §5.2 error. */
export interface OAuthRequestFailedEvent {
  /** The request path in lower case (Express routes ignore case): `/oauth/token`, `/oauth/revoke`, … */
  readonly path: string;
  /** The RFC 6749 `error` code of the answer. */
  readonly error: string;
  readonly status: number;
}

/** `outbox.committed`: a request committed outbox rows and woke the relay (revocations, key changes of a request). */
export interface OutboxCommittedEvent {
  /** The outbox ids of the rows. */
  readonly ids: readonly string[];
  /** When the transaction had committed, epoch milliseconds with sub-ms precision (`epochNowMs`). */
  readonly committedAt: number;
}

/** `outbox.published`: the broker acknowledged a run of outbox records of one topic. */
export interface OutboxPublishedEvent {
  readonly topic: string;
  /** When each record's outbox row was created (its transaction), epoch milliseconds. */
  readonly createdAt: readonly number[];
  /** When the broker acknowledged them, epoch milliseconds. */
  readonly ackedAt: number;
  /** Outbox id and Kafka record key of each record, in order. */
  readonly records: readonly { readonly id: string; readonly key: string }[];
  /**
   * Stage timestamps of the run, epoch milliseconds with sub-ms precision (`epochNowMs`): `readAt` the relay read
   * the rows from the outbox, `ackedAt` the broker acknowledged them.
   */
  readonly stages: { readonly readAt: number; readonly ackedAt: number };
}

/** The documented vocabulary of {@link AuthServiceEvents}. */
export type AuthServiceEventMap = {
  'token.issued': [TokenIssuedEvent];
  'oauth.request.failed': [OAuthRequestFailedEvent];
  'outbox.committed': [OutboxCommittedEvent];
  'outbox.published': [OutboxPublishedEvent];
};

/**
 * The auth service's observer hook (node-oidc-provider's `provider.emit('grant.success', ctx)`): the token endpoint,
 * the OAuth error filter and the outbox relay emit named events; metrics subscribe. Listeners run synchronously on
 * those paths: cheap, and never throwing.
 *
 * @example
 * events.on('token.issued', ({ grantType }) => issued.inc({ grant_type: grantType }));
 */
@Injectable()
export class AuthServiceEvents extends EventEmitter<AuthServiceEventMap> {}
