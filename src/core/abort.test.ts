import { describe, expect, it } from 'vitest';
import { requestAbort } from './abort.js';

describe('requestAbort', () => {
  it('aborts on its timeout and says so', async () => {
    const r = requestAbort(20);
    await new Promise((resolve) => r.signal.addEventListener('abort', resolve));
    expect(r.timedOut).toBe(true);
    r.dispose();
  });

  it('follows the caller\'s signal, aborted already or later, and abort(); dispose() stops both', async () => {
    const parent = new AbortController();
    const r = requestAbort(10_000, parent.signal);
    parent.abort();
    expect(r.signal.aborted).toBe(true);
    expect(r.timedOut).toBe(false);
    r.dispose();
    expect(requestAbort(10_000, parent.signal).signal.aborted).toBe(true);

    const other = new AbortController();
    const d = requestAbort(20, other.signal);
    d.dispose();
    other.abort();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(d.signal.aborted).toBe(false);
    const own = requestAbort(10_000);
    own.abort();
    expect(own.signal.aborted).toBe(true);
    own.dispose();
  });
});
