/** Resolves when `check()` is true, polling each event-loop turn; rejects after `ms`. */
export function until(check, ms = 15000, what = 'the condition') {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const poll = () => {
      let ok = false;
      try {
        ok = check();
      } catch (err) {
        reject(err);
        return;
      }
      if (ok) resolve(undefined);
      else if (Date.now() > deadline) reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      else setTimeout(poll, 5);
    };
    poll();
  });
}
