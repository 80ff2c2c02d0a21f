"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { Spinner } from "@/components/ui/spinner";
import { signIn, signUp } from "@/lib/api/browser";
import { ApiError, errorMessage } from "@/lib/api/problem";

type Mode = "sign-in" | "register";

/** Sign-in and registration; on success the session cookie is set and the shopper goes on to `next`. */
export function AuthForm({ mode, next }: { mode: Mode; next: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<{ message: string; fields: Record<string, string> } | null>(null);
  const alertRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (error) alertRef.current?.focus();
  }, [error]);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const email = String(data.get("email") ?? "").trim();
    const password = String(data.get("password") ?? "");
    const name = String(data.get("name") ?? "").trim();
    setPending(true);
    setError(null);
    try {
      if (mode === "register") await signUp({ email, password, name });
      else await signIn({ email, password });
      router.replace(next);
      router.refresh();
    } catch (e) {
      const fields: Record<string, string> = {};
      if (e instanceof ApiError) for (const f of e.fieldErrors) fields[f.field] = f.message;
      setError({ message: errorMessage(e), fields });
      setPending(false);
    }
  }

  const otherHref = `${mode === "register" ? "/sign-in" : "/register"}${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`;

  return (
    <form onSubmit={onSubmit} noValidate={false} className="space-y-5" aria-describedby={error ? "auth-error" : undefined}>
      {error ? (
        <div ref={alertRef} tabIndex={-1} id="auth-error" className="focus:outline-none">
          <Alert tone="error" title={mode === "register" ? "We couldn't create your account" : "We couldn't sign you in"}>
            {error.message}
          </Alert>
        </div>
      ) : null}
      {mode === "register" ? (
        <TextField id="name" label="Full name" autoComplete="name" required maxLength={100} error={error?.fields.name} />
      ) : null}
      <TextField
        id="email"
        label="Email"
        type="email"
        autoComplete="email"
        required
        error={error?.fields.email}
      />
      <TextField
        id="password"
        label="Password"
        type="password"
        autoComplete={mode === "register" ? "new-password" : "current-password"}
        required
        minLength={mode === "register" ? 8 : undefined}
        maxLength={128}
        hint={mode === "register" ? "At least 8 characters." : undefined}
        error={error?.fields.password}
      />
      <button type="submit" className={buttonClass("primary", "lg", "w-full")} disabled={pending}>
        {pending ? <Spinner /> : null}
        {mode === "register" ? "Create account" : "Sign in"}
      </button>
      <p className="text-center text-sm text-slate-600">
        {mode === "register" ? "Already have an account? " : "New to Emporium? "}
        <Link href={otherHref} className="font-semibold text-brand-600 hover:underline">
          {mode === "register" ? "Sign in" : "Create an account"}
        </Link>
      </p>
    </form>
  );
}
