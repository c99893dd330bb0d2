import type { FieldProblem } from '$lib/forms/schema-form';
import { m } from '$lib/paraglide/messages';

/** A field's problem as a sentence in the page's language. */
export function problemText(problem: FieldProblem): string {
  switch (problem.code) {
    case 'required':
      return m.pledge_problem_required();
    case 'number':
      return m.pledge_problem_number();
    case 'integer':
      return m.pledge_problem_integer();
    case 'min':
      return m.pledge_problem_min({ limit: problem.limit });
    case 'max':
      return m.pledge_problem_max({ limit: problem.limit });
    case 'above':
      return m.pledge_problem_above({ limit: problem.limit });
    case 'below':
      return m.pledge_problem_below({ limit: problem.limit });
    case 'minLength':
      return m.pledge_problem_min_length({ limit: problem.limit });
    case 'maxLength':
      return m.pledge_problem_max_length({ limit: problem.limit });
    case 'pattern':
      return m.pledge_problem_pattern();
    case 'choice':
      return m.pledge_problem_choice();
    case 'minItems':
      return m.pledge_problem_min_items({ limit: problem.limit });
    case 'maxItems':
      return m.pledge_problem_max_items({ limit: problem.limit });
    case 'date':
      return m.pledge_problem_date();
    case 'api':
      return problem.message;
  }
}
