/**
 * The chart's colours and font, read from the theme's CSS variables when drawing (a canvas cannot
 * use `var(--…)`), and a signal when the theme changes: VS Code rewrites the variables on <html> and
 * the theme class on <body>.
 */
export interface ChartTheme {
	readonly series: readonly string[];
	readonly other: string;
	readonly foreground: string;
	readonly muted: string;
	readonly grid: string;
	readonly cap: string;
	readonly running: string;
	readonly tooltipBackground: string;
	readonly tooltipForeground: string;
	readonly tooltipBorder: string;
	readonly fontFamily: string;
	readonly fontSize: number;
	readonly highContrast: boolean;
}

/** Per series, the theme variables to try in turn (high-contrast themes define no orange), then a last resort. */
const seriesColors: ReadonlyArray<{ readonly variables: readonly string[]; readonly fallback: string }> = [
	{ variables: ['--vscode-charts-blue'], fallback: '#3794ff' },
	{ variables: ['--vscode-charts-orange', '--vscode-editorWarning-foreground'], fallback: '#d18616' },
	{ variables: ['--vscode-charts-green'], fallback: '#89d185' },
	{ variables: ['--vscode-charts-purple'], fallback: '#b180d7' },
	{ variables: ['--vscode-charts-yellow', '--vscode-terminal-ansiYellow'], fallback: '#cca700' },
	{ variables: ['--vscode-terminal-ansiCyan'], fallback: '#29b8db' },
];

let probe: HTMLElement | undefined;

/** Resolves a CSS colour (a variable may hold a hex, a name or rgba) to `rgb(…)`/`rgba(…)`. */
function resolveColor(value: string, fallback: string): string {
	probe ??= document.body.appendChild(Object.assign(document.createElement('span'), { hidden: true }));
	probe.style.color = '';
	probe.style.color = value.trim() === '' ? fallback : value.trim();
	return getComputedStyle(probe).color || fallback;
}

export function readTheme(): ChartTheme {
	const style = getComputedStyle(document.documentElement);
	const variable = (name: string, fallback: string): string => resolveColor(style.getPropertyValue(name), fallback);
	const foreground = variable('--vscode-foreground', '#cccccc');
	return {
		// Some themes give chart colours transparency (Modern's orange is a minimap highlight): over a
		// dark or light page that turns into brown or peach, so bars use them opaque.
		series: seriesColors.map(({ variables, fallback }) => {
			const defined = variables.map((name) => style.getPropertyValue(name).trim()).find((value) => value !== '');
			return withAlpha(resolveColor(defined ?? '', fallback), 1);
		}),
		other: variable('--vscode-descriptionForeground', '#999999'),
		foreground,
		muted: variable('--vscode-descriptionForeground', '#999999'),
		grid: variable('--vscode-charts-lines', 'rgba(128, 128, 128, 0.35)'),
		cap: variable('--vscode-charts-red', '#f14c4c'),
		running: foreground,
		tooltipBackground: variable('--vscode-editorHoverWidget-background', '#252526'),
		tooltipForeground: variable('--vscode-editorHoverWidget-foreground', foreground),
		tooltipBorder: variable('--vscode-editorHoverWidget-border', '#454545'),
		fontFamily: style.getPropertyValue('--vscode-font-family').trim() || 'system-ui, sans-serif',
		fontSize: Number.parseFloat(style.getPropertyValue('--vscode-font-size')) || 13,
		highContrast: document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light'),
	};
}

/** `rgb(…)` or `rgba(…)` with its alpha replaced: dims the days outside a chosen day. */
export function withAlpha(color: string, alpha: number): string {
	const match = /rgba?\(([^)]+)\)/.exec(color);
	if (match === null) return color;
	const [r, g, b] = match[1]!.split(/[\s,/]+/).filter((part) => part !== '');
	return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

export function onThemeChange(listener: () => void): void {
	let scheduled = false;
	const observer = new MutationObserver(() => {
		// Both attributes change together on a theme switch: redraw once.
		if (scheduled) return;
		scheduled = true;
		requestAnimationFrame(() => {
			scheduled = false;
			listener();
		});
	});
	observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
	observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}
