// The topic inspector: a producer's topic (or pattern) watched live.
import { el } from './format.js';

const KEPT = 200;

export class TopicInspector {
  /** @param {any} client */
  constructor(client) {
    this.client = client;
    this.form = /** @type {HTMLFormElement} */ (document.getElementById('inspector-form'));
    this.topic = /** @type {HTMLInputElement} */ (document.getElementById('inspect-topic'));
    this.types = /** @type {HTMLInputElement} */ (document.getElementById('inspect-types'));
    this.error = /** @type {HTMLElement} */ (document.getElementById('inspect-topic-error'));
    this.list = /** @type {HTMLElement} */ (document.getElementById('inspect-events'));
    this.watch = null;
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.start();
    });
    document.getElementById('inspect-stop')?.addEventListener('click', () => this.stop());
  }

  start() {
    const topic = this.topic.value.trim();
    const bad = !topic ? 'Name a topic.' : /\*(?!$)|[^/]\*$/.test(topic) && topic !== '*' ? "'*' may only end a pattern, after '/'." : null;
    this.error.textContent = bad ?? '';
    this.error.hidden = !bad;
    if (bad) {
      this.topic.setAttribute('aria-invalid', 'true');
      this.topic.focus();
      return;
    }
    this.topic.removeAttribute('aria-invalid');
    this.stop();
    const eventTypes = this.types.value.split(',').map((s) => s.trim()).filter(Boolean);
    this.list.replaceChildren(el('li', { class: 'help', text: `watching ${topic}` }));
    this.watch = this.client.watch(topic, {
      eventTypes,
      onEvent: (/** @type {{ id: string, type: string, data: any }} */ e) => this.add(e),
      onError: (/** @type {Error} */ err) => this.add({ id: '', type: 'error', data: err.message }),
    });
  }

  /** @param {{ id: string, type: string, data: any }} e */
  add(e) {
    const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    this.list.prepend(el('li', {}, [el('span', { class: 'type', text: e.type }), ` ${e.id} `, data]));
    while (this.list.childElementCount > KEPT) this.list.lastElementChild?.remove();
  }

  stop() {
    this.watch?.close();
    this.watch = null;
  }
}
