import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { checkApiAuth, sameToken } from './auth.js';

describe('API token', () => {
  it('compares tokens of any length without throwing', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abcd')).toBe(false);
    expect(sameToken('', 'x'.repeat(1000))).toBe(false);
  });

  it('refuses at start a token and a token file together, and a token file that is missing or empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-auth-'));
    writeFileSync(join(dir, 'empty'), '\n');
    writeFileSync(join(dir, 'ok'), 'tok\n');
    expect(() => checkApiAuth({ token: 'a', tokenFile: join(dir, 'ok') })).toThrow(/not both/);
    expect(() => checkApiAuth({ tokenFile: join(dir, 'missing') })).toThrow(ConfigError);
    expect(() => checkApiAuth({ tokenFile: join(dir, 'missing') })).toThrow(/ENOENT/);
    expect(() => checkApiAuth({ tokenFile: join(dir, 'empty') })).toThrow(/is empty/);
    expect(() => checkApiAuth({ tokenFile: join(dir, 'ok') })).not.toThrow();
    expect(() => checkApiAuth({})).not.toThrow();
  });
});
