/** Edit distance, case-insensitive: typos in keys and names are mostly case and transposition slips. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[t.length]!;
}

/** Candidates close enough to `input` to be what the user meant, best first. */
export function closestMatches(input: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(2, Math.floor(input.length / 3));
  const needle = input.toLowerCase();
  return [...new Set(candidates)]
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      const contains = needle.length >= 3 && (lower.includes(needle) || needle.includes(lower));
      return { candidate, score: contains ? 0.5 : distance(input, candidate) };
    })
    .filter(({ score }) => score <= limit)
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, max)
    .map(({ candidate }) => candidate);
}

/** ` Did you mean `x`?` or an empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const [best] = closestMatches(input, candidates, 1);
  return best === undefined ? '' : ` Did you mean \`${best}\`?`;
}

export function formatList(values: Iterable<string>): string {
  const list = [...values];
  return list.length === 0 ? '(none)' : list.map((v) => `\`${v}\``).join(', ');
}
