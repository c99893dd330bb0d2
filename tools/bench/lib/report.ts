import { median, show, spread } from './stats.js';

/**
 * One line of the benchmark and one object of `bench/results.json`: a
 * figure of Tandem (`value`), the limit it is compared to measured in the
 * same run (`baseline`), their ratio, and the target the ratio (or a
 * latency) must meet. Values are medians over rounds; `spread` gives the
 * lowest and highest round.
 */
export interface Measurement {
  id: string;
  title: string;
  /** Name of `value`, with its unit (`pledges_per_s`, `p99_ms`). */
  metric: string;
  value: number;
  baseline: number | null;
  /** What the baseline is. */
  baselineIs: string | null;
  ratio: number | null;
  rounds: number;
  spread: {
    value: [number, number];
    baseline?: [number, number];
    ratio?: [number, number];
  };
  /** Other figures of the run (latencies, sizes), medians over rounds. */
  figures: Record<string, number | string>;
  target: { text: string; met: boolean | null };
}

/** Builds a measurement from per-round values (and baselines, paired with them). */
export function fromRounds(input: {
  id: string;
  title: string;
  metric: string;
  values: number[];
  baselines?: number[];
  baselineIs?: string;
  figures?: Record<string, number | string>;
  target: (m: { value: number; ratio: number | null }) => { text: string; met: boolean | null };
}): Measurement {
  const value = median(input.values);
  const baselines = input.baselines;
  const ratios = baselines ? input.values.map((v, i) => v / (baselines[i] as number)) : null;
  const ratio = ratios ? median(ratios) : null;
  return {
    id: input.id,
    title: input.title,
    metric: input.metric,
    value,
    baseline: baselines ? median(baselines) : null,
    baselineIs: input.baselineIs ?? null,
    ratio,
    rounds: input.values.length,
    spread: {
      value: spread(input.values),
      ...(baselines ? { baseline: spread(baselines) } : {}),
      ...(ratios ? { ratio: spread(ratios) } : {}),
    },
    figures: input.figures ?? {},
    target: input.target({ value, ratio }),
  };
}

const range = ([low, high]: [number, number]) => `${show(low)}..${show(high)}`;

/** `ID metric=value baseline=value ratio=x.xx`, then the spread, the figures, the target. */
export function line(m: Measurement): string {
  const head = `${m.id} ${m.metric}=${show(m.value)} baseline=${show(m.baseline)} ratio=${m.ratio === null ? '-' : m.ratio.toFixed(2)}`;
  const spreads = [`${m.metric}:${range(m.spread.value)}`];
  if (m.spread.baseline) spreads.push(`baseline:${range(m.spread.baseline)}`);
  if (m.spread.ratio) spreads.push(`ratio:${m.spread.ratio.map((r) => r.toFixed(3)).join('..')}`);
  const figures = Object.entries(m.figures).map(
    ([k, v]) => `${k}=${typeof v === 'number' ? show(v) : v}`,
  );
  const verdict = m.target.met === null ? '' : m.target.met ? ' PASS' : ' MISS';
  return [
    head,
    `rounds=${m.rounds}`,
    `spread=${spreads.join(',')}`,
    ...figures,
    `target="${m.target.text}"${verdict}`,
  ].join(' ');
}
