/**
 * Identities of what is watched: pods, and the workloads (deployments, statefulsets…) they belong to.
 */

/** A pod and where it belongs. */
export interface PodRef {
  namespace: string;
  pod: string;
  /** Owning workload name (deployment, statefulset, daemonset), or the pod name for a bare pod. */
  workload: string;
  node?: string;
}

/** `namespace/pod`: the key of a pod's state everywhere in kad. */
export function podKey(p: { namespace: string; pod: string }): string {
  return `${p.namespace}/${p.pod}`;
}

/** `namespace/workload`: the key of a workload's model. */
export function workloadKey(p: { namespace: string; workload: string }): string {
  return `${p.namespace}/${p.workload}`;
}

const DEPLOYMENT_POD = /^(.+)-[0-9a-f]{6,10}-[0-9a-z]{5}$/; // name-<replicaset hash>-<pod suffix>
const SUFFIXED_POD = /^(.+)-[0-9a-z]{5}$/; // daemonset / job pods: name-<suffix>
const STATEFUL_POD = /^(.+)-\d+$/; // statefulset: name-<ordinal>

/**
 * Infers the workload from a pod name the way Kubernetes generates names: `web-7d4b9c8f6d-x2k9p` →
 * `web` (Deployment), `redis-0` → `redis` (StatefulSet), `node-exporter-7xk2p` → `node-exporter`
 * (DaemonSet). Used when no owner labels are available.
 */
export function workloadFromPodName(pod: string): string {
  const m = DEPLOYMENT_POD.exec(pod) ?? STATEFUL_POD.exec(pod) ?? SUFFIXED_POD.exec(pod);
  return m ? m[1] : pod;
}

/** The workload owning a pod, from kube_pod_info's owner labels, else from the pod's name. */
export function workloadOf(pod: string, kind: string | undefined, name: string | undefined): string {
  if (!name || !kind || kind === '<none>') return workloadFromPodName(pod);
  if (kind === 'ReplicaSet') return name.replace(/-[0-9a-f]{6,10}$/, '');
  if (kind === 'Job') return name.replace(/-\d{8,}$/, ''); // a CronJob's Job: <cronjob>-<scheduled minute>
  return name;
}
