import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AlertPayload } from './payload.js';
import { entryId, Outbox } from './outbox.js';
import { recordingLogger } from './notify.testkit.js';
import { writeJsonAtomic } from '../store/state-file.js';

const T0 = Date.UTC(2024, 0, 1);
const dir = () => mkdtempSync(join(tmpdir(), 'kad-outbox-'));

function alert(pod: string, status: 'firing' | 'resolved' = 'firing', startsAt = T0, endsAt = T0 + 240_000): AlertPayload {
  return {
    status,
    labels: { alertname: 'KadPodAnomaly', namespace: 'ns', pod },
    annotations: { summary: `pod ${pod}` },
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    generatorURL: '',
  };
}

const open = (d: string | null, log = recordingLogger(), maxEntries?: number) => new Outbox({ dir: d, sink: 'am', log, now: T0, maxEntries });

describe('Outbox', () => {
  it('persists what is queued and loads it back in order', async () => {
    const d = dir();
    const ob = open(d);
    ob.enqueue([alert('a'), alert('b')], T0);
    await ob.persist();
    expect(ob.file).toBe(join(d, 'outbox-am.json'));
    const again = open(d);
    expect(again.pending).toBe(2);
    expect(again.peek().map((e) => e.alert.labels.pod)).toEqual(['a', 'b']);
    again.enqueue([alert('c')], T0);
    expect(again.peek().map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(readdirSync(d)).toEqual(['outbox-am.json']);
  });

  it('keeps one entry per episode: a newer state replaces the undelivered one and moves to the end', () => {
    const ob = open(null);
    ob.enqueue([alert('a'), alert('b')], T0);
    ob.enqueue([alert('a', 'resolved', T0, T0 + 1000)], T0 + 1000);
    ob.enqueue([alert('a', 'firing', T0 + 2000)], T0 + 2000);
    expect(ob.peek().map((e) => [e.alert.labels.pod, e.alert.status, e.alert.startsAt])).toEqual([
      ['b', 'firing', new Date(T0).toISOString()],
      ['a', 'resolved', new Date(T0).toISOString()],
      ['a', 'firing', new Date(T0 + 2000).toISOString()],
    ]);
  });

  it('removes delivered entries but keeps one superseded while it was being sent', () => {
    const ob = open(null);
    ob.enqueue([alert('a'), alert('b')], T0);
    const batch = ob.peek();
    ob.attempted(batch);
    ob.enqueue([alert('a', 'resolved', T0, T0 + 5)], T0 + 5);
    ob.remove(batch);
    expect(ob.peek().map((e) => [e.alert.labels.pod, e.alert.status])).toEqual([['a', 'resolved']]);
    expect(batch[1].attempts).toBe(1);
    ob.remove(ob.peek(), true);
    expect(ob.pending).toBe(0);
    expect(ob.dropped).toBe(1);
  });

  it('is bounded: drops the oldest resolved entries first, then the oldest firing, and counts them', () => {
    const log = recordingLogger();
    const ob = open(null, log, 3);
    ob.enqueue([alert('f1'), alert('r1', 'resolved'), alert('f2'), alert('r2', 'resolved')], T0);
    expect(ob.peek().map((e) => e.alert.labels.pod)).toEqual(['f1', 'f2', 'r2']);
    ob.enqueue([alert('f3'), alert('f4')], T0);
    expect(ob.peek().map((e) => e.alert.labels.pod)).toEqual(['f2', 'f3', 'f4']);
    expect(ob.dropped).toBe(3);
    expect(log.text('warn')).toMatch(/outbox of am is full \(3 entries\)/);
  });

  it('moves a corrupt file aside with a logged error and starts empty, without overwriting it', async () => {
    const d = dir();
    const file = join(d, 'outbox-am.json');
    writeFileSync(file, '{"kind":"kad-outbox","formatVersion":1,"entries":[{"seq":');
    const log = recordingLogger();
    const ob = open(d, log);
    expect(ob.pending).toBe(0);
    const aside = readdirSync(d).filter((f) => f.includes('.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(d, aside[0]), 'utf8')).toContain('"entries":[{"seq":');
    expect(log.text('error')).toContain(`moved it to ${join(d, aside[0])}`);
    // A second corruption in the same millisecond gets its own name.
    writeFileSync(file, 'not json');
    open(d, log);
    expect(readdirSync(d).filter((f) => f.includes('.corrupt-'))).toHaveLength(2);
  });

  it('refuses a file of another format version or with malformed entries', async () => {
    const d = dir();
    const file = join(d, 'outbox-am.json');
    await writeJsonAtomic(file, { kind: 'kad-outbox', formatVersion: 2, entries: [] });
    const log = recordingLogger();
    open(d, log);
    expect(log.text('error')).toMatch(/formatVersion 2 is not 1/);
    await writeJsonAtomic(file, { kind: 'kad-outbox', formatVersion: 1, entries: [{ seq: 1, queuedAt: 0, attempts: 0, alert: { status: 'x' } }] });
    open(d, log);
    expect(log.text('error')).toMatch(/entry 0 is malformed/);
    expect(existsSync(file)).toBe(false);
  });

  it('keeps entries in memory and logs once when the file cannot be written', async () => {
    const d = dir();
    const sub = join(d, 'state');
    mkdirSync(sub);
    const log = recordingLogger();
    const ob = open(sub, log);
    rmSync(sub, { recursive: true });
    writeFileSync(sub, 'a file where the directory was');
    ob.enqueue([alert('a')], T0);
    await ob.persist();
    await ob.persist();
    expect(ob.pending).toBe(1);
    expect(ob.persistError).toMatch(/cannot write outbox/);
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });

  it('identifies an episode by fingerprint and startsAt', () => {
    expect(entryId(alert('a'))).toBe(entryId(alert('a', 'resolved', T0, T0 + 1)));
    expect(entryId(alert('a'))).not.toBe(entryId(alert('a', 'firing', T0 + 1)));
  });
});
