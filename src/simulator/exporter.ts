/**
 * An HTTP exporter for the simulated cluster, so a real Prometheus can scrape it. Plain `node:http`:
 * - `GET /metrics`: advances the cluster to `clock.now()` and returns the text exposition;
 * - `GET /incidents`: the ground truth as JSON (`?future=1` adds the planned schedule);
 * - `GET /healthz`: `ok`;
 * - `POST /incidents` (with `inject`): injects an incident now (src/simulator/inject.ts).
 *
 * Errors answer as the API's do: `{ code, error, message }` with a `KAD_ERR_…` code (400, 404, 405
 * with `Allow`, 500, and what the HTTP parser rejects: 400, 408, 431), and every answer carries the
 * security headers (core/http-errors.ts, core/security-headers.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../core/clock.js';
import { InputError } from '../core/errors.js';
import { clientErrorHandler, errorBody } from '../core/http-errors.js';
import { SECURITY_HEADERS } from '../core/security-headers.js';
import type { SimulatedCluster } from './cluster.js';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from './exposition.js';
import { injectFromRequest } from './inject.js';
import type { Incident } from './types.js';

/** Options of {@link startExporter}. */
export interface ExporterOptions {
  cluster: SimulatedCluster;
  /** The time the cluster is advanced to on each scrape. */
  clock: Clock;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Write each sample's timestamp (the cluster's time) into the exposition. */
  withTimestamps?: boolean;
  /** Accept `POST /incidents` (incident injection, for demos). Default false. */
  inject?: boolean;
}

/** A running exporter. */
export interface Exporter {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  close(): Promise<void>;
}

/** One ground-truth entry as `/incidents` serves it: epoch ms and ISO 8601 times. */
export interface IncidentJson extends Incident {
  startIso: string;
  endIso: string;
}

/** Adds ISO times to an incident, for JSON consumers. */
export function incidentToJson(i: Incident): IncidentJson {
  return { ...i, startIso: new Date(i.start).toISOString(), endIso: new Date(i.end).toISOString() };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

/** An error answer in the shape of every kad error answer. */
function sendError(res: ServerResponse, status: number, message: string): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(errorBody(status, message)));
}

function handle(opts: ExporterOptions, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (opts.inject && req.method === 'POST' && url.pathname === '/incidents') {
    injectFromRequest(opts.cluster, opts.clock, req).then(
      (i) => send(res, 201, 'application/json; charset=utf-8', JSON.stringify(incidentToJson(i))),
      (e: Error) => sendError(res, e instanceof InputError ? 400 : 500, e.message),
    );
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const allow = opts.inject && url.pathname === '/incidents' ? 'GET, HEAD, POST' : 'GET, HEAD';
    res.setHeader('allow', allow);
    sendError(res, 405, `${req.method} is not allowed on ${url.pathname}; allowed: ${allow}`);
    return;
  }
  const { cluster } = opts;
  switch (url.pathname) {
    case '/metrics': {
      cluster.advanceTo(opts.clock.now());
      const samples = cluster.samples(opts.withTimestamps ? { timestamp: cluster.time } : {});
      send(res, 200, EXPOSITION_CONTENT_TYPE, renderExposition(samples));
      return;
    }
    case '/incidents': {
      cluster.advanceTo(opts.clock.now());
      const future = url.searchParams.get('future');
      const list = cluster.incidents({ includeFuture: future === '1' || future === 'true' });
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify(list.map(incidentToJson)));
      return;
    }
    case '/healthz':
      send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
      return;
    default:
      sendError(res, 404, `No route ${req.method} ${url.pathname}; try /metrics, /incidents, /healthz`);
  }
}

/** Starts the exporter; resolves once it listens. */
export function startExporter(opts: ExporterOptions): Promise<Exporter> {
  const server = createServer((req, res) => {
    try {
      handle(opts, req, res);
    } catch (err) {
      if (!res.headersSent) sendError(res, 500, `simulator error: ${(err as Error).message}`);
      else res.destroy();
    }
  });
  server.on('clientError', clientErrorHandler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
      resolve({
        url: `http://${host}:${port}`,
        close: () => new Promise<void>((done, fail) => {
          server.close((e) => (e ? fail(e) : done()));
          server.closeAllConnections();
        }),
      });
    });
  });
}
