"use client";

import Link from "next/link";
import { type FormEvent, useState } from "react";
import useSWR from "swr";
import { CardFields, readCard } from "@/components/payments/card-fields";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { Spinner } from "@/components/ui/spinner";
import { fetchPaymentMethods, keys, makeDefaultPaymentMethod, removePaymentMethod, tokeniseCard } from "@/lib/api/browser";
import { ApiError, errorMessage } from "@/lib/api/problem";
import type { PaymentMethod } from "@/lib/api/types";
import { cardExpiry, cardName, passesLuhn } from "@/lib/card";

/** The API's field errors, by this page's field ids (the same names). */
function fieldErrorsOf(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  return Object.fromEntries(error.fieldErrors.map(({ field, message }) => [field, message]));
}

/**
 * The signed-in customer's saved cards: each can be made the default or removed (after a
 * confirmation), and a new one added. Every change is the API's answer, read again.
 */
export function SavedCards() {
  const list = useSWR(keys.paymentMethods(), fetchPaymentMethods, { revalidateOnFocus: false });
  const [busyCard, setBusyCard] = useState<string | null>(null);
  const [removing, setRemoving] = useState<PaymentMethod | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function makeDefault(card: PaymentMethod) {
    setBusyCard(card.id);
    setProblem(null);
    try {
      await makeDefaultPaymentMethod(card.id);
      await list.mutate();
      setNotice(`${cardName(card)} is now your default card.`);
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setBusyCard(null);
    }
  }

  if (list.error && !list.data) {
    return (
      <Alert tone="error" title="We couldn't load your cards">
        {errorMessage(list.error)}{" "}
        {list.error instanceof ApiError && list.error.status === 401 ? (
          <Link href="/sign-in?expired=1&next=/account/cards" className="font-semibold underline">
            Sign in again
          </Link>
        ) : null}
      </Alert>
    );
  }

  return (
    <div className="space-y-8">
      {problem ? <Alert tone="error" title="That didn't work">{problem}</Alert> : null}
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      <section aria-labelledby="cards-heading" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="cards-heading" className="mb-4 text-lg font-semibold text-slate-900">
          Your cards
        </h2>
        {list.data === undefined ? (
          <Skeleton className="h-24" />
        ) : list.data.length === 0 ? (
          <p className="text-slate-600">No saved cards yet. Add one below, or pay with a new card at checkout.</p>
        ) : (
          <ul className="divide-y divide-slate-200">
            {list.data.map((card) => (
              <li key={card.id} data-testid="saved-card" className="flex flex-wrap items-center justify-between gap-3 py-3">
                <div>
                  <p className="font-medium text-slate-900">
                    {cardName(card)}
                    {card.isDefault ? (
                      <span data-testid="default-badge" className="ml-2 rounded-full bg-brand-50 px-2 py-0.5 text-xs font-semibold text-brand-700 ring-1 ring-brand-200">
                        Default
                      </span>
                    ) : null}
                  </p>
                  <p className="text-sm text-slate-500">
                    {card.holderName} · Expires {cardExpiry(card)}
                  </p>
                </div>
                <div className="flex gap-2">
                  {card.isDefault ? null : (
                    <button
                      type="button"
                      className={buttonClass("secondary", "sm")}
                      disabled={busyCard !== null}
                      onClick={() => void makeDefault(card)}
                      aria-label={`Make ${cardName(card)} the default`}
                    >
                      {busyCard === card.id ? <Spinner /> : null}
                      Make default
                    </button>
                  )}
                  <button
                    type="button"
                    className={buttonClass("danger", "sm")}
                    disabled={busyCard !== null}
                    onClick={() => setRemoving(card)}
                    aria-label={`Remove ${cardName(card)}`}
                  >
                    Remove
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      <AddCard
        onAdded={async (card) => {
          await list.mutate();
          setProblem(null);
          setNotice(`${cardName(card)} was saved.`);
        }}
      />
      {removing ? (
        <RemoveCardDialog
          card={removing}
          onClose={() => setRemoving(null)}
          onRemoved={async () => {
            setRemoving(null);
            await list.mutate();
            setProblem(null);
            setNotice(`${cardName(removing)} was removed.`);
          }}
        />
      ) : null}
    </div>
  );
}

/** Asks before a card is removed, and says what removing does. */
function RemoveCardDialog({
  card,
  onClose,
  onRemoved,
}: {
  card: PaymentMethod;
  onClose: () => void;
  onRemoved: () => Promise<void>;
}) {
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  async function remove() {
    setPending(true);
    setMessage(null);
    try {
      await removePaymentMethod(card.id);
      await onRemoved();
    } catch (e) {
      setMessage(errorMessage(e));
      setPending(false);
    }
  }

  return (
    <Dialog title={`Remove ${cardName(card)}?`} onClose={onClose} busy={pending}>
      <div className="space-y-4">
        {message ? <Alert tone="error" title="We couldn't remove this card">{message}</Alert> : null}
        <p className="text-sm text-slate-600">
          It will no longer be offered at checkout, and no new order can be paid with it. Orders you have already paid
          for, and their refunds, are not affected.
          {card.isDefault ? " Your newest other card becomes the default." : ""}
        </p>
        <div className="flex justify-end gap-2">
          <button type="button" className={buttonClass("secondary")} onClick={onClose} disabled={pending}>
            Keep it
          </button>
          <button type="button" className={buttonClass("primary")} onClick={() => void remove()} disabled={pending}>
            {pending ? <Spinner /> : null}
            Remove card
          </button>
        </div>
      </div>
    </Dialog>
  );
}

/** A new card, checked (Luhn) before it is sent once to be tokenised. */
function AddCard({ onAdded }: { onAdded: (card: PaymentMethod) => Promise<void> }) {
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  // Remounting the fields empties them after a card is saved.
  const [generation, setGeneration] = useState(0);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const card = readCard(new FormData(event.currentTarget));
    if (!passesLuhn(card.card_number)) {
      setErrors({ card_number: "Please check the card number; it doesn't look complete." });
      setMessage(null);
      return;
    }
    setPending(true);
    setErrors({});
    setMessage(null);
    try {
      const saved = await tokeniseCard(card);
      setGeneration((g) => g + 1);
      await onAdded(saved);
    } catch (e) {
      setErrors(fieldErrorsOf(e));
      setMessage(errorMessage(e));
    } finally {
      setPending(false);
    }
  }

  return (
    <section aria-labelledby="add-card-heading" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
      <h2 id="add-card-heading" className="mb-1 text-lg font-semibold text-slate-900">
        Add a card
      </h2>
      <p className="mb-5 text-sm text-slate-500">
        The card is sent once to our payment provider to be tokenised. We never store the number or CVC.
      </p>
      <form onSubmit={submit} aria-label="New card" className="space-y-5">
        {message ? <Alert tone="error" title="Your card was not saved">{message}</Alert> : null}
        <fieldset disabled={pending} key={generation}>
          <legend className="sr-only">Card details</legend>
          <CardFields errors={errors} />
        </fieldset>
        <button type="submit" className={buttonClass("primary")} disabled={pending}>
          {pending ? <Spinner /> : null}
          Save card
        </button>
      </form>
    </section>
  );
}
