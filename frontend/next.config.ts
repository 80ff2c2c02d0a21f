import type { NextConfig } from "next";
import { MAX_BODY_BYTES } from "./lib/api/config";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  experimental: {
    // `forbidden()` and `app/forbidden.tsx`: the admin screens answer customers with a 403 page.
    authInterrupts: true,
    // The proxy buffers request bodies and silently cuts them at this size: a picture upload
    // the API would take must arrive whole.
    proxyClientMaxBodySize: MAX_BODY_BYTES,
  },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
