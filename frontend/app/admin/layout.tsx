import type { Metadata } from "next";
import type { ReactNode } from "react";
import { AdminShell } from "@/components/admin/admin-shell";
import { requireAdmin } from "@/lib/auth-guard";

export const metadata: Metadata = {
  title: { default: "Admin", template: "%s · Emporium admin" },
  robots: { index: false, follow: false },
};

/** Admins only, checked with the API on every render (each page checks again for its own path). */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const { user } = await requireAdmin("/admin");
  return <AdminShell user={user}>{children}</AdminShell>;
}
