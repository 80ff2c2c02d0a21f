import Link from "next/link";
import type { ReactNode } from "react";
import type { User } from "@/lib/api/types";
import { AdminNav } from "./admin-nav";

/** The admin screens' frame: their own header, the sections beside (or above) the screen. */
export function AdminShell({ user, children }: { user: User; children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col bg-slate-50">
      <header className="border-b border-slate-800 bg-slate-900 text-white">
        <div className="mx-auto flex h-14 w-full max-w-7xl items-center justify-between gap-4 px-4 sm:px-6">
          <Link href="/admin" className="flex items-center gap-2 text-base font-bold tracking-tight">
            <span aria-hidden="true" className="flex h-7 w-7 items-center justify-center rounded-md bg-brand-600 text-xs font-black">
              E
            </span>
            Emporium admin
          </Link>
          <div className="flex items-center gap-1 text-sm sm:gap-3">
            <span className="hidden text-slate-300 sm:inline" title={user.email}>
              Signed in as <span className="font-semibold text-white" data-testid="admin-name">{user.name}</span>
            </span>
            <Link href="/" className="rounded-lg px-3 py-2 font-medium text-slate-200 hover:bg-slate-800 hover:text-white">
              Back to the shop
            </Link>
            <form action="/auth/sign-out" method="post">
              <button type="submit" className="rounded-lg px-3 py-2 font-medium text-slate-200 hover:bg-slate-800 hover:text-white">
                Sign out
              </button>
            </form>
          </div>
        </div>
      </header>
      <div className="mx-auto grid w-full max-w-7xl flex-1 gap-4 px-4 py-4 sm:px-6 lg:grid-cols-[12rem_minmax(0,1fr)] lg:gap-8 lg:py-8">
        <aside className="border-b border-slate-200 pb-3 lg:border-b-0 lg:border-r lg:pb-0 lg:pr-4">
          <AdminNav />
        </aside>
        <div className="min-w-0">{children}</div>
      </div>
    </div>
  );
}
