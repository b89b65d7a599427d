import { labelsCsvHeader, labelsCsvLine } from "./csv-rows";
import { PartBuffer } from "./part-buffer";
import { type LabelsKey, labelledHoldsPage } from "./store";

/**
 * The labels export (docs/fraud.md "Labels export"): labelled holds read from D1 a page at a
 * time, written as CSV through an R2 multipart upload a part at a time, so neither the rows
 * nor the file are ever held whole. Each export is two objects in RISK_EXPORTS: the CSV, and
 * an empty index object whose custom metadata describes it (listed newest first by key).
 */

/** R2 wants every part but the last the same size and at least 5 MiB. */
export const EXPORT_PART_BYTES = 5 * 1024 * 1024;
/** Rows read from D1 per query. */
export const EXPORT_PAGE_ROWS = 500;
export const DEFAULT_MAX_ROWS = 50_000;
export const MAX_MAX_ROWS = 200_000;
/** The longest range one export covers. */
export const MAX_RANGE_MS = 366 * 24 * 60 * 60 * 1000;

const CSV_PREFIX = "risk-labels/exports/";
const INDEX_PREFIX = "risk-labels/index/";
/** Index keys sort newest first: this minus the creation time, 13 digits. */
const INDEX_EPOCH = 10_000_000_000_000;

export const EXPORT_ID_PATTERN = /^rlx_\d{13}_[0-9a-f]{16}$/;

export interface LabelsExport {
  id: string;
  key: string;
  rows: number;
  bytes: number;
  fromMs: number;
  toMs: number;
  maxRows: number;
  truncated: boolean;
  createdAtMs: number;
  createdBy: string;
}

export const csvKeyOf = (id: string) => `${CSV_PREFIX}${id}.csv`;

function indexKeyOf(id: string): string {
  const createdAtMs = Number(id.split("_")[1]);
  return `${INDEX_PREFIX}${String(INDEX_EPOCH - createdAtMs).padStart(13, "0")}_${id}`;
}

function newExportId(nowMs: number): string {
  const random = [...crypto.getRandomValues(new Uint8Array(8))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  return `rlx_${String(nowMs).padStart(13, "0")}_${random}`;
}

export interface ExportRequest {
  fromMs: number;
  toMs: number;
  maxRows: number;
  createdBy: string;
  nowMs: number;
  /** Rows per D1 query; tests lower it to cross pages with a few rows. */
  pageRows?: number;
  /** Bytes per uploaded part; R2 refuses parts but the last below 5 MiB. */
  partBytes?: number;
}

/** Writes one export and its index entry; an export that fails part-way leaves nothing. */
export async function createLabelsExport(
  env: { DB: D1Database; RISK_EXPORTS: R2Bucket },
  request: ExportRequest,
): Promise<LabelsExport> {
  const pageRows = request.pageRows ?? EXPORT_PAGE_ROWS;
  const id = newExportId(request.nowMs);
  const key = csvKeyOf(id);
  const upload = await env.RISK_EXPORTS.createMultipartUpload(key, {
    httpMetadata: { contentType: "text/csv; charset=utf-8" },
    customMetadata: { fromMs: String(request.fromMs), toMs: String(request.toMs) },
  });
  const encoder = new TextEncoder();
  const buffer = new PartBuffer(request.partBytes ?? EXPORT_PART_BYTES);
  const parts: R2UploadedPart[] = [];
  let bytes = 0;
  const write = async (text: string) => {
    const chunk = encoder.encode(text);
    bytes += chunk.byteLength;
    for (const part of buffer.push(chunk)) {
      parts.push(await upload.uploadPart(parts.length + 1, part));
    }
  };

  let rows = 0;
  let truncated = false;
  try {
    await write(labelsCsvHeader());
    let after: LabelsKey | null = null;
    for (;;) {
      const room = request.maxRows - rows;
      // One row past the room tells a cut-off export from one that ends exactly there.
      const page = await labelledHoldsPage(env, request, after, Math.min(pageRows, room + 1));
      const kept = page.slice(0, room);
      if (kept.length > 0) {
        await write(kept.map(labelsCsvLine).join(""));
        rows += kept.length;
      }
      if (page.length > kept.length) {
        truncated = true;
        break;
      }
      if (page.length < Math.min(pageRows, room + 1)) break;
      const last = page[page.length - 1];
      if (!last) break;
      after = { endedAtMs: last.endedAtMs, userId: last.userId, holdId: last.holdId };
    }
    const rest = buffer.flush();
    if (rest) parts.push(await upload.uploadPart(parts.length + 1, rest));
    await upload.complete(parts);
  } catch (error) {
    await upload.abort().catch(() => undefined);
    throw error;
  }

  const described: LabelsExport = {
    id,
    key,
    rows,
    bytes,
    fromMs: request.fromMs,
    toMs: request.toMs,
    maxRows: request.maxRows,
    truncated,
    createdAtMs: request.nowMs,
    createdBy: request.createdBy,
  };
  // The index is what lists the export: without it the CSV is an orphan, so it goes too.
  await writeIndex(env.RISK_EXPORTS, described).catch(async (error: unknown) => {
    await env.RISK_EXPORTS.delete(key).catch(() => undefined);
    throw error;
  });
  return described;
}

/** The empty object whose custom metadata lists and describes one export (read by fromMetadata). */
async function writeIndex(bucket: R2Bucket, e: LabelsExport): Promise<void> {
  await bucket.put(indexKeyOf(e.id), "", {
    customMetadata: {
      id: e.id,
      rows: String(e.rows),
      bytes: String(e.bytes),
      fromMs: String(e.fromMs),
      toMs: String(e.toMs),
      maxRows: String(e.maxRows),
      truncated: String(e.truncated),
      createdAtMs: String(e.createdAtMs),
      createdBy: e.createdBy,
    },
  });
}

function fromMetadata(meta: Record<string, string> | undefined): LabelsExport | null {
  if (!meta?.id || !EXPORT_ID_PATTERN.test(meta.id)) return null;
  return {
    id: meta.id,
    key: csvKeyOf(meta.id),
    rows: Number(meta.rows),
    bytes: Number(meta.bytes),
    fromMs: Number(meta.fromMs),
    toMs: Number(meta.toMs),
    maxRows: Number(meta.maxRows),
    truncated: meta.truncated === "true",
    createdAtMs: Number(meta.createdAtMs),
    createdBy: meta.createdBy ?? "",
  };
}

/** Exports newest first, `limit` at a time; the cursor is the last id of the previous page. */
export async function listLabelsExports(
  bucket: R2Bucket,
  limit: number,
  cursor: string | null,
): Promise<{ exports: LabelsExport[]; nextCursor: string | null }> {
  // `include` is honoured by the runtime but missing from this workers-types' R2ListOptions.
  const options = {
    prefix: INDEX_PREFIX,
    limit,
    include: ["customMetadata"],
    ...(cursor ? { startAfter: indexKeyOf(cursor) } : {}),
  } as R2ListOptions;
  const listed = await bucket.list(options);
  const exports = listed.objects
    .map((o) => fromMetadata(o.customMetadata))
    .filter((e): e is LabelsExport => e !== null);
  const last = exports[exports.length - 1];
  return { exports, nextCursor: listed.truncated && last ? last.id : null };
}

/** One export's description, or null when there is none by that id. */
export async function findLabelsExport(bucket: R2Bucket, id: string): Promise<LabelsExport | null> {
  const head = await bucket.head(indexKeyOf(id));
  return head ? fromMetadata(head.customMetadata) : null;
}
