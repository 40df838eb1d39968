/**
 * The tables' rows for the chosen day and order. Rows carry their week figures and one slot per day,
 * so a day filter only picks a slot: the tables and the chart read the same numbers.
 * No DOM here: unit tests import this module.
 */
import type { TotalsView } from '../src/shared/viewModels';

export interface WithDays {
	readonly totals: TotalsView;
	readonly days: ReadonlyArray<TotalsView | null>;
}

export interface Shown<Row> {
	readonly row: Row;
	/** The row's figures for the shown period (the week, or the chosen day). */
	readonly figures: TotalsView;
}

/** Rows with their figures for the week (dayIndex null) or for one day, leaving out rows idle that day. */
export function forPeriod<Row extends WithDays>(rows: readonly Row[], dayIndex: number | null): Array<Shown<Row>> {
	if (dayIndex === null) return rows.map((row) => ({ row, figures: row.totals }));
	const shown: Array<Shown<Row>> = [];
	for (const row of rows) {
		const figures = row.days[dayIndex];
		if (figures !== null && figures !== undefined) shown.push({ row, figures });
	}
	return shown;
}

export type SortValue = string | number;

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** A stable sort by one value; names compare as people read them (`v10` after `v9`). */
export function sortItems<Item>(items: readonly Item[], valueOf: (item: Item) => SortValue, descending: boolean): Item[] {
	const direction = descending ? -1 : 1;
	return items
		.map((item, index) => ({ item, index, value: valueOf(item) }))
		.sort((a, b) => {
			const order = typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : collator.compare(String(a.value), String(b.value));
			return order !== 0 ? order * direction : a.index - b.index;
		})
		.map(({ item }) => item);
}

