import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

/** 403: signed in, but not allowed here (the admin screens, for a customer). */
export default function Forbidden() {
  return (
    <div className="container-page py-16">
      <div className="mx-auto max-w-lg rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm">
        <p className="text-sm font-semibold text-red-700">Not allowed</p>
        <h1 className="mt-1 text-xl font-semibold text-slate-900">Admins only</h1>
        <p className="mt-3 text-slate-600">
          This part of Emporium is for the shop&apos;s administrators, and your account is not one. If you
          should have access, sign out and sign in with an admin account.
        </p>
        <div className="mt-6 flex flex-wrap justify-center gap-3">
          <Link href="/" className={buttonClass("primary")}>
            Back to the shop
          </Link>
          <form action="/auth/sign-out" method="post">
            <button type="submit" className={buttonClass("secondary")}>
              Sign out
            </button>
          </form>
        </div>
      </div>
    </div>
  );
}
