import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

export default function OrderNotFound() {
  return (
    <div className="container-page py-16">
      <div className="mx-auto max-w-lg rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm">
        <h1 className="text-xl font-semibold text-slate-900">Order not found</h1>
        <p className="mt-3 text-slate-600">
          We couldn’t find this order in your account. Check the link, or look through your order history.
        </p>
        <div className="mt-6 flex justify-center gap-3">
          <Link href="/orders" className={buttonClass("primary")}>
            Your orders
          </Link>
          <Link href="/" className={buttonClass("secondary")}>
            Back to the shop
          </Link>
        </div>
      </div>
    </div>
  );
}
