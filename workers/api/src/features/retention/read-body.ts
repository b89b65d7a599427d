import { createLogger } from "#shared/observability/logger";
import { bodyAtLine, gunzip } from "./archive-format";

const log = createLogger({ worker: "api", feature: "retention" });

/**
 * A received postback's raw body: from its row, or, once archived, from its line of the
 * archive object. Null when the object (or the line) is gone, which is logged.
 *
 * @example
 * await rawBodyOf(env.POSTBACK_ARCHIVE, row) // '{"order_id":"A-1",…}'
 */
export async function rawBodyOf(
  archive: R2Bucket,
  row: { id: string; rawBody: string; archiveKey: string | null; archiveLine: number | null },
): Promise<string | null> {
  if (row.archiveKey === null) return row.rawBody;
  const object = await archive.get(row.archiveKey);
  const body =
    object === null ? null : bodyAtLine(await gunzip(object.body), row.archiveLine ?? -1, row.id);
  if (body === null) {
    log.error("retention.archived_body_missing", { postbackId: row.id, key: row.archiveKey });
  }
  return body;
}
