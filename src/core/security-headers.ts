/**
 * The security headers of every HTTP answer kad gives (the API's and the simulator's exporter's),
 * error answers and Swagger UI included: no MIME sniffing, no framing, no referrer sent elsewhere,
 * and a Content-Security-Policy that allows only this origin's scripts (Swagger UI's bundle, its
 * initializer) plus inline styles and `data:` images, which Swagger UI uses.
 */

/** The CSP of every answer; `/docs` works under it (no inline or remote scripts there). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

/** The headers added to every answer (lower-case names). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
});
