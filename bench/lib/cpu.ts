import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time of processes from /proc (Linux only): user + system, in ms. The benches count a
 * runtime's process group (wrangler and its workerd) or a set of processes (a Postgres
 * server's postmaster and its backends) during their timed work; the bench's own client is
 * another process and is not counted.
 */
const CLK_TCK = clockTicks();

interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  cpuMs: number;
}

/** Every process's stat line, parsed (processes that vanish while read are skipped). */
function procStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone
    }
    // Fields after the command (which may hold spaces): state ppid pgrp … utime(14) stime(15).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    out.push({
      pid: Number(entry),
      ppid: Number(fields[1]),
      pgrp: Number(fields[2]),
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK,
    });
  }
  return out;
}

/** CPU ms of every live process in process group `pgid` (e.g. wrangler and its workerd). */
export function groupCpuMs(pgid: number | undefined): number {
  if (!pgid) throw new Error("no process group id");
  let ms = 0;
  for (const p of procStats()) if (p.pgrp === pgid) ms += p.cpuMs;
  return ms;
}

/**
 * CPU ms of each live process in group `pgid`, by role: `wrangler` (the Node CLI that
 * supervises, bundles and relays the runtime's log lines), `workerd proxy` (wrangler's
 * ProxyWorker in its own workerd, which every request to the dev port crosses), `workerd`
 * (the workers, Durable Objects, queue broker and D1 themselves), `miniflare host` (the Node
 * side of a runtime started without wrangler, bench/lib/miniflare-host.ts) and anything else
 * by its name.
 */
export function groupCpuByRole(pgid: number | undefined): Record<string, number> {
  if (!pgid) throw new Error("no process group id");
  const members = procStats().filter((p) => p.pgrp === pgid);
  const cmds = members.map((p) => commandOf(p.pid));
  // Only `wrangler dev` runs a second workerd (its proxy): without wrangler, the one workerd
  // runs the workers whether or not its inspector is open.
  const underWrangler = cmds.some((cmd) => roleOf(cmd, true) === "wrangler");
  const out: Record<string, number> = {};
  for (const [i, p] of members.entries()) {
    const role = roleOf(cmds[i] as string, underWrangler);
    out[role] = (out[role] ?? 0) + p.cpuMs;
  }
  return out;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}

function roleOf(cmd: string, underWrangler: boolean): string {
  if (cmd === "") return "gone";
  if (cmd.includes("workerd"))
    return !underWrangler || cmd.includes("--inspector-addr") ? "workerd" : "workerd proxy";
  if (cmd.includes("miniflare-host")) return "miniflare host";
  if (cmd.includes("wrangler")) return "wrangler";
  if (cmd.includes("esbuild")) return "esbuild";
  return cmd.split(" ")[0]?.split("/").at(-1) ?? "other";
}

/** `after - before` per key. */
export function cpuDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) out[k] = v - (before[k] ?? 0);
  return out;
}

/**
 * CPU ms of process `pid` and all its live descendants (e.g. a postmaster and its backends).
 * A backend that exited took its CPU with it: pool connections that stay open are counted.
 */
export function treeCpuMs(pid: number): number {
  const stats = procStats();
  const children = new Map<number, ProcStat[]>();
  for (const p of stats) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  let ms = 0;
  const root = stats.find((p) => p.pid === pid);
  if (!root) return 0;
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop() as ProcStat;
    ms += p.cpuMs;
    stack.push(...(children.get(p.pid) ?? []));
  }
  return ms;
}

/** This process's own CPU (user + system), in ms. */
export function selfCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function clockTicks(): number {
  const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const ticks = Number(out.stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
}
