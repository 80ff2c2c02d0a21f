import Link from "next/link";
import { CartLink } from "@/components/cart/cart-link";
import { sessionUser } from "@/lib/session";

/** Top bar: brand, shop links, account state and the cart with its item count. */
export async function SiteHeader() {
  const user = await sessionUser();
  return (
    <header className="sticky top-0 z-20 border-b border-slate-200 bg-white/90 backdrop-blur">
      <div className="container-page flex h-16 items-center justify-between gap-4">
        <div className="flex items-center gap-3 sm:gap-8">
          <Link href="/" className="flex items-center gap-2 text-lg font-bold tracking-tight text-slate-900">
            <span aria-hidden="true" className="flex h-8 w-8 items-center justify-center rounded-lg bg-brand-600 text-sm font-black text-white">
              E
            </span>
            Emporium
          </Link>
          <nav aria-label="Main" className="flex items-center gap-1 text-sm font-medium text-slate-600">
            <Link href="/" className="hidden rounded-lg px-3 py-2 hover:bg-slate-100 hover:text-slate-900 sm:block">
              Shop
            </Link>
            {user ? (
              <>
                <Link href="/orders" className="rounded-lg px-3 py-2 hover:bg-slate-100 hover:text-slate-900">
                  Orders
                </Link>
                <Link href="/account/cards" className="hidden rounded-lg px-3 py-2 hover:bg-slate-100 hover:text-slate-900 sm:block">
                  Cards
                </Link>
              </>
            ) : null}
            {user?.role === "admin" ? (
              <Link href="/admin" className="rounded-lg px-3 py-2 hover:bg-slate-100 hover:text-slate-900">
                Admin
              </Link>
            ) : null}
          </nav>
        </div>
        <div className="flex items-center gap-1 sm:gap-2">
          {user ? (
            <>
              <Link
                href="/orders"
                className="hidden rounded-lg px-3 py-2 text-sm text-slate-600 hover:bg-slate-100 lg:block"
                title={user.email}
              >
                Hi, <span className="font-semibold text-slate-900" data-testid="account-name">{user.name}</span>
              </Link>
              <form action="/auth/sign-out" method="post">
                <button type="submit" className="whitespace-nowrap rounded-lg px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900">
                  Sign out
                </button>
              </form>
            </>
          ) : (
            <>
              <Link href="/sign-in" className="rounded-lg px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100">
                Sign in
              </Link>
              <Link
                href="/register"
                className="hidden rounded-lg bg-slate-900 px-3 py-2 text-sm font-semibold text-white hover:bg-slate-700 sm:block"
              >
                Create account
              </Link>
            </>
          )}
          <CartLink />
        </div>
      </div>
    </header>
  );
}
