/**
 * Domain errors with stable codes. Every error the service raises on purpose is a {@link KadError};
 * the API maps `statusCode` to HTTP and the CLI maps `exitCode` to the process exit status.
 */

/** Stable error codes. Never renumber or reuse: scripts and dashboards match on them. */
export type KadErrorCode =
  | 'KAD_ERR_CONFIG'
  | 'KAD_ERR_INPUT'
  | 'KAD_ERR_NOT_FOUND'
  | 'KAD_ERR_NOT_READY'
  | 'KAD_ERR_MODEL_FORMAT'
  | 'KAD_ERR_SOURCE'
  | 'KAD_ERR_NOTIFY'
  | 'KAD_ERR_USAGE'
  | 'KAD_ERR_INTERNAL'
  | 'KAD_ERR_METHOD_NOT_ALLOWED'
  | 'KAD_ERR_PAYLOAD_TOO_LARGE'
  | 'KAD_ERR_HEADERS_TOO_LARGE'
  | 'KAD_ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'KAD_ERR_TIMEOUT'
  | 'KAD_ERR_OVERLOADED'
  | 'KAD_ERR_UNAUTHORIZED'
  | 'KAD_ERR_FORBIDDEN'
  | 'KAD_ERR_STORE';

/** Base class of every coded error: `code`, a user-facing message, an HTTP status and an exit code. */
export class KadError extends Error {
  readonly code: KadErrorCode;
  readonly statusCode: number;
  readonly exitCode: number;
  constructor(code: KadErrorCode, message: string, statusCode = 500, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
    this.exitCode = exitCode;
  }
}

/** A setting is invalid. The message names the setting, the value and what is allowed. Exit code 2. */
export class ConfigError extends KadError {
  constructor(message: string) {
    super('KAD_ERR_CONFIG', message, 500, 2);
  }
}

/** Bad user input (a request, a CSV file): the message says what was wrong and where. HTTP 400. */
export class InputError extends KadError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KAD_ERR_INPUT', message, 400, 2, options);
  }
}

/** A named thing (pod, model, route) does not exist. HTTP 404. */
export class NotFoundError extends KadError {
  constructor(message: string) {
    super('KAD_ERR_NOT_FOUND', message, 404, 1);
  }
}

/** The service cannot answer yet (no trained model). HTTP 503. */
export class NotReadyError extends KadError {
  constructor(message: string) {
    super('KAD_ERR_NOT_READY', message, 503, 1);
  }
}

/** A saved model has the wrong `kind` or `formatVersion`, or is malformed. */
export class ModelFormatError extends KadError {
  constructor(message: string) {
    super('KAD_ERR_MODEL_FORMAT', message, 400, 2);
  }
}

/** A metrics source failed (unreachable, bad answer). The loop records it and carries on. */
export class SourceError extends KadError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KAD_ERR_SOURCE', message, 502, 1, options);
  }
}

/** kad cannot take this now (a full ingest buffer, too many series); the sender should retry later. HTTP 429. */
export class OverloadedError extends KadError {
  constructor(message: string) {
    super('KAD_ERR_OVERLOADED', message, 429, 1);
  }
}

/** The command line was wrong: unknown command or option, missing argument. Exit code 2. */
export class UsageError extends KadError {
  constructor(message: string) {
    super('KAD_ERR_USAGE', message, 400, 2);
  }
}

/** A mutating request without the right bearer token (missing or wrong). HTTP 401. */
export class UnauthorizedError extends KadError {
  constructor(message: string) {
    super('KAD_ERR_UNAUTHORIZED', message, 401, 1);
  }
}

/** A request the service will not serve as configured (mutations with no API token set). HTTP 403. */
export class ForbiddenError extends KadError {
  constructor(message: string) {
    super('KAD_ERR_FORBIDDEN', message, 403, 1);
  }
}

/** The event store's database cannot be used (corrupt, written by a newer kad, not writable); the message names the file. */
export class StoreError extends KadError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KAD_ERR_STORE', message, 500, 1, options);
  }
}
