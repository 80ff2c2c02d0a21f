"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import useSWR from "swr";
import { useCart, useHydrated } from "@/components/cart/use-cart";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { CardFields, readCard } from "@/components/payments/card-fields";
import { SavedCardChoice } from "@/components/payments/saved-card-choice";
import { SelectField, TextField } from "@/components/ui/field";
import { Skeleton } from "@/components/ui/skeleton";
import { Spinner } from "@/components/ui/spinner";
import { fetchPaymentMethods, keys, placeOrder, quoteShipping, tokeniseCard } from "@/lib/api/browser";
import { ApiError, errorMessage } from "@/lib/api/problem";
import type { Address, ShippingService } from "@/lib/api/types";
import { passesLuhn } from "@/lib/card";
import { COUNTRIES } from "@/lib/countries";
import { answeredForGood, newIdempotencyKey } from "@/lib/idempotency";
import { DEFAULT_SERVICE, quoteLinesKey, quoteStatus, summaryShipping } from "@/lib/shipping";
import { OrderSummary } from "./order-summary";
import { ShippingOptions } from "./shipping-options";

type Stage = "idle" | "card" | "order" | "done";
type Problem = { title: string; message: string; signIn?: boolean };

/** The choice of card: a saved one's id, or a new card typed in. */
const NEW_CARD = "new";

/** Maps API field paths (e.g. `shipping_address.city`) onto this form's field ids. */
function fieldErrorsOf(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const { field, message } of error.fieldErrors) {
    const key = field.replace(/^shipping_address\./, "");
    out[key] = message;
  }
  return out;
}

export function CheckoutForm() {
  const router = useRouter();
  const [cart, dispatch] = useCart();
  const hydrated = useHydrated();
  // One key per order request: resending it after a lost answer gets the first answer back.
  // Once the API has answered for good, the next submit is a new request with a new key.
  const idempotencyKey = useRef(newIdempotencyKey());
  // The card saved for the last submit, reused while its details are unchanged, so a resent
  // order is the very same request (and no second copy of the card is saved).
  const savedCard = useRef<{ details: string; id: string } | null>(null);
  const [stage, setStage] = useState<Stage>("idle");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const problemRef = useRef<HTMLDivElement>(null);
  // Saved cards are offered first, the default chosen; without any (or unreadable), a new card.
  const savedCards = useSWR(hydrated ? keys.paymentMethods() : null, fetchPaymentMethods, {
    revalidateOnFocus: false,
    shouldRetryOnError: false,
  });
  const [chosenCard, setChosenCard] = useState<string | null>(null);
  const cards = savedCards.data ?? [];
  const payWith = chosenCard ?? cards.find((c) => c.isDefault)?.id ?? NEW_CARD;
  const [country, setCountry] = useState("US");
  const [service, setService] = useState<ShippingService>(DEFAULT_SERVICE);
  // Asked again whenever the country or the cart changes; the prices shown are always the API's.
  const quoteLines = cart.lines.map((l) => ({ product_id: l.productId, quantity: l.quantity }));
  const quote = useSWR(
    hydrated && quoteLines.length > 0 ? keys.shippingQuote(country, quoteLinesKey(cart.lines)) : null,
    () => quoteShipping({ country, lines: quoteLines }),
    { revalidateOnFocus: false, shouldRetryOnError: false },
  );
  // Asking again after a failure shows as asking, not as the old failure.
  const shipping = quoteStatus(quote.data, quote.isValidating ? undefined : quote.error);
  const summary = summaryShipping(shipping, service);
  // The shopper sees what shipping costs (or that nothing ships there) before ordering.
  const canPlace = shipping.state === "ready" || shipping.state === "unavailable";

  useEffect(() => {
    if (problem) problemRef.current?.focus();
  }, [problem]);

  if (!hydrated) {
    return (
      <div role="status" aria-busy="true" className="grid gap-8 lg:grid-cols-[1fr_22rem]">
        <span className="sr-only">Loading checkout…</span>
        <Skeleton className="h-96" />
        <Skeleton className="h-64" />
      </div>
    );
  }

  if (cart.lines.length === 0 && stage !== "done") {
    return (
      <div className="rounded-2xl border border-dashed border-slate-300 bg-white p-10 text-center">
        <p className="text-lg font-medium text-slate-900">Your cart is empty</p>
        <p className="mt-1 text-slate-600">Add something to your cart before checking out.</p>
        <Link href="/" className={buttonClass("primary", "md", "mt-6")}>
          Browse products
        </Link>
      </div>
    );
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (stage !== "idle" || !canPlace) return;
    const data = new FormData(event.currentTarget);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const card = readCard(data);
    if (payWith === NEW_CARD && !passesLuhn(card.card_number)) {
      setFieldErrors({ card_number: "Please check the card number; it doesn't look complete." });
      setProblem({ title: "Please check your card", message: "The card number is not valid." });
      return;
    }
    const line2 = text("line2");
    const address: Address = {
      name: text("name"),
      line1: text("line1"),
      ...(line2 ? { line2 } : {}),
      city: text("city"),
      postal_code: text("postal_code"),
      country: text("country"),
    };
    setProblem(null);
    setFieldErrors({});
    let paymentMethodId = payWith;
    if (payWith === NEW_CARD) {
      setStage("card");
      try {
        const details = JSON.stringify(card);
        if (savedCard.current?.details !== details) {
          savedCard.current = { details, id: (await tokeniseCard(card)).id };
        }
        paymentMethodId = savedCard.current.id;
      } catch (e) {
        refused("Your card was not accepted", e);
        return;
      }
    }
    setStage("order");
    try {
      const order = await placeOrder(
        {
          lines: cart.lines.map((l) => ({ product_id: l.productId, quantity: l.quantity })),
          payment_method_id: paymentMethodId,
          shipping_address: address,
          // Nothing ships to the address: the order goes ahead without a service, and the shop refunds it.
          ...(summary.option ? { shipping_service: summary.option.service } : {}),
        },
        idempotencyKey.current,
      );
      setStage("done");
      dispatch({ type: "clear" });
      router.push(`/orders/${order.id}`);
    } catch (e) {
      if (answeredForGood(e)) idempotencyKey.current = newIdempotencyKey();
      refused("We couldn't place your order", e);
    }
  }

  /** Back to the form, with the API's refusal above it and beside the fields it names. */
  function refused(title: string, e: unknown) {
    setStage("idle");
    setFieldErrors(fieldErrorsOf(e));
    setProblem({ title, message: errorMessage(e), signIn: e instanceof ApiError && e.status === 401 });
  }

  const busy = stage !== "idle";

  return (
    <form onSubmit={onSubmit} className="grid gap-8 lg:grid-cols-[1fr_22rem]" aria-busy={busy}>
      <div className="space-y-8">
        {problem ? (
          <div ref={problemRef} tabIndex={-1} className="focus:outline-none">
            <Alert tone="error" title={problem.title}>
              {problem.message}
              {problem.signIn ? (
                <>
                  {" "}
                  <Link href="/sign-in?expired=1&next=/checkout" className="font-semibold underline">
                    Sign in again
                  </Link>
                </>
              ) : null}
            </Alert>
          </div>
        ) : null}

        <fieldset disabled={busy} className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
          <legend className="sr-only">Shipping address</legend>
          <h2 className="mb-5 text-lg font-semibold text-slate-900" aria-hidden="true">
            1. Shipping address
          </h2>
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField id="name" label="Full name" autoComplete="shipping name" required className="sm:col-span-2" error={fieldErrors.name} />
            <TextField id="line1" label="Address" autoComplete="shipping address-line1" required className="sm:col-span-2" error={fieldErrors.line1} />
            <TextField id="line2" label="Apartment, suite, etc." autoComplete="shipping address-line2" className="sm:col-span-2" error={fieldErrors.line2} />
            <TextField id="city" label="City" autoComplete="shipping address-level2" required error={fieldErrors.city} />
            <TextField id="postal_code" label="Postal code" autoComplete="shipping postal-code" required error={fieldErrors.postal_code} />
            <SelectField
              id="country"
              label="Country"
              autoComplete="shipping country"
              required
              value={country}
              onChange={(e) => setCountry(e.target.value)}
              className="sm:col-span-2"
              error={fieldErrors.country}
            >
              {COUNTRIES.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </SelectField>
          </div>
        </fieldset>

        <fieldset disabled={busy} className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
          <legend className="sr-only">Shipping method</legend>
          <h2 className="mb-5 text-lg font-semibold text-slate-900" aria-hidden="true">
            2. Shipping method
          </h2>
          <ShippingOptions
            country={country}
            status={shipping}
            service={service}
            onChoose={setService}
            onRetry={() => void quote.mutate()}
            error={fieldErrors.shipping_service}
          />
        </fieldset>

        <fieldset disabled={busy} className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
          <legend className="sr-only">Payment</legend>
          <h2 className="mb-1 text-lg font-semibold text-slate-900" aria-hidden="true">
            3. Payment
          </h2>
          <p className="mb-5 text-sm text-slate-500">
            A new card is sent once to our payment provider to be tokenised and saved to your account for next time
            (<Link href="/account/cards" className="font-medium text-brand-700 underline">saved cards</Link>). We never
            store the number or CVC.
          </p>
          {savedCards.data === undefined && !savedCards.error ? (
            <Skeleton className="h-28" />
          ) : (
            <>
              {cards.length > 0 ? <SavedCardChoice cards={cards} chosen={payWith} newCard={NEW_CARD} onChoose={setChosenCard} /> : null}
              {payWith === NEW_CARD ? <CardFields errors={fieldErrors} /> : null}
            </>
          )}
        </fieldset>
      </div>

      <aside className="h-fit space-y-4 lg:sticky lg:top-24">
        <OrderSummary lines={cart.lines} shipping={summary} />
        <button type="submit" className={buttonClass("primary", "lg", "w-full")} disabled={busy || !canPlace}>
          {busy ? <Spinner /> : null}
          {stage === "card" ? "Securing your card…" : stage === "order" || stage === "done" ? "Placing your order…" : "Place order"}
        </button>
        <p className="text-center text-xs text-slate-500" aria-live="polite">
          {busy
            ? "Please keep this page open."
            : canPlace
              ? "You'll see your order status right after placing it."
              : shipping.state === "loading"
                ? "Finding shipping options…"
                : "Shipping options are needed before the order can be placed."}
        </p>
      </aside>
    </form>
  );
}
