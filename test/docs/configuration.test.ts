import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Flag, flags, helpText } from '../../packages/core/src/node/config.js';
import { cells } from '../../scripts/http-reference.mjs';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const everyFlag = Object.entries(flags) as [string, Flag][];

/** The rows of the flags table in the README's "Configuration" section, by flag name. */
function configurationTable(markdown: string): Map<string, string[]> {
  const start = markdown.indexOf('\n## Configuration\n');
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end === -1 ? undefined : end);
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `--')) continue;
    const row = cells(line);
    rows.set(/^`--([a-z-]+)`$/.exec(row[0] ?? '')?.[1] ?? row[0] ?? '', row);
  }
  return rows;
}

describe('--help', () => {
  const lines = helpText('vodkit').split('\n');

  it('lists every flag with its variable, its default and its description', () => {
    for (const [name, flag] of everyFlag) {
      const at = lines.findIndex((line) => line.startsWith(`  --${name} `));
      expect(at, `--${name} in --help`).toBeGreaterThan(-1);
      const row = lines[at] ?? '';
      expect(row, `--${name}`).toContain(` ${flag.env} `);
      expect(row, `--${name}`).toContain(
        flag.default !== undefined ? `default ${flag.default}` : `default: ${flag.unset}`,
      );
      expect(lines[at + 1]?.trim(), `--${name}`).toBe(flag.description);
    }
  });

  it('lists nothing else but --help', () => {
    const listed = lines.flatMap((line) => /^ {2}--([a-z-]+)/.exec(line)?.[1] ?? []);
    expect(listed).toEqual([...everyFlag.map(([name]) => name), 'help']);
  });
});

describe("the README's configuration table", () => {
  const table = configurationTable(readme);

  it('lists every flag with its environment variable and its default', () => {
    for (const [name, flag] of everyFlag) {
      const row = table.get(name);
      expect(row, `--${name} in the README's table`).toBeDefined();
      expect(row?.[1], `--${name}`).toBe(`\`${flag.env}\``);
      if (flag.default) expect(row?.[2], `--${name}`).toContain(`\`${flag.default}\``);
    }
  });

  it('lists no flag the CLI does not have', () => {
    expect([...table.keys()].filter((name) => !(name in flags))).toEqual([]);
  });
});
