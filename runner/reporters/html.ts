// The `html` reporter: index.html, one self-contained page with a summary table and per-scenario timelines.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Reporter } from './contract.ts';
import { renderPage } from './html/page.ts';

export const HTML_FILE = 'index.html';

export const html: Reporter = {
  description: `${HTML_FILE}: one self-contained page: summary table and, per scenario, timelines of what crossed the proxy`,
  async write({ summary, outDir }) {
    const file = path.join(outDir, HTML_FILE);
    await writeFile(file, renderPage(summary));
    return [file];
  },
};
