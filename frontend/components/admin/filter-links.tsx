import Link from "next/link";

/**
 * A row of filter pills above an admin list, one link per choice, the current one marked:
 * a single click filters, and the filter lives in the URL.
 */
export function FilterLinks({
  label,
  links,
}: {
  label: string;
  links: readonly { href: string; label: string; current: boolean }[];
}) {
  return (
    <nav aria-label={label} className="mb-6">
      <ul className="flex flex-wrap gap-2">
        {links.map((link) => (
          <li key={link.href}>
            <Link
              href={link.href}
              aria-current={link.current ? "page" : undefined}
              className={`inline-flex rounded-full px-3.5 py-1.5 text-sm font-medium ring-1 ring-inset ${
                link.current
                  ? "bg-brand-600 text-white ring-brand-600"
                  : "bg-white text-slate-700 ring-slate-300 hover:bg-slate-50 hover:text-slate-900"
              }`}
            >
              {link.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
