/**
 * What a product without pictures shows in their place: a calm, deterministic
 * tile, a soft gradient picked from its SKU and its initials.
 */
const palettes = [
  ["#e0e7ff", "#c7d2fe", "#3730a3"],
  ["#dcfce7", "#bbf7d0", "#166534"],
  ["#fef3c7", "#fde68a", "#92400e"],
  ["#fce7f3", "#fbcfe8", "#9d174d"],
  ["#e0f2fe", "#bae6fd", "#075985"],
  ["#ede9fe", "#ddd6fe", "#5b21b6"],
  ["#ffedd5", "#fed7aa", "#9a3412"],
  ["#ccfbf1", "#99f6e4", "#115e59"],
] as const;

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}

function initials(name: string): string {
  const words = name.split(/\s+/).filter((w) => /^[\p{L}\p{N}]/u.test(w));
  return words
    .slice(0, 2)
    .map((w) => w.charAt(0).toUpperCase())
    .join("");
}

export function ProductArt({
  sku,
  name,
  size = "md",
}: {
  sku: string;
  name: string;
  size?: "md" | "lg";
}) {
  const [from, to, ink] = palettes[hash(sku) % palettes.length] ?? palettes[0];
  return (
    <div
      aria-hidden="true"
      className="relative flex aspect-[4/3] w-full items-center justify-center overflow-hidden"
      style={{ background: `linear-gradient(135deg, ${from}, ${to})` }}
    >
      <div
        className="absolute -right-6 -top-6 h-24 w-24 rounded-full opacity-30"
        style={{ background: ink }}
      />
      <div
        className="absolute -bottom-10 -left-4 h-28 w-28 rounded-full opacity-10"
        style={{ background: ink }}
      />
      <span
        className={`relative font-black tracking-tight ${size === "lg" ? "text-7xl" : "text-4xl"}`}
        style={{ color: ink }}
      >
        {initials(name)}
      </span>
    </div>
  );
}
