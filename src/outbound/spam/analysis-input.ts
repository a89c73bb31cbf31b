import type { Finding } from './finding.js';
import type { ParsedMessage } from './parsed-message.js';
import type { SenderContext } from './sender-context.js';

/** Everything one analyser may look at: the parsed message, its envelope and the sender's context. */
export interface AnalysisInput {
  message: ParsedMessage;
  envelopeFrom: string;
  recipients: readonly string[];
  sender: SenderContext;
}

/** An analyser names what it sees; it never weighs it (the scorer does, with the policy's weights). */
export type Analyser = (input: AnalysisInput) => Finding[];
