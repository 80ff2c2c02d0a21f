"use client";

import { type ReactNode, useEffect, useId, useRef, useState } from "react";

/**
 * A modal dialog on the browser's own `<dialog>`, open while it is rendered: the page behind
 * is inert, Tab stays inside, Escape closes it (unless `busy`, so an answer on its way is not
 * lost), and focus goes back to what opened it once it is gone.
 */
export function Dialog({
  title,
  onClose,
  busy = false,
  children,
}: {
  title: string;
  /** Escape was pressed (or the browser closed it): the owner stops rendering the dialog. */
  onClose: () => void;
  busy?: boolean;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  // Read before the first render commits: a field's autoFocus then moves the focus inside.
  // Rendered only in the browser, on a click, so `document` is there.
  const [opener] = useState(() => (document.activeElement instanceof HTMLElement ? document.activeElement : null));

  useEffect(() => {
    const dialog = ref.current;
    // Strict mode runs this twice on an open dialog.
    if (dialog && !dialog.open) dialog.showModal();
    return () => opener?.focus();
  }, [opener]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
      // The browser may close it without asking (a repeated Escape): the owner follows.
      onClose={onClose}
      className="m-auto w-[calc(100%-2rem)] max-w-lg rounded-2xl border border-slate-200 bg-white p-6 text-slate-900 shadow-xl backdrop:bg-slate-900/40"
    >
      <h2 id={titleId} className="mb-4 text-lg font-semibold text-slate-900">
        {title}
      </h2>
      {children}
    </dialog>
  );
}
