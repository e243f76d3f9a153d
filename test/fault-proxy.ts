/**
 * A fault-injecting HTTP proxy for the fault tests: it listens on a free loopback port, forwards each
 * request to one upstream (a real Prometheus or Alertmanager) and, while a fault is set, spoils the
 * exchange: answers slower than the client waits, answers cut off mid-body, answers that are not
 * JSON or JSON of the wrong shape, 429 and 5xx answers, connection resets. A list of faults is applied
 * in turn, one per request, so a burst can mix them. Every finished exchange is logged (method, path,
 * request body, the fault, whether the upstream got it and what it answered), so a test can tell what
 * the client tried to send and what reached the upstream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does to one exchange. */
export type Fault =
  /** Forwards it untouched. */
  | 'pass'
  /** Waits `slowMs` (longer than the client's timeout), then forwards it. */
  | 'slow'
  /** Forwards it, then sends the answer's headers and half its body, and closes the connection. */
  | 'truncate'
  /** Forwards it, then answers 200 with a body that is not JSON (a JSON document cut short). */
  | 'malformed'
  /** Answers 200 with the query API's envelope around a result of the wrong shape; not forwarded. */
  | 'wrong-shape'
  /** Answers 429 with Retry-After: 1; not forwarded. */
  | '429'
  /** Answers 500; not forwarded. */
  | '500'
  /** Answers 503; not forwarded. */
  | '503'
  /** Resets the connection (TCP RST) without answering; not forwarded. */
  | 'reset';

/** Every fault but `pass`, in the order the tests apply them. */
export const FAULTS: readonly Exclude<Fault, 'pass'>[] = ['slow', 'truncate', 'malformed', 'wrong-shape', '429', '500', '503', 'reset'];

/** One finished exchange. */
export interface Exchange {
  /** When it finished (epoch ms). */
  t: number;
  method: string;
  path: string;
  /** The request body as text. */
  body: string;
  fault: Fault;
  /** Whether the upstream got the request. */
  forwarded: boolean;
  /** The upstream's status (0 when it was not forwarded or did not answer). */
  upstreamStatus: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** Its base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Sets what happens to the next requests: one fault for all, or a list applied in turn; `pass` clears it. */
  set(faults: Fault | readonly Fault[]): void;
  /** The exchanges so far, oldest first. */
  readonly log: readonly Exchange[];
  /** How many exchanges each fault was applied to. */
  count(fault: Fault): number;
  close(): Promise<void>;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The upstream's base URL, e.g. `http://127.0.0.1:9090`. */
  upstream: string;
  /** How long `slow` waits before forwarding, ms. Default 1,500. */
  slowMs?: number;
}

/** A body of each spoiled kind. */
const MALFORMED = '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"a"},"values":[[1700000000,"1"],[17000';
/** The query API's envelope, with the result type the path asks for, around a result that is not a list. */
const wrongShape = (path: string) => `{"status":"success","data":{"resultType":"${path.includes('query_range') ? 'matrix' : 'vector'}","result":null}}`;

interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Starts a proxy to `opts.upstream` on 127.0.0.1 (a free port), passing everything until told otherwise. */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(opts.upstream);
  const slowMs = opts.slowMs ?? 1_500;
  const log: Exchange[] = [];
  const counts = new Map<Fault, number>();
  let faults: readonly Fault[] = ['pass'];
  let turn = 0;

  const forward = (req: http.IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });

  const answer = (res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders, body: Buffer | string): void => {
    if (res.destroyed || res.headersSent) return;
    const b = Buffer.from(body);
    res.writeHead(status, { ...headers, 'content-length': String(b.length) });
    res.end(b);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const fault = faults[turn++ % faults.length];
      counts.set(fault, (counts.get(fault) ?? 0) + 1);
      const entry: Exchange = { t: 0, method: req.method ?? '', path: req.url ?? '', body: body.toString('utf8'), fault, forwarded: false, upstreamStatus: 0 };
      const done = () => {
        entry.t = Date.now();
        log.push(entry);
      };
      void (async () => {
        try {
          switch (fault) {
            case 'reset':
              req.socket.resetAndDestroy();
              return;
            case '429':
              return answer(res, 429, { 'retry-after': '1', 'content-type': 'text/plain' }, 'too many requests (fault proxy)');
            case '500':
              return answer(res, 500, { 'content-type': 'text/plain' }, 'internal error (fault proxy)');
            case '503':
              return answer(res, 503, { 'content-type': 'text/plain' }, 'service unavailable (fault proxy)');
            case 'wrong-shape':
              return answer(res, 200, { 'content-type': 'application/json' }, wrongShape(entry.path));
            default:
              break;
          }
          if (fault === 'slow') await new Promise((r) => setTimeout(r, slowMs));
          entry.forwarded = true;
          const up = await forward(req, body);
          entry.upstreamStatus = up.status;
          const headers = { ...up.headers };
          delete headers['content-length'];
          delete headers['transfer-encoding'];
          delete headers.connection;
          if (fault === 'malformed') return answer(res, 200, { 'content-type': 'application/json' }, MALFORMED);
          if (fault === 'truncate') {
            if (res.destroyed) return;
            res.writeHead(up.status, { ...headers, 'content-length': String(Math.max(2, up.body.length)) });
            res.write(up.body.subarray(0, Math.floor(up.body.length / 2)));
            // Let the half body leave before the connection goes.
            setTimeout(() => res.socket?.destroy(), 20);
            return;
          }
          return answer(res, up.status, headers, up.body);
        } catch (e) {
          // The upstream is down (or went away): say so as a proxy would.
          answer(res, 502, { 'content-type': 'text/plain' }, `bad gateway (fault proxy): ${(e as Error).message}`);
        } finally {
          done();
        }
      })();
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    set(f) {
      faults = typeof f === 'string' ? [f] : [...f];
      turn = 0;
    },
    log,
    count: (f) => counts.get(f) ?? 0,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
