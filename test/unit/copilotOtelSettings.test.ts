import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applicableRevert, copilotOtelRelevantKeys, copilotOtelSettingKeys as keys, planCopilotOtelFileExport } from '../../src/sources/copilot/copilotOtelSettings';

const target = '/home/dev/.local/share/token-ledger/copilot-otel.jsonl';

/** Applies changes the way VS Code's `update(key, value)` does: undefined removes the key. */
function apply(settings: Record<string, unknown>, changes: readonly { key: string; newValue: unknown }[]): Record<string, unknown> {
	const next = { ...settings };
	for (const change of changes) {
		if (change.newValue === undefined) delete next[change.key];
		else next[change.key] = change.newValue;
	}
	return next;
}

describe('planCopilotOtelFileExport', () => {
	it('turns the file export on from untouched settings, and reverts by removing the keys', () => {
		const plan = planCopilotOtelFileExport({}, target);
		assert.deepEqual(plan.enable, [
			{ key: 'github.copilot.chat.otel.enabled', oldValue: undefined, newValue: true },
			{ key: 'github.copilot.chat.otel.exporterType', oldValue: undefined, newValue: 'file' },
			{ key: 'github.copilot.chat.otel.outfile', oldValue: undefined, newValue: target },
		]);
		assert.deepEqual(plan.revert, [
			{ key: 'github.copilot.chat.otel.outfile', oldValue: target, newValue: undefined },
			{ key: 'github.copilot.chat.otel.exporterType', oldValue: 'file', newValue: undefined },
			{ key: 'github.copilot.chat.otel.enabled', oldValue: true, newValue: undefined },
		]);
		assert.deepEqual(plan.warnings, []);
		assert.equal(plan.reloadNeeded, true);
		assert.deepEqual(apply(apply({ 'editor.fontSize': 14 }, plan.enable), plan.revert), { 'editor.fontSize': 14 });
	});

	it('changes only what differs, and restores the old values', () => {
		const current = { [keys.enabled]: true, [keys.exporterType]: 'otlp-grpc', [keys.otlpEndpoint]: 'http://collector:4317' };
		const plan = planCopilotOtelFileExport(current, target);
		assert.deepEqual(plan.enable, [
			{ key: keys.exporterType, oldValue: 'otlp-grpc', newValue: 'file' },
			{ key: keys.outfile, oldValue: undefined, newValue: target },
		]);
		assert.deepEqual(apply(apply(current, plan.enable), plan.revert), current);
		assert.deepEqual(
			plan.warnings.map((warning) => [warning.code, warning.detail]),
			[['replacesOtlpExport', 'http://collector:4317']],
		);
	});

	it('asks for nothing when the export already goes to the file', () => {
		const plan = planCopilotOtelFileExport({ [keys.enabled]: true, [keys.exporterType]: 'file', [keys.outfile]: '/home/dev/.local/share/token-ledger/x/../copilot-otel.jsonl' }, target);
		assert.deepEqual(plan.enable, []);
		assert.deepEqual(plan.revert, []);
		assert.equal(plan.reloadNeeded, false);
	});

	it('warns when another file, content capture, telemetry off or the environment get in the way', () => {
		const plan = planCopilotOtelFileExport(
			{ [keys.enabled]: true, [keys.outfile]: '/tmp/mine.jsonl', [keys.captureContent]: true, [keys.telemetryLevel]: 'off' },
			target,
			{ COPILOT_OTEL_FILE_EXPORTER_PATH: '/tmp/env.jsonl', COPILOT_OTEL_ENABLED: 'false' },
		);
		assert.deepEqual(
			plan.warnings.map((warning) => warning.code),
			['replacesOtherFile', 'capturesContent', 'telemetryOff', 'envOverridesFile', 'envDisablesExport'],
		);
		assert.equal(plan.warnings[0]!.detail, '/tmp/mine.jsonl');
		assert.deepEqual(plan.enable.map((change) => change.key), [keys.exporterType, keys.outfile]);
	});

	it('refuses a relative path, which Copilot would open from its own working folder', () => {
		assert.throws(() => planCopilotOtelFileExport({}, 'copilot-otel.jsonl'), RangeError);
	});

	it('lists every key it reads', () => {
		assert.deepEqual([...copilotOtelRelevantKeys].sort(), [
			'github.copilot.chat.otel.captureContent',
			'github.copilot.chat.otel.enabled',
			'github.copilot.chat.otel.exporterType',
			'github.copilot.chat.otel.otlpEndpoint',
			'github.copilot.chat.otel.outfile',
			'telemetry.telemetryLevel',
		]);
	});
});

describe('applicableRevert', () => {
	it('leaves alone a setting the user changed again after the export was turned on', () => {
		const plan = planCopilotOtelFileExport({ [keys.exporterType]: 'otlp-http' }, target);
		const enabled = apply({ [keys.exporterType]: 'otlp-http' }, plan.enable);
		assert.deepEqual(applicableRevert(enabled, plan.revert), plan.revert);
		const userChanged = { ...enabled, [keys.outfile]: '/somewhere/else.jsonl' };
		assert.deepEqual(
			applicableRevert(userChanged, plan.revert).map((change) => [change.key, change.newValue]),
			[
				[keys.exporterType, 'otlp-http'],
				[keys.enabled, undefined],
			],
		);
	});
});
