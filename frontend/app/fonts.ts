import localFont from "next/font/local";

/** Inter from the npm package, bundled at build time (no font CDN is reachable or wanted). */
export const inter = localFont({
  src: "../node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2",
  weight: "100 900",
  style: "normal",
  display: "swap",
  variable: "--font-inter",
});
