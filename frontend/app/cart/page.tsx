import type { Metadata } from "next";
import { CartView } from "@/components/cart/cart-view";
import { PageTitle } from "@/components/ui/page-title";

export const metadata: Metadata = { title: "Your cart" };

export default function CartPage() {
  return (
    <div className="container-page py-10">
      <PageTitle>Your cart</PageTitle>
      <CartView />
    </div>
  );
}
