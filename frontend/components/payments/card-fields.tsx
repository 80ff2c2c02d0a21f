"use client";

import { useState } from "react";
import { SelectField, TextField } from "@/components/ui/field";
import type { NewPaymentMethodBody } from "@/lib/api/types";
import { TEST_CARDS, cardDigits, formatCardNumber } from "@/lib/card";

const MONTHS = Array.from({ length: 12 }, (_, i) => String(i + 1).padStart(2, "0"));

/**
 * The fields of a new card (name, number, expiry, CVC) and the test cards to try, as
 * checkout and the saved-cards page both ask for them. The number is formatted as it is
 * typed; `readCard` turns the submitted form back into what the API tokenises.
 */
export function CardFields({ errors }: { errors: Record<string, string | undefined> }) {
  const [cardNumber, setCardNumber] = useState("");
  const [thisYear] = useState(() => new Date().getUTCFullYear());
  const years = Array.from({ length: 15 }, (_, i) => String(thisYear + i));
  return (
    <>
      <div className="grid gap-4 sm:grid-cols-4">
        <TextField id="holder_name" label="Name on card" autoComplete="cc-name" required className="sm:col-span-4" error={errors.holder_name} />
        <TextField
          id="card_number"
          label="Card number"
          autoComplete="cc-number"
          inputMode="numeric"
          placeholder="1234 1234 1234 1234"
          required
          value={cardNumber}
          onChange={(e) => setCardNumber(formatCardNumber(e.target.value))}
          className="sm:col-span-4"
          hint="Test mode: use one of the test cards listed below."
          error={errors.card_number}
        />
        <SelectField id="exp_month" label="Expiry month" autoComplete="cc-exp-month" required defaultValue="12" error={errors.exp_month}>
          {MONTHS.map((m) => (
            <option key={m} value={Number(m)}>
              {m}
            </option>
          ))}
        </SelectField>
        <SelectField id="exp_year" label="Expiry year" autoComplete="cc-exp-year" required defaultValue={String(thisYear + 2)} error={errors.exp_year}>
          {years.map((y) => (
            <option key={y} value={y}>
              {y}
            </option>
          ))}
        </SelectField>
        <TextField
          id="cvc"
          label="CVC"
          autoComplete="cc-csc"
          inputMode="numeric"
          pattern="\d{3,4}"
          title="3 or 4 digits"
          maxLength={4}
          placeholder="123"
          required
          className="sm:col-span-2"
          error={errors.cvc}
        />
      </div>
      <div className="mt-5 rounded-xl bg-slate-50 p-4 text-sm ring-1 ring-slate-200" id="test-cards">
        <p className="font-medium text-slate-700">Test cards (any future expiry, any CVC)</p>
        <ul className="mt-2 grid gap-1 text-slate-600 sm:grid-cols-2">
          {TEST_CARDS.map((c) => (
            <li key={c.number}>
              <span className="font-mono text-slate-900">{c.number}</span> — {c.outcome}
            </li>
          ))}
        </ul>
      </div>
    </>
  );
}

/** The card as entered in a form holding [`CardFields`]. */
export function readCard(data: FormData): NewPaymentMethodBody {
  const text = (name: string) => String(data.get(name) ?? "").trim();
  return {
    card_number: cardDigits(text("card_number")),
    exp_month: Number(text("exp_month")),
    exp_year: Number(text("exp_year")),
    cvc: text("cvc"),
    holder_name: text("holder_name"),
  };
}
