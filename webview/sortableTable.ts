/**
 * A table sorted by clicking (or pressing Enter/Space on) a column header. Headers are buttons, the
 * sorted one carries `aria-sort`, so screen readers announce the order.
 */
import type { Child } from './dom';
import { h } from './dom';
import type { SortValue } from './tableData';
import { sortItems } from './tableData';
import type { SortState } from './uiState';

export interface Column<Item> {
	readonly id: string;
	readonly label: string;
	/** Numbers align right and sort largest first on the first click. */
	readonly numeric: boolean;
	readonly sortValue: (item: Item) => SortValue;
	readonly cell: (item: Item) => Child;
	/** Hover text, e.g. a project's full path or an amount to the fraction of a cent. */
	readonly title?: (item: Item) => string;
	/** The exact number behind a rounded cell, kept on the cell for copying and checking. */
	readonly exact?: (item: Item) => number;
}

export interface TableSpec<Item> {
	/** Prefix of the focus keys, so focus survives a redraw. */
	readonly id: string;
	readonly caption: string;
	readonly columns: ReadonlyArray<Column<Item>>;
	readonly items: readonly Item[];
	readonly sort: SortState;
	readonly onSort: (column: string, numeric: boolean) => void;
	/** Cells of the total line, one per column ('' for none). */
	readonly footer?: readonly Child[];
	readonly emptyText: string;
	/** Show only this many rows (after sorting); the caller offers the rest. */
	readonly limit?: number | undefined;
}

export function sortableTable<Item>(spec: TableSpec<Item>): HTMLElement {
	const sortColumn = spec.columns.find((column) => column.id === spec.sort.column) ?? spec.columns[0]!;
	const sorted = sortItems(spec.items, sortColumn.sortValue, spec.sort.descending);
	const items = spec.limit === undefined ? sorted : sorted.slice(0, spec.limit);
	const header = h(
		'tr',
		{},
		...spec.columns.map((column) => {
			const sorted = column.id === sortColumn.id;
			const arrow = sorted ? (spec.sort.descending ? '▾' : '▴') : '';
			return h(
				'th',
				{ class: column.numeric ? 'numeric' : undefined, attrs: { scope: 'col', 'aria-sort': sorted ? (spec.sort.descending ? 'descending' : 'ascending') : undefined } },
				h(
					'button',
					{
						class: 'sort',
						attrs: { type: 'button', 'data-focus': `${spec.id}-sort-${column.id}`, title: `Sort by ${column.label.toLowerCase()}` },
						onClick: () => spec.onSort(column.id, column.numeric),
					},
					column.label,
					h('span', { class: 'arrow', attrs: { 'aria-hidden': 'true' } }, arrow),
				),
			);
		}),
	);
	const body =
		items.length === 0
			? [h('tr', {}, h('td', { class: 'empty', attrs: { colspan: spec.columns.length } }, spec.emptyText))]
			: items.map((item) =>
					h(
						'tr',
						{},
						...spec.columns.map((column, index) =>
							h(
								index === 0 ? 'th' : 'td',
								{
									class: column.numeric ? 'numeric' : undefined,
									attrs: { scope: index === 0 ? 'row' : undefined, title: column.title?.(item), 'data-value': column.exact?.(item) },
								},
								column.cell(item),
							),
						),
					),
				);
	return h(
		'table',
		{ class: 'data', attrs: { 'data-table': spec.id } },
		h('caption', {}, spec.caption),
		h('thead', {}, header),
		h('tbody', {}, ...body),
		spec.footer === undefined || items.length === 0
			? null
			: h(
					'tfoot',
					{},
					h(
						'tr',
						{},
						...spec.footer.map((cell, index) =>
							h(index === 0 ? 'th' : 'td', { class: spec.columns[index]?.numeric ? 'numeric' : undefined, attrs: { scope: index === 0 ? 'row' : undefined } }, cell),
						),
					),
				),
	);
}
