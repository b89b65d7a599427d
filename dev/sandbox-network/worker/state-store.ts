import { loadChunked, type StateStorage, saveChunked } from "../../shared/chunked-state";
import type { SandboxState } from "../engine";

/** The sandbox network's whole state, one chunked JSON document (dev/shared). */
export {
  CHUNK_CHARS,
  MAX_CHUNKS,
  type StateStorage,
  StateTooLargeError,
} from "../../shared/chunked-state";

const PREFIX = "sandbox";

export function saveState(storage: StateStorage, state: SandboxState): Promise<void> {
  return saveChunked(storage, PREFIX, state);
}

export async function loadState(storage: StateStorage): Promise<SandboxState | null> {
  return (await loadChunked(storage, PREFIX)) as SandboxState | null;
}
