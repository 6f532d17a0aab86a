// Small DOM and formatting helpers shared by the page's views.

/** An element with attributes and children; text children are escaped by the DOM. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) element.setAttribute(name, value);
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return element;
}

export const time = (iso) => (iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : '');
export const took = (ms) =>
  ms === null ? 'running' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
export const statusBadge = (status) => h('span', { class: `status status-${status}` }, status);
