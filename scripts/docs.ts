// `npm run docs`: regenerate the README's scenario table from scenarios/.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scenarioTable, withTable } from '../runner/scenario/table.ts';

const root = path.join(import.meta.dirname, '..');
const readme = path.join(root, 'README.md');
writeFileSync(readme, withTable(readFileSync(readme, 'utf8'), scenarioTable(path.join(root, 'scenarios'), root)));
process.stdout.write('README.md scenario table updated\n');
