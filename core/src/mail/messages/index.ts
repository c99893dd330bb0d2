/** Tandem's mail catalogues, one per language (ADR 0025). */
import type { MailLocale } from '../format.js';
import { en } from './en.js';
import { fr, type MailMessages } from './fr.js';

export type { MailMessages } from './fr.js';

/** Every language's catalogue, by locale. */
export const mailMessages: Readonly<Record<MailLocale, MailMessages>> = { fr, en };
