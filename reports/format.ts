/** Display helpers shared by pages and islands. */

/** A colour per component, the same in every view. */
export const COMPONENT_COLORS: Record<string, string> = {
  "system prompt": "#4e79a7",
  "user input": "#59a14f",
  "history (assistant)": "#9c755f",
  "tool calls": "#f28e2b",
  "tool results": "#e15759",
  "tool schemas": "#76b7b2",
  "images & files": "#b07aa1",
  "formatting overhead": "#bab0ac",
};

/** The colour of a frame: its component's, or its parent component's for a tool. */
export function colorOf(name: string, parent?: string): string {
  return COMPONENT_COLORS[name] ?? (parent ? COMPONENT_COLORS[parent] : undefined) ?? "#8899aa";
}

/** 1234567 → "1,234,567". */
export function tokens(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : Math.round(n).toLocaleString("en");
}

/** Dollars with enough digits to read small costs: $0.0042, $12.40. */
export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  if (n === 0) return "$0";
  if (Math.abs(n) < 0.01) return `$${n.toPrecision(2)}`;
  return `$${n.toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Milliseconds as "850 ms" or "2.4 s". */
export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  return n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`;
}

/** A share as "42%". */
export function percent(n: number): string {
  return `${Math.round(n * 100)}%`;
}

/** An ISO time as local "11-27 10:04:05". */
export function time(iso: string): string {
  const d = new Date(iso);
  const pad = (x: number) => String(x).padStart(2, "0");
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${
    pad(d.getMinutes())
  }:${pad(d.getSeconds())}`;
}
