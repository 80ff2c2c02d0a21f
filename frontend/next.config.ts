import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The storefront is served from loopback in tests; never phone home.
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
