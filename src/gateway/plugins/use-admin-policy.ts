/**
 * The admin API policy. `execute`, `terminateCluster` and the raw-SQL
 * `pushQuery` (and its batched twin `pushQueryBatches`) / `pullQuery` run any statement ksqlDB accepts, so they are
 * gated (docs/security.md):
 *
 * - `open`: anyone may use them (the default on a loopback-only listener);
 * - `secret`: only requests carrying `x-admin-secret` equal to the admin
 *   secret (HTTP and SSE header; over graphql-ws the `connection_init`
 *   payload's key, or its `headers` object's, or the upgrade request's
 *   header), compared in constant time;
 * - `off`: nobody.
 *
 * The check runs on the parsed, validated operation before execution: an
 * operation selecting an admin root field (through fragments too, whatever
 * its `@skip`/`@include`) is refused whole with `FORBIDDEN`, so no resolver
 * runs and ksqlDB is not called.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { getOperationAST, type DocumentNode, type ExecutionArgs, type OperationTypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors/index.js';
import { callerHeader, type InitialContext } from './initial-context.js';
import { rootFieldNames } from './root-fields.js';

export type AdminApiPolicy = 'open' | 'secret' | 'off';

/** The header (and graphql-ws `connection_init` payload key) carrying the admin secret. */
export const ADMIN_SECRET_HEADER = 'x-admin-secret';

/** The admin root fields, by operation type. */
export const ADMIN_FIELDS: Readonly<Record<OperationTypeNode, readonly string[]>> = Object.freeze({
  query: ['pullQuery'],
  mutation: ['execute', 'terminateCluster'],
  subscription: ['pushQuery', 'pushQueryBatches'],
} as Record<OperationTypeNode, readonly string[]>);

/**
 * The policy in force when none is set: open when the gateway listens on
 * loopback only (a laptop), else `secret` when a secret is set, else `off`.
 */
export function defaultAdminPolicy(loopbackOnly: boolean, secretSet: boolean): AdminApiPolicy {
  if (loopbackOnly) return 'open';
  return secretSet ? 'secret' : 'off';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * A constant-time comparison with `secret`: both sides are hashed first, so
 * neither the content nor the length of the secret leaks through timing.
 */
export function secretMatcher(secret: string): (candidate: string | undefined) => boolean {
  const expected = digest(secret);
  return (candidate) => candidate !== undefined && timingSafeEqual(digest(candidate), expected);
}

/** The admin root fields an operation selects (fragments followed). */
export function adminFieldsOf(document: DocumentNode, operationName: string | null | undefined): string[] {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return [];
  const admin = ADMIN_FIELDS[operation.operation];
  return [...rootFieldNames(document, operation)].filter((name) => admin.includes(name));
}

export interface AdminPolicyOptions {
  /** The policy in force; read per operation (the default is settled when the gateway listens). */
  readonly policy: () => AdminApiPolicy;
  /** The admin secret (policy `secret`). */
  readonly secret?: string | undefined;
}

export interface AdminPolicy {
  readonly plugin: Plugin;
  /** True when the caller (HTTP request, or graphql-ws connection) carries the admin secret. */
  isAdmin(context: InitialContext): boolean;
}

export function createAdminPolicy({ policy, secret }: AdminPolicyOptions): AdminPolicy {
  const matches = secret === undefined ? () => false : secretMatcher(secret);
  const isAdmin = (context: InitialContext) => matches(callerHeader(context, ADMIN_SECRET_HEADER));

  const refuse = (fields: readonly string[], context: InitialContext) => {
    const current = policy();
    if (current === 'open' || fields.length === 0) return undefined;
    const list = fields.join(', ');
    if (current === 'off') {
      return refusal(
        'FORBIDDEN',
        `The admin API (${list}) is turned off on this gateway (--admin-api off; it listens beyond loopback and no admin secret is set).`,
        { extensions: { fields } },
      );
    }
    if (isAdmin(context)) return undefined;
    return refusal('FORBIDDEN', `The admin API (${list}) needs the ${ADMIN_SECRET_HEADER} header.`, {
      extensions: { fields },
    });
  };

  return {
    isAdmin,
    plugin: {
      onExecute({ args, setResultAndStopExecution }) {
        const { document, operationName } = args as ExecutionArgs; // envelop types them any
        const error = refuse(adminFieldsOf(document, operationName), args.contextValue);
        if (error) setResultAndStopExecution({ errors: [error] });
      },
      onSubscribe({ args, setResultAndStopExecution }) {
        const { document, operationName } = args as ExecutionArgs; // envelop types them any
        const error = refuse(adminFieldsOf(document, operationName), args.contextValue);
        if (error) setResultAndStopExecution({ errors: [error] });
      },
    },
  };
}
