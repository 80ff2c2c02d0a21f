import type { Metadata } from "next";
import { SavedCards } from "@/components/account/saved-cards";
import { PageTitle } from "@/components/ui/page-title";
import { requireToken } from "@/lib/auth-guard";

export const metadata: Metadata = { title: "Saved cards" };

export default async function SavedCardsPage() {
  await requireToken("/account/cards");
  return (
    <div className="container-page max-w-3xl py-10">
      <PageTitle subtitle="The cards checkout offers you. The default one is chosen for you first.">Saved cards</PageTitle>
      <SavedCards />
    </div>
  );
}
