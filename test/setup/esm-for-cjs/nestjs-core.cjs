// require('@nestjs/core') from CommonJS under Jest: the ES module instance setup.mjs stored (see resolver.cjs).
const modules = globalThis[Symbol.for('jest.esm-for-cjs')];
if (modules === undefined) throw new Error('test/setup/esm-for-cjs/setup.mjs must be in the jest setupFiles');
module.exports = modules['@nestjs/core'];
