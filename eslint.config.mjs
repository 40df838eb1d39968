// Lint rules that carry the architecture: the core stays pure (no editor, no file system, no
// processes), and so do the types shared with the webview.
import tseslint from 'typescript-eslint';

const ioModules = ['vscode', 'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process'];

export default tseslint.config(
	{ ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'esbuild.js', 'eslint.config.mjs'] },
	...tseslint.configs.recommended,
	{
		files: ['**/*.ts'],
		rules: {
			'@typescript-eslint/consistent-type-imports': 'error',
			'@typescript-eslint/no-explicit-any': 'error',
			'@typescript-eslint/no-non-null-assertion': 'off',
			'no-console': 'error',
		},
	},
	{
		files: ['src/core/**/*.ts', 'src/shared/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					paths: ioModules.map((name) => ({ name, message: 'src/core and src/shared stay pure: pass data in instead of doing I/O here.' })),
					patterns: [{ group: ['**/extension/**', '**/ledger/**', '**/sources/**', '**/cli/**', '**/engine/**'], message: 'src/core depends on nothing above it.' }],
				},
			],
		},
	},
	{
		files: ['test/**/*.ts'],
		rules: { 'no-console': 'off' },
	},
);
