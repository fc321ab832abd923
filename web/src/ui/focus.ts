// A question or a form shown in place replaces the button that opened it,
// and the keyboard's place went with that button (to the top of the page).
// Once it closes, the keyboard goes back to the button, drawn again by then.
// After an await (a save) React may draw a frame later than the next one,
// so a target not there yet is looked for again for a few frames.
export function focusSoon(target: string | { current: HTMLElement | null }, frames = 10): void {
  requestAnimationFrame(() => {
    const el = typeof target === 'string' ? document.querySelector<HTMLElement>(target) : target.current;
    if (el) el.focus();
    else if (frames > 1) focusSoon(target, frames - 1);
  });
}
