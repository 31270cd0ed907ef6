// A kind's params JSON Schema as a form: one field per property, typed inputs,
// the schema's bounds and required fields checked before submit, and the
// server's 422 errors shown on the field their pointer names.
import { el, withCode } from './format.js';

/**
 * One field for one schema property.
 * @param {string} name @param {any} schema @param {boolean} required
 * @returns {{ node: HTMLElement, read: () => { value?: unknown, error?: string }, input: HTMLElement, showError: (text: string | null) => void }}
 */
export function fieldFor(name, schema, required) {
  const id = `param-${name}`;
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const label = el('label', { for: id, text: schema.title ?? name });
  if (required) label.classList.add('required');
  const help = schema.description ? el('p', { id: helpId, class: 'help' }, withCode(describe(schema))) : null;
  const error = el('p', { id: errorId, class: 'error', hidden: '' });
  const describedBy = [help ? helpId : null, errorId].filter(Boolean).join(' ');
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;

  /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} */
  let input;
  let read;
  if (Array.isArray(schema.enum)) {
    input = el('select', { id, name });
    if (!required) input.append(el('option', { value: '', text: '—' }));
    for (const v of schema.enum) input.append(el('option', { value: JSON.stringify(v), text: String(v) }));
    if (schema.default !== undefined) input.value = JSON.stringify(schema.default);
    read = () => (input.value === '' ? {} : { value: JSON.parse(input.value) });
  } else if (type === 'boolean') {
    input = el('input', { id, name, type: 'checkbox' });
    /** @type {HTMLInputElement} */ (input).checked = schema.default === true;
    read = () => ({ value: /** @type {HTMLInputElement} */ (input).checked });
  } else if (type === 'integer' || type === 'number') {
    input = el('input', { id, name, type: 'number', step: type === 'integer' ? '1' : 'any', inputmode: type === 'integer' ? 'numeric' : 'decimal' });
    if (schema.minimum !== undefined) input.setAttribute('min', String(schema.minimum));
    if (schema.maximum !== undefined) input.setAttribute('max', String(schema.maximum));
    if (schema.default !== undefined) input.value = String(schema.default);
    read = () => {
      const text = input.value.trim();
      if (text === '') return required ? { error: 'Enter a number.' } : {};
      const n = Number(text);
      if (!Number.isFinite(n)) return { error: 'Enter a number.' };
      if (type === 'integer' && !Number.isInteger(n)) return { error: 'Enter a whole number.' };
      if (schema.minimum !== undefined && n < schema.minimum) return { error: `At least ${schema.minimum}.` };
      if (schema.maximum !== undefined && n > schema.maximum) return { error: `At most ${schema.maximum}.` };
      return { value: n };
    };
  } else if (type === 'array' && (schema.items?.type === 'string' || schema.items === undefined)) {
    input = el('textarea', { id, name, rows: '3' });
    if (Array.isArray(schema.default)) input.value = schema.default.join('\n');
    read = () => {
      const items = input.value.split('\n').map((s) => s.trim()).filter((s) => s !== '');
      if (items.length === 0 && !required) return {};
      if (schema.minItems !== undefined && items.length < schema.minItems) return { error: `At least ${schema.minItems} line${schema.minItems === 1 ? '' : 's'}.` };
      if (schema.maxItems !== undefined && items.length > schema.maxItems) return { error: `At most ${schema.maxItems} lines.` };
      return { value: items };
    };
  } else if (type === 'array' || type === 'object') {
    input = el('textarea', { id, name, rows: '3', spellcheck: 'false' });
    if (schema.default !== undefined) input.value = JSON.stringify(schema.default);
    read = () => {
      const text = input.value.trim();
      if (text === '') return required ? { error: 'Enter JSON.' } : {};
      try {
        const value = JSON.parse(text);
        if (type === 'array' ? !Array.isArray(value) : value === null || typeof value !== 'object' || Array.isArray(value))
          return { error: `Enter a JSON ${type}.` };
        return { value };
      } catch {
        return { error: 'This is not valid JSON.' };
      }
    };
  } else {
    input = el('input', { id, name, type: 'text' });
    if (schema.maxLength !== undefined) input.setAttribute('maxlength', String(schema.maxLength));
    if (schema.default !== undefined) input.value = String(schema.default);
    read = () => {
      const text = input.value;
      if (text === '') return required ? { error: 'This field is required.' } : {};
      if (schema.minLength !== undefined && text.length < schema.minLength) return { error: `At least ${schema.minLength} characters.` };
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(text)) return { error: 'This does not have the expected form.' };
      return { value: text };
    };
  }
  input.setAttribute('aria-describedby', describedBy);
  if (required) input.setAttribute('aria-required', 'true');

  const showError = (/** @type {string | null} */ text) => {
    error.textContent = text ?? '';
    error.hidden = !text;
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  // Checked as the user leaves the field, and again as they fix it.
  // Not when focus goes to a submit button: the message would move the button
  // away from under the pointer, and the submit shows it anyway.
  input.addEventListener('blur', (/** @type {FocusEvent} */ e) => {
    if (!(e.relatedTarget instanceof HTMLButtonElement && e.relatedTarget.type === 'submit')) showError(read().error ?? null);
  });
  input.addEventListener('input', () => {
    if (input.getAttribute('aria-invalid') === 'true') showError(read().error ?? null);
  });

  const node = type === 'boolean'
    ? el('div', { class: 'field check' }, [input, label, ...(help ? [help] : []), error])
    : el('div', { class: 'field' }, [label, input, ...(help ? [help] : []), error]);
  return { node, read, input, showError };
}

/** The help text: the description, and the bounds it has. @param {any} schema */
function describe(schema) {
  const parts = [schema.description];
  if (schema.minimum !== undefined && schema.maximum !== undefined) parts.push(`(${schema.minimum}–${schema.maximum})`);
  if (schema.type === 'array') parts.push('(one per line)');
  return parts.join(' ');
}

/**
 * The whole params form of a kind, its fields in `order` (the kind's params_order;
 * a JSON object keeps none of its own).
 * @param {HTMLElement} container @param {any} schema @param {string[]} [order]
 */
export function buildParams(container, schema, order) {
  container.replaceChildren(el('legend', { text: 'Parameters' }));
  const required = new Set(schema?.required ?? []);
  const properties = schema?.properties ?? {};
  const names = [...(order ?? []).filter((n) => n in properties), ...Object.keys(properties).filter((n) => !order?.includes(n))];
  const fields = new Map();
  for (const name of names) {
    const field = fieldFor(name, properties[name], required.has(name));
    fields.set(name, field);
    container.append(field.node);
  }
  if (fields.size === 0) container.append(el('p', { class: 'help', text: 'This kind takes no parameters.' }));
  return {
    /** The params, or null after marking every field in error. */
    collect() {
      const params = {};
      let firstBad = null;
      for (const [name, field] of fields) {
        const { value, error } = field.read();
        field.showError(error ?? null);
        if (error && !firstBad) firstBad = field.input;
        if (value !== undefined) params[name] = value;
      }
      if (firstBad) {
        firstBad.focus();
        return null;
      }
      return params;
    },
    /** Shows a server error on the field its pointer (`/name`) names; false when none does. */
    showServerError(/** @type {string} */ pointer, /** @type {string} */ detail) {
      const name = pointer.replace(/^\/(params\/)?/, '').split('/')[0].replace(/~1/g, '/').replace(/~0/g, '~');
      const field = fields.get(name);
      if (!field) return false;
      field.showError(detail);
      return true;
    },
    clearErrors() {
      for (const f of fields.values()) f.showError(null);
    },
    fields,
  };
}
