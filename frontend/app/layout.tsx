import type { Metadata } from "next";
import type { ReactNode } from "react";
import { SiteFooter } from "@/components/layout/site-footer";
import { ShopChrome } from "@/components/layout/shop-chrome";
import { SiteHeader } from "@/components/layout/site-header";
import { inter } from "./fonts";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Emporium", template: "%s · Emporium" },
  description: "Everyday goods, carefully picked and shipped fast.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" className={inter.variable}>
      <body className="flex min-h-screen flex-col font-sans">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded-lg focus:bg-white focus:px-4 focus:py-2 focus:shadow"
        >
          Skip to content
        </a>
        <ShopChrome>
          <SiteHeader />
        </ShopChrome>
        <main id="main" className="flex-1">
          {children}
        </main>
        <ShopChrome>
          <SiteFooter />
        </ShopChrome>
      </body>
    </html>
  );
}
