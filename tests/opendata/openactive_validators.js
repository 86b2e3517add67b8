#!/usr/bin/env node
// Runs OpenActive's official validators over live RPDE feeds and prints one JSON report.
//
//   node tests/opendata/openactive_validators.js ACTIVITY_LIST.json FEED_URL [FEED_URL...]
//
// For each feed: @openactive/rpde-validator walks every page (paging, headers, last page),
// and @openactive/data-model-validator checks the data of every item on those pages.
// The data-model validator looks activities up in the official activity list, which it
// would download; here it reads ACTIVITY_LIST.json instead (the concepts the site
// publishes, copied from the official list: see inspiring/opendata/data/SOURCE.md),
// through the validator's own remote-JSON file cache, so nothing is fetched from outside.
// The same cache holds the part of OpenActive's beta namespace the site uses (the one
// term `beta:virtualLocation`, for online activities), which it would download too.
//
// Prints {"feeds": {url: {pages, items, failures: [...], warnings: n, ...}}} on stdout.

'use strict';

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { validate } = require('@openactive/data-model-validator');
// The RPDE validator's own walker, kept as it is except that it hands each page it
// loads on for the data checks, so every page is fetched once.
const FeedChecker = require('@openactive/rpde-validator/src/feed-checker');

const OFFICIAL_LIST = 'https://openactive.io/activity-list';
const BETA_NAMESPACE = 'https://openactive.io/ns-beta';
const PAGE_LIMIT = 10000;
// The beta terms the site publishes, as the beta namespace defines them
// (https://openactive.io/ns-beta, beta.jsonld in github.com/openactive/ns-beta):
// the validator checks a beta property against its domain, so a term used on the wrong
// type, or misspelt, still fails.
const BETA_TERMS = {
  '@context': [{ beta: `${BETA_NAMESPACE}#` }],
  '@graph': [
    {
      '@id': 'beta:virtualLocation',
      '@type': 'rdf:Property',
      'rdfs:label': 'virtualLocation',
      'rdfs:comment': 'Describes a means of electronic access to a shared virtual space.',
      'schema:domainIncludes': ['schema:Event'],
      'schema:rangeIncludes': ['pending:VirtualLocation'],
    },
  ],
};

function cacheEntry(dir, url, data) {
  // The validator's file cache: one <sha256 of the URL>.json per URL, as it writes them.
  const key = crypto.createHash('sha256').update(url).digest('hex');
  fs.writeFileSync(path.join(dir, `${key}.json`), JSON.stringify({
    errorCode: 'error_none',
    data,
    statusCode: 200,
    url,
    exception: null,
    contentType: 'application/ld+json',
    fetchTime: Date.now(),
  }));
}

function seedCache(file) {
  const shipped = JSON.parse(fs.readFileSync(file, 'utf8'));
  const scheme = {
    '@context': 'https://openactive.io/',
    id: OFFICIAL_LIST,
    type: 'ConceptScheme',
    title: 'OpenActive Activity List (the concepts this site publishes)',
    license: shipped.license,
    concept: shipped.concepts.map((c) => ({
      id: c.id, type: 'Concept', prefLabel: c.prefLabel,
    })),
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openactive-cache-'));
  cacheEntry(dir, OFFICIAL_LIST, scheme);
  cacheEntry(dir, BETA_NAMESPACE, BETA_TERMS);
  return dir;
}

function summarise(problems) {
  const failures = problems.filter((p) => p.severity === 'failure');
  const warnings = problems.filter((p) => p.severity === 'warning');
  const byRule = {};
  for (const p of problems) {
    const rule = `${p.severity}: ${p.rule || p.type}`;
    byRule[rule] = (byRule[rule] || 0) + 1;
  }
  return { failures, warnings: warnings.length, byRule };
}

class WalkingChecker extends FeedChecker {
  constructor(url, options) {
    super(url, options);
    this.walked = [];
  }

  load(url, isLastPage) {
    return super.load(url, isLastPage).then((json) => {
      // The walk itself, not the extra last-page probes the validator makes afterwards.
      if (!isLastPage && json && Array.isArray(json.items)) this.walked.push(json);
      return json;
    });
  }
}

async function checkData(walked, options) {
  const problems = [];
  let items = 0;
  let updated = 0;
  for (const page of walked) {
    for (const item of page.items) {
      items += 1;
      if (item.state !== 'updated') continue;
      updated += 1;
      const errors = await validate(item.data, options);
      for (const error of errors) {
        problems.push({
          severity: error.severity,
          rule: error.rule,
          type: error.type,
          path: error.path,
          message: String(error.message).split('\n')[0],
          item: item.id,
        });
      }
    }
  }
  return { items, updated, problems };
}

async function checkPaging(url) {
  const checker = new WalkingChecker(url, { pageLimit: PAGE_LIMIT, timeoutMs: 60000 });
  await checker.walk();
  const { log } = checker;
  const problems = [];
  for (const page of log.pages) {
    for (const error of page.errors) {
      const data = error.data || error;
      problems.push({
        severity: data.severity,
        rule: data.rule,
        type: data.type,
        message: String(data.message).split('\n')[0],
        page: page.url,
      });
    }
  }
  return { walked: checker.walked, problems };
}

async function main() {
  const [listFile, ...urls] = process.argv.slice(2);
  if (!listFile || urls.length === 0) {
    process.stderr.write('Usage: openactive_validators.js ACTIVITY_LIST.json FEED_URL...\n');
    process.exit(2);
  }
  const cache = seedCache(listFile);
  process.on('exit', () => fs.rmSync(cache, { recursive: true, force: true }));
  const options = {
    loadRemoteJson: true,
    remoteJsonCachePath: cache,
    // The seeded copies never expire, so the validator never goes to the network for them.
    remoteJsonCacheTimeToLive: 10 ** 12,
  };
  const report = { feeds: {} };
  for (const url of urls) {
    const paging = await checkPaging(url);
    const data = await checkData(paging.walked, options);
    const problems = paging.problems.concat(data.problems);
    report.feeds[url] = {
      pages: paging.walked.length,
      items: data.items,
      updated: data.updated,
      ...summarise(problems),
    };
  }
  process.stdout.write(JSON.stringify(report));
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
  });
}

// The offline cache, for openbooking_validators.js.
module.exports = { seedCache };
