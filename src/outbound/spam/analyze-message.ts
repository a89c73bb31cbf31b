import type { Analyser, AnalysisInput } from './analysis-input.js';
import { analyzeAttachments } from './attachments.js';
import type { Finding } from './finding.js';
import { analyzeLinks } from './links.js';
import { analyzeLookalikeDomains } from './lookalike-domains.js';
import { MAX_PARTS, MAX_TEXT_BYTES, parseMessage } from './parsed-message.js';
import { analyzePhrasing } from './phrasing.js';
import { analyzeRecipients } from './recipients.js';
import { analyzeReplyTo } from './reply-to.js';
import type { SenderContext } from './sender-context.js';
import { analyzeSenderIdentity } from './sender-identity.js';
import { analyzeSignInNetwork } from './sign-in-network.js';
import { analyzeUpstreamRefusals } from './upstream-refusals.js';
import { analyzeVolume } from './volume.js';

export interface MessageToAnalyze {
  raw: Buffer;
  envelopeFrom: string;
  recipients: string[];
  sender: SenderContext;
}

const ANALYSERS: readonly Analyser[] = [
  analyzeRecipients,
  analyzeSenderIdentity,
  analyzeReplyTo,
  analyzeLookalikeDomains,
  analyzeLinks,
  analyzeAttachments,
  analyzePhrasing,
  analyzeVolume,
  analyzeUpstreamRefusals,
  analyzeSignInNetwork,
];

/**
 * Runs every analyser on one message and returns what they found, unweighed. Pure: no I/O, no clock.
 * Never throws: a garbled message yields what could be read plus MALFORMED_MIME, and an analyser
 * that fails on input nobody foresaw is reported as a finding instead of failing the submission.
 */
export function analyzeMessage(input: MessageToAnalyze): Finding[] {
  const message = parseMessage(input.raw);
  const analysisInput: AnalysisInput = {
    message,
    envelopeFrom: input.envelopeFrom,
    recipients: input.recipients,
    sender: input.sender,
  };
  const findings: Finding[] = [];
  if (message.problems.length > 0)
    findings.push({ name: 'MALFORMED_MIME', detail: message.problems.slice(0, 3).join('; ') });
  if (message.limitsReached.length > 0)
    findings.push({
      name: 'ANALYSIS_LIMIT_REACHED',
      detail: `read partly: limit on ${message.limitsReached.join(' and ')} reached (at most ${MAX_TEXT_BYTES / 1024} KiB of text, ${MAX_PARTS} parts)`,
    });
  for (const analyser of ANALYSERS) {
    try {
      findings.push(...analyser(analysisInput));
    } catch (error) {
      findings.push({
        name: 'MALFORMED_MIME',
        detail: `${analyser.name} could not read the message (${error instanceof Error ? error.message : 'unknown'})`,
      });
    }
  }
  return findings;
}
