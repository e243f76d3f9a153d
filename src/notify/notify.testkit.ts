/**
 * Test helpers for the notify folder: a logger that records, a flagged pod factory, a scriptable
 * in-memory sink and a small HTTP receiver that records what is POSTed to it.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AlertPayload } from './payload.js';
import type { FlaggedPod } from './base.js';
import { DeliveryError, type NotifyLogger, type Sink } from './sink.js';

/** A {@link NotifyLogger} that keeps every line. */
export function recordingLogger(): NotifyLogger & { lines: { level: string; msg: string }[]; text(level?: string): string } {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (obj: object | string, msg?: string) => {
    lines.push({ level, msg: typeof obj === 'string' ? obj : msg ?? JSON.stringify(obj) });
  };
  return {
    lines,
    info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'),
    text: (level) => lines.filter((l) => !level || l.level === level).map((l) => l.msg).join('\n'),
  };
}

/** A flagged pod in namespace `shop`, workload `cart`. */
export function flaggedPod(pod: string, over: Partial<FlaggedPod> = {}): FlaggedPod {
  return {
    namespace: 'shop',
    pod,
    workload: 'cart',
    score: 0.95,
    threshold: 0.8,
    modelVersion: 'v1',
    topFeatures: [{ name: 'cpu_above_peers', value: 1.38, z: 13.8, expected: [-0.2, 0.3] }],
    ...over,
  };
}

/** An in-memory sink; set `fail` to make sends throw (a message, or a DeliveryError). */
export class MemorySink implements Sink {
  readonly url = 'memory://sink';
  readonly batches: AlertPayload[][] = [];
  fail: DeliveryError | null = null;
  constructor(readonly name = 'memory') {}

  async send(alerts: AlertPayload[]): Promise<void> {
    if (this.fail) throw this.fail;
    this.batches.push(alerts);
  }

  /** Every alert delivered, in order. */
  get alerts(): AlertPayload[] {
    return this.batches.flat();
  }
}

/** A recorded request. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** An HTTP receiver on 127.0.0.1; `respond` decides each answer (default 200). */
export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  respond: (req: ReceivedRequest) => { status: number; body?: string; delayMs?: number };
  close(): Promise<void>;
}

/** Starts a {@link Receiver} on a free port. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const rx: Receiver = {
    url: '',
    requests,
    respond: () => ({ status: 200 }),
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      let body: unknown = text;
      try { body = JSON.parse(text); } catch { /* keep the text */ }
      const r: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(r);
      const answer = rx.respond(r);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '');
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  (rx as { url: string }).url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return rx;
}
