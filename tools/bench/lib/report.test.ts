import { describe, expect, it } from 'vitest';
import { fromRounds, line } from './report.js';
import { median, percentile, show } from './stats.js';

describe('benchmark lines', () => {
  it('start with ID metric=value baseline=value ratio=x.xx, ratios taken per round', () => {
    const m = fromRounds({
      id: 'P3',
      title: 'read',
      metric: 'req_per_s',
      values: [300, 100, 200],
      baselines: [1000, 1000, 400],
      figures: { p99_ms: 12.345 },
      target: ({ ratio }) => ({ text: 'ratio >= 0.60', met: ratio !== null && ratio >= 0.6 }),
    });
    // Per round: 0.3, 0.1, 0.5; the median ratio is 0.3, not 200 / 1000.
    expect(m.ratio).toBeCloseTo(0.3);
    expect(m.spread.ratio).toEqual([0.1, 0.5]);
    expect(line(m)).toMatch(
      /^P3 req_per_s=200 baseline=1000 ratio=0\.30 rounds=3 spread=req_per_s:100\.\.300,baseline:400\.\.1000,ratio:0\.100\.\.0\.500 p99_ms=12\.3 target="ratio >= 0\.60" MISS$/,
    );
  });

  it('print baseline=- and ratio=- where there is no baseline, and no verdict without a target', () => {
    const m = fromRounds({
      id: 'P2-commit',
      title: 'unlock',
      metric: 'p99_ms',
      values: [120],
      target: ({ value }) => ({ text: 'p99 < 250 ms', met: value < 250 }),
    });
    expect(line(m)).toMatch(/^P2-commit p99_ms=120 baseline=- ratio=- rounds=1 .* PASS$/);
    const informative = fromRounds({
      id: 'C1',
      title: 'counters',
      metric: 'tx_per_s',
      values: [5],
      baselines: [10],
      target: () => ({ text: 'none', met: null }),
    });
    expect(line(informative)).toMatch(/target="none"$/);
  });
});

describe('statistics', () => {
  it('medians and nearest-rank percentiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(show(1234.56)).toBe('1235');
    expect(show(0.012345)).toBe('0.0123');
    expect(show(null)).toBe('-');
  });
});
