import Mocha from 'mocha';

/**
 * Entry point that VS Code's test driver calls inside the extension host (`extensionTestsPath`).
 * Test files are required after mocha's globals exist; mocha itself is loaded from the project's
 * node_modules, not bundled.
 */
export function run(): Promise<void> {
	const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'spec' });
	mocha.suite.emit('pre-require', globalThis, 'token-ledger-suite', mocha);
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	require('./extension.suite');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	require('./dashboard.suite');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	require('./cap.suite');
	return new Promise((resolve, reject) => {
		const runner = mocha.run((failures) => {
			// One plain line the outer test can check (mocha's own lines go through printf-style logging).
			console.log(`in-editor suite: ${runner.stats?.passes ?? 0} tests passed, ${failures} failed`);
			if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
			else resolve();
		});
	});
}
