"use client";

/** Last-resort boundary for errors in the root layout itself; it renders its own document. */
export default function GlobalError({ retry }: { error: unknown; retry: () => void }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", padding: "4rem 1rem", textAlign: "center", color: "#0f172a" }}>
        <title>Emporium is unavailable</title>
        <h1 style={{ fontSize: "1.25rem" }}>Emporium is having trouble right now</h1>
        <p style={{ color: "#475569" }}>Please try again in a moment.</p>
        <button type="button" onClick={() => retry()} style={{ marginTop: "1rem", padding: "0.6rem 1.2rem", borderRadius: 8 }}>
          Try again
        </button>
      </body>
    </html>
  );
}
