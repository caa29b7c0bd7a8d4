/**
 * Jest resolver: a CommonJS require() of an ESM-only package named in SHIMS gets a shim handing out the very ES module
 * instance the test file imports (stored by ./setup.mjs), everything else resolves as usual.
 *
 * Why: Node 20.19+ can require() an ES module and `@nestjs/throttler` (CommonJS) relies on it to load the ESM-only
 * `@nestjs/common` and `@nestjs/core`; Jest 30 can do the same only on Node 24.9+. With the shim there is one
 * `@nestjs/common` per test file, as there is one per process under Node. Drop this folder once tests run on Node 24.9+.
 */
const { join } = require('node:path');

const SHIMS = {
  '@nestjs/common': join(__dirname, 'nestjs-common.cjs'),
  '@nestjs/core': join(__dirname, 'nestjs-core.cjs'),
};

module.exports = (request, options) => {
  const shim = SHIMS[request];
  const fromCommonJs = !(options.conditions ?? []).includes('import');
  if (shim !== undefined && fromCommonJs) return shim;
  return options.defaultResolver(request, options);
};
