/**
 * The options that choose how scores become flags and alerts, shared by `kad score` and `kad evaluate`:
 * `--policy` (the alert policy's settings) and `--target-fpr` (the calibrated flags' target rate). A
 * module of its own so that `kad score` does not load the evaluation's corpus readers to parse them.
 */
import { loadConfig } from '../config/load.js';
import { UsageError } from '../core/errors.js';
import { AlertPolicy, type AlertPolicyParams } from '../policy/alert-policy.js';

/**
 * Parses `--policy`: `default` (the built-in settings), or comma-separated `setting=value` pairs of
 * {@link AlertPolicyParams} (numbers, or true/false for stopLearning), e.g. `k=2,n=3,cooldownSeconds=600`.
 * Throws {@link UsageError} naming the bad pair or setting.
 */
export function parsePolicySpec(spec: string): AlertPolicyParams {
  const out: Record<string, number | boolean> = {};
  if (spec === 'default') return out;
  for (const pair of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(pair);
    if (!m) throw new UsageError(`--policy: expected setting=value, got "${pair}"`);
    const v = m[2] === 'true' ? true : m[2] === 'false' ? false : Number(m[2]);
    if (typeof v === 'number' && !Number.isFinite(v)) throw new UsageError(`--policy: ${m[1]} must be a number, got "${m[2]}"`);
    out[m[1]] = v;
  }
  try {
    new AlertPolicy(out);
  } catch (e) {
    throw new UsageError(`--policy: ${(e as Error).message}`);
  }
  return out;
}

/**
 * The target false-alarm rate of calibrated flags: `--target-fpr` when given, else the config's
 * `policy.targetFalseAlarmRate` (KAD_TARGET_FALSE_ALARM_RATE, default in config/schema.ts). 0: flag at
 * the detector's own threshold. Throws {@link UsageError} for a bad flag, `ConfigError` for a bad variable.
 */
export function targetFalseAlarmRate(flag: unknown, env: Record<string, string | undefined>): number {
  if (flag === undefined) {
    // Only this setting's variable: kad score and kad evaluate read no other config.
    return loadConfig({ env: { KAD_TARGET_FALSE_ALARM_RATE: env.KAD_TARGET_FALSE_ALARM_RATE } }).policy.targetFalseAlarmRate;
  }
  const rate = Number(flag);
  if (!(Number.isFinite(rate) && rate >= 0 && rate <= 0.5)) {
    throw new UsageError(`--target-fpr must be a share of each series' points from 0 (the detector's own threshold) to 0.5, e.g. 0.001, got "${String(flag)}"`);
  }
  return rate;
}
