// `npm install` in a checkout (the prepare script) builds the native addon from source when
// build/Release/recurrent.node is missing: with npm's own node-gyp and the local Node's
// headers, so a clone works with no prebuilt binary and nothing is downloaded where npm's
// nodedir points at headers. Installed users never run this: the prebuilt binary comes from
// the platform package (lib/platform_package.ts), or `recurrent build-from-source` builds it.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
if (fs.existsSync(path.join(root, 'build', 'Release', 'recurrent.node'))) process.exit(0);
const nodeGyp = process.env.npm_config_node_gyp;
const [command, args] = nodeGyp ? [process.execPath, [nodeGyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' && !nodeGyp });
if (r.error) {
  process.stderr.write(`build_native_if_missing: cannot run node-gyp (${r.error.message}); run npm run build:native\n`);
  process.exit(1);
}
process.exit(r.status ?? 1);
