import { redirect } from "next/navigation";
import { requireAdmin } from "@/lib/auth-guard";

/** The admin's start: the product list. */
export default async function AdminHome() {
  await requireAdmin("/admin");
  redirect("/admin/products");
}
