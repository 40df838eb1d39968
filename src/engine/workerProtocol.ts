import type { DayReport } from '../core/report/reports';
import type { CapView } from './capEvaluation';
import type { DashboardSnapshot, DateKey } from '../shared/viewModels';
import type { FileDiagnostic, RefreshStats } from '../ledger/ledger';
import type { EditorContext } from '../sources/registry';
import type { SourceStatus } from './sourceStatus';

/** Messages between the extension host and the ledger process (all parsing happens there). */
export type ToWorker =
	| {
			readonly type: 'configure';
			readonly settings: Record<string, unknown>;
			readonly env: Record<string, string | undefined>;
			readonly home: string;
			readonly editor: EditorContext;
	  }
	/** `changed`: the files known to have changed, when only those need a look (see `Ledger.refresh`). */
	| { readonly type: 'refresh'; readonly id: number; readonly rebuild: boolean; readonly changed?: readonly string[] }
	| { readonly type: 'sources'; readonly id: number }
	/** The weekly cost dashboard for the week that contains `week` (null: the current week). */
	| { readonly type: 'dashboard'; readonly id: number; readonly week: DateKey | null };

export interface Snapshot {
	readonly today: DayReport;
	/** Today's spend against the daily cap, with the forecast and runaway sessions. */
	readonly cap: CapView;
	readonly timeZone: string;
	readonly stats: RefreshStats;
	readonly diagnostics: readonly FileDiagnostic[];
	/** Folders the sources read, for watching. */
	readonly roots: readonly string[];
	readonly ledgerHome: string;
	/** UTC ms when the snapshot was made. */
	readonly at: number;
	/** The ledger process's memory after the refresh (its heap, garbage included, its buffers, its RSS). */
	readonly memory: { readonly heapUsedBytes: number; readonly externalBytes: number; readonly rssBytes: number };
}

export type FromWorker =
	| { readonly type: 'snapshot'; readonly id: number; readonly snapshot: Snapshot }
	| { readonly type: 'sources'; readonly id: number; readonly sources: readonly SourceStatus[] }
	| { readonly type: 'dashboard'; readonly id: number; readonly dashboard: DashboardSnapshot }
	| { readonly type: 'failed'; readonly id: number; readonly message: string };
