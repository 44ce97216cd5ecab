// Writes suites/schema.json from the validator's TypeBox schema (src/suite/schema.ts).
// `npm run schema`; test/suite-schema.test.ts fails when the committed file drifts from it.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suiteJsonSchemaText } from '../src/suite/schema.ts';

const file = fileURLToPath(new URL('../suites/schema.json', import.meta.url));
const text = suiteJsonSchemaText();
const check = process.argv.includes('--check');
const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
if (check) {
  if (old !== text) {
    process.stderr.write('suites/schema.json is out of date: run `npm run schema`\n');
    process.exit(1);
  }
} else if (old !== text) {
  fs.writeFileSync(file, text);
  process.stdout.write('wrote suites/schema.json\n');
} else {
  process.stdout.write('suites/schema.json is up to date\n');
}
