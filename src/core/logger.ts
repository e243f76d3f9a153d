/**
 * The logger every stage takes (pino's API, so the service passes its pino logger; tests pass
 * {@link silentLogger} or a recorder).
 */

/** Minimal structured logger. */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

/** A logger that drops everything. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };
