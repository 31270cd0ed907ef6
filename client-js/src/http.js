import { TaskstreamError } from './errors.js';

/**
 * The REST half of the client: one request, JSON in and out, problems thrown as
 * TaskstreamError.
 */
export class Http {
  /**
   * @param {{ baseUrl: string, token?: string, fetch: typeof fetch }} options
   */
  constructor({ baseUrl, token, fetch }) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = token;
    this.fetchImpl = fetch;
  }

  /** @param {string} path @param {Record<string, string | string[] | undefined>} [query] */
  url(path, query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined && v !== '') params.append(key, v);
    }
    const text = params.toString();
    return `${this.baseUrl}${path}${text ? `?${text}` : ''}`;
  }

  /** @returns {Record<string, string>} */
  authHeaders() {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ body?: unknown, query?: Record<string, any>, headers?: Record<string, string>, signal?: AbortSignal }} [options]
   * @returns {Promise<{ status: number, body: any, headers: Headers }>}
   */
  async send(method, path, { body, query, headers = {}, signal } = {}) {
    /** @type {Record<string, string>} */
    const all = { Accept: 'application/json', ...this.authHeaders(), ...headers };
    if (body !== undefined) all['Content-Type'] = 'application/json';
    let response;
    try {
      response = await this.fetchImpl(this.url(path, query), {
        method,
        headers: all,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (cause) {
      throw new TaskstreamError(`${method} ${path}: the server could not be reached`, { cause });
    }
    const text = await response.text();
    let parsed = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!response.ok) {
      const problem = parsed && typeof parsed === 'object' ? parsed : { title: response.statusText, detail: text };
      const message = problem.detail ?? problem.title ?? `HTTP ${response.status}`;
      throw new TaskstreamError(`${method} ${path}: ${message}`, { status: response.status, problem });
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }
}
