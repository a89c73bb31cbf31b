import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_POLICY_SETTINGS } from '../../../src/outbound/index.js';
import {
  analyzeMessage,
  DEFAULT_SPAM_WEIGHTS,
  scoreFindings,
  type Verdict,
} from '../../../src/outbound/spam/index.js';
import { type CorpusCase, loadCorpus } from './corpus-cases.js';

const threshold = {
  spamScore: DEFAULT_POLICY_SETTINGS.spamScore,
  spamAction: DEFAULT_POLICY_SETTINGS.spamAction,
};

function judge(item: CorpusCase): Verdict {
  const findings = analyzeMessage({
    raw: item.raw,
    envelopeFrom: item.envelopeFrom,
    recipients: item.recipients,
    sender: item.sender,
  });
  return scoreFindings(findings, DEFAULT_POLICY_SETTINGS.spamWeights, threshold);
}

function describeVerdict(item: CorpusCase, verdict: Verdict): string {
  const parts = verdict.findings.map((finding) => `${finding.name}(${finding.weight})`).join(' ');
  return `${item.kind}/${item.name}: ${verdict.score} ${verdict.action} ${parts}`;
}

describe('outbound spam corpus', () => {
  const corpus = loadCorpus();
  const legit = corpus.filter((item) => item.kind === 'legit');
  const spam = corpus.filter((item) => item.kind === 'spam');
  const verdicts = new Map(corpus.map((item) => [item, judge(item)]));

  test('holds the corpus the issue asks for: at least 40 legitimate and 40 spam messages', () => {
    assert.ok(legit.length >= 40, `${legit.length} legitimate messages`);
    assert.ok(spam.length >= 40, `${spam.length} spam messages`);
  });

  test('relays every legitimate message (false-positive rate 0)', () => {
    const flagged = legit.filter((item) => verdicts.get(item)!.action !== 'relay');
    console.log(
      `false-positive rate: ${flagged.length}/${legit.length} = ${((flagged.length / legit.length) * 100).toFixed(1)}%`,
    );
    for (const item of legit)
      if (process.env['SPAM_CORPUS_VERBOSE']) console.log(describeVerdict(item, verdicts.get(item)!));
    assert.deepEqual(
      flagged.map((item) => describeVerdict(item, verdicts.get(item)!)),
      [],
    );
  });

  test('holds at least 90% of the spam messages', () => {
    const caught = spam.filter((item) => verdicts.get(item)!.action === 'hold');
    const rate = caught.length / spam.length;
    console.log(`detection rate: ${caught.length}/${spam.length} = ${(rate * 100).toFixed(1)}%`);
    for (const item of spam)
      if (process.env['SPAM_CORPUS_VERBOSE'] || verdicts.get(item)!.action === 'relay')
        console.log(describeVerdict(item, verdicts.get(item)!));
    assert.ok(rate >= 0.9, `only ${caught.length} of ${spam.length} spam messages reach the threshold`);
  });

  test('every finding the corpus raises has a default weight', () => {
    const names = new Set([...verdicts.values()].flatMap((verdict) => verdict.findings.map((f) => f.name)));
    for (const name of names) assert.ok(Object.hasOwn(DEFAULT_SPAM_WEIGHTS, name), name);
  });
});
