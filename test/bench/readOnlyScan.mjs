// The floor for a scan: read every .jsonl file under the given folders, parse nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';

let bytes = 0;
let files = 0;
const pending = process.argv.slice(2);
while (pending.length > 0) {
	const dir = pending.pop();
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) pending.push(full);
		else if (entry.name.endsWith('.jsonl')) {
			bytes += fs.readFileSync(full).length;
			files++;
		}
	}
}
process.stdout.write(JSON.stringify({ files, bytes }));
