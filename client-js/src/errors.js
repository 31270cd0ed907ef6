/**
 * An error from the server (an RFC 9457 problem document) or from the client
 * itself (status 0: the server could not be reached, or a bound was hit).
 */
export class TaskstreamError extends Error {
  /**
   * @param {string} message
   * @param {{ status?: number, problem?: Record<string, any>, cause?: unknown }} [details]
   */
  constructor(message, { status = 0, problem = undefined, cause = undefined } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TaskstreamError';
    /** HTTP status; 0 when no answer came. */
    this.status = status;
    /** The problem document as the server sent it. */
    this.problem = problem;
    /** @type {string | undefined} */
    this.type = problem?.type;
    /**
     * Field errors of a 422, each with the JSON pointer of the field it is about.
     * @type {{ pointer: string, detail: string }[]}
     */
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}
