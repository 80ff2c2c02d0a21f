"use client";

import type { PaymentMethod } from "@/lib/api/types";
import { cardExpiry, cardName } from "@/lib/card";

/**
 * Checkout's "Pay with" radios: each saved card (the default marked), then a new card.
 * `chosen` is a card's id or `newCard`.
 */
export function SavedCardChoice({
  cards,
  chosen,
  newCard,
  onChoose,
}: {
  cards: PaymentMethod[];
  chosen: string;
  newCard: string;
  onChoose: (choice: string) => void;
}) {
  const options = [
    ...cards.map((card) => ({
      id: card.id,
      label: cardName(card),
      detail: `Expires ${cardExpiry(card)}${card.isDefault ? " · Default" : ""}`,
    })),
    { id: newCard, label: "A new card", detail: "" },
  ];
  return (
    <div role="radiogroup" aria-label="Pay with" className="mb-5 space-y-3">
      {options.map((option) => (
        <label
          key={option.id}
          data-testid="card-choice"
          className="flex cursor-pointer flex-wrap items-center gap-x-3 gap-y-1 rounded-xl border border-slate-300 p-4 text-sm has-checked:border-brand-500 has-checked:bg-brand-50 has-checked:ring-1 has-checked:ring-brand-500"
        >
          <input
            type="radio"
            name="pay_with"
            value={option.id}
            checked={chosen === option.id}
            onChange={() => onChoose(option.id)}
            className="h-4 w-4 accent-brand-600"
          />
          <span className="font-medium text-slate-900">{option.label}</span>
          {option.detail ? <span className="text-sm text-slate-500">{option.detail}</span> : null}
        </label>
      ))}
    </div>
  );
}
