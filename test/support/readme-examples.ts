/** One TypeScript program made from README code blocks. */
export interface ReadmeExample {
  /** A file name: `readme-<line>`. */
  readonly name: string;
  /** The README line of its first block. */
  readonly line: number;
  readonly source: string;
  /** False for a block marked `// Fragment:` (type-checked with the declarations it states, not run). */
  readonly runnable: boolean;
}

/**
 * The README's ```ts blocks as programs. Conventions, stated in the
 * README's contributor section: a block whose first line is
 * `// Fragment: …` is type-checked only (it declares what it assumes); a
 * block whose first line is `// Continues the example above.` is appended
 * to the previous program; every other block is a complete program.
 *
 * @example readmeExamples(readFileSync('README.md', 'utf8')).filter((e) => e.runnable)
 */
export function readmeExamples(markdown: string): ReadmeExample[] {
  const examples: { name: string; line: number; source: string; runnable: boolean }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```(ts|typescript)\s*$/.test(lines[i])) continue;
    const indent = /^\s*/.exec(lines[i])?.[0].length ?? 0;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) end++;
    const body = lines.slice(start, end).map((l) => l.slice(Math.min(indent, /^\s*/.exec(l)?.[0].length ?? 0)));
    i = end;
    const first = body[0]?.trim() ?? '';
    if (first.startsWith('// Continues the example above') && examples.length > 0) {
      const previous = examples[examples.length - 1];
      previous.source += `\n${body.join('\n')}\n`;
      continue;
    }
    examples.push({ name: `readme-${start}`, line: start, source: `${body.join('\n')}\nexport {};\n`, runnable: !first.startsWith('// Fragment:') });
  }
  return examples;
}
