"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { CancelOrderDialog } from "@/components/orders/cancel-order-dialog";
import { buttonClass } from "@/components/ui/button";

/**
 * "Cancel order" on the admin's order page, offered while the order is completed, its
 * parcel not delivered and no cancellation was refused before. A parcel still in the
 * warehouse stays there; one on its way is returned to sender, and the dialog says so. The
 * API refuses (and the dialog says why) if the parcel was delivered meanwhile. The page is
 * read again as the cancellation starts, and once more a moment later, when it has usually
 * run its course.
 */
export function AdminOrderCancel({ orderId, returnToSender }: { orderId: string; returnToSender: boolean }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <button type="button" className={buttonClass("secondary", "sm")} onClick={() => setConfirming(true)}>
        {returnToSender ? "Cancel and return to sender" : "Cancel order"}
      </button>
      {confirming ? (
        <CancelOrderDialog
          orderId={orderId}
          explanation={
            returnToSender
              ? "Its parcel has left: the carrier is asked to bring it back. The customer's payment is given back in full at once (a hold released, a charge refunded), and the items go back on sale when the parcel is back with us."
              : "Its parcel stays in the warehouse, the customer's payment is given back (a hold released, a charge refunded) and the stock goes back on sale."
          }
          reasonHint="Shown to the customer on their order."
          onCancelled={() => {
            setConfirming(false);
            router.refresh();
            setTimeout(() => router.refresh(), 1_500);
          }}
          onClose={() => setConfirming(false)}
        />
      ) : null}
    </>
  );
}
