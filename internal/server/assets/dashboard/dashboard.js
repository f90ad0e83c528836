// The groupement's dashboard: a login, then a few views, each one GraphQL
// query to the public API with the session's bearer token. No framework,
// no build step: charts are drawn in SVG.
'use strict';

const tokenKey = 'communs:dashboard-token';
const euros = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
const whole = new Intl.NumberFormat('fr-FR');
const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris' }).format(new Date());
const categories = { FOUNDER: 'Fondateurs', ACTIVE: 'Actifs', USER: 'Utilisateurs' };
const statuses = { DRAFT: 'Brouillon', SUBMITTED: 'Soumise', VALIDATED: 'Validée', RETURNED: 'Renvoyée', LOCKED: 'Verrouillée' };

const $ = (selector, root = document) => root.querySelector(selector);

// gql posts a query; it answers the data, or throws an Error carrying the
// first error's code.
async function gql(query, variables = {}) {
  const headers = { 'Content-Type': 'application/json' };
  const token = sessionStorage.getItem(tokenKey);
  if (token) headers.Authorization = 'Bearer ' + token;
  const response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const answer = await response.json();
  if (answer.errors && answer.errors.length) {
    const error = new Error(answer.errors[0].message);
    error.code = (answer.errors[0].extensions || {}).code;
    throw error;
  }
  return answer.data;
}

// element builds an element with attributes and children.
function element(tag, attributes = {}, ...children) {
  const svg = ['svg', 'g', 'rect', 'text', 'line', 'title'].includes(tag);
  const e = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) e.setAttribute(name, value);
  for (const child of children) e.append(child);
  return e;
}

// table fills container with rows; a column is {key, label, num}, a row
// {key, cells: {column key: text}}.
function table(container, columns, rows) {
  const head = element('tr', {}, ...columns.map((c) => element('th', c.num ? { class: 'num' } : {}, c.label)));
  const body = rows.map((r) => element('tr', { 'data-key': r.key },
    ...columns.map((c) => element('td', { 'data-col': c.key, class: c.num ? 'num' : '' }, r.cells[c.key] ?? ''))));
  container.replaceChildren(element('table', {}, element('thead', {}, head), element('tbody', {}, ...body)));
}

function legend(names) {
  return element('div', { class: 'legend' }, ...names.map((n, i) => element('span', {}, element('i', { class: 's' + (i + 1) }), n)));
}

// columns draws stacked columns: one per label, a segment per series
// ({name, values}).
function columns(container, labels, series, format, axis = format) {
  const width = 720, height = 260, left = 90, right = 24, above = 14, bottom = 24;
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + Math.max(0, s.values[i]), 0));
  const top = Math.max(1, ...totals);
  const step = (width - left - right) / Math.max(1, labels.length);
  const y = (v) => above + (height - bottom - above) * (1 - v / top);
  const svg = element('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img' });
  for (const v of [0, top / 2, top]) {
    svg.append(element('line', { x1: left, x2: width, y1: y(v), y2: y(v), stroke: '#d7dde4' }),
      element('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, axis(v)));
  }
  labels.forEach((label, i) => {
    let base = 0;
    series.forEach((s, k) => {
      const v = Math.max(0, s.values[i]);
      if (v > 0) {
        svg.append(element('rect', { class: 's' + (k + 1), x: left + i * step + step * 0.15, width: step * 0.7,
          y: y(base + v), height: y(base) - y(base + v) }, element('title', {}, `${label} — ${s.name} : ${format(s.values[i])}`)));
      }
      base += v;
    });
    svg.append(element('text', { x: left + i * step + step / 2, y: height - 6, 'text-anchor': 'middle' }, label));
  });
  container.replaceChildren(legend(series.map((s) => s.name)), svg);
}

// bars draws horizontal bars side by side: one group per label, a bar per
// series.
function bars(container, labels, series, format) {
  const width = 720, left = 260, band = 14 * series.length + 10;
  const height = band * labels.length + 10;
  const top = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (v) => left + (width - left - 10) * Math.max(0, v) / top;
  const svg = element('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img' });
  labels.forEach((label, i) => {
    const short = label.length > 40 ? label.slice(0, 38) + '…' : label;
    svg.append(element('text', { x: left - 6, y: i * band + band / 2 + 4, 'text-anchor': 'end' }, short, element('title', {}, label)));
    series.forEach((s, k) => svg.append(element('rect', { class: 's' + (k + 1), x: left, y: i * band + 5 + 14 * k,
      width: x(s.values[i]) - left, height: 12 }, element('title', {}, `${label} — ${s.name} : ${format(s.values[i])}`))));
  });
  container.replaceChildren(legend(series.map((s) => s.name)), svg);
}

const money = (value) => (value == null ? '' : euros.format(Number(value)));
const roundEuros = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });
const moneyAxis = (value) => roundEuros.format(value);
const count = (value) => whole.format(value);

// The views: a query, its variables, and how to show its answer.
const views = [
  {
    id: 'membership',
    query: `query($today: Date!) {
      years: membershipByCategory(from: "2015-01-01", to: $today, every: YEAR) { date founder active user total }
      today: membershipByCategory(from: $today, to: $today, every: DAY) { date founder active user total } }`,
    show(section, data) {
      const points = [...data.years, ...data.today];
      const labels = points.map((p, i) => (i === points.length - 1 ? "Aujourd'hui" : p.date.slice(0, 4)));
      columns($('.chart', section), labels, [
        { name: categories.FOUNDER, values: points.map((p) => p.founder) },
        { name: categories.ACTIVE, values: points.map((p) => p.active) },
        { name: categories.USER, values: points.map((p) => p.user) },
      ], count, (v) => count(Math.round(v)));
      table($('.table', section), [
        { key: 'date', label: 'Date' }, { key: 'founder', label: categories.FOUNDER, num: true },
        { key: 'active', label: categories.ACTIVE, num: true }, { key: 'user', label: categories.USER, num: true },
        { key: 'total', label: 'Total', num: true },
      ], points.map((p) => ({ key: p.date, cells: { date: new Date(p.date + 'T00:00:00Z').toLocaleDateString('fr-FR', { timeZone: 'UTC' }),
        founder: count(p.founder), active: count(p.active), user: count(p.user), total: count(p.total) } })));
    },
  },
  {
    id: 'resources',
    query: `query($year: Int!) { resourceYears(fromYear: $year, toYear: $year) {
      resource { id name usageUnit } budgeted actual difference declaredQuantity costPerUnit } }`,
    show(section, data) {
      const rows = data.resourceYears;
      bars($('.chart', section), rows.map((r) => r.resource.name), [
        { name: 'Budget', values: rows.map((r) => Number(r.budgeted)) },
        { name: 'Réel', values: rows.map((r) => Number(r.actual)) },
      ], money);
      table($('.table', section), [
        { key: 'resource', label: 'Ressource' }, { key: 'budgeted', label: 'Budget', num: true },
        { key: 'actual', label: 'Réel', num: true }, { key: 'difference', label: 'Écart', num: true },
        { key: 'declared', label: 'Quantité déclarée', num: true }, { key: 'perUnit', label: 'Coût par unité', num: true },
      ], rows.map((r) => ({ key: r.resource.id, cells: { resource: r.resource.name, budgeted: money(r.budgeted),
        actual: money(r.actual), difference: money(r.difference), declared: count(r.declaredQuantity), perUnit: money(r.costPerUnit) } })));
    },
  },
  {
    id: 'charges',
    query: `query($year: Int!) { chargesByMemberCategory(year: $year) { quarter category amount members } }`,
    show(section, data) {
      const rows = data.chargesByMemberCategory;
      const labels = ['T1', 'T2', 'T3', 'T4'];
      const of = (category) => labels.map((_, q) => {
        const row = rows.find((r) => r.quarter === q + 1 && r.category === category);
        return row ? Number(row.amount) : 0;
      });
      columns($('.chart', section), labels, Object.entries(categories).map(([key, name]) => ({ name, values: of(key) })), money, moneyAxis);
      table($('.table', section), [
        { key: 'quarter', label: 'Trimestre' }, { key: 'category', label: 'Catégorie' },
        { key: 'amount', label: 'Montant', num: true }, { key: 'members', label: 'Membres', num: true },
      ], rows.map((r) => ({ key: `${r.quarter}-${r.category}`, cells: { quarter: 'T' + r.quarter,
        category: categories[r.category], amount: money(r.amount), members: count(r.members) } })));
    },
  },
  {
    id: 'declarations',
    query: `query($year: Int!) { usageDeclarationsAggregate(where: {year: $year}, groupBy: [STATUS]) { keys { status } count } }`,
    show(section, data) {
      const rows = data.usageDeclarationsAggregate;
      bars($('.chart', section), rows.map((r) => statuses[r.keys.status]), [{ name: 'Déclarations', values: rows.map((r) => r.count) }], count);
      table($('.table', section), [{ key: 'status', label: 'Statut' }, { key: 'count', label: 'Déclarations', num: true }],
        rows.map((r) => ({ key: r.keys.status, cells: { status: statuses[r.keys.status], count: count(r.count) } })));
    },
  },
  {
    id: 'requests',
    query: `query($today: Date!) { subjectRequestsAggregate(where: {dueOnLT: $today, statusIn: [RECEIVED, IN_PROGRESS]},
      groupBy: [MEMBER]) { keys { member { id name } } count } }`,
    show(section, data) {
      const rows = data.subjectRequestsAggregate;
      const name = (r) => (r.keys.member ? r.keys.member.name : 'Registre du groupement');
      bars($('.chart', section), rows.map(name), [{ name: 'Demandes en retard', values: rows.map((r) => r.count) }], count);
      table($('.table', section), [{ key: 'register', label: 'Registre' }, { key: 'count', label: 'Demandes en retard', num: true }],
        rows.map((r) => ({ key: r.keys.member ? r.keys.member.id : 'gsm', cells: { register: name(r), count: count(r.count) } })));
    },
  },
];

// refresh runs every view for the chosen year; a view the role may not
// read says so.
async function refresh() {
  const year = Number($('#year').value);
  await Promise.all(views.map(async (view) => {
    const section = $('#' + view.id);
    section.removeAttribute('data-ready');
    try {
      const data = await gql(view.query, view.query.includes('$year') ? { year } : { today });
      view.show(section, data);
    } catch (error) {
      if (error.code === 'UNAUTHENTICATED') return signOut();
      const text = error.code === 'FORBIDDEN' ? "Votre rôle ne donne pas accès à cette vue." : 'Erreur : ' + error.message;
      $('.chart', section).replaceChildren();
      $('.table', section).replaceChildren(element('p', { class: error.code === 'FORBIDDEN' ? 'denied' : 'error' }, text));
    }
    section.setAttribute('data-ready', 'true');
  }));
}

async function signIn(event) {
  event.preventDefault();
  $('#login-error').textContent = '';
  try {
    const data = await gql(`mutation($email: String!, $password: String!) {
      login(input: {email: $email, password: $password}) { token account { email } } }`,
    { email: $('#email').value, password: $('#password').value });
    sessionStorage.setItem(tokenKey, data.login.token);
    $('#password').value = '';
    await show();
  } catch (error) {
    $('#login-error').textContent = error.code === 'RATE_LIMITED'
      ? 'Trop de tentatives : réessayez dans une minute.' : 'Adresse ou mot de passe incorrect.';
  }
}

async function signOut() {
  if (sessionStorage.getItem(tokenKey)) {
    await gql('mutation { logout { ok } }').catch(() => {});
  }
  sessionStorage.removeItem(tokenKey);
  $('#views').hidden = true;
  $('#session').hidden = true;
  $('#login').hidden = false;
}

async function show() {
  const me = await gql('{ me { email } }');
  $('#who').textContent = me.me.email;
  $('#login').hidden = true;
  $('#session').hidden = false;
  $('#views').hidden = false;
  await refresh();
}

document.addEventListener('DOMContentLoaded', () => {
  const current = Number(today.slice(0, 4));
  for (let y = current + 1; y >= 2015; y--) $('#year').append(element('option', y === current ? { selected: '' } : {}, String(y)));
  $('#year').addEventListener('change', refresh);
  $('#login').addEventListener('submit', signIn);
  $('#logout').addEventListener('click', signOut);
  if (sessionStorage.getItem(tokenKey)) show().catch(signOut);
});
