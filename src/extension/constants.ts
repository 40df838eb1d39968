/** Identifiers the extension contributes; they match package.json. */
export const enum CommandId {
	ShowToday = 'tokenLedger.showToday',
	Rescan = 'tokenLedger.rescan',
	ShowLog = 'tokenLedger.showLog',
	ShowSources = 'tokenLedger.showSources',
}

export const configSection = 'tokenLedger';
export const statusBarItemId = 'tokenLedger.todayCost';
export const statusBarItemName = 'Token Ledger: Today’s AI Cost';
