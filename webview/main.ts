/**
 * The weekly cost page's entry point: connects to the host, keeps the UI state, and redraws the page
 * from the last snapshot whenever either changes. The host sends nothing until it hears `ready`.
 */
import type { DashboardSnapshot } from '../src/shared/viewModels';
import { DashboardPage } from './dashboardPage';
import { byId } from './dom';
import { connectHost } from './host';
import { onThemeChange } from './theme';
import type { UiAction, UiState } from './uiState';
import { reduce } from './uiState';

const host = connectHost();

// A policy violation is a bug: tell the host, which writes it to the Token Ledger log.
window.addEventListener('securitypolicyviolation', (event) => {
	host.post({ type: 'cspViolation', directive: event.effectiveDirective, blocked: event.blockedURI || 'inline' });
});

let ui: UiState = host.loadState();
let snapshot: DashboardSnapshot | undefined;

function dispatch(action: UiAction): void {
	ui = reduce(ui, action);
	host.saveState(ui);
	if (snapshot !== undefined) page.render(snapshot, ui);
}

const page = new DashboardPage(byId('app'), {
	showWeek: (week) => {
		dispatch({ type: 'showWeek', week });
		page.showLoading();
		host.post({ type: 'showWeek', week });
	},
	split: (split) => dispatch({ type: 'split', split }),
	toggleDay: (day) => dispatch({ type: 'toggleDay', day }),
	sort: (table, column, numeric) => dispatch({ type: 'sort', table, column, numeric }),
	toggleAllSessions: () => dispatch({ type: 'toggleAllSessions' }),
	export: (format) => host.post({ type: 'export', format }),
	openSettings: () => host.post({ type: 'openSettings' }),
	showSources: () => host.post({ type: 'showSources' }),
});

host.onMessage((message) => {
	switch (message.type) {
		case 'snapshot':
			// Timeline marks (ready → snapshot → painted) for measuring the panel; they cost nothing.
			performance.mark('tokenLedger:snapshot');
			snapshot = message.snapshot;
			dispatch({ type: 'snapshot', dashboard: message.snapshot.dashboard });
			break;
		case 'error':
			page.showError(message.message);
			break;
		default:
			message satisfies never;
	}
});

onThemeChange(() => page.redrawChart(ui));

performance.mark('tokenLedger:ready');
host.post({ type: 'ready', week: ui.week });
