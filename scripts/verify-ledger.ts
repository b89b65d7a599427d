/**
 * Verifies a wallet's ledger export offline (docs/ledger.md "Verifying a wallet offline"):
 *
 *   npx tsx scripts/verify-ledger.ts page-1.json [page-2.json …]
 *
 * The pages are `GET /admin/v1/users/{id}/ledger/export` responses, in order. It recomputes the
 * chain from the user's genesis with node:crypto alone — it imports nothing from the product,
 * so it checks the product's hashing rather than repeating it — and checks every entry's hash,
 * that seqs have no gap, that the last entry is the stored head, and that the anchor (the daily
 * audit's, from D1/R2) lies on the recomputed chain. Prints one line; exit 0 when it verifies,
 * 1 when it does not (naming the first entry that does not), 2 on bad input.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

interface ExportEntry {
  seq: number;
  idempotencyKey: string;
  postingKey: string;
  bucket: string;
  currency: string;
  amountMinor: number;
  balanceAfterMinor: number;
  kind: string;
  txnId: string | null;
  memo: string | null;
  createdAtMs: number;
  ruleId: string | null;
  ruleVersion: number | null;
  hash: string | null;
}

export interface ExportPage {
  userId: string;
  chainVersion: string;
  head: { seq: number; hash: string } | null;
  anchor: { headSeq: number; headHash: string } | null;
  entries: ExportEntry[];
}

export type Verdict =
  | { ok: true; entries: number; headSeq: number; headHash: string; anchorChecked: boolean }
  | { ok: false; firstBadSeq: number; reason: string };

const VERSION = "boomerang-ledger-v1";

const sha256Hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** `<UTF-8 byte length>:<value>`, null as `~` (the product's ledger/chain.ts, written again). */
function field(value: string | number | null): string {
  if (value === null) return "~";
  const text = String(value);
  return `${new TextEncoder().encode(text).length}:${text}`;
}

function encode(e: ExportEntry): string {
  return (
    VERSION +
    [
      e.seq,
      e.idempotencyKey,
      e.postingKey,
      e.bucket,
      e.currency,
      e.amountMinor,
      e.balanceAfterMinor,
      e.kind,
      e.txnId,
      e.memo,
      e.createdAtMs,
      e.ruleId,
      e.ruleVersion,
    ]
      .map(field)
      .join("")
  );
}

export function verifyExport(pages: ExportPage[]): Verdict {
  const first = pages[0];
  if (!first) return { ok: false, firstBadSeq: 0, reason: "no pages" };
  if (first.chainVersion !== VERSION) {
    return { ok: false, firstBadSeq: 0, reason: `unknown chain version ${first.chainVersion}` };
  }
  let prevSeq = 0;
  let prevHash = sha256Hex(`${VERSION}|${first.userId}`);
  const onChain = new Map<number, string>([[0, prevHash]]);
  let count = 0;
  for (const entry of pages.flatMap((p) => p.entries)) {
    if (entry.seq !== prevSeq + 1) {
      return { ok: false, firstBadSeq: prevSeq + 1, reason: "entry is missing" };
    }
    const hash = sha256Hex(`${prevHash}|${encode(entry)}`);
    if (entry.hash !== hash) {
      return { ok: false, firstBadSeq: entry.seq, reason: "entry does not match its hash" };
    }
    prevSeq = entry.seq;
    prevHash = hash;
    onChain.set(entry.seq, hash);
    count++;
  }
  const last = pages.at(-1) ?? first;
  if (last.head && (last.head.seq !== prevSeq || last.head.hash !== prevHash)) {
    return {
      ok: false,
      firstBadSeq: Math.min(last.head.seq, prevSeq + 1),
      reason: "the last entry is not the stored head",
    };
  }
  const anchor = last.anchor;
  if (anchor && anchor.headSeq <= prevSeq && onChain.get(anchor.headSeq) !== anchor.headHash) {
    return { ok: false, firstBadSeq: anchor.headSeq, reason: "entry differs from its anchor" };
  }
  if (anchor && anchor.headSeq > prevSeq) {
    return { ok: false, firstBadSeq: prevSeq + 1, reason: "anchored entries are missing" };
  }
  return {
    ok: true,
    entries: count,
    headSeq: prevSeq,
    headHash: prevHash,
    anchorChecked: !!anchor,
  };
}

function main(files: string[]): number {
  if (files.length === 0) {
    console.error("usage: tsx scripts/verify-ledger.ts page-1.json [page-2.json …]");
    return 2;
  }
  let pages: ExportPage[];
  try {
    pages = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as ExportPage);
  } catch (error) {
    console.error(`cannot read the export: ${(error as Error).message}`);
    return 2;
  }
  const verdict = verifyExport(pages);
  if (verdict.ok) {
    console.log(
      `OK ${pages[0]?.userId}: ${verdict.entries} entries, head ${verdict.headSeq} ${verdict.headHash}` +
        (verdict.anchorChecked ? ", anchor on the chain" : ", no anchor yet"),
    );
    return 0;
  }
  console.log(`BROKEN ${pages[0]?.userId}: entry ${verdict.firstBadSeq}: ${verdict.reason}`);
  return 1;
}

if (typeof process !== "undefined" && process.argv?.[1]?.endsWith("verify-ledger.ts")) {
  process.exit(main(process.argv.slice(2)));
}
