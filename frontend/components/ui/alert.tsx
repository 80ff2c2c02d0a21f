import type { ReactNode } from "react";

type Tone = "error" | "warning" | "success" | "info";

const tones: Record<Tone, { box: string; icon: string }> = {
  error: { box: "border-red-200 bg-red-50 text-red-900", icon: "text-red-600" },
  warning: { box: "border-amber-200 bg-amber-50 text-amber-900", icon: "text-amber-600" },
  success: { box: "border-emerald-200 bg-emerald-50 text-emerald-900", icon: "text-emerald-600" },
  info: { box: "border-sky-200 bg-sky-50 text-sky-900", icon: "text-sky-600" },
};

const glyph: Record<Tone, string> = { error: "!", warning: "!", success: "✓", info: "i" };

/** A boxed message; errors are announced to screen readers as they appear. */
export function Alert({
  tone,
  title,
  children,
  className = "",
}: {
  tone: Tone;
  title?: string;
  children?: ReactNode;
  className?: string;
}) {
  const t = tones[tone];
  return (
    <div
      role={tone === "error" ? "alert" : "status"}
      className={`flex gap-3 rounded-xl border p-4 text-sm ${t.box} ${className}`}
    >
      <span
        aria-hidden="true"
        className={`mt-0.5 flex h-5 w-5 shrink-0 items-center justify-center rounded-full border border-current text-xs font-bold ${t.icon}`}
      >
        {glyph[tone]}
      </span>
      <div className="space-y-1">
        {title ? <p className="font-semibold">{title}</p> : null}
        {children ? <div className="leading-relaxed">{children}</div> : null}
      </div>
    </div>
  );
}
