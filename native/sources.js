// Prints one group of native/sources.json for binding.gyp's command expansion:
//   node native/sources.js core|avx2|avx512|flags.avx2|flags.avx512
'use strict';
const list = require('./sources.json');
const key = process.argv[2] || '';
const value = key.split('.').reduce((obj, k) => (obj == null ? undefined : obj[k]), list);
if (!Array.isArray(value)) {
  process.stderr.write(`native/sources.js: no list named '${key}' in native/sources.json\n`);
  process.exit(1);
}
process.stdout.write(value.join(' '));
