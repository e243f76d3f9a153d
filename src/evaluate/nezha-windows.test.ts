import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nezhaWindowTasks } from './nezha-windows.js';

const dir = join(process.env.DATA ?? '../shared/data', 'nezha-onlineboutique');

describe.skipIf(!existsSync(dir))('Nezha fault windows (the real corpus in ../shared/data)', () => {
  it('gives one fault-type row per fault and one faulty-or-not row per pod and fault, with the same columns', () => {
    const { faultType, faultyPod } = nezhaWindowTasks(dir);
    expect(faultType.rows).toBe(56);
    expect(new Set(faultType.labels)).toEqual(new Set(['cpu_contention', 'cpu_consumed', 'exception', 'network_delay', 'return']));
    expect(faultyPod.rows).toBeGreaterThan(faultType.rows * 5);
    expect(faultyPod.labels.filter((l) => l === 'fault').length).toBe(56);
    expect(faultType.names).toEqual(faultyPod.names);
    expect(faultType.names).toContain('in:dst_z_mean');
    expect(faultType.data.length).toBe(faultType.rows * faultType.names.length);
  });
});
