/**
 * The call graph's schedule: every `refreshMs` of data time (and at the first live cycle) the source
 * is asked for its call graph (Source.callGraph, from the service mesh's series) and the scoring cycle
 * inhibits alerts along it from then on (policy/alert-inhibition.ts). A source without one is never
 * asked; a failed refresh is logged and the graph in use kept, so it never stops a cycle.
 */
import type { Logger } from '../core/logger.js';
import type { CallEdge } from '../core/samples.js';
import { callGraph, type CallGraph } from '../policy/topology-inhibition.js';
import type { Source } from '../sources/base.js';

/** How often the call graph is refreshed by default, ms of data time (5 minutes). */
export const CALL_GRAPH_REFRESH_MS = 5 * 60_000;

/** Refreshes the call graph from the source; see the module comment. */
export class CallGraphRefresh {
  private nextAt = -Infinity;
  private edges = 0;

  constructor(private readonly deps: { source: Source; log: Logger }, private readonly refreshMs = CALL_GRAPH_REFRESH_MS) {}

  /** The graph read now when a refresh is due at time `t` and the source has one; else null (keep the one in use). */
  async due(t: number, signal?: AbortSignal): Promise<CallGraph | null> {
    const { source, log } = this.deps;
    if (!source.callGraph || t < this.nextAt) return null;
    this.nextAt = t + this.refreshMs;
    let edges: CallEdge[];
    try {
      edges = await source.callGraph(t, signal);
    } catch (e) {
      if (signal?.aborted) throw e;
      log.warn({ err: (e as Error).message }, 'could not refresh the call graph; keeping the one in use');
      return null;
    }
    if (edges.length !== this.edges) log.info({ edges: edges.length }, 'call graph refreshed');
    this.edges = edges.length;
    return callGraph(edges.map((e) => [e.from, e.to] as const));
  }
}
