import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Every file under `root` (recursively) whose name ends with `suffix`. Missing or unreadable folders
 * yield nothing: a tool that was never installed is not an error. Symbolic links to folders are not
 * followed, so a link loop cannot trap the scan.
 */
export function listFilesRecursive(root: string, suffix: string): string[] {
	const found: string[] = [];
	const pending = [path.normalize(root)];
	while (pending.length > 0) {
		const dir = pending.pop()!;
		let entries: fs.Dirent[];
		try {
			entries = fs.readdirSync(dir, { withFileTypes: true });
		} catch {
			continue;
		}
		// What path.join gives for a normalized folder and a plain name, without normalizing each path
		// again (a third of a listing's time at 22,200 files).
		const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
		for (const entry of entries) {
			const full = prefix + entry.name;
			if (entry.isDirectory()) {
				pending.push(full);
			} else if ((entry.isFile() || entry.isSymbolicLink()) && entry.name.endsWith(suffix)) {
				found.push(full);
			}
		}
	}
	return found.sort();
}
