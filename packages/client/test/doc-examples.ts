import { readFile } from 'node:fs/promises';

export interface DocExample {
  runtime: 'node' | 'browser';
  language: string;
  code: string;
}

const docPath = new URL('../../../docs/client.md', import.meta.url);

/**
 * The fenced blocks of docs/client.md marked `<!-- run: node -->` or `<!-- run: browser -->`,
 * and every js/ts block without a marker (which the tests refuse: an example nobody runs rots).
 */
export async function docExamples() {
  const markdown = await readFile(docPath, 'utf8');
  const examples: DocExample[] = [];
  const unmarked: string[] = [];
  for (const match of markdown.matchAll(/(?:<!-- run: (node|browser) -->\s*)?```(\w+)\n([\s\S]*?)```/g)) {
    const [, runtime, language = '', code = ''] = match;
    if (runtime === 'node' || runtime === 'browser') examples.push({ runtime, language, code });
    else if (/^(js|ts|javascript|typescript)$/.test(language)) unmarked.push(code.split('\n')[0] ?? '');
  }
  return { examples, unmarked };
}
