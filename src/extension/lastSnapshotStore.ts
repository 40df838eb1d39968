import type * as vscode from 'vscode';
import type { DayReport } from '../core/report/reports';
import type { CapView } from '../engine/capEvaluation';

export interface StoredToday {
	readonly today: DayReport;
	readonly timeZone: string;
	readonly at: number;
	/** Absent in values stored by older versions. */
	readonly cap?: CapView;
}

const key = 'tokenLedger.lastToday';

/** Today's totals as last shown, so a new window shows a figure at once, before any scan. */
export class LastSnapshotStore {
	constructor(private readonly memento: vscode.Memento) {}

	get(): StoredToday | undefined {
		return this.memento.get<StoredToday>(key);
	}

	save(value: StoredToday): Thenable<void> {
		return this.memento.update(key, value);
	}
}
