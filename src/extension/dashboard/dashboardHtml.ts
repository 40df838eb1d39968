/**
 * The dashboard page's HTML: a shell with a strict Content Security Policy. No data is ever written
 * into it (figures arrive by postMessage only), no inline script or style; the one script runs by a
 * fresh nonce, styles come only from the extension's own files.
 */
export interface DashboardHtmlInput {
	/** `webview.cspSource`: the origin the webview serves local resources from. */
	readonly cspSource: string;
	/** Base64 from a cryptographic source, new for every page. */
	readonly nonce: string;
	readonly scriptUri: string;
	readonly styleUri: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
	return [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`, `img-src ${cspSource}`, `font-src ${cspSource}`].join('; ');
}

export function dashboardHtml(input: DashboardHtmlInput): string {
	const attribute = escapeAttribute;
	return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(contentSecurityPolicy(input.cspSource, input.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attribute(input.styleUri)}">
<title>Weekly Cost</title>
</head>
<body>
<main id="app" aria-busy="true">
<p class="loading" role="status">Loading this week’s figures…</p>
</main>
<script nonce="${attribute(input.nonce)}" src="${attribute(input.scriptUri)}"></script>
</body>
</html>
`;
}

function escapeAttribute(value: string): string {
	return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
