/**
 * Tandem's mails in French: the reference catalogue. Every other language
 * has the same keys with the same parameters (see `MailMessages`). A
 * message is a string, plural forms (`#` stands for the formatted count,
 * picked by `Intl.PluralRules`), or a function of already formatted values
 * (names cleaned, numbers, money and dates written by `Intl`).
 */
import { pluralForms } from '../format.js';

// French typography wants a no-break space before ":", "?", "!", ";" and
// inside « »; it also keeps the colon from wrapping onto its own line.
const nbsp = '\u00a0';

type Title = { title: string };
type Counted = { title: string; progress: string };

export const fr = {
  signature: '— Tandem',
  greeting: ({ name }: { name: string }) => `Bonjour ${name},`,
  greetingUnnamed: 'Bonjour,',

  /** Under a one-time link. */
  code: {
    expiry: ({ expiry }: { expiry: string }) =>
      `Il ne fonctionne qu’une fois et expire dans ${expiry}.`,
    intro: `Si le lien ne s’ouvre pas, saisissez ce code${nbsp}:`,
  },

  /** How a count and a promise read inside sentences. */
  words: {
    people: pluralForms({ one: '# personne', other: '# personnes' }),
    /** "3 personnes, 12 km". */
    peopleAndQuantity: ({ people, quantity }: { people: string; quantity: string }) =>
      `${people}, ${quantity}`,
    goalPeople: pluralForms({ one: '# personne participe', other: '# personnes participent' }),
    goalQuantity: ({ quantity }: { quantity: string }) => `le compteur atteint ${quantity}`,
    ifThen: ({ goal, owes }: { goal: string; owes: string }) => `SI ${goal}, ALORS ${owes}.`,
    owesPromise: ({ who }: { who: string }) => `${who} tient sa promesse`,
    owesDonation: (p: { who: string; amount: string; beneficiary: string }) =>
      `${p.who} donne ${p.amount} à ${p.beneficiary}`,
    owesAct: ({ who, description }: { who: string; description: string }) =>
      `${who} s’engage à ceci${nbsp}: ${description}`,
    owesMatching: (p: {
      who: string;
      perUnit: string;
      unit: string;
      beneficiary: string;
      cap: string;
    }) => `${p.who} donne ${p.perUnit} par ${p.unit} à ${p.beneficiary}, jusqu’à ${p.cap}`,
    /** What a matching counterpart is paid per, when the action type has no unit. */
    anyUnit: 'unité',
  },

  'sign-in': {
    subject: 'Votre lien de connexion à Tandem',
    intro: `Pour vous connecter à Tandem, ouvrez ce lien${nbsp}:`,
    button: 'Me connecter à Tandem',
    ignore: `Si vous n’avez pas demandé à vous connecter, ignorez ce message${nbsp}: il ne se passera rien.`,
  },

  invitation: {
    subject: ({ organization }: { organization: string }) =>
      `Invitation à rejoindre ${organization} sur Tandem`,
    intro: ({ organization, role }: { organization: string; role: string }) =>
      `Vous êtes invité·e à rejoindre «${nbsp}${organization}${nbsp}» sur Tandem, avec le rôle «${nbsp}${role}${nbsp}». Pour accepter, ouvrez ce lien${nbsp}:`,
    button: 'Accepter l’invitation',
    ignore: `Si vous ne connaissez pas cette organisation, ignorez ce message${nbsp}: sans acceptation, rien ne change.`,
    /** The role, as the sentence above says it. */
    roles: {
      owner: 'propriétaire',
      admin: 'administrateur·rice',
      agent: 'agent',
      member: 'membre',
    },
  },

  'partner-invitation': {
    subject: ({ organization }: { organization: string }) =>
      `${organization} vous invite à rejoindre un défi sur Tandem`,
    intro: ({ organization, title }: { organization: string; title: string }) =>
      `«${nbsp}${organization}${nbsp}» invite votre organisation à alimenter le défi «${nbsp}${title}${nbsp}» avec ses propres pages et son propre public. Pour accepter ou refuser, ouvrez la console${nbsp}:`,
    button: 'Répondre à l’invitation',
    ignore: `Sans réponse, votre organisation ne participe pas${nbsp}: rien ne change.`,
  },

  'pledge-confirmation': {
    subject: ({ title }: Title) => `Confirmez votre engagement${nbsp}: ${title}`,
    subjectUntitled: 'Confirmez votre engagement',
    intro: ({ title }: Title) =>
      `Merci de vous engager pour «${nbsp}${title}${nbsp}»${nbsp}! Pour confirmer votre engagement, ouvrez ce lien${nbsp}:`,
    introUntitled: `Merci pour votre engagement${nbsp}! Pour le confirmer, ouvrez ce lien${nbsp}:`,
    button: 'Confirmer mon engagement',
    ignore: `Si vous ne vous êtes pas engagé·e, ignorez ce message${nbsp}: sans confirmation, rien n’est compté.`,
  },

  receipt: {
    subject: ({ title }: Title) => `Confirmez la réception${nbsp}: ${title}`,
    intro: ({ title, sponsor }: Title & { sponsor: string }) =>
      `${sponsor} indique avoir livré la contrepartie promise dans le défi «${nbsp}${title}${nbsp}», dont vous êtes bénéficiaire. Si vous l’avez bien reçue, confirmez-le en ouvrant ce lien${nbsp}:`,
    button: 'Confirmer la réception',
    ignore: `Si vous n’avez rien reçu, ne confirmez pas${nbsp}: le registre public montrera seulement ce que le partenaire a déclaré.`,
  },

  'pledge-confirmed': {
    subject: ({ title }: Title) => `Votre engagement compte${nbsp}: ${title}`,
    confirmed: ({ title, progress }: Counted) =>
      `Votre engagement pour «${nbsp}${title}${nbsp}» est confirmé. Il compte${nbsp}: ${progress} à ce jour.`,
    deal: ({ ifThen }: { ifThen: string }) => `Le principe${nbsp}: ${ifThen}`,
    withdraw: `Vous changez d’avis${nbsp}? Connectez-vous avec cette adresse et retirez votre engagement depuis votre espace${nbsp}; il cessera alors d’être compté.`,
    linkIntro: `Suivre le défi${nbsp}:`,
    button: 'Voir le défi',
  },

  'challenge-unlocked': {
    subject: ({ title }: Title) => `Objectif atteint${nbsp}: ${title}`,
    reached: ({ title, progress }: Counted) =>
      `Ensemble, vous avez atteint l’objectif de «${nbsp}${title}${nbsp}»${nbsp}: ${progress}.`,
    owes: ({ owes }: { owes: string }) => `Maintenant, ${owes}.`,
    thanks: `Merci d’avoir participé. Le défi continue${nbsp}: sa page montre la suite.`,
    linkIntro: `Voir le défi${nbsp}:`,
    button: 'Voir le défi',
  },

  'sponsor-unlocked': {
    subject: ({ title }: Title) => `Contrepartie due${nbsp}: ${title}`,
    reached: ({ title, progress }: Counted) =>
      `Le défi «${nbsp}${title}${nbsp}» a atteint son objectif${nbsp}: ${progress}.`,
    deal: ({ ifThen }: { ifThen: string }) =>
      `En tant que partenaire, vous devez maintenant votre part du contrat${nbsp}: ${ifThen}`,
    owed: ({ owed }: { owed: string }) => `Au compteur d’aujourd’hui, cela représente ${owed}.`,
    deliver:
      'Une fois la contrepartie livrée, indiquez-le sur la page du défi, pour que les participants le voient.',
    linkIntro: `Ouvrir le défi${nbsp}:`,
    button: 'Ouvrir le défi',
  },

  'challenge-succeeded': {
    subject: ({ title }: Title) => `Défi réussi${nbsp}: ${title}`,
    succeeded: ({ title, progress }: Counted) =>
      `«${nbsp}${title}${nbsp}» est terminé, et c’est une réussite${nbsp}: ${progress}.`,
    unlocked: `Ce que vous avez débloqué${nbsp}:`,
    thanks: 'Merci d’avoir participé.',
    linkIntro: `Voir le résultat${nbsp}:`,
    button: 'Voir le résultat',
  },

  'challenge-failed': {
    subject: ({ title }: Title) => `Défi terminé${nbsp}: ${title}`,
    failed: ({ title, progress }: Counted) =>
      `«${nbsp}${title}${nbsp}» est terminé sans avoir atteint son objectif${nbsp}: ${progress}.`,
    deal: ({ ifThen }: { ifThen: string }) =>
      `Le principe était${nbsp}: ${ifThen} Cet objectif n’a pas été atteint${nbsp}: la contrepartie n’est pas due.`,
    thanks: `Merci d’avoir participé malgré tout${nbsp}: ce que vous avez fait compte pour le climat.`,
    linkIntro: `Voir le résultat${nbsp}:`,
    button: 'Voir le résultat',
  },

  'enrolment-receipt': {
    subject: ({ title }: Title) => `Votre engagement a été enregistré${nbsp}: ${title}`,
    recordedOn: ({ title, progress, date }: Counted & { date: string }) =>
      `Le ${date}, un agent a enregistré votre engagement pour «${nbsp}${title}${nbsp}», avec votre accord. Il compte${nbsp}: ${progress} à ce jour.`,
    recorded: ({ title, progress }: Counted) =>
      `Un agent a enregistré votre engagement pour «${nbsp}${title}${nbsp}», avec votre accord. Il compte${nbsp}: ${progress} à ce jour.`,
    mistake: `S’il s’agit d’une erreur, ou si vous changez d’avis${nbsp}: connectez-vous avec cette adresse sur la page du défi et retirez votre engagement${nbsp}; il cessera alors d’être compté.`,
    linkIntro: `La page du défi, pour le suivre ou vous retirer${nbsp}:`,
    button: 'Voir le défi',
  },

  'pacing-nudge': {
    subject: ({ title }: Title) => `En retard sur son rythme${nbsp}: ${title}`,
    behind: (p: { title: string; now: string; expected: string; deadline: string; goal: string }) =>
      `«${nbsp}${p.title}${nbsp}» avance moins vite qu’il ne le faudrait. À ce jour${nbsp}: ${p.now}. Si le rythme depuis l’ouverture se maintient, environ ${p.expected} d’ici le ${p.deadline}, en deçà de l’objectif${nbsp}: ${p.goal}.`,
    tell: `Il est encore temps. En reparler à vos membres, habitants ou collègues est ce qui fait le plus avancer un défi${nbsp}: un message, une lettre d’information, une affiche avec le lien ci-dessous.`,
    linkIntro: `La page du défi à partager${nbsp}:`,
    button: 'Ouvrir le défi',
    footer:
      'Vous recevez ce message en tant que propriétaire ou administrateur de l’organisation qui porte le défi, au plus une fois par semaine tant qu’il est en retard.',
  },

  'contribution-reminder': {
    subject: ({ title }: Title) => `Indiquez ce que vous avez fait${nbsp}: ${title}`,
    ask: ({ title, unit }: { title: string; unit: string }) =>
      `Vous vous êtes engagé·e pour «${nbsp}${title}${nbsp}». Avez-vous agi ces derniers jours${nbsp}? Indiquez-le dans votre espace${nbsp}: chaque ${unit} compte pour l’objectif, et montre aux autres que l’on agit.`,
    /** What "every …" counts when the action type has no unit. */
    anyUnit: 'action',
    linkIntro: `Indiquer ce que vous avez fait${nbsp}:`,
    button: 'J’indique ce que j’ai fait',
    footer: `Vous recevez un rappel au plus une fois par semaine et par défi. Ne plus recevoir de rappels${nbsp}:`,
    unsubscribe: 'arrêter les rappels',
  },
};

/**
 * The shape of a mail catalogue: French's keys and parameters. Another
 * language is typed with it, so a missing key or a parameter of another
 * name fails the build.
 */
export type MailMessages = typeof fr;
