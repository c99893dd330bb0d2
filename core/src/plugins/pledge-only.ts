import './runtime.js';
import { defineActionType } from '../sdk/action-type.js';

/**
 * The built-in action type for challenges where people only pledge: nothing
 * is measured, no contribution is reported, and a pledge carries no details.
 * Apps register it like any other plugin (`registry.register(pledgeOnly)`).
 */
export const pledgeOnly = defineActionType({
  id: 'pledge-only',
  version: '0.1.0',
  title: { fr: 'Engagement simple', en: 'Simple pledge' },
  description: {
    fr: 'Chacun s’engage ; rien n’est mesuré ni déclaré ensuite.',
    en: 'People pledge; nothing is measured or reported afterwards.',
  },
  unit: null,
});
