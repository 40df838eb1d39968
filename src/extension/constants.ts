/** Identifiers the extension contributes; they match package.json. */
export const enum CommandId {
	ShowToday = 'tokenLedger.showToday',
	Rescan = 'tokenLedger.rescan',
	ShowLog = 'tokenLedger.showLog',
	ShowSources = 'tokenLedger.showSources',
	SetDailyCap = 'tokenLedger.setDailyCap',
	EnableCopilotUsage = 'tokenLedger.enableCopilotUsage',
	DisableCopilotUsage = 'tokenLedger.disableCopilotUsage',
	OpenWeeklyCost = 'tokenLedger.openWeeklyCost',
}

export const configSection = 'tokenLedger';
export const statusBarItemId = 'tokenLedger.todayCost';
export const statusBarItemName = 'Token Ledger: Today’s AI Cost';
/** The weekly cost panel's webview type (also in package.json's `onWebviewPanel:` activation event). */
export const weeklyCostViewType = 'tokenLedger.weeklyCost';
