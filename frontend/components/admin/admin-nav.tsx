"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/**
 * The admin screens, in sidebar order. A new screen (orders, stock) is one more entry here
 * plus its route under `app/admin/`.
 */
export const ADMIN_SECTIONS: readonly { href: string; label: string }[] = [
  { href: "/admin/orders", label: "Orders" },
  { href: "/admin/products", label: "Products" },
  { href: "/admin/categories", label: "Categories" },
  { href: "/admin/stock", label: "Stock" },
  { href: "/admin/shipments", label: "Shipments" },
];

/** Sidebar on wide screens, a row of tabs on narrow ones; the current screen is marked. */
export function AdminNav() {
  const pathname = usePathname() ?? "";
  return (
    <nav aria-label="Admin">
      <ul className="flex gap-1 overflow-x-auto lg:flex-col">
        {ADMIN_SECTIONS.map((section) => {
          const current = pathname === section.href || pathname.startsWith(`${section.href}/`);
          return (
            <li key={section.href}>
              <Link
                href={section.href}
                aria-current={current ? "page" : undefined}
                className={`block whitespace-nowrap rounded-lg px-3 py-2 text-sm font-medium ${
                  current ? "bg-brand-50 text-brand-700" : "text-slate-700 hover:bg-slate-100 hover:text-slate-900"
                }`}
              >
                {section.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
