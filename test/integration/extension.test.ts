import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { runExtensionTests } from '../support/codeServer';
import { cliPath, liveClaudeSetup, repoRoot } from '../support/liveData';

/**
 * Runs test/integration/suite inside a real VS Code (code-server) with the extension loaded from this
 * folder, and reports its outcome. The suite uses the real `vscode` API.
 */
describe('integration: the extension inside a real VS Code', () => {
	const setup = liveClaudeSetup();
	after(() => fs.rmSync(setup.root, { recursive: true, force: true }));

	it('passes the in-editor suite (activation, status bar = CLI, live updates, settings)', async () => {
		const result = await runExtensionTests({
			extensionDevelopmentPath: repoRoot,
			extensionTestsPath: path.join(repoRoot, 'out', 'test', 'suite', 'index.js'),
			folder: setup.workspace,
			env: { CLAUDE_CONFIG_DIR: setup.claudeDir, TOKEN_LEDGER_HOME: setup.ledgerDir, TOKEN_LEDGER_TEST_CLI: cliPath, TZ: process.env['TZ'] ?? 'UTC' },
			timeoutMs: 180_000,
		});
		const report = result.logs
			.split('\n')
			.filter((line) => /✔|in-editor suite|\d+\) |Error|visible after|activation to/.test(line))
			.join('\n');
		console.log(report);
		assert.equal(result.timedOut, false, 'the suite finished in time');
		assert.equal(result.exitCode, 0, `the in-editor suite failed:\n${result.logs.slice(-6000)}`);
		assert.match(result.logs, /in-editor suite: 12 tests passed, 0 failed/);
	});
});
