// The REST calls the browser tests make beside the page: one request, its status and JSON
// (or text), and a bounded poll of a task until a condition holds of it.

/**
 * @param {string} base the server's URL @param {string} method @param {string} path @param {unknown} [body]
 * @returns {Promise<{ status: number, json: any, text: string }>}
 */
export async function api(base, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  const text = res.status === 204 ? '' : await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (the metrics' text): `text` has it
  }
  return { status: res.status, json, text };
}

/** Polls a task until `check` holds of it (a bounded poll of the API, not a wait for time). */
export async function taskWhen(base, id, check, what) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const { status, json } = await api(base, 'GET', `/v1/tasks/${id}`);
    if (check(json, status)) return json;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(json)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
