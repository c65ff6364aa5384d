// `npm run gen`: rewrite the generated sources (today: the schema validators).
import { writeFileSync } from 'node:fs';
import { generatedSource } from '../builder/schema/gen.js';

const target = new URL('../builder/schema/generated.ts', import.meta.url);
writeFileSync(target, generatedSource());
process.stdout.write(`wrote ${target.pathname}\n`);
