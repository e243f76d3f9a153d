/**
 * Extra HTTP headers as kad's settings give them (`PROMETHEUS_HEADERS`, `ALERTMANAGER_HEADERS`,
 * `KAD_WEBHOOK_HEADERS`), and URLs as they may be shown. Apart from core/http-endpoint.ts, which
 * makes the requests, so that checking the config loads no HTTP or TLS module.
 */
import { ConfigError } from './errors.js';

/**
 * Headers kad writes itself or that belong to the connection: not settable, so that a setting cannot
 * break the request (Prometheus refuses the same in its `headers`).
 */
const RESERVED_HEADERS = new Set(['host', 'content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'accept-encoding', 'connection', 'keep-alive', 'te', 'upgrade', 'trailer', 'proxy-connection']);

/** An HTTP header name (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** What a header value may hold (Node refuses the rest when sending): tab, printable ASCII, Latin-1. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Parses extra headers written as `Name=value` pairs separated by commas, as OpenTelemetry's
 * `OTEL_EXPORTER_OTLP_HEADERS` writes them (a value holding a comma or an equals sign is
 * percent-encoded: `%2C`, `%3D`), e.g. `X-Scope-OrgID=team-a,X-Org=ops`. Throws a {@link ConfigError}
 * naming `setting` and the header (never its value: it may be a secret) for a malformed pair, a name
 * that is not a header name, a name given twice, a value HTTP cannot carry, or a header kad sets itself.
 */
export function parseHeaderList(text: string, setting: string): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  const form = 'write headers as Name=value pairs separated by commas (a comma or = in a value as %2C or %3D), e.g. X-Scope-OrgID=team-a';
  text.split(',').forEach((part, i) => {
    const item = part.trim();
    if (!item) return;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${setting}: entry ${i + 1} is not Name=value; ${form}`);
    const name = item.slice(0, eq).trim();
    let value: string;
    try {
      value = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      throw new ConfigError(`${setting}: the value of ${JSON.stringify(name)} has a % that is not followed by two hexadecimal digits; ${form}`);
    }
    checkHeader(name, value, setting);
    if (seen.has(name.toLowerCase())) throw new ConfigError(`${setting}: the header ${name} is given a second time`);
    seen.add(name.toLowerCase());
    out[name] = value;
  });
  return out;
}

/** Throws a {@link ConfigError} naming `setting` unless `name: value` is a header kad may send as asked. */
export function checkHeader(name: string, value: string, setting: string): void {
  if (!TOKEN.test(name)) throw new ConfigError(`${setting}: ${JSON.stringify(name)} is not an HTTP header name (letters, digits and !#$%&'*+.^_\`|~- only)`);
  if (RESERVED_HEADERS.has(name.toLowerCase())) throw new ConfigError(`${setting}: the header ${name} is set by kad or by the connection and cannot be set`);
  if (!HEADER_VALUE.test(value)) throw new ConfigError(`${setting}: the value of ${name} holds a character an HTTP header cannot carry (a control character, a line break, or one beyond Latin-1)`);
}

/** A URL as it may be shown: user name and password replaced by `***` (up to the last `@` before the path, as URL parsers read it). */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i, '$1***@');
}

