/**
 * A small element builder. Text always goes in as text nodes (never parsed as HTML): project paths,
 * branch and model names come from other tools' files and must not be able to inject markup.
 */
export type Child = Node | string | number | null | undefined | false;

export interface ElementProps {
	readonly class?: string | undefined;
	/** false, null and undefined leave the attribute out; true sets it empty. */
	readonly attrs?: Readonly<Record<string, string | number | boolean | null | undefined>>;
	readonly onClick?: (() => void) | undefined;
}

export function h<Tag extends keyof HTMLElementTagNameMap>(tag: Tag, props: ElementProps = {}, ...children: Child[]): HTMLElementTagNameMap[Tag] {
	const element = document.createElement(tag);
	if (props.class !== undefined) element.className = props.class;
	for (const [name, value] of Object.entries(props.attrs ?? {})) {
		if (value === false || value === null || value === undefined) continue;
		element.setAttribute(name, value === true ? '' : String(value));
	}
	const onClick = props.onClick;
	if (onClick !== undefined) element.addEventListener('click', () => onClick());
	append(element, children);
	return element;
}

export function append(parent: Node, children: readonly Child[]): void {
	for (const child of children) {
		if (child === null || child === undefined || child === false) continue;
		parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
	}
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
	parent.replaceChildren();
	append(parent, children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
	const element = document.getElementById(id);
	if (element === null) throw new Error(`The page has no #${id}`);
	return element as T;
}
