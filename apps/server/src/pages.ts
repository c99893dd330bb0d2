import { services, TandemError, type App, type Platform } from '@tandem/core';

/**
 * Plain server-rendered pages: enough for the demo to be used in a browser
 * (an organization's home, a challenge page with its IF/THEN card and pledge
 * form, and the landing pages of mailed links) until the SvelteKit site
 * takes these paths over. Mailed links land on a page whose button POSTs the
 * token: a mail scanner's GET never consumes it.
 */

const escape = (value: unknown): string =>
  String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const STYLE = `
body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#17301f;background:#f6faf4}
a{color:#1d6b3a}.card{background:#fff;border-radius:12px;padding:1.2rem 1.4rem;margin:1rem 0;box-shadow:0 1px 3px #0002}
.ifthen b{color:#1d6b3a}.bar{height:14px;background:#dfeadb;border-radius:7px;overflow:hidden}
.bar>svg{display:block;width:100%;height:100%}.bar rect{fill:#2f9e55}.muted{color:#5b6f60;font-size:.9rem}
input,button{font:inherit;padding:.5rem .7rem;border-radius:8px;border:1px solid #9bb5a2}
button{background:#1d6b3a;color:#fff;border:0;cursor:pointer}form{display:grid;gap:.6rem;max-width:24rem}
.status{display:inline-block;padding:.1rem .6rem;border-radius:1rem;background:#e6f2e8;font-size:.85rem}`;

/** The nonces of this answer's Content-Security-Policy (set by core's security headers). */
interface Nonces {
  script: string;
  style: string;
}

const noncesOf = (reply: unknown): Nonces => {
  const nonces = (reply as { cspNonce?: Nonces | null }).cspNonce;
  if (!nonces) throw new Error('security headers are not installed: no CSP nonce on the reply');
  return nonces;
};

/**
 * A whole page. Its inline style and scripts carry the answer's CSP nonces:
 * the policy allows no other inline code, so markup injected through data
 * (escaped anyway) could not run.
 */
const page = (reply: unknown, title: string, body: string): string => {
  const nonces = noncesOf(reply);
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)} · Tandem</title><link rel="icon" href="data:,"><style nonce="${nonces.style}">${STYLE}</style></head>
<body>${body.replace(/<script(?=[\s>])/g, `<script nonce="${nonces.script}"`)}<p class="muted">Tandem · <a href="/docs">API</a></p></body></html>`;
};

type ChallengeView = Awaited<ReturnType<typeof services.getChallenge>>;

const money = (m: { value: number; currency: string }) =>
  new Intl.NumberFormat('fr-FR', {
    style: 'currency',
    currency: m.currency,
    maximumFractionDigits: 0,
  }).format(m.value);

function describeCounterpart(counterpart: Record<string, unknown> | null): string {
  if (!counterpart) return 'le sponsor tient sa promesse';
  if (counterpart['kind'] === 'donation')
    return `${money(counterpart['amount'] as never)} sont versés`;
  if (counterpart['kind'] === 'matching')
    return `chaque unité est abondée (jusqu'à ${money(counterpart['cap'] as never)})`;
  return escape(counterpart['description']);
}

function describeGoal(goal: Record<string, unknown>, unit: string | null): string {
  const parts: string[] = [];
  if (goal['participants']) parts.push(`${goal['participants']} personnes s’engagent`);
  if (goal['quantity']) parts.push(`${goal['quantity']} ${unit ?? ''} sont atteints`);
  return parts.join(goal['match'] === 'any' ? ' ou ' : ' et ');
}

/** A promise its sponsor has not agreed to is shown as such, never as a promise. */
const SPONSORSHIP_LABELS: Record<string, string> = {
  proposed: '<span class="status">proposé au sponsor, pas encore accepté</span>',
  declined: '<span class="status">refusé par le sponsor</span>',
};

function challengeCard(challenge: ChallengeView, withLink: boolean): string {
  const tiers = challenge.tiers
    .map((tier) => {
      const target = (tier.goal as { participants?: number }).participants;
      const ratio = target ? Math.min(1, challenge.progress.participants / target) : 0;
      return `<p class="ifthen"><b>SI</b> ${escape(describeGoal(tier.goal as never, challenge.unit))}
        <b>ALORS</b> ${describeCounterpart(tier.counterpart as never)}.
        ${tier.unlockedAt ? '<span class="status">débloqué 🎉</span>' : ''}
        ${SPONSORSHIP_LABELS[tier.sponsorship] ?? ''}</p>
        <div class="bar" role="progressbar" aria-valuenow="${Math.round(ratio * 100)}" aria-valuemin="0" aria-valuemax="100"><svg viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true"><rect width="${(ratio * 100).toFixed(1)}" height="1"/></svg></div>`;
    })
    .join('');
  const title = withLink
    ? `<a href="/c/${escape(challenge.id)}">${escape(challenge.title)}</a>`
    : escape(challenge.title);
  return `<section class="card"><h2>${title} <span class="status">${escape(challenge.status)}</span></h2>
    ${challenge.description ? `<p>${escape(challenge.description)}</p>` : ''}${tiers}
    <p><strong data-participants>${challenge.progress.participants}</strong> personnes engagées
    ${challenge.unit ? ` · ${challenge.progress.quantity} ${escape(challenge.unit)}` : ''}</p></section>`;
}

const tokenPage = (
  reply: unknown,
  title: string,
  button: string,
  endpoint: string,
  done: string,
): string =>
  page(
    reply,
    title,
    `<h1>${escape(title)}</h1><div class="card"><button id="go">${escape(button)}</button><p id="out" role="status"></p></div>
<script type="module">
const token = new URLSearchParams(location.search).get('token') ?? '';
document.getElementById('go').addEventListener('click', async () => {
  const res = await fetch('${endpoint}', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  const body = await res.json();
  if (res.ok && body.sessionToken) localStorage.setItem('tandem.session', body.sessionToken);
  document.getElementById('out').textContent = res.ok ? ${JSON.stringify(done)} : body.message;
});
</script>`,
  );

/** Registers the pages on the platform's app. */
export function registerPages(app: App, platform: Platform): void {
  const { ctx } = platform;
  const anonymous = { kind: 'anonymous' } as const;
  const html = <R extends { type: (t: string) => R }>(reply: R): R =>
    reply.type('text/html; charset=utf-8');

  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    html(reply);
    const [demo] = await ctx.db.query('select slug from organization where slug = ?', ['demo']);
    if (demo) return reply.redirect('/o/demo');
    return page(
      reply,
      'Tandem',
      `<h1>Tandem</h1><p>SI assez de personnes agissent, ALORS un sponsor tient sa promesse.</p><p><a href="/docs">API</a></p>`,
    );
  });

  app.get<{ Params: { slug: string } }>(
    '/o/:slug',
    { schema: { hide: true } },
    async (request, reply) => {
      html(reply);
      try {
        const organization = await services.getOrganization(ctx, anonymous, request.params.slug);
        const cards: string[] = [];
        for (const campaign of organization.campaigns) {
          const full = await services.getCampaign(ctx, anonymous, campaign.id);
          cards.push(
            `<h2>${escape(full.title)}</h2>${full.challenges?.map((c) => challengeCard(c as never, true)).join('') ?? ''}`,
          );
        }
        return page(
          reply,
          organization.name,
          `<h1>${escape(organization.name)}</h1>${cards.join('')}`,
        );
      } catch (error) {
        if (error instanceof TandemError)
          return reply
            .code(error.status)
            .send(page(reply, 'Introuvable', `<h1>${escape(error.message)}</h1>`));
        throw error;
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/c/:id',
    { schema: { hide: true } },
    async (request, reply) => {
      html(reply);
      try {
        const challenge = await services.getChallenge(ctx, anonymous, request.params.id);
        return page(
          reply,
          challenge.title,
          `${challengeCard(challenge, false)}
<section class="card"><h2>Je m’engage</h2>
<form id="pledge"><label>E-mail <input name="email" type="email" required autocomplete="email"></label>
<label>Nom affiché (facultatif) <input name="displayName" maxlength="80"></label>
<button>Je m’engage</button><p id="out" role="status"></p></form></section>
<script type="module">
const form = document.getElementById('pledge');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = Object.fromEntries(new FormData(form));
  if (!data.displayName) delete data.displayName;
  const res = await fetch('/api/challenges/${escape(challenge.id)}/pledges', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) });
  const body = await res.json();
  document.getElementById('out').textContent = res.ok ? 'Merci ! Confirmez votre engagement avec le lien reçu par e-mail.' : body.message;
});
setInterval(async () => {
  const res = await fetch('/api/challenges/${escape(challenge.id)}');
  if (res.ok) document.querySelector('[data-participants]').textContent = (await res.json()).progress.participants;
}, 5000);
</script>`,
        );
      } catch (error) {
        if (error instanceof TandemError)
          return reply
            .code(error.status)
            .send(page(reply, 'Introuvable', `<h1>${escape(error.message)}</h1>`));
        throw error;
      }
    },
  );

  // Token pages carry the token in their URL: never stored by a cache.
  app.get('/confirm', { schema: { hide: true } }, async (_request, reply) => {
    html(reply).header('cache-control', 'no-store');
    return tokenPage(
      reply,
      'Confirmer mon engagement',
      'Je confirme',
      '/api/pledges/confirm',
      'Engagement confirmé, merci !',
    );
  });
  app.get('/sign-in', { schema: { hide: true } }, async (_request, reply) => {
    html(reply).header('cache-control', 'no-store');
    return tokenPage(
      reply,
      'Se connecter',
      'Me connecter',
      '/api/auth/session',
      'Vous êtes connecté·e.',
    );
  });
}
