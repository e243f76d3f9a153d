import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { csvTableBlocksOf } from '../sources/csv-table.js';
import { trainOnTable, type TableSource, type TableTrainSettings } from './train-table.js';

/** A labelled CSV: a time column, two numeric features (one with gaps), a text column, the class. */
function csv(rows: number): string {
  const rng = createRng(3);
  const lines = ['time,cpu,drops,zone,label'];
  for (let i = 0; i < rows; i++) {
    const cls = i % 7 === 0 ? 'packet_loss' : i % 7 === 1 ? 'cpu_runaway' : 'normal';
    const cpu = (cls === 'cpu_runaway' ? 4 : 1) + 0.5 * rng.normal();
    const drops = (cls === 'packet_loss' ? 0.2 : 0) + 0.05 * rng.next();
    lines.push(`${1_700_000_000 + 60 * i},${cpu.toFixed(4)},${i % 11 === 3 ? '' : drops.toFixed(4)},${['a', 'b', 'c'][i % 3]},${cls}`);
  }
  return lines.join('\n') + '\n';
}

const SETTINGS: TableTrainSettings = { target: 'label', kind: 'random-forest', params: { nEstimators: 10 }, testSize: 0.25, seed: 5, smote: false, classWeight: false };

/** The CSV as a source read in blocks of about `blockBytes`. */
const blocksOf = (text: string, blockBytes: number): TableSource => ({ name: 'x.csv', blocks: () => csvTableBlocksOf(Buffer.from(text), 'x.csv', blockBytes) });

describe('trainOnTable', () => {
  it('trains the same model on a file read in blocks (twice, never whole) as on the whole table', () => {
    const text = csv(600);
    const whole = trainOnTable([...csvTableBlocksOf(Buffer.from(text), 'x.csv', Infinity)][0], SETTINGS); // one table of every row
    const blocks = trainOnTable(blocksOf(text, 500), SETTINGS);
    expect(blocks.encoder.toJSON()).toEqual(whole.encoder.toJSON());
    expect(blocks.encoder.names).toEqual(['cpu', 'drops', 'zone=a', 'zone=b', 'zone=c']);
    expect(JSON.stringify(blocks.model.toJSON())).toBe(JSON.stringify(whole.model.toJSON()));
    expect(blocks.report).toEqual(whole.report);
    expect(blocks.rows).toBe(600);
  });

  it('names the line of a row without a class in a later block, and refuses a single class', () => {
    const lines = csv(600).split('\n');
    lines[451] = lines[451].replace(/,[a-z_]+$/, ',');
    expect(() => trainOnTable(blocksOf(lines.join('\n'), 500), SETTINGS)).toThrow(/^x\.csv:452: column "label" is empty; every row needs a class$/);
    const one = ['cpu,label', ...Array.from({ length: 50 }, (_, i) => `${i},normal`)].join('\n');
    expect(() => trainOnTable(blocksOf(one, 100), SETTINGS)).toThrow(/column "label" has a single class \("normal"\)/);
  });
});
