/**
 * The page's own state: what the user chose to look at, never the data (that comes from the host,
 * complete, with every snapshot). Saved with the webview's setState so that a panel brought back
 * from the background or restored after a reload shows the same week, split, day and order.
 * No DOM here: unit tests import this module.
 */
import { isCalendarDate } from '../src/shared/protocol';
import type { DateKey, SplitDimension, WeekDashboard } from '../src/shared/viewModels';
import { splitDimensions } from '../src/shared/viewModels';

export type TableId = 'sessions' | 'projects' | 'models';

export const tableIds: readonly TableId[] = ['sessions', 'projects', 'models'];

export interface SortState {
	readonly column: string;
	readonly descending: boolean;
}

export interface UiState {
	/** The week asked for (any day of it); null: the current week, following the calendar. */
	readonly week: DateKey | null;
	readonly split: SplitDimension;
	/** The day the tables are filtered to; null: the whole week. */
	readonly day: DateKey | null;
	readonly sorts: Readonly<Record<TableId, SortState>>;
	/** Every session, rather than the first few in the chosen order. */
	readonly allSessions: boolean;
}

export const initialUiState: UiState = {
	week: null,
	split: 'assistant',
	day: null,
	sorts: {
		sessions: { column: 'end', descending: true },
		projects: { column: 'cost', descending: true },
		models: { column: 'cost', descending: true },
	},
	allSessions: false,
};

export type UiAction =
	| { readonly type: 'showWeek'; readonly week: DateKey | null }
	| { readonly type: 'split'; readonly split: SplitDimension }
	/** Selecting the selected day again clears the filter. */
	| { readonly type: 'toggleDay'; readonly day: DateKey | null }
	| { readonly type: 'sort'; readonly table: TableId; readonly column: string; readonly numeric: boolean }
	| { readonly type: 'toggleAllSessions' }
	/** A new snapshot: drop a day filter that is no longer in the shown week. */
	| { readonly type: 'snapshot'; readonly dashboard: WeekDashboard };

export function reduce(state: UiState, action: UiAction): UiState {
	switch (action.type) {
		case 'showWeek':
			return { ...state, week: action.week, day: null };
		case 'split':
			return { ...state, split: action.split };
		case 'toggleDay':
			return { ...state, day: action.day === state.day ? null : action.day };
		case 'sort': {
			const current = state.sorts[action.table];
			// A new column starts with the order most useful for it: largest amounts, A to Z for names.
			const descending = current.column === action.column ? !current.descending : action.numeric;
			return { ...state, sorts: { ...state.sorts, [action.table]: { column: action.column, descending } } };
		}
		case 'toggleAllSessions':
			return { ...state, allSessions: !state.allSessions };
		case 'snapshot': {
			const inWeek = action.dashboard.days.some((day) => day.date === state.day && !day.future);
			return inWeek ? state : { ...state, day: null };
		}
		default:
			action satisfies never;
			return state;
	}
}

/** Reads a saved state back, keeping what is still valid (it may come from an older version). */
export function parseUiState(saved: unknown): UiState {
	if (typeof saved !== 'object' || saved === null) return initialUiState;
	const value = saved as Record<string, unknown>;
	const split = splitDimensions.find((dimension) => dimension === value['split']) ?? initialUiState.split;
	const week = isCalendarDate(value['week']) ? value['week'] : null;
	const day = isCalendarDate(value['day']) ? value['day'] : null;
	const savedSorts = typeof value['sorts'] === 'object' && value['sorts'] !== null ? (value['sorts'] as Record<string, unknown>) : {};
	const sorts = { ...initialUiState.sorts };
	for (const table of tableIds) {
		const sort = savedSorts[table];
		if (typeof sort === 'object' && sort !== null) {
			const { column, descending } = sort as Record<string, unknown>;
			if (typeof column === 'string' && typeof descending === 'boolean') sorts[table] = { column, descending };
		}
	}
	return { week, split, day, sorts, allSessions: value['allSessions'] === true };
}
