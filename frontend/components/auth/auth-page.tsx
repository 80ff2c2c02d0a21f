import { redirect } from "next/navigation";
import { Alert } from "@/components/ui/alert";
import { safeNextPath } from "@/lib/format";
import { sessionUser } from "@/lib/session";
import { AuthForm } from "./auth-form";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Shared frame of the sign-in and register pages. */
export async function AuthPage({ mode, searchParams }: { mode: "sign-in" | "register"; searchParams: SearchParams }) {
  const params = await searchParams;
  const next = safeNextPath(typeof params.next === "string" ? params.next : null);
  const expired = params.expired === "1";
  if (!expired && (await sessionUser())) redirect(next);
  return (
    <div className="container-page flex justify-center py-12 sm:py-16">
      <div className="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
        <h1 className="text-2xl font-bold tracking-tight text-slate-900">
          {mode === "register" ? "Create your account" : "Sign in"}
        </h1>
        <p className="mt-1 mb-6 text-sm text-slate-600">
          {mode === "register"
            ? "Track your orders and check out faster."
            : next.startsWith("/orders") || next.startsWith("/checkout") || next.startsWith("/admin")
              ? "Please sign in to continue."
              : "Welcome back."}
        </p>
        {expired ? (
          <Alert tone="info" className="mb-5">
            Your session has ended. Please sign in again.
          </Alert>
        ) : null}
        <AuthForm mode={mode} next={next} />
      </div>
    </div>
  );
}
