// Keyboard focus after a list item changed: its card keeps it (e.g. the hotline's RequestCard focuses its heading),
// unless the change takes the card out of the list (fulfilled, cancelled, filtered out) or to
// another list; then focus goes to the list's heading, not back to the top of the page.
import { useEffect, useRef } from "react";

/** `data`: the list's latest answer. `changed()` before reading again after a change. */
export function useFocusAfterChange(data: unknown) {
  const fallback = useRef<HTMLHeadingElement>(null);
  const pending = useRef(false);
  useEffect(() => {
    if (!pending.current) return;
    pending.current = false;
    // A focused element removed from the page leaves focus on <body>.
    if (!document.activeElement || document.activeElement === document.body) fallback.current?.focus();
  }, [data]);
  return {
    fallback,
    changed: () => {
      pending.current = true;
    },
  };
}
