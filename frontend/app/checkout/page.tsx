import type { Metadata } from "next";
import { CheckoutForm } from "@/components/checkout/checkout-form";
import { PageTitle } from "@/components/ui/page-title";
import { requireToken } from "@/lib/auth-guard";

export const metadata: Metadata = { title: "Checkout" };

export default async function CheckoutPage() {
  await requireToken("/checkout");
  return (
    <div className="container-page py-10">
      <PageTitle subtitle="Where should we send it, and how would you like to pay?">Checkout</PageTitle>
      <CheckoutForm />
    </div>
  );
}
