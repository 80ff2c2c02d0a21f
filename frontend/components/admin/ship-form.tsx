"use client";

import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { Spinner } from "@/components/ui/spinner";
import { FORM_LEVEL, type FieldErrors } from "@/lib/admin/product-form";
import { type ShipFormValues, shipErrorsByInput, toShipBody } from "@/lib/admin/ship-form";
import { shipShipment } from "@/lib/api/browser";
import { formRefusal } from "@/lib/form-refusal";
import type { Shipment } from "@/lib/api/types";
import { shortId } from "@/lib/format";

/** Explains a refused hand-over: field errors go beside their inputs, the rest (a 409's detail) above. */
function refusal(e: unknown) {
  return formRefusal(e, {
    invalid: "Please correct the fields marked below.",
    sessionEnded: "Your admin session has ended. Please sign in again.",
    byInput: shipErrorsByInput,
  });
}

/**
 * "Mark shipped" for one shipment waiting to ship: the carrier, and its tracking number if
 * the admin has one. `onShipped` gets the shipment as the API now has it.
 */
export function ShipForm({
  shipment,
  onShipped,
  onCancel,
}: {
  shipment: Shipment;
  onShipped: (shipment: Shipment) => void;
  onCancel: () => void;
}) {
  const [values, setValues] = useState<ShipFormValues>({ carrier: "", trackingNumber: "" });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const prefix = `ship-${shipment.id}`;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setMessage(null);
    setErrors({});
    try {
      onShipped(await shipShipment(shipment.id, toShipBody(values)));
    } catch (e) {
      const r = refusal(e);
      setErrors(r.errors);
      setMessage(r.message);
      setPending(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label={`Mark order #${shortId(shipment.orderId)} shipped`} className="space-y-3">
      {message ? (
        <Alert tone="error" title="We couldn't mark it shipped">
          {message}
        </Alert>
      ) : null}
      {errors[FORM_LEVEL] ? <Alert tone="error">{errors[FORM_LEVEL]}</Alert> : null}
      <div className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_auto] sm:items-start">
        <TextField
          id={`${prefix}-carrier`}
          label="Carrier"
          required
          // Opened on purpose by the admin: the first field is where they type next.
          autoFocus
          value={values.carrier}
          onChange={(e) => setValues({ ...values, carrier: e.target.value })}
          error={errors.carrier}
          autoComplete="off"
        />
        <TextField
          id={`${prefix}-tracking`}
          label="Tracking number"
          value={values.trackingNumber}
          onChange={(e) => setValues({ ...values, trackingNumber: e.target.value })}
          hint="6 to 40 letters, digits or dashes; one is made when left empty."
          error={errors.trackingNumber}
          autoComplete="off"
          spellCheck={false}
        />
        <div className="flex gap-2 sm:mt-7">
          <button type="button" className={buttonClass("secondary", "sm")} onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className={buttonClass("primary", "sm")} disabled={pending}>
            {pending ? <Spinner /> : null}
            Mark shipped
          </button>
        </div>
      </div>
    </form>
  );
}
