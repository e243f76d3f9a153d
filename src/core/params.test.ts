import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { paramReader } from './params.js';

describe('paramReader', () => {
  it('reads numbers with their defaults and checks, naming the component and the setting', () => {
    const num = paramReader('demo', { window: 30 }, ['window', 'z50']);
    expect(num('window', 60, (v) => v >= 3, 'at least 3')).toBe(30);
    expect(num('z50', 6, (v) => v > 0, 'above 0')).toBe(6);
    const bad = paramReader('demo', { window: 'big' }, ['window']);
    expect(() => bad('window', 60, (v) => v >= 3, 'an integer >= 3')).toThrow(new InputError('demo: window must be an integer >= 3, got "big"'));
  });

  it('refuses unknown names, listing the known ones', () => {
    expect(() => paramReader('demo', { windw: 3 }, ['window', 'z50'])).toThrow('demo: unknown parameter "windw"; known: window, z50');
    expect(() => paramReader('policy', { x: 1 }, ['k'], 'setting')).toThrow('policy: unknown setting "x"; known: k');
  });
});
