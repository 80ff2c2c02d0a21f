/**
 * After the whole browser suite: the backend's books must still agree. `emporium audit`
 * reads the suite's data folder and fails (naming the invariant) when stock held, money
 * kept (captured minus refunded plus what is held equals the totals of the orders kept,
 * and only orders not yet shipped are held), settled sagas or
 * idempotency keys disagree; it waits a little for sagas still finishing.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

export default function auditTheBooks() {
  const dataRoot = path.join(__dirname, ".data");
  const runs = readdirSync(dataRoot).filter((name) => name.startsWith("run."));
  if (runs.length !== 1) throw new Error(`expected one e2e data folder in ${dataRoot}, found ${runs.length}`);
  const bin = process.env.EMPORIUM_BIN ?? path.join(__dirname, "..", "..", "target", "debug", "emporium");
  const output = execFileSync(bin, ["audit", "--wait", "30"], {
    env: { ...process.env, EMPORIUM_DATA_DIR: path.join(dataRoot, runs[0] ?? "") },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  console.log(`e2e audit: ${output.trim()}`);
}
