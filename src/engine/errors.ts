/**
 * The engine's error hierarchy: one root ({@link EngineError}) and one base
 * class per phase. Every class has a stable `code`; match on it, not on the
 * class. The REST layer turns these into ksqlDB error bodies in exactly one
 * place (engine/rest/errors.ts).
 *
 * | code                          | class                 | ksqlDB                      |
 * |-------------------------------|-----------------------|-----------------------------|
 * | ENGINE_SQL_SYNTAX             | SqlSyntaxError        | 400 statement_error 40001   |
 * | ENGINE_ANALYSIS               | AnalysisError         | 400 statement_error 40001   |
 * | ENGINE_CATALOG                | CatalogError          | 400 statement_error 40001   |
 * | ENGINE_EXECUTION              | ExecutionError        | 400 statement_error 40001   |
 * | ENGINE_QUERY_ENDPOINT         | QueryEndpointError    | 400 statement_error 40002   |
 * | ENGINE_MAX_PUSH_QUERIES       | PushQueryLimitError   | 400 generic_error 40003     |
 * | ENGINE_UNKNOWN_QUERY          | UnknownQueryError     | 400 generic_error 40000     |
 * | ENGINE_BAD_REQUEST            | BadRequestError       | 400 generic_error 40000     |
 * | ENGINE_UNSUPPORTED_STATEMENT  | UnsupportedStatementError | 400 statement_error 40001 |
 * | ENGINE_NOT_A_QUERY            | NotAQueryError        | 400 generic_error 40000     |
 * | ENGINE_REQUEST_PROPERTY       | RequestPropertyError  | 500 statement_error 50000   |
 * | ENGINE_UNKNOWN_PROPERTY       | UnknownPropertyError  | 400 statement_error 40001   |
 * | ENGINE_CLOSED                 | EngineClosedError     | 503 generic_error 50304     |
 *
 * Statement errors carry the `statementText` they belong to.
 *
 * Layering note: catalog, planner, operators and runtime import this module
 * (it depends on shared only), so every phase throws the engine's own classes.
 *
 * @module
 */
import { BaseError } from '../shared/errors.js';

export interface EngineErrorOptions {
  readonly cause?: unknown;
  /** The statement the error belongs to (ksqlDB's `statementText`). */
  readonly statementText?: string | undefined;
}

export class EngineError extends BaseError {
  /** Set once the statement is known; see {@link withStatement}. */
  statementText: string | undefined;

  constructor(code: string, message: string, options: EngineErrorOptions = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.statementText = options.statementText;
  }
}

/** The SQL text does not parse. Wraps the parser's error (as `cause`), same message. */
export class SqlSyntaxError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super('ENGINE_SQL_SYNTAX', message, options);
  }
}

/** The statement parses but is not valid: unknown column, type mismatch, unsupported clause. */
export class AnalysisError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}, code = 'ENGINE_ANALYSIS') {
    super(code, message, options);
  }
}

/** The statement conflicts with the catalog: unknown or duplicate source, bad WITH clause. */
export class CatalogError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}, code = 'ENGINE_CATALOG') {
    super(code, message, options);
  }
}

/** The statement was valid but failed while running (serialization, storage). */
export class ExecutionError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}, code = 'ENGINE_EXECUTION') {
    super(code, message, options);
  }
}

/** SELECT or PRINT sent to the statement endpoint. */
export class QueryEndpointError extends AnalysisError {
  constructor(options: EngineErrorOptions = {}) {
    super(
      "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT",
      options,
      'ENGINE_QUERY_ENDPOINT',
    );
  }
}

/** A statement kind the endpoint does not run (e.g. DDL on /query). */
export class UnsupportedStatementError extends AnalysisError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super(message, options, 'ENGINE_UNSUPPORTED_STATEMENT');
  }
}

/** A statement other than a query sent to the query endpoint. */
export class NotAQueryError extends AnalysisError {
  constructor(options: EngineErrorOptions = {}) {
    super(
      "Statement type `io.confluent.ksql.parser.KsqlParser$PreparedStatement' not supported for this resource",
      options,
      'ENGINE_NOT_A_QUERY',
    );
  }
}

/**
 * A request-level property override that is not a known property. ksqlDB
 * lets this escape as an unexpected exception: 500, statement_error 50000,
 * with the whole request as `statementText`.
 */
export class RequestPropertyError extends ExecutionError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super(message, options, 'ENGINE_REQUEST_PROPERTY');
  }
}

/** `ksql.max.push.queries` reached. */
export class PushQueryLimitError extends ExecutionError {
  constructor(options: EngineErrorOptions = {}) {
    super('Maximum number of push queries exceeded', options, 'ENGINE_MAX_PUSH_QUERIES');
  }
}

/** `/close-query` (or TERMINATE) of a query that does not exist. */
export class UnknownQueryError extends ExecutionError {
  readonly queryId: string;
  constructor(queryId: string, options: EngineErrorOptions = {}) {
    super(`No query with id ${queryId}`, options, 'ENGINE_UNKNOWN_QUERY');
    this.queryId = queryId;
  }
}

/** A malformed request that is not about a statement (bad property value, bad body). */
export class BadRequestError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super('ENGINE_BAD_REQUEST', message, options);
  }
}

export class EngineClosedError extends EngineError {
  constructor() {
    super('ENGINE_CLOSED', 'The server is shut down');
  }
}

export function isEngineError(err: unknown): err is EngineError {
  return err instanceof EngineError;
}

/** Attaches the statement text to an engine error that lacks one; returns it. */
export function withStatement<E extends EngineError>(err: E, statementText: string): E {
  if (err.statementText === undefined) err.statementText = statementText;
  return err;
}
