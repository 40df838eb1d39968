import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSettings, sourceSettingKey } from '../../src/engine/settings';

describe('checkSettings', () => {
	it('reads per-source switches and extra paths', () => {
		const { settings, errors } = checkSettings({
			sources: { codex: { enabled: false }, claudeCode: { extraPaths: ['/mnt/claude', ' '] }, geminiCli: { enabled: true } },
		});
		assert.deepEqual(errors, []);
		assert.deepEqual([...settings.disabledSources], ['codex']);
		assert.deepEqual(settings.extraPaths['claude-code'], ['/mnt/claude']);
	});

	it('reports each bad value with the setting it belongs to, and keeps the rest', () => {
		const { settings, errors } = checkSettings({
			timeZone: 'Mars/Olympus',
			weekStart: 'friday',
			sources: { codex: { enabled: 'no' }, cursor: 'off', claudeCode: { extraPaths: '/one/path' } },
			priceOverrides: { 'my-model': { input: 1, output: 2 } },
		});
		assert.deepEqual(errors, [
			'timeZone "Mars/Olympus" is not an IANA time zone (e.g. Europe/Berlin); using the system zone.',
			'weekStart must be "monday" or "sunday", not "friday".',
			'sources.claudeCode.extraPaths must be a list of paths.',
			'sources.codex.enabled must be true or false.',
			'sources.cursor must be an object like {"enabled": true, "extraPaths": []}.',
		]);
		assert.equal(settings.timeZone, '');
		assert.equal(settings.weekStart, 'monday');
		assert.deepEqual(Object.keys(settings.priceOverrides), ['my-model']);
		assert.equal(settings.disabledSources.size, 0);
	});

	it('maps source ids to setting keys', () => {
		assert.equal(sourceSettingKey('claude-code'), 'claudeCode');
		assert.equal(sourceSettingKey('roo-code'), 'rooCode');
		assert.equal(sourceSettingKey('opencode'), 'opencode');
	});
});
