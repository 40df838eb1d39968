/**
 * The page's one handle on VS Code. `acquireVsCodeApi` may be called only once per page, so it is
 * called here and nowhere else; the rest of the page talks through the typed `Host`.
 */
import type { HostToWebview, WebviewToHost } from '../src/shared/protocol';
import type { UiState } from './uiState';
import { parseUiState } from './uiState';

interface VsCodeApi {
	postMessage(message: unknown): void;
	getState(): unknown;
	setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host {
	post(message: WebviewToHost): void;
	onMessage(handler: (message: HostToWebview) => void): void;
	/** The UI state saved before (the panel was hidden or the window reloaded), or the initial one. */
	loadState(): UiState;
	saveState(state: UiState): void;
}

export function connectHost(): Host {
	const api = acquireVsCodeApi();
	return {
		post: (message) => api.postMessage(message),
		onMessage: (handler) =>
			window.addEventListener('message', (event: MessageEvent<unknown>) => {
				const message = event.data;
				// Only the host posts to this page; anything without our shape is ignored.
				if (typeof message === 'object' && message !== null && 'type' in message) handler(message as HostToWebview);
			}),
		loadState: () => parseUiState(api.getState()),
		saveState: (state) => api.setState(state),
	};
}
