import { useEffect, useRef, useState } from "react";

/** A menu's open state: Escape anywhere or a click outside closes it, and focus goes back to
 *  the button that opened it (even when what had focus inside was redrawn away). */
export function usePopover<Wrapper extends HTMLElement = HTMLDivElement>() {
  const [open, setOpen] = useState(false);
  const wrapper = useRef<Wrapper>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const key = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    const click = (event: MouseEvent) => {
      if (wrapper.current && !wrapper.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", key);
    document.addEventListener("mousedown", click);
    return () => {
      document.removeEventListener("keydown", key);
      document.removeEventListener("mousedown", click);
    };
  }, [open]);

  return {
    open,
    wrapper,
    button,
    toggle: () => setOpen((was) => !was),
    close: () => {
      setOpen(false);
      button.current?.focus();
    },
  };
}
