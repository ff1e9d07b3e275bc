/**
 * The verification sender port: who delivers a code to a phone. The engine
 * generates, stores (as a keyed hash) and checks codes itself; a provider only
 * delivers the message. Production providers implement this interface and are
 * chosen with VERIFICATION_PROVIDER.
 */
export type VerificationChannel = 'sms' | 'voice';

export interface SendResult {
  /** The provider's message id (for support), never the code. */
  providerMessageId: string;
}

export interface VerificationSender {
  send(phoneE164: string, channel: VerificationChannel, message: string): Promise<SendResult>;
}

/** A provider refusal that retrying cannot fix (e.g. a number it cannot reach). */
export class UndeliverableNumberError extends Error {
  override readonly name = 'UndeliverableNumberError';
}
