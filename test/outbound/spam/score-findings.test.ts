import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applySettings, DEFAULT_POLICY_SETTINGS } from '../../../src/outbound/policy-settings.js';
import { DEFAULT_SPAM_WEIGHTS, type Finding, scoreFindings } from '../../../src/outbound/spam/index.js';
import { analyze, buildMessage } from './message-fixtures.js';

const hold = { spamScore: 10, spamAction: 'hold' as const };
const finding = (name: string): Finding => ({ name, detail: name.toLowerCase() });

describe('scoring findings with the policy', () => {
  test('sums default weights and holds at the threshold', () => {
    const verdict = scoreFindings(
      [finding('PHISHING_PHRASE'), finding('LINK_TEXT_MISMATCH'), finding('URGENCY_PHRASE')],
      {},
      hold,
    );
    assert.equal(verdict.score, 10);
    assert.equal(verdict.action, 'hold');
    assert.deepEqual(
      verdict.findings.map((f) => [f.name, f.weight]),
      [
        ['PHISHING_PHRASE', 4],
        ['LINK_TEXT_MISMATCH', 4],
        ['URGENCY_PHRASE', 2],
      ],
    );
  });

  test('relays below the threshold and applies reject when the policy says so', () => {
    assert.equal(scoreFindings([finding('PHISHING_PHRASE')], {}, hold).action, 'relay');
    assert.equal(
      scoreFindings([finding('EXECUTABLE_ATTACHMENT')], {}, { spamScore: 10, spamAction: 'reject' }).action,
      'reject',
    );
  });

  test('takes weights from the policy: a custom weights object changes the verdict', () => {
    const raw = buildMessage({ subject: 'Your password expires today' });
    const findings = analyze(raw);
    assert.equal(scoreFindings(findings, DEFAULT_POLICY_SETTINGS.spamWeights, hold).action, 'relay');
    const stricter = applySettings(DEFAULT_POLICY_SETTINGS, { spamWeights: { PHISHING_PHRASE: 12 } });
    assert.ok(stricter.ok);
    const verdict = scoreFindings(findings, stricter.settings.spamWeights, hold);
    assert.equal(verdict.action, 'hold');
    assert.equal(verdict.score, 12);
  });

  test('a weight of 0 in the policy switches a finding off', () => {
    const verdict = scoreFindings([finding('EXECUTABLE_ATTACHMENT')], { EXECUTABLE_ATTACHMENT: 0 }, hold);
    assert.equal(verdict.score, 0);
    assert.equal(verdict.action, 'relay');
  });

  test('weighs findings with neither a policy nor a default weight 0', () => {
    const verdict = scoreFindings([finding('SOMETHING_NEW')], {}, hold);
    assert.deepEqual(verdict.findings, [{ name: 'SOMETHING_NEW', detail: 'something_new', weight: 0 }]);
  });

  test('adds fractional and negative weights as a person would', () => {
    const verdict = scoreFindings(
      [finding('A_ONE'), finding('A_TWO'), finding('A_THREE')],
      { A_ONE: 0.1, A_TWO: 0.2, A_THREE: -0.3 },
      { spamScore: 1, spamAction: 'hold' },
    );
    assert.equal(verdict.score, 0);
  });

  test('ignores a non-finite weight and falls back to the default', () => {
    const verdict = scoreFindings([finding('URL_SHORTENER')], { URL_SHORTENER: Number.NaN }, hold);
    assert.equal(verdict.score, DEFAULT_SPAM_WEIGHTS['URL_SHORTENER']);
  });

  test('gives every default weight a SCREAMING_SNAKE name the policy accepts', () => {
    const outcome = applySettings(DEFAULT_POLICY_SETTINGS, { spamWeights: { ...DEFAULT_SPAM_WEIGHTS } });
    assert.ok(outcome.ok, JSON.stringify(outcome));
  });

  test('keeps every single finding but an executable and Rspamd’s own reject below the default threshold', () => {
    for (const [name, weight] of Object.entries(DEFAULT_SPAM_WEIGHTS))
      if (name !== 'EXECUTABLE_ATTACHMENT' && name !== 'RSPAMD_REJECT')
        assert.ok(weight < DEFAULT_POLICY_SETTINGS.spamScore, name);
  });
});
