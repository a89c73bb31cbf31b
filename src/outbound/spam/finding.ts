/** One named observation about a message; a separate scorer turns names into weights (policy data). */
export interface Finding {
  /** SCREAMING_SNAKE tag, the key of the policy's spamWeights. */
  name: string;
  /** What was seen, for the admin reading a held message or a restriction's evidence. */
  detail: string;
}
