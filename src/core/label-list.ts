/**
 * Labels kad adds to every alert it sends (`KAD_ALERT_LABELS`), as Prometheus adds its
 * `external_labels`: written `name=value` pairs separated by commas, e.g. `cluster=prod-eu,region=eu-west-1`
 * (a comma or an equals sign in a value as `%2C`, `%3D`), so that alerts of kad in several clusters
 * stay apart in one Alertmanager.
 */
import { ConfigError } from './errors.js';

/** A Prometheus label name. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Labels kad sets itself on its alerts (and `resource`, the early warning's). */
const KAD_LABELS = new Set(['alertname', 'namespace', 'pod', 'workload', 'severity', 'source', 'resource']);

/**
 * Parses `name=value,…` into labels. Throws a {@link ConfigError} naming `setting` for an entry that is
 * not name=value, a name that is not a label name, one that starts with `__` (reserved by Prometheus),
 * one kad sets itself (`severity` has its own setting), a name given twice, or an empty value.
 */
export function parseLabelList(text: string, setting: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(',').forEach((part, i) => {
    const item = part.trim();
    if (!item) return;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${setting}: entry ${i + 1} (${JSON.stringify(item)}) is not name=value; write labels as name=value pairs separated by commas, e.g. cluster=prod-eu`);
    const name = item.slice(0, eq).trim();
    let value: string;
    try {
      value = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      throw new ConfigError(`${setting}: the value of ${name} has a % that is not followed by two hexadecimal digits`);
    }
    if (!LABEL_NAME.test(name)) throw new ConfigError(`${setting}: ${JSON.stringify(name)} is not a label name (a letter or _, then letters, digits and _)`);
    if (name.startsWith('__')) throw new ConfigError(`${setting}: ${name}: names starting with __ are reserved by Prometheus`);
    if (KAD_LABELS.has(name)) throw new ConfigError(`${setting}: ${name} is a label kad sets itself${name === 'severity' ? ' (set it with KAD_ALERT_SEVERITY)' : ''}`);
    if (name in out) throw new ConfigError(`${setting}: the label ${name} is given a second time`);
    if (value === '') throw new ConfigError(`${setting}: ${name} has an empty value (Alertmanager drops an empty label)`);
    // eslint-disable-next-line no-control-regex -- what is refused
    if (/[\x00-\x1f\x7f]/.test(value)) throw new ConfigError(`${setting}: the value of ${name} holds a control character (a tab, a line break, …), which Alertmanager's filters cannot match`);
    out[name] = value;
  });
  return out;
}
