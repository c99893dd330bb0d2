import { definePluginErrors } from '@tandem/core';

/**
 * The plugin's own error codes (ADR 0022), declared in its manifest; each
 * reads `TANDEM_ELEARNING_<REASON>` and is documented in the README.
 */
export const elearningErrors = definePluginErrors('elearning', {
  STATEMENT_CONFLICT: {
    status: 409,
    description:
      'A statement id was already received with other content; xAPI statements are immutable.',
  },
  PARTNER_REVOKED: {
    status: 409,
    description:
      "The partner's access was revoked, for good: register the partner again to give it a new key.",
  },
});
