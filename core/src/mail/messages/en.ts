/** Tandem's mails in English: the keys and parameters of the French catalogue. */
import { pluralForms } from '../format.js';
import type { MailMessages } from './fr.js';

export const en: MailMessages = {
  signature: '— Tandem',
  greeting: ({ name }) => `Hello ${name},`,
  greetingUnnamed: 'Hello,',

  code: {
    expiry: ({ expiry }) => `It works once and expires in ${expiry}.`,
    intro: 'If the link does not open, enter this code:',
  },

  words: {
    people: pluralForms({ one: '# person', other: '# people' }),
    peopleAndQuantity: ({ people, quantity }) => `${people}, ${quantity}`,
    goalPeople: pluralForms({ one: '# person takes part', other: '# people take part' }),
    goalQuantity: ({ quantity }) => `the count reaches ${quantity}`,
    ifThen: ({ goal, owes }) => `IF ${goal}, THEN ${owes}.`,
    owesPromise: ({ who }) => `${who} delivers its counterpart`,
    owesDonation: (p) => `${p.who} gives ${p.amount} to ${p.beneficiary}`,
    owesAct: ({ who, description }) => `${who} commits to this: ${description}`,
    owesMatching: (p) =>
      `${p.who} gives ${p.perUnit} per ${p.unit} to ${p.beneficiary}, up to ${p.cap}`,
    anyUnit: 'unit',
  },

  'sign-in': {
    subject: 'Your Tandem sign-in link',
    intro: 'To sign in to Tandem, open this link:',
    button: 'Sign in to Tandem',
    ignore: 'If you did not ask to sign in, ignore this mail: nothing will happen.',
  },

  invitation: {
    subject: ({ organization }) => `Invitation to join ${organization} on Tandem`,
    intro: ({ organization, role }) =>
      `You are invited to join “${organization}” on Tandem, as ${role}. To accept, open this link:`,
    button: 'Accept the invitation',
    ignore:
      'If you do not know this organization, ignore this mail: nothing changes unless you accept.',
    roles: { owner: 'an owner', admin: 'an admin', agent: 'an agent', member: 'a member' },
  },

  'partner-invitation': {
    subject: ({ organization }) => `${organization} invites you to join a challenge on Tandem`,
    intro: ({ organization, title }) =>
      `“${organization}” invites your organization to feed the challenge “${title}” with its own pages and its own audience. To accept or decline, open the console:`,
    button: 'Answer the invitation',
    ignore: 'Without an answer, your organization does not take part: nothing changes.',
  },

  'pledge-confirmation': {
    subject: ({ title }) => `Confirm your pledge: ${title}`,
    subjectUntitled: 'Confirm your pledge',
    intro: ({ title }) =>
      `Thank you for pledging to “${title}”! To confirm your pledge, open this link:`,
    introUntitled: 'Thank you for your pledge! To confirm it, open this link:',
    button: 'Confirm my pledge',
    ignore: 'If you did not pledge, ignore this mail: without confirmation nothing is counted.',
  },

  receipt: {
    subject: ({ title }) => `Confirm receipt: ${title}`,
    intro: ({ title, sponsor }) =>
      `${sponsor} says it delivered what it promised in the challenge “${title}”, of which you are the beneficiary. If you did receive it, confirm by opening this link:`,
    button: 'Confirm receipt',
    ignore:
      'If you received nothing, do not confirm: the public ledger will show only what the sponsor declared.',
  },

  'pledge-confirmed': {
    subject: ({ title }) => `Your pledge counts: ${title}`,
    confirmed: ({ title, progress }) =>
      `Your pledge to “${title}” is confirmed. It counts: ${progress} so far.`,
    deal: ({ ifThen }) => `The deal: ${ifThen}`,
    withdraw:
      'Changed your mind? Sign in with this address and withdraw your pledge from your space; it then stops counting.',
    linkIntro: 'Follow the challenge:',
    button: 'See the challenge',
  },

  'challenge-unlocked': {
    subject: ({ title }) => `Goal reached: ${title}`,
    reached: ({ title, progress }) => `Together you reached the goal of “${title}”: ${progress}.`,
    owes: ({ owes }) => `So now ${owes}.`,
    thanks: 'Thank you for taking part. The challenge goes on: its page shows what comes next.',
    linkIntro: 'See the challenge:',
    button: 'See the challenge',
  },

  'sponsor-unlocked': {
    subject: ({ title }) => `Counterpart due: ${title}`,
    reached: ({ title, progress }) => `The challenge “${title}” reached its goal: ${progress}.`,
    deal: ({ ifThen }) => `As its sponsor, you now owe your part of the deal: ${ifThen}`,
    owed: ({ owed }) => `At today’s count, that is ${owed}.`,
    deliver:
      'Once it is delivered, mark it delivered on the challenge page, so that participants see it.',
    linkIntro: 'Open the challenge:',
    button: 'Open the challenge',
  },

  'challenge-succeeded': {
    subject: ({ title }) => `Challenge succeeded: ${title}`,
    succeeded: ({ title, progress }) => `“${title}” is closed, and it succeeded: ${progress}.`,
    unlocked: 'What you unlocked:',
    thanks: 'Thank you for taking part.',
    linkIntro: 'See the result:',
    button: 'See the result',
  },

  'challenge-failed': {
    subject: ({ title }) => `Challenge closed: ${title}`,
    failed: ({ title, progress }) => `“${title}” is closed without reaching its goal: ${progress}.`,
    deal: ({ ifThen }) =>
      `The deal was: ${ifThen} That goal was not reached, so the counterpart is not due.`,
    thanks: 'Thank you for taking part all the same: what you did still counts for the climate.',
    linkIntro: 'See the result:',
    button: 'See the result',
  },

  'enrolment-receipt': {
    subject: ({ title }) => `Your pledge was recorded: ${title}`,
    recordedOn: ({ title, progress, date }) =>
      `On ${date}, an agent recorded your pledge to “${title}”, with your consent. It counts: ${progress} so far.`,
    recorded: ({ title, progress }) =>
      `An agent recorded your pledge to “${title}”, with your consent. It counts: ${progress} so far.`,
    mistake:
      'If this is a mistake, or if you change your mind: sign in with this address on the challenge page and withdraw your pledge; it then stops counting.',
    linkIntro: 'The challenge page, to follow it or withdraw:',
    button: 'See the challenge',
  },

  'pacing-nudge': {
    subject: ({ title }) => `Behind its pace: ${title}`,
    behind: (p) =>
      `“${p.title}” is behind the pace it needs. So far: ${p.now}. If the pace since it opened holds, about ${p.expected} by ${p.deadline}, short of the goal: ${p.goal}.`,
    tell: 'There is still time. Telling your members, residents or colleagues about it again is what moves a challenge most: a message, a newsletter, a poster with the link below.',
    linkIntro: 'The challenge page to share:',
    button: 'Open the challenge',
    footer:
      'You receive this as an owner or admin of the organization that runs the challenge, at most once a week while it lags.',
  },

  'contribution-reminder': {
    subject: ({ title }) => `Log what you did: ${title}`,
    ask: ({ title, unit }) =>
      `You pledged to “${title}”. Did you act these past days? Log it in your space: every ${unit} counts toward the goal, and shows others that people act.`,
    anyUnit: 'action',
    linkIntro: 'Log what you did:',
    button: 'Log what I did',
    footer: 'You receive a reminder at most once a week per challenge. No more reminders:',
    unsubscribe: 'stop reminders',
  },
};
