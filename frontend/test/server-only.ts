// Stand-in for the `server-only` guard so server modules can be unit-tested under Node.
export {};
