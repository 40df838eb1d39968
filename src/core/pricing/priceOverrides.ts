/**
 * User price overrides: their shape and validation. Kept apart from the price book so that the editor
 * can validate settings without loading the bundled price data.
 */
/** A user's own price for a model, in USD per million tokens. */
export interface PriceOverride {
	readonly input: number;
	readonly output: number;
	readonly cacheWrite?: number;
	readonly cacheWrite1h?: number;
	readonly cacheRead?: number;
}

export type PriceOverrides = Readonly<Record<string, PriceOverride>>;

export interface OverrideValidation {
	readonly overrides: PriceOverrides;
	readonly errors: readonly string[];
}

/** Checks a user's overrides setting; bad entries are reported and left out, good ones kept. */
export function validatePriceOverrides(raw: unknown): OverrideValidation {
	if (raw === undefined || raw === null) {
		return { overrides: {}, errors: [] };
	}
	if (typeof raw !== 'object' || Array.isArray(raw)) {
		return { overrides: {}, errors: ['priceOverrides must be an object of model id → prices per million tokens.'] };
	}
	const overrides: Record<string, PriceOverride> = {};
	const errors: string[] = [];
	for (const [model, value] of Object.entries(raw as Record<string, unknown>)) {
		if (typeof value !== 'object' || value === null || Array.isArray(value)) {
			errors.push(`priceOverrides["${model}"] must be an object like {"input": 3, "output": 15}.`);
			continue;
		}
		const fields = value as Record<string, unknown>;
		const bad = Object.entries(fields).filter(
			([key, amount]) =>
				!['input', 'output', 'cacheWrite', 'cacheWrite1h', 'cacheRead'].includes(key) ||
				typeof amount !== 'number' ||
				!Number.isFinite(amount) ||
				amount < 0,
		);
		if (bad.length > 0 || typeof fields['input'] !== 'number' || typeof fields['output'] !== 'number') {
			const what = bad.length > 0 ? `has an invalid field "${bad[0]![0]}"` : 'needs "input" and "output"';
			errors.push(`priceOverrides["${model}"] ${what}: prices are non-negative USD per million tokens.`);
			continue;
		}
		overrides[model] = fields as unknown as PriceOverride;
	}
	return { overrides, errors };
}
