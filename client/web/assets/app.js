/* The command wall (指挥墙): liandong's unified command view for a duty room's
 * wall screen and desk screens. Plain JavaScript, no framework, no network
 * beyond this origin; served by liandong-web under CSP default-src 'self'.
 *
 * Reads /api/view (most urgent first), /api/roster (names and regions),
 * /api/case/ID and /api/action/ID (drill-down), and listens on /events
 * (Server-Sent Events: `change` refetches the view, `daemon` up/down).
 *
 * SECURITY: every string from the node goes through text() / vis() into
 * textContent or a text node; nothing from the node ever reaches innerHTML,
 * an attribute that is parsed as markup or URL, or a style. Control
 * characters are shown visibly (\x1b), never interpreted.
 *
 * Hooks for tests: #banner (hidden when connected), #as-of, [data-case-id]
 * on case rows, [data-action-id] on action cards, [data-part-state] (the raw
 * state name) on participant chips; <html data-render-ms> after each render,
 * <html data-first-paint-at> (ms since navigation start, the first frame
 * painted with the wall),
 * <html data-live="open|down"> for the /events stream, window.__wall.stats. */
(function () {
	'use strict';

	var I18N = window.LD_I18N || { zh: {}, en: {} };
	var SVGNS = 'http://www.w3.org/2000/svg';
	var LANG_KEY = 'liandong.wall.lang';
	var PRIO_RANK = { emergency: 3, urgent: 2, routine: 1 };
	var DEFAULT_ZONE = { name: 'Asia/Shanghai', offset_min: 480 };

	var S = {
		lang: 'zh',
		view: null,
		roster: null,
		members: new Map(), // node id -> member
		regionNames: new Map(), // code -> {code, name, parent}
		asOf: 0, // as_of_ms of the view shown
		skew: 0, // node time - page time (ms), from the last view
		sseDown: false,
		sseSince: 0,
		daemonDown: false,
		daemonSince: 0,
		fetchFail: false,
		fetchSince: 0,
		fetching: false,
		again: false,
		timer: 0,
		route: null, // {kind: 'case'|'action', id}
		detailDoc: null,
		detailErr: null,
		actionDocs: new Map(), // action id -> {doc, gen}: decline reasons on the wall
		gen: 0, // view generation: bumped on every fetched view
		sound: false,
		audio: null,
		alarmKeys: new Set(),
		lastBeep: 0,
		rosterAt: 0,
		stats: { renders: 0, renderMs: 0, parseMs: 0, cases: 0, fetches: 0 }
	};
	window.__wall = { stats: S.stats };
	// The first view and the names are asked for at once, while the page is
	// still being set up (the first refresh() takes them).
	S.early = { view: getJSON('/api/view'), roster: loadRoster() };
	S.early.view.catch(function () { /* refresh() reports it */ });

	/* ---------- text: the only ways node strings reach the page ---------- */

	// C0, DEL, C1, zero-width, line/paragraph separators, bidi controls and
	// BOM: shown as escapes, so a title cannot hide or reorder text.
	var CTRL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

	function escChar(c) {
		var n = c.charCodeAt(0);
		return n <= 0xff ? '\\x' + (n < 16 ? '0' : '') + n.toString(16) : '\\u' + ('000' + n.toString(16)).slice(-4);
	}

	function vis(s, multiline) {
		if (s === null || s === undefined) return '';
		s = String(s).replace(CTRL, escChar);
		if (!multiline) s = s.replace(/[\n\t]/g, function (c) { return c === '\n' ? '\\n' : '\\t'; });
		return s;
	}

	function el(tag, cls, txt) {
		var e = document.createElement(tag);
		if (cls) e.className = cls;
		if (txt !== undefined && txt !== null && txt !== '') e.textContent = vis(txt);
		return e;
	}

	function elm(tag, cls, txt) { // multi-line text (facts, notes)
		var e = el(tag, cls);
		if (txt) e.textContent = vis(txt, true);
		return e;
	}

	function add(parent) {
		for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
		return parent;
	}

	function svg(tag, attrs) {
		var e = document.createElementNS(SVGNS, tag);
		for (var k in attrs) e.setAttribute(k, String(attrs[k]));
		return e;
	}

	/* ---------- words ---------- */

	function t(key, params) {
		var s = (I18N[S.lang] && I18N[S.lang][key]) || I18N.zh[key] || key;
		if (params) s = s.replace(/\{(\w+)\}/g, function (m, k) { return params[k] === undefined ? m : String(params[k]); });
		return s;
	}

	function tv(prefix, raw) { // a value of the node's vocabulary, or itself
		if (raw === null || raw === undefined || raw === '') return '';
		var d = I18N[S.lang] || {};
		return d[prefix + ':' + raw] || (S.lang === 'zh' ? I18N.zh[prefix + ':' + raw] : null) || String(raw);
	}

	function field(k) {
		if (S.lang === 'zh' && I18N.zh['f:' + k]) return I18N.zh['f:' + k];
		return k.replace(/_/g, ' ');
	}

	function unitName(id) {
		var m = S.members.get(id);
		return m && m.name ? m.name : id || '?';
	}

	function stateClass(s) { return 'st-' + String(s || 'unknown').replace(/[^a-z0-9]+/gi, '-').toLowerCase(); }

	/* ---------- time in the node's zone ---------- */

	var zoneFmt = null, zoneName = '', offCache = new Map();

	function zone() { return (S.view && S.view.zone) || DEFAULT_ZONE; }

	function zoneOffset(ms) { // minutes east of UTC at ms, cached per hour
		var z = zone(), hour = Math.floor(ms / 3600000), o = offCache.get(hour);
		if (o !== undefined) return o;
		if (zoneName !== z.name) {
			// The zone's rules (Intl) take tens of milliseconds to load: until
			// they are, the offset the node gives for now is used, and the wall
			// is drawn again if the rules say otherwise.
			zoneName = z.name;
			offCache.clear();
			zoneFmt = null;
			(window.requestIdleCallback || setTimeout)(function () { loadZone(z); });
		}
		o = typeof z.offset_min === 'number' ? z.offset_min : 480;
		if (zoneFmt) {
			var p = {};
			zoneFmt.formatToParts(new Date(hour * 3600000)).forEach(function (x) { p[x.type] = +x.value; });
			o = Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - hour * 3600000) / 60000);
		}
		offCache.set(hour, o);
		return o;
	}

	function loadZone(z) {
		if (zoneName !== z.name) return; // another zone came since
		try {
			zoneFmt = new Intl.DateTimeFormat('en-US', { timeZone: z.name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
		} catch (e) {
			zoneFmt = null; // an unknown zone name: the fixed offset given
			return;
		}
		var fixed = new Map(offCache);
		offCache.clear();
		var changed = false;
		fixed.forEach(function (o, hour) { if (zoneOffset(hour * 3600000) !== o) changed = true; });
		if (changed && S.view) render();
	}

	function fmtN(n) { // 1000000 -> 1,000,000: counts read at a glance
		return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
	}

	function pad(n) { return n < 10 ? '0' + n : '' + n; }

	function parts(ms) {
		var d = new Date(ms + zoneOffset(ms) * 60000);
		return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() };
	}

	function fmtHM(ms) { if (!ms) return '—'; var p = parts(ms); return pad(p.h) + ':' + pad(p.mi); }
	function fmtHMS(ms) { if (!ms) return '—'; var p = parts(ms); return pad(p.h) + ':' + pad(p.mi) + ':' + pad(p.s); }
	function fmtFull(ms) {
		if (!ms) return '—';
		var p = parts(ms);
		return p.y + '-' + pad(p.mo) + '-' + pad(p.d) + ' ' + pad(p.h) + ':' + pad(p.mi) + ':' + pad(p.s);
	}
	function fmtShort(ms) { // the time today, the date and time otherwise
		if (!ms) return '—';
		var p = parts(ms), n = parts(nodeNow());
		var hm = pad(p.h) + ':' + pad(p.mi);
		if (p.y === n.y && p.mo === n.mo && p.d === n.d) return hm;
		return (p.y !== n.y ? p.y + '-' : '') + pad(p.mo) + '-' + pad(p.d) + ' ' + hm;
	}

	function fmtDur(ms) {
		ms = Math.abs(ms);
		if (ms < 1000) return t('fmt-sub');
		var s = Math.floor(ms / 1000), m = Math.floor(s / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
		if (s < 60) return t('fmt-s', { n: s });
		if (m < 60) return t('fmt-m', { n: m });
		if (h < 24) return m % 60 ? t('fmt-h', { h: h, m: m % 60 }) : t('fmt-hh', { h: h });
		return h % 24 ? t('fmt-d', { d: d, h: h % 24 }) : t('fmt-dd', { d: d });
	}

	function fmtBucket(ms) {
		if (ms === null || ms === undefined || ms < 0 || !isFinite(ms)) return t('hist-more');
		if (ms < 60000) return t('b-s', { n: Math.round(ms / 1000) });
		if (ms < 3600000) return t('b-m', { n: Math.round(ms / 60000) });
		if (ms < 86400000) return t('b-h', { n: Math.round(ms / 3600000) });
		return t('b-d', { n: Math.round(ms / 86400000) });
	}

	function nodeNow() { return Date.now() + S.skew; }

	/* ---------- fetching ---------- */

	function apiPath(kind, id) { // case ids hold '/': each segment encoded
		return '/api/' + kind + '/' + String(id).split('/').map(encodeURIComponent).join('/');
	}

	function getJSON(path) {
		return fetch(path, { cache: 'no-store', headers: { Accept: 'application/json' } }).then(function (r) {
			if (!r.ok) {
				var e = new Error('HTTP ' + r.status);
				e.status = r.status;
				throw e;
			}
			return r.text();
		}).then(function (txt) {
			var t0 = performance.now(), doc = JSON.parse(txt);
			S.stats.parseMs = performance.now() - t0;
			return doc;
		});
	}

	function loadRoster() {
		S.rosterAt = Date.now();
		return getJSON('/api/roster').then(function (r) {
			S.roster = r;
			S.members = new Map();
			S.regionNames = new Map();
			(r.members || []).forEach(function (m) { if (m && m.id) S.members.set(m.id, m); });
			(r.regions || []).forEach(function (g) { if (g && g.code) S.regionNames.set(g.code, g); });
		}, function () { /* names fall back to ids; retried with the next view */ });
	}

	function unknownNodes(v) {
		var seen = false;
		(v.cases || []).forEach(function (c) { if (!S.members.has(c.holder) || !S.members.has(c.referrer)) seen = true; });
		(v.actions || []).forEach(function (a) {
			(a.participants || []).forEach(function (p) { if (p.visible !== false && !S.members.has(p.node)) seen = true; });
		});
		return seen;
	}

	function refresh() {
		if (S.fetching) { S.again = true; return; }
		S.fetching = true;
		S.stats.fetches++;
		var first = S.early;
		S.early = null;
		(first ? first.view : getJSON('/api/view')).then(function (v) {
			if (first) return first.roster.then(function () { return v; });
			var need = !S.roster || (unknownNodes(v) && Date.now() - S.rosterAt > 10000) || Date.now() - S.rosterAt > 300000;
			return (need ? loadRoster() : Promise.resolve()).then(function () { return v; });
		}).then(function (v) {
			S.view = v;
			S.gen++;
			S.asOf = v.as_of_ms || v.now_ms || Date.now();
			S.skew = (v.as_of_ms || v.now_ms) ? S.asOf - Date.now() : 0;
			if (S.fetchFail) { S.fetchFail = false; }
			render();
			updateBanner();
			loadReasons();
			if (S.route) loadDetail(false);
		}, function (e) {
			if (!S.fetchFail) { S.fetchFail = true; S.fetchSince = Date.now(); }
			S.fetchErr = e && e.message;
			updateBanner();
			if (!S.view) showLoadError(e);
		}).then(function () {
			S.fetching = false;
			if (S.again) { S.again = false; schedule(0); }
		});
	}

	function schedule(delay) { // debounced: a burst of changes is one fetch
		if (S.timer) return;
		S.timer = setTimeout(function () { S.timer = 0; refresh(); }, delay === undefined ? 120 : delay);
	}

	/* ---------- live: /events ---------- */

	var es = null;

	function connect() {
		if (!window.EventSource) return;
		es = new EventSource('/events');
		es.addEventListener('open', function () {
			document.documentElement.setAttribute('data-live', 'open');
			if (S.sseDown) { // the stream is back: whatever was missed, read it
				S.sseDown = false;
				updateBanner();
				schedule(0);
			}
		});
		es.addEventListener('change', function () { schedule(); });
		es.addEventListener('daemon', function (ev) {
			var d = {};
			try { d = JSON.parse(ev.data); } catch (e) { return; }
			if (d.up === false) {
				if (!S.daemonDown) { S.daemonDown = true; S.daemonSince = d.since_ms ? d.since_ms - S.skew : Date.now(); }
			} else if (d.up === true && S.daemonDown) {
				S.daemonDown = false;
				schedule(0);
			}
			updateBanner();
		});
		es.onerror = function () {
			document.documentElement.setAttribute('data-live', 'down');
			if (!S.sseDown) { S.sseDown = true; S.sseSince = Date.now(); updateBanner(); }
			if (es.readyState === 2) { // CLOSED: the browser gave up; try again
				es.close();
				setTimeout(connect, 2000);
			}
		};
	}

	function updateBanner() {
		var b = document.getElementById('banner');
		var down = S.sseDown || S.daemonDown || S.fetchFail;
		document.documentElement.classList.toggle('stale', down);
		if (!down) {
			if (!b.hidden) { b.hidden = true; b.textContent = ''; }
			return;
		}
		var since = Math.min(S.sseDown ? S.sseSince : Infinity, S.daemonDown ? S.daemonSince : Infinity, S.fetchFail ? S.fetchSince : Infinity);
		b.textContent = t('banner', { since: fmtHM(since + S.skew), asof: S.asOf ? fmtHM(S.asOf) : '—' }) +
			(S.daemonDown ? ' · ' + t('banner-daemon') : '');
		b.hidden = false;
	}

	/* ---------- the wall ---------- */

	function render() {
		var t0 = performance.now(), v = S.view;
		if (!v) return;
		var parts = S.stats.parts = {};
		[['header', renderHeader], ['actions', renderActions], ['warnings', renderWarnings], ['alarms', renderAlarms],
			['cases', renderCases],
			['regions', renderRegions], ['health', renderHealth]].forEach(function (r) {
			var t1 = performance.now();
			r[1](v);
			parts[r[0]] = Math.round((performance.now() - t1) * 10) / 10;
		});
		var n = document.getElementById('notice');
		n.hidden = !v.rejudging;
		n.textContent = v.rejudging ? t('rejudging') : '';
		S.stats.renderMs = performance.now() - t0;
		S.stats.renders++;
		S.stats.cases = (v.cases || []).length;
		document.documentElement.setAttribute('data-render-ms', S.stats.renderMs.toFixed(1));
		if (S.stats.renders === 1) { // the first frame painted with the wall: two frames on
			requestAnimationFrame(function () {
				requestAnimationFrame(function () {
					document.documentElement.setAttribute('data-first-paint-at', performance.now().toFixed(1));
				});
			});
		}
		checkAlarms(v);
	}

	function renderHeader(v) {
		var me = S.members.get(v.node);
		document.getElementById('node-name').textContent = vis(me && me.name ? me.name : v.node);
		var acts = (v.actions || []).filter(onWall), unack = 0, late = 0;
		acts.forEach(function (a) {
			a.participants.forEach(function (p) {
				if (p.visible !== false && !p.acknowledged) unack++;
				if (p.overdue) late++;
			});
		});
		var tot = document.createDocumentFragment();
		function stat(label, n, cls) {
			var s = el('span', 'tot' + (cls && n ? ' ' + cls : ''));
			add(s, el('b', null, fmtN(n)), el('span', null, label));
			tot.appendChild(s);
		}
		stat(t('tot-actions'), acts.length, 'hot');
		stat(t('tot-unack'), unack, 'warn');
		stat(t('tot-overdue'), late + (v.cases_overdue || 0), 'bad');
		stat(t('tot-awaiting'), v.cases_awaiting || 0, 'warn');
		stat(t('tot-warnings'), v.warnings_open || 0, 'bad');
		stat(t('tot-cases'), v.cases_total || 0);
		document.getElementById('totals').replaceChildren(tot);
		document.getElementById('as-of').textContent = t('as-of') + ' ' + fmtHMS(S.asOf);
		tick();
	}

	function tick() {
		var c = document.getElementById('clock');
		var z = zone();
		c.textContent = fmtHMS(nodeNow());
		c.title = vis(z.name);
	}

	function onWall(a) {
		return a.active !== false && (a.priority === 'emergency' || a.priority === 'urgent');
	}

	function actionRank(a) {
		var unack = 0, late = 0;
		(a.participants || []).forEach(function (p) {
			if (p.visible !== false && !p.acknowledged) unack++;
			if (p.overdue) late++;
		});
		return { prio: PRIO_RANK[a.priority] || 0, late: late, unack: unack };
	}

	function sortActions(list) {
		return list.map(function (a, i) { return { a: a, r: actionRank(a), i: i }; }).sort(function (x, y) {
			return y.r.prio - x.r.prio || y.r.late - x.r.late || y.r.unack - x.r.unack ||
				(x.a.ack_by_ms || 0) - (y.a.ack_by_ms || 0) || x.i - y.i;
		}).map(function (x) { return x.a; });
	}

	function renderActions(v) {
		var frag = document.createDocumentFragment(), all = (v.actions || []).filter(function (a) { return a.active !== false; });
		var top = sortActions(all.filter(onWall)), rest = sortActions(all.filter(function (a) { return !onWall(a); }));
		if (!top.length) frag.appendChild(el('p', 'empty', t('no-urgent')));
		top.forEach(function (a) { frag.appendChild(actionCard(a, false)); });
		if (rest.length) {
			frag.appendChild(el('h3', 'sub', t('other-actions')));
			rest.forEach(function (a) { frag.appendChild(actionCard(a, true)); });
		}
		document.getElementById('actions').replaceChildren(frag);
	}

	function actionCard(a, compact) {
		var r = actionRank(a), now = nodeNow();
		var card = el('article', 'action pr-' + stateClass(a.priority).slice(3) + (compact ? ' compact' : '') +
			(r.late ? ' alarm' : r.unack && !compact ? ' pending' : ''));
		card.setAttribute('data-action-id', vis(a.action));
		card.tabIndex = 0;
		card.setAttribute('role', 'button');
		var head = el('div', 'a-head');
		add(head, el('span', 'prio', tv('pr', a.priority)), el('span', 'kind', tv('ak', a.kind)), el('span', 'a-id', a.action));
		if (a.ack_by_ms) {
			var late = a.ack_by_ms < now;
			var ab = el('span', 'ack-by' + (late && r.unack ? ' late' : ''),
				t('ack-by') + ' ' + fmtShort(a.ack_by_ms) + (r.unack ? ' · ' + t(late ? 'ack-by-late' : 'ack-by-left', { d: fmtDur(now - a.ack_by_ms) }) : ''));
			head.appendChild(ab);
		}
		add(card, head, el('div', 'a-title', a.title));
		if (!compact) card.appendChild(el('div', 'a-meta', t('dispatcher') + ' ' + unitName(a.dispatcher)));
		var ul = el('ul', 'parts');
		(a.participants || []).forEach(function (p) { ul.appendChild(partChip(a, p)); });
		card.appendChild(ul);
		if (a.not_visible > 0) card.appendChild(el('div', 'a-meta', t('participants-hidden', { n: a.not_visible })));
		return card;
	}

	function partChip(a, p) {
		var state = p.visible === false ? 'not visible here' : p.state;
		var li = el('li', 'part ' + stateClass(state) + (p.overdue ? ' overdue' : '') + (p.escalated ? ' escalated' : '') +
			(p.visible !== false && !p.acknowledged ? ' unack' : ''));
		li.setAttribute('data-part-state', vis(state));
		li.setAttribute('data-node', vis(p.node));
		add(li, el('span', 'p-name', unitName(p.node)), el('span', 'p-role', tv('ro', p.role)), el('span', 'p-state', tv('ps', state)));
		if (p.overdue) li.appendChild(el('span', 'flag bad', t('overdue')));
		if (p.escalated) li.appendChild(el('span', 'flag esc', t('escalated')));
		if (state === 'declined') {
			var why = el('span', 'p-reason');
			why.setAttribute('data-reason-for', vis(p.node));
			var known = reasonOf(a.action, p.node);
			if (known) why.textContent = vis(known);
			li.appendChild(why);
		}
		return li;
	}

	/* The view has each participant's state, not the reason of a decline: the
	 * action's own document has it. Fetched for the wall's declined chips. */
	function lastResponse(doc, node) {
		var last = null;
		(doc && doc.timeline || []).forEach(function (x) {
			if (x.kind === 'action-response' && x.feed === node && x.content && !x.refused) last = x.content;
		});
		return last;
	}

	function reasonOf(id, node) {
		var c = S.actionDocs.get(id), r = c && lastResponse(c.doc, node);
		return r && r.reason ? r.reason : '';
	}

	function loadReasons() {
		var want = [];
		(S.view.actions || []).forEach(function (a) {
			if (a.active === false) return;
			var declined = (a.participants || []).some(function (p) { return p.state === 'declined'; });
			var c = S.actionDocs.get(a.action);
			if (declined && (!c || c.gen !== S.gen)) want.push(a.action);
		});
		want.slice(0, 16).forEach(function (id) {
			var gen = S.gen;
			getJSON(apiPath('action', id)).then(function (doc) {
				S.actionDocs.set(id, { doc: doc, gen: gen });
				document.querySelectorAll('#actions [data-action-id]').forEach(function (card) {
					if (card.getAttribute('data-action-id') !== vis(id)) return;
					card.querySelectorAll('[data-reason-for]').forEach(function (s) {
						s.textContent = vis(reasonOf(id, s.getAttribute('data-reason-for')));
					});
				});
			}, function () { /* the chip says 已拒绝 without a reason */ });
		});
	}

	function renderAlarms(v) {
		var frag = document.createDocumentFragment(), now = nodeNow(), n = 0;
		(v.actions || []).forEach(function (a) {
			if (a.active === false) return;
			(a.participants || []).forEach(function (p) {
				if (!p.overdue) return;
				var row = el('div', 'alarm-row' + (p.escalated ? ' esc' : ''));
				row.setAttribute('data-open', 'action');
				row.setAttribute('data-id', vis(a.action));
				row.tabIndex = 0;
				add(row, el('span', 'flag bad', t('overdue')), el('span', 'al-text', t('late-ack', { unit: unitName(p.node) })),
					el('span', 'al-what', a.title), p.escalated ? el('span', 'flag esc', t('escalated')) : null);
				frag.appendChild(row);
				n++;
			});
		});
		(v.cases || []).forEach(function (c) {
			if (!c.overdue) return;
			var row = el('div', 'alarm-row');
			row.setAttribute('data-open', 'case');
			row.setAttribute('data-id', vis(c.case));
			row.tabIndex = 0;
			add(row, el('span', 'flag bad', t('overdue')), el('span', 'al-text', t('late-answer', { unit: unitName(c.holder) })),
				el('span', 'al-what', c.title),
				el('span', 'al-when', t('answer-by') + ' ' + fmtShort(c.answer_by_ms) + ' · ' + t('ack-by-late', { d: fmtDur(now - c.answer_by_ms) })));
			frag.appendChild(row);
			n++;
		});
		if (!n) frag.appendChild(el('p', 'empty ok', t('no-alarms')));
		document.getElementById('alarms').replaceChildren(frag);
	}

	function renderWarnings(v) { // early warnings: those still beyond their rule first
		var frag = document.createDocumentFragment(), list = (v.warnings || []).slice();
		list.sort(function (a, b) { return (b.open ? 1 : 0) - (a.open ? 1 : 0) || b.at_ms - a.at_ms; });
		list.forEach(function (w) {
			var row = el('div', 'alarm-row warn-row' + (w.open ? ' open' : ' ended'));
			row.setAttribute('data-warning', vis(w.feed) + ':' + w.seq);
			row.setAttribute('data-station', vis(w.station_id));
			var what = vis(w.station_name || w.station_id) + ' · ' + vis(w.parameter) + ' ' + w.value +
				(w.unit ? ' ' + vis(w.unit) : '') + ' (' + t('limit') + ' ' + w.limit + ')';
			if (w.upstream_station) what += ' · ' + t('upstream', { st: vis(w.upstream_station), v: w.upstream_value });
			add(row, el('span', 'flag ' + (w.open ? 'bad' : 'dim'), tv('wr', w.rule)),
				el('span', 'al-text', what),
				el('span', 'al-when', fmtShort(w.at_ms) + (w.open ? ' · ' + t('ongoing') : '')));
			frag.appendChild(row);
		});
		if (!list.length) frag.appendChild(el('p', 'empty ok', t('no-warnings')));
		document.getElementById('warnings').replaceChildren(frag);
		document.getElementById('warnings-count').textContent =
			list.length ? t('warnings-count', { n: list.length, open: v.warnings_open || 0 }) : '';
	}

	function renderCases(v) {
		var frag = document.createDocumentFragment(), now = nodeNow(), cases = v.cases || [];
		for (var i = 0; i < cases.length; i++) {
			var c = cases[i];
			var row = el('div', 'case-row ' + stateClass(c.status) + (c.overdue ? ' overdue' : c.awaiting ? ' awaiting' : ''));
			row.setAttribute('data-case-id', vis(c.case));
			row.tabIndex = 0;
			row.setAttribute('role', 'button');
			var main = el('div', 'c-main');
			var sub = vis(c.case) + ' · ' + vis(unitName(c.referrer)) + ' → ' + vis(unitName(c.holder));
			if (c.awaiting && c.referred_ms) sub += ' · ' + t('waiting', { d: fmtDur(now - c.referred_ms) });
			if (c.awaiting && c.answer_by_ms) sub += ' · ' + t('answer-by') + ' ' + fmtShort(c.answer_by_ms);
			else if (c.answered_ms) sub += ' · ' + t('answered') + ' ' + fmtShort(c.answered_ms);
			add(main, el('div', 'c-title', c.title), el('div', 'c-sub', sub));
			add(row, el('span', 'c-state', c.overdue ? t('overdue') : tv('cs', c.status)), main);
			frag.appendChild(row);
		}
		if (v.cases_total > cases.length) frag.appendChild(el('p', 'empty', t('cases-more', { n: v.cases_total - cases.length })));
		document.getElementById('cases-count').textContent = t('cases-count', {
			shown: fmtN(cases.length), total: fmtN(v.cases_total || cases.length), awaiting: fmtN(v.cases_awaiting || 0), overdue: fmtN(v.cases_overdue || 0)
		});
		document.getElementById('cases').replaceChildren(frag);
	}

	/* ---------- regions: province -> prefecture -> county ---------- */

	function parentCode(code) { // GB/T 2260
		if (!/^\d{6}$/.test(code)) return null;
		if (code.slice(4) !== '00') return code.slice(0, 4) + '00';
		if (code.slice(2) !== '0000') return code.slice(0, 2) + '0000';
		return null;
	}

	function regionTree(v) {
		var nodes = new Map();
		function get(code) {
			var n = nodes.get(code);
			if (n) return n;
			var g = S.regionNames.get(code);
			n = { code: code, name: g && g.name ? g.name : '', parent: g && g.parent !== undefined ? g.parent : parentCode(code),
				stats: null, units: [], children: [], worst: 0 };
			nodes.set(code, n);
			if (n.parent && n.parent !== code) get(n.parent);
			return n;
		}
		(v.regions || []).forEach(function (r) { if (r && r.region) get(String(r.region)).stats = r; });
		S.members.forEach(function (m) { if (m.region && !m.revoked) get(String(m.region)).units.push(m); });
		var roots = [];
		nodes.forEach(function (n) {
			var p = n.parent && nodes.get(n.parent);
			if (p && p !== n) p.children.push(n); else roots.push(n);
		});
		function sev(n) {
			var s = n.stats, w = !s ? 0 : s.overdue > 0 ? 3 : s.awaiting > 0 ? 2 : s.referrals_in + s.referrals_out > 0 ? 1 : 0;
			n.children.sort(function (a, b) { return a.code < b.code ? -1 : 1; });
			n.children.forEach(function (c) { w = Math.max(w, sev(c)); });
			n.worst = w;
			return w;
		}
		roots.sort(function (a, b) { return a.code < b.code ? -1 : 1; });
		roots.forEach(sev);
		var maxIO = 1;
		nodes.forEach(function (n) { if (n.stats) maxIO = Math.max(maxIO, n.stats.referrals_in || 0, n.stats.referrals_out || 0); });
		return { roots: roots, maxIO: maxIO };
	}

	var SEV = ['quiet', 'active', 'waiting', 'late'];

	function renderRegions(v) {
		var tree = regionTree(v), frag = document.createDocumentFragment();
		if (!tree.roots.length) frag.appendChild(el('p', 'empty', t('no-regions')));
		tree.roots.forEach(function (n) { frag.appendChild(regionBlock(n, 0, tree.maxIO)); });
		document.getElementById('regions').replaceChildren(frag);
	}

	function regionBlock(n, depth, maxIO) {
		var box = el('div', 'rg rg-d' + Math.min(depth, 2) + ' sev-' + SEV[n.worst]);
		box.setAttribute('data-region', vis(n.code));
		box.appendChild(regionTile(n, maxIO));
		if (n.children.length) {
			var kids = el('div', 'rg-kids');
			n.children.forEach(function (c) { kids.appendChild(c.children.length ? regionBlock(c, depth + 1, maxIO) : leaf(c)); });
			box.appendChild(kids);
		}
		return box;
		function leaf(c) {
			var b = el('div', 'rg rg-leaf sev-' + SEV[c.worst]);
			b.setAttribute('data-region', vis(c.code));
			b.appendChild(regionTile(c, maxIO));
			return b;
		}
	}

	function regionTile(n, maxIO) {
		var s = n.stats, own = !s ? 0 : s.overdue > 0 ? 3 : s.awaiting > 0 ? 2 : s.referrals_in + s.referrals_out > 0 ? 1 : 0;
		var tile = el('div', 'tile sev-' + SEV[own]);
		var head = el('div', 'tile-head');
		add(head, el('span', 'tile-name', n.name || n.code), el('span', 'tile-code', n.code));
		tile.appendChild(head);
		if (n.units.length) {
			tile.appendChild(el('div', 'tile-units', n.units.map(function (m) { return vis(m.name || m.id); }).join(' · ')));
		}
		if (!s) return tile;
		var nums = el('div', 'nums');
		function num(label, val, cls) {
			var d = el('span', 'num' + (val && cls ? ' ' + cls : ''));
			add(d, el('b', null, fmtN(val || 0)), el('span', null, label));
			nums.appendChild(d);
		}
		num(t('out'), s.referrals_out, 'io-o');
		num(t('in'), s.referrals_in, 'io-i');
		num(t('tot-awaiting'), s.awaiting, 'warn');
		num(t('tot-overdue'), s.overdue, 'bad');
		tile.appendChild(nums);
		var charts = el('div', 'charts');
		add(charts, ioChart(s, maxIO), histChart(s));
		tile.appendChild(charts);
		return tile;
	}

	function ioChart(s, maxIO) { // referrals out and in, against the busiest region
		var box = el('div', 'io');
		var g = svg('svg', { viewBox: '0 0 100 22', preserveAspectRatio: 'none', class: 'io-svg', role: 'img' });
		var title = svg('title', {});
		title.textContent = t('out') + ' ' + (s.referrals_out || 0) + ' · ' + t('in') + ' ' + (s.referrals_in || 0);
		g.appendChild(title);
		[['out', s.referrals_out || 0, 0], ['in', s.referrals_in || 0, 12]].forEach(function (b) {
			g.appendChild(svg('rect', { x: 0, y: b[2], width: 100, height: 10, class: 'io-bg' }));
			g.appendChild(svg('rect', { x: 0, y: b[2], width: Math.max(b[1] ? 1.5 : 0, 100 * b[1] / maxIO), height: 10, class: 'io-' + b[0] }));
		});
		box.appendChild(g);
		return box;
	}

	function histChart(s) { // answer times: counts per bucket, at most 12 bars
		var hist = Array.isArray(s.answer_hist) ? s.answer_hist : null;
		var bounds = Array.isArray(s.answer_buckets_ms) ? s.answer_buckets_ms : [];
		var box = el('div', 'hist');
		var med = s.median_answer_ms >= 0 ? t('median') + ' ' + fmtDur(s.median_answer_ms) : t('median-none');
		if (!hist || !hist.length) {
			box.appendChild(el('div', 'hist-cap', med));
			return box;
		}
		// Up to the slowest answer seen (the store's buckets reach years):
		// the axis then ends where the answers do.
		var used = hist.length;
		while (used > 1 && !(+hist[used - 1] > 0)) used--;
		var bars = [], per = Math.ceil(used / 12);
		for (var i = 0; i < used; i += per) { // merge neighbours: a wall bar stays readable
			var n = 0;
			for (var j = i; j < Math.min(used, i + per); j++) n += +hist[j] || 0;
			var hi = Math.min(used, i + per) - 1;
			bars.push({ n: n, lo: i > 0 ? bounds[i - 1] : 0, hi: hi < bounds.length ? bounds[hi] : null });
		}
		var max = 1, total = 0;
		bars.forEach(function (b) { max = Math.max(max, b.n); total += b.n; });
		var w = 10, g = svg('svg', { viewBox: '0 0 ' + bars.length * w + ' 40', preserveAspectRatio: 'none', class: 'hist-svg', role: 'img' });
		var title = svg('title', {});
		title.textContent = t('hist-title') + ' (' + total + ')';
		g.appendChild(title);
		bars.forEach(function (b, k) {
			var h = b.n ? Math.max(3, 38 * b.n / max) : 1;
			var r = svg('rect', { x: k * w + 1, y: 40 - h, width: w - 2, height: h, class: b.n ? 'bar' : 'bar zero' });
			var tt = svg('title', {});
			tt.textContent = '≤ ' + fmtBucket(b.hi) + ': ' + b.n;
			r.appendChild(tt);
			g.appendChild(r);
		});
		box.appendChild(g);
		var axis = el('div', 'hist-axis');
		var lastBar = bars[bars.length - 1];
		add(axis, el('span', null, '0'),
			el('span', null, lastBar.hi != null ? '≤ ' + fmtBucket(lastBar.hi) : fmtBucket(lastBar.lo) + '+'));
		add(box, axis, el('div', 'hist-cap', med));
		return box;
	}

	function renderHealth(v) {
		var h = v.health || {}, frag = document.createDocumentFragment();
		frag.appendChild(el('span', 'h-label', t('peers')));
		(h.peers || []).forEach(function (p) {
			var s = el('span', 'peer ' + (p.up ? 'up' : 'down'));
			add(s, el('i', 'dot'), el('span', null, unitName(p.node)), el('span', 'p-up', p.up ? t('peer-up') : t('peer-down')),
				p.behind > 0 ? el('span', 'behind', t('behind', { n: p.behind })) : null);
			frag.appendChild(s);
		});
		frag.appendChild(el('span', 'h-label', t('alerts')));
		var al = h.alert_list || [];
		if (!al.length) frag.appendChild(el('span', 'alert-none', t('no-alerts')));
		al.slice(0, 4).forEach(function (a) {
			frag.appendChild(el('span', 'alert', vis(a.kind) + ' ' + vis(a.feed) + '#' + (a.seq || 0) + ' ' + vis(a.text)));
		});
		if (al.length > 4) frag.appendChild(el('span', 'alert', '+' + (al.length - 4)));
		document.getElementById('health').replaceChildren(frag);
	}

	/* ---------- sound: off by default, WebAudio, switched on by the duty officer ---------- */

	function beep(times) {
		if (!S.sound || !S.audio) return;
		var ctx = S.audio, t0 = ctx.currentTime + 0.02;
		for (var i = 0; i < times; i++) {
			var o = ctx.createOscillator(), g = ctx.createGain(), at = t0 + i * 0.28;
			o.type = 'sine';
			o.frequency.setValueAtTime(i % 2 ? 660 : 880, at);
			g.gain.setValueAtTime(0.0001, at);
			g.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
			g.gain.exponentialRampToValueAtTime(0.0001, at + 0.2);
			o.connect(g).connect(ctx.destination);
			o.start(at);
			o.stop(at + 0.22);
		}
		S.lastBeep = Date.now();
	}

	function checkAlarms(v) {
		var keys = new Set();
		(v.actions || []).forEach(function (a) {
			if (a.active === false) return;
			(a.participants || []).forEach(function (p) {
				if (p.overdue) keys.add('late:' + a.action + ':' + p.node);
				else if (a.priority === 'emergency' && p.visible !== false && !p.acknowledged) keys.add('unack:' + a.action + ':' + p.node);
			});
		});
		(v.cases || []).forEach(function (c) { if (c.overdue) keys.add('case:' + c.case); });
		var fresh = 0;
		keys.forEach(function (k) { if (!S.alarmKeys.has(k)) fresh++; });
		var first = S.stats.renders === 1;
		S.alarmKeys = keys;
		if (fresh && !first) beep(3);
	}

	function toggleSound() {
		S.sound = !S.sound;
		if (S.sound && !S.audio && (window.AudioContext || window.webkitAudioContext)) {
			S.audio = new (window.AudioContext || window.webkitAudioContext)();
		}
		if (S.audio && S.audio.state === 'suspended') S.audio.resume();
		applyStatic();
		if (S.sound) beep(1);
	}

	/* ---------- drill-down: a case's timeline, an action's board ---------- */

	function parseRoute() {
		var m = /^#(case|action)\/(.+)$/.exec(location.hash);
		if (!m) return null;
		try { return { kind: m[1], id: decodeURIComponent(m[2]) }; } catch (e) { return null; }
	}

	function open(kind, id) { location.hash = '#' + kind + '/' + encodeURIComponent(id); }

	function close() {
		if (!S.route) return;
		var back = S.route;
		history.pushState(null, '', location.pathname + location.search);
		route();
		var sel = back.kind === 'case' ? '[data-case-id]' : '[data-action-id]';
		var attr = back.kind === 'case' ? 'data-case-id' : 'data-action-id';
		var rows = document.querySelectorAll('#wall ' + sel);
		for (var i = 0; i < rows.length; i++) if (rows[i].getAttribute(attr) === vis(back.id)) { rows[i].focus(); break; }
	}

	function route() {
		var r = parseRoute();
		S.route = r;
		document.body.classList.toggle('detail-open', !!r);
		document.getElementById('detail').hidden = !r;
		document.getElementById('wall').setAttribute('aria-hidden', r ? 'true' : 'false');
		if (!r) { S.detailDoc = null; S.detailErr = null; document.getElementById('detail-body').replaceChildren(); return; }
		S.detailDoc = null;
		S.detailErr = null;
		renderDetail();
		loadDetail(true);
	}

	function loadDetail(first) {
		var r = S.route;
		if (!r) return;
		getJSON(apiPath(r.kind, r.id)).then(function (doc) {
			if (S.route !== r) return;
			S.detailDoc = doc;
			S.detailErr = null;
			renderDetail();
			if (first) document.getElementById('back').focus();
		}, function (e) {
			if (S.route !== r) return;
			S.detailErr = e;
			if (!S.detailDoc || e.status === 404) { S.detailDoc = null; renderDetail(); }
		});
	}

	function renderDetail() {
		var r = S.route, body = document.getElementById('detail-body');
		if (!r) return;
		document.getElementById('detail-kind').textContent = t(r.kind) + ' ' + vis(r.id);
		var frag = document.createDocumentFragment();
		if (!S.detailDoc) {
			frag.appendChild(el('p', 'empty', S.detailErr ? (S.detailErr.status === 404 ? t('not-found', { what: t(r.kind) }) :
				t('load-failed', { what: vis(r.id), why: S.detailErr.message })) : t('loading')));
		} else if (r.kind === 'case') {
			caseDetail(S.detailDoc, frag);
		} else {
			actionDetail(S.detailDoc, frag);
		}
		body.replaceChildren(frag);
	}

	function kv(dl, k, v) { // a pair in its own <div>: grids place pairs, not halves
		if (v === null || v === undefined || v === '') return;
		dl.appendChild(add(el('div', 'pair'), el('dt', null, k), v instanceof Node ? add(el('dd'), v) : el('dd', null, v)));
	}

	function caseDetail(d, frag) {
		var vc = S.view && (S.view.cases || []).find(function (c) { return c.case === d.case; });
		var head = el('div', 'd-head' + (vc && vc.overdue ? ' overdue' : ''));
		add(head, el('span', 'c-state big ' + stateClass(d.status), vc && vc.overdue ? t('overdue') : tv('cs', d.status)), el('h1', 'd-title', d.title));
		var dl = el('dl', 'd-facts');
		kv(dl, t('case'), d.case);
		kv(dl, t('referrer'), vis(unitName(d.referrer)) + (d.referrer ? ' (' + vis(d.referrer) + ')' : ''));
		kv(dl, t('holder'), vis(unitName(d.holder)) + (d.holder ? ' (' + vis(d.holder) + ')' : ''));
		kv(dl, t('answer-by'), d.answer_by_ms ? fmtFull(d.answer_by_ms) : '');
		kv(dl, t('case-status'), d.case_status ? tv('st', d.case_status) : '');
		kv(dl, t('remediation-due'), d.remediation_due_ms ? fmtFull(d.remediation_due_ms) : '');
		head.appendChild(dl);
		frag.appendChild(head);
		var cols = el('div', 'd-cols');
		var left = el('section', 'd-sec');
		add(left, sectionHead(t('timeline'), t('timeline-sub')), timeline(d.timeline || []));
		var right = el('div', 'd-side');
		add(right, evidenceSection(d.timeline || []), remediationSection(d));
		add(cols, left, right);
		frag.appendChild(cols);
	}

	function sectionHead(title, sub) {
		var h = el('h2', null, title);
		if (sub) h.appendChild(el('small', null, sub));
		return h;
	}

	function evidenceSection(tl) {
		var sec = el('section', 'd-sec'), items = new Map();
		sec.appendChild(sectionHead(t('evidence'), t('evidence-sub')));
		function item(id) {
			if (!items.has(id)) items.set(id, { id: id, rec: null, att: [], cus: [] });
			return items.get(id);
		}
		tl.forEach(function (x) {
			var c = x.content || {};
			if (!c.evidence_id) return;
			if (x.kind === 'evidence') item(c.evidence_id).rec = x;
			else if (x.kind === 'attestation') item(c.evidence_id).att.push(x);
			else if (x.kind === 'custody') item(c.evidence_id).cus.push(x);
		});
		if (!items.size) sec.appendChild(el('p', 'empty', t('no-evidence')));
		items.forEach(function (it) {
			var card = el('div', 'ev'), c = it.rec && it.rec.content || {};
			add(card, el('div', 'ev-name', c.file_name || it.id), el('div', 'ev-id', it.id));
			var dl = el('dl', 'kv');
			kv(dl, field('type'), tv('et', c.type));
			kv(dl, field('size'), c.size !== undefined ? String(c.size) : '');
			kv(dl, field('collector'), c.collector ? vis(c.collector) + (c.collector_unit ? ' · ' + vis(unitName(c.collector_unit)) : '') : '');
			kv(dl, field('collected'), c.collected_ms ? fmtFull(c.collected_ms) : '');
			kv(dl, field('sha256'), c.sha256 ? el('code', 'hash', c.sha256) : '');
			card.appendChild(dl);
			if (it.att.length) {
				card.appendChild(el('h3', null, t('attestations')));
				var ul = el('ul', 'ev-list');
				it.att.forEach(function (x) {
					var a = x.content || {}, li = el('li', 'att ' + stateClass(a.verdict) + (x.refused ? ' refused' : ''));
					add(li, el('span', 'verdict', tv('vd', a.verdict)), el('span', null, unitName(x.feed)), el('span', 'when', fmtFull(x.time_ms)),
						a.checked_sha256 ? el('span', 'ok', '✓ ' + field('checked_sha256')) : null, a.notes ? el('span', 'note', a.notes) : null);
					ul.appendChild(li);
				});
				card.appendChild(ul);
			}
			if (it.cus.length) {
				card.appendChild(el('h3', null, t('custody')));
				var ol = el('ol', 'ev-list');
				it.cus.forEach(function (x) {
					var k = x.content || {}, li = el('li', 'cus' + (x.refused ? ' refused' : ''));
					add(li, el('span', 'when', fmtFull(k.time_ms || x.time_ms)), el('span', 'verdict', tv('cr', k.reason)),
						el('span', null, unitName(k.from_node) + ' → ' + unitName(k.to_node)), k.note ? el('span', 'note', k.note) : null);
					ol.appendChild(li);
				});
				card.appendChild(ol);
			}
			sec.appendChild(card);
		});
		return sec;
	}

	function remediationSection(d) {
		var sec = el('section', 'd-sec'), now = nodeNow(), reports = new Map(), findings = new Map();
		sec.appendChild(sectionHead(t('remediation')));
		(d.timeline || []).forEach(function (x) {
			var c = x.content || {};
			(c.stage_reports || []).forEach(function (r) {
				if (!reports.has(r.checkpoint)) reports.set(r.checkpoint, []);
				reports.get(r.checkpoint).push(r.text);
			});
			(c.assessments || []).forEach(function (a) { findings.set(a.stage + '|' + (a.assessor || x.feed), a.findings); });
		});
		var cps = d.checkpoints || [], ass = d.assessments || [];
		if (!cps.length && !ass.length) { sec.appendChild(el('p', 'empty', t('no-remediation'))); return sec; }
		if (cps.length) {
			sec.appendChild(el('h3', null, t('checkpoints')));
			var ol = el('ol', 'cps');
			cps.forEach(function (c, i) {
				var late = !c.reported_ms && !c.dropped && c.due_ms && c.due_ms < now;
				var li = el('li', 'cp' + (c.reported_ms ? ' done' : '') + (late ? ' overdue' : '') + (c.dropped ? ' dropped' : ''));
				add(li, el('span', 'when', fmtShort(c.due_ms)), el('span', 'cp-desc', c.description),
					el('span', 'cp-state', c.dropped ? t('dropped') : c.reported_ms ? t('reported') + ' ' + fmtShort(c.reported_ms) : late ? t('overdue') : t('not-reported')));
				(reports.get(i) || []).forEach(function (txt) { li.appendChild(elm('div', 'note', txt)); });
				ol.appendChild(li);
			});
			sec.appendChild(ol);
		}
		if (ass.length) {
			sec.appendChild(el('h3', null, t('assessments')));
			var ul = el('ul', 'cps');
			ass.forEach(function (a) {
				var li = el('li', 'as ' + stateClass(a.outcome));
				add(li, el('span', 'when', fmtShort(a.time_ms)), el('span', 'cp-desc', tv('sg', a.stage)), el('span', 'verdict', tv('oc', a.outcome)),
					el('span', null, t('assessor') + ' ' + unitName(a.assessor)));
				var f = findings.get(a.stage + '|' + a.assessor);
				if (f) li.appendChild(elm('div', 'note', f));
				ul.appendChild(li);
			});
			sec.appendChild(ul);
		}
		return sec;
	}

	function actionDetail(d, frag) {
		var head = el('div', 'd-head pr-' + stateClass(d.priority).slice(3));
		var tl = d.timeline || [];
		var disp = tl.find(function (x) { return x.kind === 'dispatch'; });
		var dc = disp && disp.content || {};
		add(head, el('span', 'prio big', tv('pr', d.priority)), el('span', 'kind big', tv('ak', d.kind)), el('h1', 'd-title', d.title));
		var dl = el('dl', 'd-facts');
		kv(dl, t('action'), d.action);
		kv(dl, t('dispatcher'), unitName(d.dispatcher));
		kv(dl, t('ack-by'), d.ack_by_ms ? fmtFull(d.ack_by_ms) : '');
		kv(dl, field('sites'), (dc.sites || []).map(function (s) { return vis(s.site_name || s.address || ''); }).join(' · '));
		head.appendChild(dl);
		if (dc.instructions) head.appendChild(elm('p', 'instr', dc.instructions));
		frag.appendChild(head);
		var board = el('section', 'd-sec board');
		board.appendChild(sectionHead(t('participants')));
		var grid = el('div', 'board-grid');
		(d.participants || []).forEach(function (p) {
			var state = p.visible === false ? 'not visible here' : p.state;
			var card = el('div', 'bcard part ' + stateClass(state) + (p.overdue ? ' overdue' : '') + (p.escalated ? ' escalated' : '') +
				(p.visible !== false && !p.ack_ms ? ' unack' : ''));
			card.setAttribute('data-part-state', vis(state));
			card.setAttribute('data-node', vis(p.node));
			add(card, el('div', 'p-name', unitName(p.node)), el('div', 'p-role', tv('ro', p.role) + ' · ' + vis(p.node)), el('div', 'p-state big', tv('ps', state)));
			if (p.overdue) card.appendChild(el('span', 'flag bad', t('overdue')));
			if (p.escalated) card.appendChild(el('span', 'flag esc', t('escalated')));
			var dl2 = el('dl', 'kv');
			kv(dl2, t('ack-time'), p.ack_ms ? fmtFull(p.ack_ms) : '');
			var r = lastResponse(d, p.node) || {};
			kv(dl2, t('reason'), r.reason ? elm('span', null, r.reason) : '');
			kv(dl2, t('personnel'), r.personnel ? String(r.personnel) : '');
			kv(dl2, t('findings'), r.findings ? elm('span', null, r.findings) : '');
			card.appendChild(dl2);
			grid.appendChild(card);
		});
		board.appendChild(grid);
		frag.appendChild(board);
		var sec = el('section', 'd-sec');
		add(sec, sectionHead(t('timeline'), t('timeline-sub')), timeline(tl));
		frag.appendChild(sec);
	}

	/* One line per entry in the page's language, built from the entry's
	 * content; the node's own summary (English) when the kind is unknown. */
	function entryLine(x) {
		var c = x.content || {};
		switch (x.kind) {
		case 'referral':
			return '→ ' + vis(unitName(c.addressee)) + '：' + vis(c.title) + (c.violation ? ' ［' + tv('vi', c.violation) + '］' : '');
		case 'referral-response':
			return tv('dc', c.decision) + (c.to_node ? ' → ' + vis(unitName(c.to_node)) : '') + (c.reason ? '：' + vis(c.reason) : '');
		case 'evidence':
			return tv('et', c.type) + ' ' + vis(c.file_name) + (c.size !== undefined ? ' (' + c.size + ' B)' : '');
		case 'attestation':
			return tv('vd', c.verdict) + (c.notes ? '：' + vis(c.notes) : '');
		case 'custody':
			return tv('cr', c.reason) + '：' + vis(unitName(c.from_node)) + ' → ' + vis(unitName(c.to_node)) + (c.note ? ' · ' + vis(c.note) : '');
		case 'dispatch':
			return tv('ak', ({ 'emergency-response': 'emergency response', 'joint-inspection': 'joint inspection', 'special-campaign': 'special campaign' })[c.kind] || c.kind) +
				' · ' + tv('pr', c.priority) + '：' + vis(c.title);
		case 'action-response':
			var st = ({ 'on-site': 'on site', progress: 'in progress' })[c.response] || c.response;
			return tv('ps', st) + (c.reason ? '：' + vis(c.reason) : '') + (c.findings ? '：' + vis(c.findings) : '') +
				(c.personnel ? ' · ' + t('personnel') + ' ' + c.personnel : '');
		case 'case-update':
			var bits = [];
			if (c.status) bits.push(tv('st', c.status));
			if (c.checkpoints) bits.push(t('checkpoints') + ' ×' + c.checkpoints.length);
			(c.stage_reports || []).forEach(function (r) { bits.push(field('stage_reports') + ' #' + r.checkpoint + '：' + vis(r.text)); });
			(c.assessments || []).forEach(function (a) { bits.push(tv('sg', a.stage) + ' ' + tv('oc', a.outcome) + (a.findings ? '：' + vis(a.findings) : '')); });
			if (c.note) bits.push(vis(c.note));
			return bits.length ? bits.join(' · ') : vis(x.summary);
		case 'escalation':
			return t('escalated') + ' → ' + vis(unitName(c.escalated_to)) + '：' + vis(unitName(c.responsible)) + ' · ' + vis(c.what) +
				(c.deadline_ms ? ' · ' + t('ack-by-late', { d: fmtDur((x.time_ms || 0) - c.deadline_ms) }) : '');
		default:
			return vis(x.summary);
		}
	}

	var NODE_FIELDS = { addressee: 1, holder: 1, from_node: 1, to_node: 1, node_id: 1, responsible: 1, escalated_to: 1, assessor: 1, collector_unit: 1 };

	function contentList(o, depth) {
		var dl = el('dl', 'kv');
		Object.keys(o).forEach(function (k) {
			var v = o[k];
			if (/_ms$/.test(k)) {
				if (v) kv(dl, field(k.slice(0, -3)), fmtFull(v));
				return;
			}
			if (o[k + '_ms'] !== undefined) return; // its _ms twin is shown in the node's zone
			if (v === null || v === undefined || v === '') return;
			if (Array.isArray(v)) {
				var ol = el('ol', 'kv-list');
				v.forEach(function (x) { ol.appendChild(add(el('li'), typeof x === 'object' && x ? contentList(x, depth + 1) : el('span', null, String(x)))); });
				kv(dl, field(k), ol);
			} else if (typeof v === 'object') {
				kv(dl, field(k), depth < 4 ? contentList(v, depth + 1) : el('span', null, JSON.stringify(v)));
			} else if (NODE_FIELDS[k]) {
				kv(dl, field(k), vis(unitName(v)) + ' (' + vis(v) + ')');
			} else if (k === 'violation') {
				kv(dl, field(k), tv('vi', v));
			} else if (typeof v === 'string' && v.length > 80) {
				kv(dl, field(k), elm('span', null, v));
			} else {
				kv(dl, field(k), String(v));
			}
		});
		return dl;
	}

	function timeline(tl) {
		var ol = el('ol', 'tl');
		tl.forEach(function (x) {
			var li = el('li', 'tl-entry k-' + stateClass(x.kind).slice(3) + (x.refused ? ' refused' : '') + (x.visible === false ? ' hidden-entry' : ''));
			li.setAttribute('data-entry', vis(x.feed) + ':' + (x.seq || 0));
			var when = el('div', 'tl-when', fmtFull(x.time_ms));
			var b = el('div', 'tl-body');
			var head = el('div', 'tl-head');
			add(head, el('span', 'tl-kind', tv('ek', x.kind) || x.label), el('span', 'tl-author', unitName(x.feed)), el('span', 'tl-ref', vis(x.feed) + ' #' + (x.seq || 0)));
			add(b, head, el('div', 'tl-line', x.visible === false ? t('not-visible') : entryLine(x)));
			if (x.refused) b.appendChild(el('div', 'tl-refused', t('refused') + '：' + vis(x.reason)));
			if (x.content && typeof x.content === 'object') {
				var det = el('details', 'tl-details');
				add(det, el('summary', null, t('details')), contentList(x.content, 0), el('div', 'tl-id', t('hash') + ' ' + vis(x.id)));
				b.appendChild(det);
			}
			var rc = el('div', 'tl-receipts');
			if (!(x.receipts || []).length) rc.appendChild(el('span', 'rcpt none', t('no-receipt')));
			(x.receipts || []).forEach(function (r) {
				rc.appendChild(el('span', 'rcpt', '✓ ' + t('received-by', { unit: vis(unitName(r.receiver)), time: fmtShort(r.time_ms) })));
			});
			b.appendChild(rc);
			add(li, when, b);
			ol.appendChild(li);
		});
		return ol;
	}

	/* ---------- page ---------- */

	function showLoadError(e) {
		var p = el('p', 'empty bad', t('load-failed', { what: '/api/view', why: e && e.message }));
		document.getElementById('actions').replaceChildren(p);
	}

	function applyStatic() {
		document.documentElement.lang = S.lang === 'zh' ? 'zh-CN' : 'en';
		document.title = t('title');
		document.querySelectorAll('[data-i18n]').forEach(function (n) { n.textContent = t(n.getAttribute('data-i18n')); });
		var lt = document.getElementById('lang-toggle');
		lt.textContent = t('lang');
		lt.title = t('lang-title');
		var st = document.getElementById('sound-toggle');
		st.textContent = S.sound ? t('sound-on') : t('sound-off');
		st.title = t('sound-title');
		st.setAttribute('aria-pressed', S.sound ? 'true' : 'false');
		st.classList.toggle('on', S.sound);
	}

	function setLang(lang) {
		S.lang = lang;
		try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* private mode */ }
		var u = new URL(location.href);
		if (u.searchParams.has('lang')) {
			u.searchParams.set('lang', lang);
			history.replaceState(null, '', u.pathname + u.search + u.hash);
		}
		applyStatic();
		render();
		updateBanner();
		if (S.route) renderDetail();
	}

	function initLang() {
		var q = new URL(location.href).searchParams.get('lang'), saved = null;
		try { saved = localStorage.getItem(LANG_KEY); } catch (e) { /* none */ }
		S.lang = q === 'en' || q === 'zh' ? q : saved === 'en' ? 'en' : 'zh';
	}

	function openFrom(target) {
		var n = target.closest('[data-case-id], [data-action-id], [data-open]');
		if (!n) return false;
		if (n.hasAttribute('data-open')) open(n.getAttribute('data-open'), n.getAttribute('data-id'));
		else if (n.hasAttribute('data-case-id')) open('case', n.getAttribute('data-case-id'));
		else open('action', n.getAttribute('data-action-id'));
		return true;
	}

	function init() {
		initLang();
		applyStatic();
		document.getElementById('actions').replaceChildren(el('p', 'empty', t('loading')));
		document.getElementById('wall').addEventListener('click', function (e) { openFrom(e.target); });
		document.getElementById('wall').addEventListener('keydown', function (e) {
			if ((e.key === 'Enter' || e.key === ' ') && openFrom(e.target)) e.preventDefault();
		});
		document.getElementById('back').addEventListener('click', close);
		document.getElementById('lang-toggle').addEventListener('click', function () { setLang(S.lang === 'zh' ? 'en' : 'zh'); });
		document.getElementById('sound-toggle').addEventListener('click', toggleSound);
		document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && S.route) { e.preventDefault(); close(); } });
		window.addEventListener('hashchange', route);
		window.addEventListener('popstate', route);
		setInterval(tick, 1000);
		setInterval(function () { // durations and countdowns stay true between changes
			if (S.view && !document.hidden) render();
			if (S.sound && S.alarmKeys.size && Date.now() - S.lastBeep > 60000) beep(1);
		}, 30000);
		route();
		refresh();
		connect();
	}

	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
	else init();
})();
