// HS256 tokens for tests, signed here with Node's crypto (not the server's library).
import { createHmac } from 'node:crypto';

const b64url = (data) => Buffer.from(data).toString('base64url');

/** A JWT of `claims`, HS256 with `secret`. @param {string} secret @param {object} claims */
export function sign(secret, claims) {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
