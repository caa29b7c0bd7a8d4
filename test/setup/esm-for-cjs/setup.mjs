// Imports the ESM-only packages a CommonJS dependency requires, before the test file runs, and stores their module
// instances for the shims next to this file (see resolver.cjs for why).
import * as nestCommon from '@nestjs/common';
import * as nestCore from '@nestjs/core';

globalThis[Symbol.for('jest.esm-for-cjs')] = { '@nestjs/common': nestCommon, '@nestjs/core': nestCore };
