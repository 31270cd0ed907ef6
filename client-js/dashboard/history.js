// The task history in the dashboard (GET /v1/stats): tasks per step — created,
// succeeded, failed — and the queue wait's p50 and p95, for one kind or every kind,
// over the last hour, day or week; charts by uPlot, redrawn every 30 s.
import uPlot from './uPlot.esm.js';
import { RANGES, COUNTS, WAIT_COLORS, chartData, countsSummary } from './history_data.js';

export class History {
  /** @param {{ client: any, $: (id: string) => any }} deps */
  constructor({ client, $ }) {
    this.client = client;
    this.$ = $;
    /** @type {any[]} */ this.charts = [];
    this.timer = 0;
    $('history-form').addEventListener('change', () => void this.refresh());
    new ResizeObserver(() => this.resize()).observe($('history-charts'));
  }

  /** The kinds to choose from. @param {string[]} names */
  setKinds(names) {
    for (const name of names) this.$('history-kind').append(new Option(name, name));
  }

  async refresh() {
    clearTimeout(this.timer);
    const [span, step] = RANGES[/** @type {keyof typeof RANGES} */ (this.$('history-range').value)];
    const kind = this.$('history-kind').value || undefined;
    try {
      const stats = await this.client.stats({ kind, from: new Date(Date.now() - span * 1000), stepS: step });
      this.$('history-error').hidden = true;
      this.draw(chartData(stats), step);
    } catch (err) {
      this.$('history-error').textContent = err.status === 403 ? 'The task history needs the admin claim.'
        : `Could not load the task history: ${err.message}`;
      this.$('history-error').hidden = false;
    }
    this.timer = window.setTimeout(() => void this.refresh(), 30000);
  }

  /** @param {ReturnType<typeof chartData>} data @param {number} step */
  draw(data, step) {
    for (const chart of this.charts) chart.destroy();
    const width = this.width();
    const per = step === 60 ? 'minute' : step === 3600 ? 'hour' : `${step / 60} minutes`;
    this.$('history-counts-label').textContent = `Tasks per ${per}: ${countsSummary(data)}`;
    this.$('history-wait-label').textContent = data.waits.length
      ? `Queue wait in ms: ${data.waits.map((w) => w.label).join(', ')}` : 'Queue wait: no history';
    const axes = [{}, { size: 50 }];
    this.charts = [
      new uPlot({ width, height: 160, axes, series: [{}, ...COUNTS.map(([label, stroke]) => ({ label, stroke, width: 2 }))] },
        [data.times, ...data.counts], this.$('history-counts')),
      new uPlot({ width, height: 160, axes, series: [{}, ...data.waits.map((w, i) => ({
        label: w.label, stroke: WAIT_COLORS[i % WAIT_COLORS.length], width: 2, points: { show: true } }))] },
      [data.times, ...data.waits.map((w) => w.values)], this.$('history-wait')),
    ];
  }

  width() {
    return Math.max(200, this.$('history-charts').clientWidth - 8);
  }

  resize() {
    for (const chart of this.charts) chart.setSize({ width: this.width(), height: 160 });
  }
}
