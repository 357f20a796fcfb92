/**
 * An error caused by the user's input (spec, flags, layer size). The CLI prints
 * each problem on its own line and exits with status 1, without a stack trace.
 */
export class UserError extends Error {
  readonly problems: string[];

  constructor(problems: string | string[]) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.join('\n'));
    this.name = 'UserError';
    this.problems = list;
  }
}
