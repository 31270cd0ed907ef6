// Event ids are fixed-width digit strings that grow with time: a longer one is
// later, and among equal lengths the text order is the order.

/** @param {string} a @param {string} b @returns {boolean} a comes after b */
export function isAfter(a, b) {
  if (a.length !== b.length) return a.length > b.length;
  return a > b;
}

/** @param {string | null} a @param {string | null} b @returns {string | null} the earlier one */
export function earlier(a, b) {
  if (a === null) return b;
  if (b === null) return a;
  return isAfter(a, b) ? b : a;
}
