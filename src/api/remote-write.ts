/**
 * `POST /api/v1/write`: Prometheus's remote write 1.0 into kad (registered only when the source is
 * `remote-write`, src/sources/remote-write.ts). The request is a snappy block of a protobuf
 * `prometheus.WriteRequest` with `Content-Encoding: snappy`, `Content-Type: application/x-protobuf`
 * and `X-Prometheus-Remote-Write-Version: 0.1.0`. Answers:
 * - 204 when every sample was taken (stored, or skipped as a retry's or a series kad does not read);
 * - 400 when the body is not a snappy WriteRequest (the message says where it stopped making sense);
 * - 415 for another content type or encoding (remote write 2.0's
 *   `application/x-protobuf;proto=io.prometheus.write.v2.Request` included: Prometheus then falls
 *   back to 1.0);
 * - 429 with `Retry-After` when the ingest buffer is full (before the body is read) or new series
 *   would pass the series limit (after the rest of the request is stored). Prometheus retries with
 *   backoff; the retry stores what the first try did not.
 * Every refusal is counted in `anomaly_detector_remote_write_rejected_total{reason}`. With an API
 * token configured, a push without it is answered 401 (auth.ts).
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { InputError, OverloadedError } from '../core/errors.js';
import { errorBody } from '../core/http-errors.js';
import { MAX_BODY_BYTES, type RemoteWriteReceiver } from '../sources/remote-write.js';
import { requireToken, type ApiAuth } from './auth.js';
import { toErrorAnswer } from './error-shape.js';

/** What the route serves: the receiver, when the source is remote-write, and the API token. */
export interface RemoteWriteDeps {
  remoteWrite?: RemoteWriteReceiver;
  /**
   * With a token configured (KAD_API_TOKEN / _FILE), pushes need it as a bearer token, as the API's
   * changes do (Prometheus: `authorization: { credentials_file: … }`); with none, the endpoint is open
   * (KAD_SOURCE=remote-write is the opt-in).
   */
  auth?: ApiAuth;
}

/** Reserved for a request whose size is not announced (chunked): the ingest buffer counts it as this. */
const UNKNOWN_BODY_BYTES = 1024 * 1024;
/** Seconds a 429 asks the sender to wait. */
const RETRY_AFTER_SECONDS = 1;

/** Why `content-type` / `content-encoding` are not remote write 1.0's, or undefined when they are. */
export function unsupportedMediaType(type: string | undefined, encoding: string | undefined): string | undefined {
  const [mediaType, ...params] = (type ?? '').split(';').map((p) => p.trim().toLowerCase());
  if (mediaType !== 'application/x-protobuf') {
    return `Content-Type ${type ? `"${type}"` : 'missing'}: remote write sends application/x-protobuf (a snappy-compressed prometheus.WriteRequest)`;
  }
  const proto = params.find((p) => p.startsWith('proto='))?.slice(6);
  if (proto && proto !== 'prometheus.writerequest') {
    return `Content-Type "${type}": kad takes remote write 1.0 (proto=prometheus.WriteRequest), not ${proto}; set protobuf_message: prometheus.WriteRequest`;
  }
  if ((encoding ?? '').trim().toLowerCase() !== 'snappy') {
    return `Content-Encoding ${encoding ? `"${encoding}"` : 'missing'}: remote write bodies are snappy-compressed (Content-Encoding: snappy)`;
  }
  return undefined;
}

function overloaded(reply: FastifyReply, message: string): FastifyReply {
  const { status, body } = toErrorAnswer(new OverloadedError(message));
  return reply.code(status).header('retry-after', String(RETRY_AFTER_SECONDS)).send(body);
}

/** Registers `POST /api/v1/write` when `deps.remoteWrite` is set; nothing otherwise. */
export const remoteWriteRoutes: FastifyPluginAsync<RemoteWriteDeps> = async (app, deps) => {
  const rw = deps.remoteWrite;
  if (!rw) return;
  // This plugin's own parsers: any body as bytes (the media type is checked before it is read).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));

  const authorized = deps.auth?.token !== undefined || deps.auth?.tokenFile !== undefined ? requireToken(deps.auth) : undefined;

  app.post('/api/v1/write', {
    bodyLimit: MAX_BODY_BYTES,
    schema: {
      description: 'Prometheus remote write 1.0 (snappy-compressed protobuf prometheus.WriteRequest): 204 taken, 400 malformed, 415 not remote write 1.0, 429 full (retry later).',
      tags: ['remote-write'],
    },
    onRequest: async (req, reply) => {
      if (authorized) await authorized(req, reply);
      const why = unsupportedMediaType(req.headers['content-type'], req.headers['content-encoding'] as string | undefined);
      if (why) {
        rw.reject('unsupported_media_type');
        return reply.code(415).send(errorBody(415, why));
      }
      const announced = Number(req.headers['content-length']);
      const bytes = Number.isFinite(announced) && announced >= 0 ? Math.min(announced, MAX_BODY_BYTES) : UNKNOWN_BODY_BYTES;
      if (!rw.admit(bytes)) {
        return overloaded(reply, 'kad\'s remote-write buffer is full (KAD_REMOTE_WRITE_BUFFER_BYTES): retry later');
      }
      // Given back when the answer is sent or the connection drops, whichever comes first.
      reply.raw.once('close', () => rw.release(bytes));
    },
  }, async (req, reply) => {
    const body = req.body as Buffer | undefined;
    if (!body?.length) throw new InputError('The body is empty: remote write sends a snappy-compressed prometheus.WriteRequest');
    const r = await rw.submit(body);
    if (r.seriesRefused) {
      const { series, max } = rw.seriesCount();
      return overloaded(reply, `kad keeps ${series} series, its limit (KAD_REMOTE_WRITE_MAX_SERIES=${max}): ${r.seriesRefused} new series refused ` +
        `(the request's other samples were stored); retry later, raise the limit, or send fewer series (write_relabel_configs)`);
    }
    return reply.code(204).send();
  });
};
