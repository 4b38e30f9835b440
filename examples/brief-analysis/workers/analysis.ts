// Pure scoring functions, one per parallel step of BriefAnalysisWorkflow.
import type { Brief } from "./types";

const STOP_WORDS = new Set(["the", "a", "an", "and", "or", "of", "to", "in", "for", "on", "with", "is"]);

export function clarity(brief: Brief): number {
  const sentences = brief.body.split(/[.!?]+/).filter((s) => s.trim().length > 0);
  const words = brief.body.split(/\s+/).filter(Boolean).length;
  if (sentences.length === 0) return 0;
  const perSentence = words / sentences.length;
  return Math.max(0, Math.min(100, Math.round(100 - Math.abs(perSentence - 15) * 4)));
}

export function keywords(brief: Brief, count = 3): string[] {
  const tally = new Map<string, number>();
  for (const word of `${brief.title} ${brief.body}`.toLowerCase().match(/[a-z]+/g) ?? []) {
    if (!STOP_WORDS.has(word) && word.length > 2) tally.set(word, (tally.get(word) ?? 0) + 1);
  }
  return [...tally.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, count)
    .map(([word]) => word);
}

export function effortDays(brief: Brief): number {
  return Math.max(1, Math.ceil(brief.body.split(/\s+/).filter(Boolean).length / 50));
}
