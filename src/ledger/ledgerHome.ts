import * as path from 'node:path';
import type { Environment } from '../sources/logSource';

/** The platform's data folder for the ledger; `TOKEN_LEDGER_HOME` overrides it. */
export function ledgerHome(environment: Environment): string {
	const override = environment.env['TOKEN_LEDGER_HOME']?.trim();
	if (override) {
		return path.resolve(override);
	}
	switch (environment.platform) {
		case 'darwin':
			return path.join(environment.home, 'Library', 'Application Support', 'token-ledger');
		case 'win32':
			return path.join(environment.env['LOCALAPPDATA'] || path.join(environment.home, 'AppData', 'Local'), 'token-ledger');
		default:
			return path.join(environment.env['XDG_DATA_HOME']?.trim() || path.join(environment.home, '.local', 'share'), 'token-ledger');
	}
}
