import { describe, expect, it } from 'vitest';
import { parseLabelList } from './label-list.js';

describe('parseLabelList', () => {
  it('reads name=value pairs separated by commas, values percent-decoded', () => {
    expect(parseLabelList('cluster=prod-eu, region = eu-west-1,', 'L')).toEqual({ cluster: 'prod-eu', region: 'eu-west-1' });
    expect(parseLabelList('team=a%2Cb', 'L')).toEqual({ team: 'a,b' });
  });

  it('names the setting and what is wrong', () => {
    expect(() => parseLabelList('prod-eu', 'KAD_ALERT_LABELS')).toThrow(/^KAD_ALERT_LABELS: entry 1 \("prod-eu"\) is not name=value/);
    expect(() => parseLabelList('my-cluster=a', 'L')).toThrow(/^L: "my-cluster" is not a label name/);
    expect(() => parseLabelList('__name__=a', 'L')).toThrow(/names starting with __ are reserved/);
    expect(() => parseLabelList('severity=page', 'L')).toThrow(/^L: severity is a label kad sets itself \(set it with KAD_ALERT_SEVERITY\)/);
    expect(() => parseLabelList('namespace=x', 'L')).toThrow(/namespace is a label kad sets itself/);
    expect(() => parseLabelList('cluster=a,cluster=b', 'L')).toThrow(/the label cluster is given a second time/);
    expect(() => parseLabelList('cluster=', 'L')).toThrow(/cluster has an empty value/);
    expect(() => parseLabelList('team=a%09b', 'L')).toThrow(/the value of team holds a control character/);
  });
});
