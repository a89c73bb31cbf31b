/**
 * The SMTP reply table: every reply Mailwarden gives a submitting client, by name, read alike by
 * the submission gateway and the milter beside Postfix, so both answer word for word the same.
 */
export {
  acceptedReply,
  replyError,
  type SmtpReply,
  type SmtpReplyName,
  smtpReplies,
  upstreamRefusalError,
} from './replies.js';
