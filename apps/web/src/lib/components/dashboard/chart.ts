/**
 * The parts of chart.js the dashboard draws with, and nothing else: a line
 * and a bar chart on a category axis. Loaded by the browser only, when a
 * chart mounts, so the server never sees chart.js and the pages without a
 * chart never download it.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

/** How a series is drawn: a running total as a line, a daily amount as bars. */
export type ChartKind = 'line' | 'bar';

/** The site's green, readable on white, and a paler fill for bars. */
const INK = '#1d6b3a';
const FILL = '#1d6b3a99';

/**
 * Draws one series on `canvas`; answers a function that replaces its data
 * (the dashboard refreshes) and one that frees the chart.
 */
export function drawChart(
  canvas: HTMLCanvasElement,
  kind: ChartKind,
  label: string,
  labels: string[],
  values: number[],
  locale: string,
): { update(labels: string[], values: number[]): void; destroy(): void } {
  const chart = new Chart(canvas, {
    type: kind,
    data: {
      labels,
      datasets: [
        {
          label,
          data: values,
          borderColor: INK,
          backgroundColor: kind === 'bar' ? FILL : INK,
          pointRadius: labels.length > 40 ? 0 : 2,
          tension: 0,
        },
      ],
    },
    options: {
      locale,
      // The numbers move often; motion would only distract (and costs battery).
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true } },
      plugins: { tooltip: { enabled: true } },
    },
  });
  return {
    update(nextLabels, nextValues) {
      chart.data.labels = nextLabels;
      const dataset = chart.data.datasets[0];
      if (dataset) dataset.data = nextValues;
      chart.update('none');
    },
    destroy: () => chart.destroy(),
  };
}
