/** Number formatting shared by the CLI and the editor, so both show the same figures. */

export function formatUSD(amount: number): string {
	const rounded = Math.round(amount * 100) / 100;
	return `$${rounded.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function formatTokens(tokens: number): string {
	if (tokens >= 1e9) return `${(tokens / 1e9).toFixed(2)}B`;
	if (tokens >= 1e6) return `${(tokens / 1e6).toFixed(2)}M`;
	if (tokens >= 1e4) return `${(tokens / 1e3).toFixed(1)}k`;
	return tokens.toLocaleString('en-US');
}
