/**
 * Every postback format a network record may name, in the order the console lists them. In a
 * module of its own (no adapter code) so the D1 schema and the redirect worker can name the
 * formats without bundling the adapters; registry.ts maps each to its adapter.
 */
export const NETWORK_FORMATS = ["generic", "admitad", "impact", "cj", "template"] as const;

export type NetworkFormat = (typeof NETWORK_FORMATS)[number];
