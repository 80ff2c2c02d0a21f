"use client";

import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

/** The shop's header and footer, left out of the admin screens, which bring their own frame. */
export function ShopChrome({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  if (pathname === "/admin" || pathname?.startsWith("/admin/")) return null;
  return children;
}
