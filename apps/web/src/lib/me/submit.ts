import type { SubmitFunction } from '@sveltejs/kit';
import { tick } from 'svelte';

/**
 * The `use:enhance` callback of the participant's forms: marks the page
 * busy while sending, keeps what was typed, and after a refusal moves the
 * focus to the first field marked invalid, so keyboard and screen reader
 * users land on what to fix (without JavaScript the page reloads with the
 * same messages).
 *
 * @param setBusy told `true` when a form is sent and `false` once answered.
 */
export function submitting(setBusy: (busy: boolean) => void): SubmitFunction {
  return () => {
    setBusy(true);
    return async ({ update, formElement }) => {
      await update({ reset: false });
      setBusy(false);
      await tick();
      if (!formElement.isConnected) return;
      formElement.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    };
  };
}
