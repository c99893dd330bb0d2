import { fail } from '@sveltejs/kit';
import { challengeIdIn, readAudience } from '$lib/challenge/federation';
import { formValues, type FieldProblem, type FormValues } from '$lib/forms/schema-form';
import { m } from '$lib/paraglide/messages';
import { requireRole } from '$lib/server/admin';
import {
  decideInvitation,
  loadPartnership,
  loadPartnerships,
  partnerReportPath,
  removePartner,
} from '$lib/server/federation';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/**
 * The challenges other organizations invited this one to feed (ADR 0043):
 * the invitations to answer (accept with an audience, or decline, each
 * confirmed), the challenges it feeds with its own figures, report and
 * white-label page, and leaving one before it opens. Admins and owners.
 */
export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'admin');
  const query = event.url.searchParams;
  const asked = query.get('challenge');
  const all = await loadPartnerships(event, session, event.params.slug, asked);
  const askedId = challengeIdIn(asked);
  const decision = query.get('decide');
  const leaving = query.get('leave') === '1' ? challengeIdIn(asked) : null;
  return {
    invited: all.filter((p) => p.partner.status === 'invited'),
    // Leaving is only possible before the opening: one that left never held a share.
    feeding: all
      .filter((p) => p.partner.status === 'accepted')
      .map((p) => ({ ...p, report: partnerReportPath(p.challengeId, event.params.slug) })),
    declined: all.filter((p) => p.partner.status === 'declined' || p.partner.status === 'left'),
    // The confirmation steps: `?decide=accept|decline&challenge=…`, `?leave=…`.
    deciding:
      decision === 'accept' || decision === 'decline'
        ? { decision: decision as 'accept' | 'decline', challengeId: query.get('challenge') ?? '' }
        : null,
    leaving,
    asked: confirming(decision, leaving) ? null : asked,
    // A challenge asked for by its address that has no invitation for this organization.
    askedMissing:
      !confirming(decision, leaving) &&
      asked !== null &&
      !all.some((p) => p.challengeId === askedId),
  };
};

/** Whether the address asks for a confirmation step (then `challenge` names its challenge). */
const confirming = (decision: string | null, leaving: string | null) =>
  decision !== null || leaving !== null;

/** What a refused decision or departure gives back to the page. */
interface Refused {
  step: 'decide' | 'leave';
  errors: Record<string, FieldProblem>;
  decision?: 'accept' | 'decline';
  challengeId?: string;
  values?: FormValues;
}

const refusedWith = (status: number, refused: Refused) => fail(status, refused);

const problem = (message: string): FieldProblem => ({ code: 'api', message });

/** The challenge a form names, once it is checked to be one this organization is a partner of. */
async function partnershipOf(event: RequestEvent, session: string, form: FormData) {
  const raw = form.get('challengeId');
  const id = typeof raw === 'string' ? raw.trim() : '';
  if (!/^[\w-]{1,64}$/.test(id)) return null;
  return loadPartnership(event, session, event.params.slug, id);
}

export const actions: Actions = {
  /** Accepts (with the audience chosen) or declines an invitation, once confirmed. */
  decide: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    const values = formValues(form);
    const decision = form.get('decision');
    const partnership = await partnershipOf(event, session, form);
    if ((decision !== 'accept' && decision !== 'decline') || !partnership) {
      return refusedWith(400, {
        step: 'decide',
        errors: { form: problem(m.fed_invitation_gone()) },
      });
    }
    let outcome;
    if (decision === 'accept') {
      const audience = readAudience(form.get('audience'), form.get('domains'));
      if (!audience.ok) {
        const message =
          audience.problem === 'domains-missing'
            ? m.fed_domains_missing()
            : m.fed_domains_invalid();
        return refusedWith(400, {
          step: 'decide',
          decision,
          challengeId: partnership.challengeId,
          values,
          errors: { domains: problem(message) },
        });
      }
      outcome = await decideInvitation(event, session, partnership.challengeId, event.params.slug, {
        accept: true,
        audience: audience.value,
      });
    } else {
      outcome = await decideInvitation(event, session, partnership.challengeId, event.params.slug, {
        accept: false,
      });
    }
    if (!outcome.ok) {
      const { status, problem: refusal } = outcome.refusal;
      const message = status === 409 ? m.fed_decision_conflict() : refusal.message;
      const field = status === 400 && decision === 'accept' ? 'domains' : 'form';
      return refusedWith(status, {
        step: 'decide',
        decision,
        challengeId: partnership.challengeId,
        values,
        errors: { [field]: problem(message) },
      });
    }
    return {
      step: 'decide',
      done:
        decision === 'accept'
          ? m.fed_accepted({ title: partnership.title })
          : m.fed_declined({ title: partnership.title }),
    };
  },

  /** Leaves a challenge before it opens, once confirmed. */
  leave: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    const partnership = await partnershipOf(event, session, form);
    if (!partnership) {
      return refusedWith(400, {
        step: 'leave',
        errors: { form: problem(m.fed_invitation_gone()) },
      });
    }
    const outcome = await removePartner(event, session, partnership.challengeId, event.params.slug);
    if (!outcome.ok) {
      const { status, problem: refusal } = outcome.refusal;
      const message = status === 409 ? m.fed_leave_refused() : refusal.message;
      return refusedWith(status, { step: 'leave', errors: { form: problem(message) } });
    }
    return { step: 'leave', done: m.fed_left({ title: partnership.title }) };
  },
};
