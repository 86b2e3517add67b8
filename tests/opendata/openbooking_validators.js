#!/usr/bin/env node
// Checks Open Booking API requests and answers with OpenActive's own data-model
// validator, each in the validation mode the standard names for it (C1Response,
// BResponse, OrdersFeed, ...), offline (the same cache as openactive_validators.js).
//
//   node tests/opendata/openbooking_validators.js ACTIVITY_LIST.json < documents.json
//
// stdin: [{"mode": "C1Response", "data": {...}}, ...]
// stdout: [{"mode": ..., "failures": [{path, message, rule}], "warnings": n}, ...]

'use strict';

const fs = require('fs');
const { validate } = require('@openactive/data-model-validator');
const { seedCache } = require('./openactive_validators');

async function main() {
  const [listFile] = process.argv.slice(2);
  const documents = JSON.parse(fs.readFileSync(0, 'utf8'));
  const cache = seedCache(listFile);
  process.on('exit', () => fs.rmSync(cache, { recursive: true, force: true }));
  const report = [];
  for (const { mode, data } of documents) {
    const problems = await validate(data, {
      validationMode: mode,
      loadRemoteJson: true,
      remoteJsonCachePath: cache,
      remoteJsonCacheTimeToLive: 10 ** 12,
    });
    report.push({
      mode,
      failures: problems
        .filter((p) => p.severity === 'failure')
        .map((p) => ({ path: p.path, rule: p.rule, message: String(p.message).split('\n')[0] })),
      warnings: problems.filter((p) => p.severity === 'warning').length,
    });
  }
  process.stdout.write(JSON.stringify(report));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
