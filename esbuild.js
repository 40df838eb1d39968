// Builds every bundle: the extension host (node, cjs, `vscode` external), the ledger worker, the
// first-scan helper thread, the CLI, the webview (browser) and, with --tests, the integration suite
// that runs inside VS Code.
// --production minifies and drops source maps; dev builds keep source maps.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');
const { version } = require('./package.json');
const processSettings = require('./src/engine/processSettings.json');

/** Reports errors in the `file:line:column: error: message` form that VS Code's problem matcher reads. */
const problemMatcher = {
	name: 'problem-matcher',
	setup(build) {
		build.onEnd((result) => {
			for (const { text, location } of result.errors) {
				console.error(`✘ [ERROR] ${text}`);
				if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
			}
		});
	},
};

/**
 * The price data (most of the bytes of every bundle that prices) is its own file, loaded the first
 * time a price is needed: a start that reads prices from the ledger's cache does not compile it.
 */
const priceDataApart = {
	name: 'price-data-apart',
	setup(build) {
		build.onResolve({ filter: /^@pydantic\/genai-prices$/ }, () => ({ path: './genai-prices.js', external: true }));
	},
};

const node = {
	bundle: true,
	platform: 'node',
	format: 'cjs',
	target: 'node20',
	minify: production,
	sourcemap: !production,
	sourcesContent: false,
	logLevel: 'warning',
	define: { TOKEN_LEDGER_VERSION: JSON.stringify(version) },
	plugins: [problemMatcher, priceDataApart],
};

// The CLI and the editor's ledger process run with these settings (src/engine/processSettings.json):
// a small young generation: a cold scan allocates many short-lived strings, and
// V8's default lets the heap (and so the peak RSS) grow by tens of MB for no speed gain. And without
// allocation-site pretenuring: in about one first scan in four, V8 judged a parsing site long-lived
// and allocated its objects in the old generation, where they piled up as garbage (a 5 GB scan
// promoted 175 MB instead of 60, and peaked at 400–410 MB instead of 320–340, 0.3 s slower). And,
// where the C library is glibc, with its threshold for giving large blocks their own mappings held
// at its starting value: glibc otherwise raises it whenever such a block is freed (a hash table
// outgrown, a batch of rows merged), after which blocks up to 32 MB come from its heap, zero-filled
// in full there, and stay resident once freed (a 5 GB first scan: 237–245 MB instead of 290–320 MB,
// no slower). Other C libraries ignore the variable.
const cliShebang = `#!/usr/bin/env -S ${Object.entries(processSettings.env)
	.map(([name, value]) => `${name}=${value}`)
	.join(' ')} node ${processSettings.nodeFlags.join(' ')}`;
const builds = [
	{ ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
	{ ...node, entryPoints: ['src/engine/worker.ts'], outfile: 'dist/worker.js' },
	{ ...node, entryPoints: ['src/engine/scanWorker.ts'], outfile: 'dist/scanWorker.js' },
	{ ...node, plugins: [problemMatcher], entryPoints: ['@pydantic/genai-prices'], outfile: 'dist/genai-prices.js' },
	{ ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: cliShebang } },
];
if (fs.existsSync(path.join(__dirname, 'webview', 'main.ts'))) {
	builds.push({
		bundle: true,
		platform: 'browser',
		format: 'iife',
		target: 'es2022',
		minify: production,
		sourcemap: !production,
		sourcesContent: false,
		logLevel: 'warning',
		entryPoints: ['webview/main.ts'],
		outfile: 'dist/webview/main.js',
		plugins: [problemMatcher],
	});
}
if (tests) {
	builds.push({
		...node,
		plugins: [problemMatcher],
		minify: false,
		entryPoints: ['test/integration/suite/index.ts'],
		outfile: 'out/test/suite/index.js',
		external: ['vscode', 'mocha'],
	});
}

async function main() {
	if (watch) {
		const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
		await Promise.all(contexts.map((context) => context.watch()));
		return;
	}
	await Promise.all(builds.map((options) => esbuild.build(options)));
	fs.chmodSync(path.join(__dirname, 'dist', 'cli.js'), 0o755);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
