#!/usr/bin/env node
// Entry point of the trainforge CLI: loads the TypeScript sources through tsx,
// so there is no build step to forget.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../generator/cli.ts');
process.exitCode = await main(process.argv.slice(2));
