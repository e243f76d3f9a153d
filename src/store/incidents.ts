/**
 * Incidents: alerts and anomaly events that start close together in one namespace, grouped so that
 * one failure shows as one problem, not twenty alerts. Events are taken in order of their start; an
 * event joins the open incident of its namespace when it starts within `windowMs` (default 5 minutes)
 * of the incident's latest start, else it opens a new one (a chain: a cascade that keeps spreading
 * stays one incident). A workload lives in one namespace, so events of one workload always group.
 * An incident ends when its last event ends (null while any is open). Pure: no store, no clock.
 */

/** An alert or anomaly event, as grouping sees it. */
export interface IncidentEvent {
  kind: 'alert' | 'anomaly';
  id: number;
  namespace: string;
  workload: string;
  pod: string;
  start: number;
  /** Null while it lasts. */
  end: number | null;
}

/** A group of events. */
export interface Incident {
  /** `namespace@start` of its first event. */
  id: string;
  start: number;
  end: number | null;
  namespace: string;
  workloads: string[];
  pods: string[];
  /** Ids of its alerts and anomaly events, in order of their start. */
  alerts: number[];
  anomalies: number[];
}

/** Default gap between starts that still joins one incident: 5 minutes. */
export const INCIDENT_WINDOW_MS = 5 * 60_000;

/** Groups `events` into incidents (newest first); see the module comment. */
export function groupIncidents(events: readonly IncidentEvent[], windowMs = INCIDENT_WINDOW_MS): Incident[] {
  const sorted = [...events].sort((a, b) => a.start - b.start || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.id - b.id));
  const open = new Map<string, { incident: Incident; lastStart: number; workloads: Set<string>; pods: Set<string> }>();
  const out: Incident[] = [];
  for (const e of sorted) {
    let g = open.get(e.namespace);
    if (!g || e.start - g.lastStart > windowMs) {
      const incident: Incident = { id: `${e.namespace}@${e.start}`, start: e.start, end: e.end, namespace: e.namespace, workloads: [], pods: [], alerts: [], anomalies: [] };
      g = { incident, lastStart: e.start, workloads: new Set(), pods: new Set() };
      open.set(e.namespace, g);
      out.push(incident);
    }
    const inc = g.incident;
    g.lastStart = e.start;
    g.workloads.add(e.workload);
    g.pods.add(e.pod);
    inc.end = inc.end === null || e.end === null ? null : Math.max(inc.end, e.end);
    (e.kind === 'alert' ? inc.alerts : inc.anomalies).push(e.id);
    inc.workloads = [...g.workloads].sort();
    inc.pods = [...g.pods].sort();
  }
  return out.reverse();
}
