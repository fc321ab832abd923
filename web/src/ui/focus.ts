// A question or a form shown in place replaces the button that opened it,
// and the keyboard's place went with that button (to the top of the page).
// Once it closes, the keyboard goes back to the button, drawn again by then.
export function focusSoon(target: string | { current: HTMLElement | null }): void {
  requestAnimationFrame(() => (typeof target === 'string' ? document.querySelector<HTMLElement>(target) : target.current)?.focus());
}
