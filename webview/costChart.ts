/**
 * The cost-per-day chart: stacked bars per series, the running total as a line on its own axis, and
 * the daily cap as a dashed line when one is set. Only the chart.js pieces drawn here are registered,
 * so the bundle carries nothing else.
 *
 * CSP: chart.js 4 injects no stylesheet; it sizes the canvas through `element.style` (CSSOM), which a
 * `style-src` without 'unsafe-inline' does not block. Animations are off: the first frame is the
 * final one (fast to paint, and nothing moves for people who prefer reduced motion).
 */
import type { ChartConfiguration, ChartDataset, Plugin, TooltipItem } from 'chart.js';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { ChartModel } from './chartSeries';
import { formatTokens, formatUSD, formatUSDExact } from './format';
import type { ChartTheme } from './theme';
import { withAlpha } from './theme';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

type Kind = 'bar' | 'line';
type Data = Array<number | null>;

export interface CostChartInput {
	readonly model: ChartModel;
	readonly theme: ChartTheme;
	/** Index of the chosen day, or null. */
	readonly selected: number | null;
}

/**
 * Marks the canvas once a frame is drawn, and the first frame on the page's performance timeline
 * (next to `tokenLedger:ready` and `:snapshot`): the end-to-end test reads them, and so can anyone
 * looking at a slow panel in the webview developer tools.
 */
const paintSignal: Plugin<Kind> = {
	id: 'tokenLedgerPaintSignal',
	afterRender(chart) {
		if (chart.canvas.dataset['painted'] === undefined) performance.mark('tokenLedger:painted');
		chart.canvas.dataset['painted'] = 'true';
	},
};

function axisUSD(value: number | string): string {
	const amount = Number(value);
	if (amount >= 1000) return `$${(amount / 1000).toFixed(amount >= 10_000 ? 0 : 1)}k`;
	if (amount === 0 || amount >= 10) return `$${Math.round(amount)}`;
	return `$${amount.toFixed(amount >= 1 ? 1 : 2)}`;
}

function datasets({ model, theme, selected }: CostChartInput): Array<ChartDataset<Kind, Data>> {
	const bars = model.series.map((series, index): ChartDataset<'bar', Data> => {
		const color = series.key === null ? theme.other : theme.series[index % theme.series.length]!;
		const faded = withAlpha(color, 0.3);
		return {
			type: 'bar',
			label: series.label,
			data: [...series.costs],
			stack: 'cost',
			yAxisID: 'y',
			backgroundColor: (context) => (selected === null || context.dataIndex === selected ? color : faded),
			// High-contrast themes draw outlines, so adjacent series stay apart without relying on hue.
			borderColor: theme.highContrast ? theme.foreground : color,
			borderWidth: theme.highContrast ? 1 : 0,
			maxBarThickness: 56,
			pointStyle: 'rect',
			order: 2,
		};
	});
	const lines: Array<ChartDataset<'line', Data>> = [
		{
			type: 'line',
			label: 'Running total',
			data: [...model.cumulative],
			yAxisID: 'running',
			stack: 'running',
			borderColor: theme.running,
			backgroundColor: theme.running,
			borderWidth: 2,
			pointRadius: 3,
			pointHoverRadius: 5,
			pointStyle: 'circle',
			tension: 0,
			order: 0,
		},
	];
	if (model.capUSD !== null) {
		lines.push({
			type: 'line',
			label: `Daily cap ${formatUSD(model.capUSD)}`,
			data: model.dates.map(() => model.capUSD),
			yAxisID: 'y',
			stack: 'cap',
			borderColor: theme.cap,
			backgroundColor: theme.cap,
			borderDash: [6, 4],
			borderWidth: 2,
			pointRadius: 0,
			pointHoverRadius: 0,
			pointStyle: 'line',
			order: 1,
		});
	}
	return [...bars, ...lines];
}

function options(input: CostChartInput, onSelect: (index: number) => void): ChartConfiguration<Kind, Data, string>['options'] {
	const { model, theme } = input;
	const font = { family: theme.fontFamily, size: theme.fontSize };
	const ticks = { color: theme.foreground, font };
	const capMax = model.capUSD === null ? undefined : model.capUSD * 1.1;
	return {
		responsive: true,
		maintainAspectRatio: false,
		animation: false,
		interaction: { mode: 'index', intersect: false },
		onClick: (_event, elements) => {
			const index = elements[0]?.index;
			if (index !== undefined) onSelect(index);
		},
		onHover: (event, elements) => {
			const target = event.native?.target;
			if (target instanceof HTMLCanvasElement) target.classList.toggle('pointing', elements.length > 0);
		},
		scales: {
			x: { stacked: true, grid: { display: false }, ticks, border: { color: theme.grid } },
			y: {
				stacked: true,
				beginAtZero: true,
				...(capMax === undefined ? {} : { suggestedMax: capMax }),
				ticks: { ...ticks, callback: axisUSD, maxTicksLimit: 6 },
				grid: { color: theme.grid },
				border: { display: false },
				title: { display: true, text: 'Cost per day', color: theme.muted, font },
			},
			running: {
				position: 'right',
				beginAtZero: true,
				ticks: { ...ticks, callback: axisUSD, maxTicksLimit: 6 },
				grid: { drawOnChartArea: false },
				border: { display: false },
				title: { display: true, text: 'Running total', color: theme.muted, font },
			},
		},
		plugins: {
			legend: {
				position: 'bottom',
				// Point styles tell the kinds apart: squares for bars, a dot for the running total, a line for the cap.
				labels: { color: theme.foreground, font, usePointStyle: true, boxHeight: 9, pointStyleWidth: 14, padding: 14, sort: (a, b) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0) },
			},
			tooltip: {
				backgroundColor: theme.tooltipBackground,
				titleColor: theme.tooltipForeground,
				bodyColor: theme.tooltipForeground,
				footerColor: theme.tooltipForeground,
				borderColor: theme.tooltipBorder,
				borderWidth: 1,
				titleFont: { ...font, weight: 'bold' },
				bodyFont: font,
				footerFont: font,
				padding: 10,
				// Bars without cost that day would only add noise to the list.
				filter: (item: TooltipItem<Kind>) => item.dataset.type !== 'bar' || (typeof item.raw === 'number' && item.raw > 0),
				callbacks: {
					title: (items) => {
						const index = items[0]?.dataIndex;
						return index === undefined ? '' : (model.dates[index] ?? '');
					},
					label: (item) => `${item.dataset.label ?? ''}: ${typeof item.raw === 'number' ? formatUSDExact(item.raw) : '–'}`,
					footer: (items) => {
						const index = items[0]?.dataIndex;
						if (index === undefined) return '';
						return `Day: ${formatUSDExact(model.dayTotals[index] ?? 0)} · ${formatTokens(model.dayTokens[index] ?? 0)} tokens · ${model.dayRequests[index] ?? 0} requests`;
					},
				},
			},
		},
	};
}

export class CostChart {
	private chart: Chart<Kind, Data, string> | undefined;

	constructor(
		private readonly canvas: HTMLCanvasElement,
		private readonly onSelect: (index: number) => void,
	) {}

	draw(input: CostChartInput): void {
		const labels = [...input.model.labels];
		if (this.chart === undefined) {
			this.chart = new Chart<Kind, Data, string>(this.canvas, {
				type: 'bar',
				data: { labels, datasets: datasets(input) },
				options: options(input, this.onSelect),
				plugins: [paintSignal],
			});
			return;
		}
		// Update in place: no flicker, and the canvas keeps its size and focus.
		this.chart.data.labels = labels;
		this.chart.data.datasets = datasets(input);
		this.chart.options = options(input, this.onSelect) ?? {};
		this.chart.update('none');
	}

	destroy(): void {
		this.chart?.destroy();
		this.chart = undefined;
	}
}
