import * as path from 'node:path';
import type { Environment } from '../logSource';

/**
 * The desktop editors whose user-data folder follows VS Code's layout, by the folder name each one
 * uses (its `nameShort`). Any of them can host Cline, Roo Code or Kilo Code.
 */
const desktopProducts = [
	'Code',
	'Code - Insiders',
	'Code - OSS',
	'VSCodium',
	'VSCodium - Insiders',
	'Cursor',
	'Windsurf',
	'Trae',
] as const;

/** Remote servers (SSH, WSL, dev containers, Codespaces) keep their user data under the home folder. */
const remoteServerFolders = ['.vscode-server', '.vscode-server-insiders', '.vscodium-server', '.cursor-server', '.windsurf-server'] as const;

/** Flatpak builds sandbox their config under ~/.var/app/<app id>/config. */
const flatpakProducts = [
	['com.visualstudio.code', 'Code'],
	['com.vscodium.codium', 'VSCodium'],
] as const;

/**
 * Every `User/globalStorage` folder an editor on this machine may use, whether it exists or not.
 * Extensions keep their data in `<globalStorage>/<publisher.name>` (lower case), so one list serves
 * every extension-based assistant. The list is fixed: callers stat it, they never search for it.
 */
export function editorGlobalStorageRoots(environment: Environment): string[] {
	const { home, env, platform } = environment;
	const roots: string[] = [];
	const userDataBase = userDataBaseFolder(environment);
	for (const product of desktopProducts) {
		roots.push(path.join(userDataBase, product, 'User', 'globalStorage'));
	}
	if (platform === 'linux') {
		for (const [appId, product] of flatpakProducts) {
			roots.push(path.join(home, '.var', 'app', appId, 'config', product, 'User', 'globalStorage'));
		}
	}
	const portable = env['VSCODE_PORTABLE']?.trim();
	if (portable) {
		roots.push(path.join(portable, 'user-data', 'User', 'globalStorage'));
	}
	// code-server follows the XDG data folder.
	const dataHome = env['XDG_DATA_HOME']?.trim() || path.join(home, '.local', 'share');
	roots.push(path.join(dataHome, 'code-server', 'User', 'globalStorage'));
	const agentFolder = env['VSCODE_AGENT_FOLDER']?.trim();
	if (agentFolder) {
		roots.push(path.join(agentFolder, 'data', 'User', 'globalStorage'));
	}
	for (const folder of remoteServerFolders) {
		roots.push(path.join(home, folder, 'data', 'User', 'globalStorage'));
	}
	return [...new Set(roots.map((root) => path.resolve(root)))];
}

/** Where VS Code-style editors put their user-data folders on each platform. */
function userDataBaseFolder({ home, env, platform }: Environment): string {
	switch (platform) {
		case 'darwin':
			return path.join(home, 'Library', 'Application Support');
		case 'win32':
			return env['APPDATA']?.trim() || path.join(home, 'AppData', 'Roaming');
		default:
			return env['XDG_CONFIG_HOME']?.trim() || path.join(home, '.config');
	}
}

/**
 * Cline's own data folder (CLI, JetBrains, and the VS Code extension from 4.x):
 * `CLINE_DATA_DIR`, else `$CLINE_DIR/data`, else `~/.cline/data`.
 */
export function clineDataFolder({ home, env }: Environment): string {
	const dataDir = env['CLINE_DATA_DIR']?.trim();
	if (dataDir) return path.resolve(dataDir);
	const clineDir = env['CLINE_DIR']?.trim();
	if (clineDir) return path.resolve(clineDir, 'data');
	return path.resolve(home, '.cline', 'data');
}
