import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

export default function NotFound() {
  return (
    <div className="container-page py-16">
      <div className="mx-auto max-w-lg rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm">
        <h1 className="text-xl font-semibold text-slate-900">Page not found</h1>
        <p className="mt-3 text-slate-600">We couldn’t find what you were looking for.</p>
        <Link href="/" className={buttonClass("primary", "md", "mt-6")}>
          Back to the shop
        </Link>
      </div>
    </div>
  );
}
