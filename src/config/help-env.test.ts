import { describe, expect, it } from 'vitest';
import { HELP_ENV_VARS } from './help-env.js';
import { environmentVariables } from './load.js';

describe('HELP_ENV_VARS', () => {
  it('is the schema\'s list of environment variables, paths and defaults (add a setting to both)', () => {
    expect(HELP_ENV_VARS).toEqual(environmentVariables().map(({ name, path, default: d }) => ({ name, path, default: d })));
  });
});
