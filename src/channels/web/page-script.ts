/**
 * Script of the web chat page (/chat.js). Bot and member text is only ever set as textContent. The conversation
 * is kept in localStorage per user id (text and file names only: never file bytes or one-time download links).
 */
export const CHAT_SCRIPT = `'use strict';
const log = document.getElementById('log');
const form = document.getElementById('f');
const input = document.getElementById('text');
const fileInput = document.getElementById('file');
const userId = localStorage.getItem('ua-user') || ('web-' + Math.random().toString(36).slice(2, 10));
localStorage.setItem('ua-user', userId);
const HISTORY_KEY = 'ua-history:' + userId;
const HISTORY_LIMIT = 100;
const ACCEPTED_TYPES = ['image/jpeg', 'image/png', 'application/pdf'];
const MAX_FILE_BYTES = 10 * 1024 * 1024;
// The server takes 10 files and a 16 MB body per message: larger selections go in several messages.
const MAX_FILES_PER_MESSAGE = 10;
const MAX_BASE64_PER_MESSAGE = 14 * 1024 * 1024;
const THUMB_PX = 192;
const GREETING = '您好，我是工会小助手。可以问我劳动法问题、申请职工互助、报名工会活动。回复“菜单”查看全部功能。';

function headers() {
  const h = { 'content-type': 'application/json' };
  const t = localStorage.getItem('ua-token');
  if (t) h.authorization = 'Bearer ' + t;
  return h;
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// --- history kept on this device ---
const isText = (v) => typeof v === 'string';
function validEntry(e) {
  return e && (e.who === 'me' || e.who === 'bot') && (e.text === undefined || isText(e.text))
    && (e.choices === undefined || (Array.isArray(e.choices) && e.choices.every(isText)))
    && (e.files === undefined || (Array.isArray(e.files) && e.files.every((f) => f && isText(f.name) && isText(f.kind))));
}
function loadHistory() {
  try {
    const saved = JSON.parse(localStorage.getItem(HISTORY_KEY) || '[]');
    return Array.isArray(saved) ? saved.filter(validEntry).slice(-HISTORY_LIMIT) : [];
  } catch (e) { return []; }
}
let conversation = loadHistory();
function remember(entry) {
  conversation.push(entry);
  conversation = conversation.slice(-HISTORY_LIMIT);
  try { localStorage.setItem(HISTORY_KEY, JSON.stringify(conversation)); } catch (e) { /* storage full or disabled: the chat still works */ }
}

// --- rendering ---
// files: this session's extras per file, never stored (image thumbnails, download links).
// active: the choices can still be picked (not for a question the conversation has moved past).
function fileView(file, extra) {
  if (extra.thumb) {
    const img = el('img', 'thumb');
    img.src = extra.thumb; img.alt = file.name; img.title = file.name;
    return img;
  }
  if (extra.href) {
    const a = el('a', 'chip', '⬇️ 下载：' + file.name);
    a.href = extra.href; a.download = file.name;
    return a;
  }
  const icon = file.kind === 'pdf' ? '📄 ' : file.kind === 'image' ? '🖼️ ' : '📎 ';
  const chip = el('span', 'chip', icon + file.name);
  if (file.kind === 'download') chip.title = '下载链接只能使用一次，如需再次下载请重新查询';
  return chip;
}
function render(entry, options) {
  const opts = options || {};
  const div = el('div', 'msg ' + (entry.who === 'me' ? 'me' : 'bot'));
  if (entry.text) div.appendChild(el('div', 'text', entry.text));
  if (entry.files && entry.files.length) {
    const box = el('div', 'files');
    entry.files.forEach((f, i) => box.appendChild(fileView(f, (opts.files && opts.files[i]) || {})));
    div.appendChild(box);
  }
  if (entry.choices && entry.choices.length) {
    const box = el('div', 'choices');
    entry.choices.forEach((c, i) => {
      const b = el('button', '', (i + 1) + '. ' + c);
      b.type = 'button';
      b.disabled = !opts.active;
      b.onclick = () => sendText(String(i + 1));
      box.appendChild(b);
    });
    div.appendChild(box);
  }
  log.appendChild(div);
  return div;
}
function scrollToEnd() { log.scrollTop = log.scrollHeight; }
// A long answer is read from its start (its end is often the disclaimer): show as much as fits from the top.
function reveal(first) {
  const start = log.scrollTop + first.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
  log.scrollTop = Math.min(start, log.scrollHeight - log.clientHeight);
}
// Earlier choices answered a question the conversation has moved past.
function retireChoices() { log.querySelectorAll('.choices button').forEach((b) => { b.disabled = true; }); }
function showReplies(replies, keep) {
  let first;
  replies.forEach((r) => {
    const entry = { who: 'bot' };
    if (isText(r.text)) entry.text = r.text;
    if (Array.isArray(r.choices)) entry.choices = r.choices.filter(isText);
    if (r.file && isText(r.file.name)) entry.files = [{ name: r.file.name, kind: 'download' }];
    const div = render(entry, { active: true, files: [{ href: r.file && isText(r.file.url) ? r.file.url : undefined }] });
    if (keep) remember(entry);
    first = first || div;
  });
  if (first) reveal(first);
}
function notice(text) { reveal(render({ who: 'bot', text: text })); }
function showMine(entry, files) {
  retireChoices();
  render(entry, { files: files });
  remember(entry);
  scrollToEnd();
}

// --- talking to the server: one message at a time, so answers come in the order asked ---
let queue = Promise.resolve();
function enqueue(task) { queue = queue.then(task).catch(() => notice('出错了，请稍后重试。')); }
async function exchange(body) {
  const pending = render({ who: 'bot', text: '正在回复…' });
  pending.classList.add('pending');
  scrollToEnd();
  let replies; let keep = true;
  try {
    const res = await fetch('/api/web/messages', { method: 'POST', headers: headers(), body: JSON.stringify(body) });
    if (res.status === 401) {
      pending.remove();
      const t = prompt('请输入访问令牌（WEB_API_TOKEN）');
      if (t) { localStorage.setItem('ua-token', t); return exchange(body); }
      return;
    }
    const data = await res.json().catch(() => ({}));
    if (res.ok) replies = Array.isArray(data.replies) ? data.replies : [];
    else { replies = [{ text: '出错了：' + (data.error || ('HTTP ' + res.status)) }]; keep = false; }
  } catch (e) {
    replies = [{ text: '网络连接失败，请检查网络后重新发送。' }]; keep = false;
  }
  pending.remove();
  showReplies(replies, keep);
}
function sendText(text) {
  showMine({ who: 'me', text: text });
  enqueue(() => exchange({ userId, chatType: 'private', text: text }));
}

// --- uploads ---
function readAsDataUrl(file) {
  return new Promise((ok, fail) => { const r = new FileReader(); r.onload = () => ok(String(r.result)); r.onerror = () => fail(r.error); r.readAsDataURL(file); });
}
// A small JPEG drawn from the image: a data URL, as the page's CSP allows data: images (not blob:).
function thumbnail(dataUrl) {
  return new Promise((ok) => {
    const img = new Image();
    img.onload = () => {
      const scale = Math.min(1, THUMB_PX / Math.max(img.naturalWidth, img.naturalHeight, 1));
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
      canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
      const g = canvas.getContext('2d');
      g.fillStyle = '#fff'; g.fillRect(0, 0, canvas.width, canvas.height);
      g.drawImage(img, 0, 0, canvas.width, canvas.height);
      ok(canvas.toDataURL('image/jpeg', 0.8));
    };
    img.onerror = () => ok(undefined);
    img.src = dataUrl;
  });
}
async function load(file) {
  const dataUrl = await readAsDataUrl(file);
  const image = file.type !== 'application/pdf';
  return {
    meta: { name: file.name, kind: image ? 'image' : 'pdf' },
    attachment: { name: file.name, mimeType: file.type, dataBase64: dataUrl.slice(dataUrl.indexOf(',') + 1) },
    thumb: image ? await thumbnail(dataUrl) : undefined,
  };
}
function batches(loaded) {
  const out = [];
  let current = []; let size = 0;
  loaded.forEach((f) => {
    const n = f.attachment.dataBase64.length;
    if (current.length && (current.length === MAX_FILES_PER_MESSAGE || size + n > MAX_BASE64_PER_MESSAGE)) { out.push(current); current = []; size = 0; }
    current.push(f); size += n;
  });
  if (current.length) out.push(current);
  return out;
}
fileInput.onchange = async () => {
  const picked = Array.from(fileInput.files || []);
  fileInput.value = '';
  const fits = (f) => ACCEPTED_TYPES.includes(f.type) && f.size <= MAX_FILE_BYTES;
  const refused = picked.filter((f) => !fits(f));
  if (refused.length) notice('以下文件未上传（只支持 jpg、png 图片和 PDF，每个不超过 10 MB）：' + refused.map((f) => f.name).join('、'));
  const accepted = picked.filter(fits);
  if (!accepted.length) return;
  let loaded;
  try { loaded = await Promise.all(accepted.map(load)); } catch (e) { notice('读取文件失败，请重新选择。'); return; }
  batches(loaded).forEach((batch) => {
    showMine({ who: 'me', files: batch.map((f) => f.meta) }, batch.map((f) => ({ thumb: f.thumb })));
    enqueue(() => exchange({ userId, chatType: 'private', text: '', attachments: batch.map((f) => f.attachment) }));
  });
};

form.onsubmit = (e) => {
  e.preventDefault();
  const text = input.value.trim();
  input.value = '';
  if (text) sendText(text);
};

document.getElementById('clear').onclick = () => {
  if (!confirm('清除本机上的聊天记录吗？您已办理的事项不受影响。')) return;
  conversation = [];
  localStorage.removeItem(HISTORY_KEY);
  log.replaceChildren();
  render({ who: 'bot', text: GREETING });
};

// Notifications stay in the inbox until acknowledged: shown ones are acknowledged, and not shown twice meanwhile.
const shown = new Set();
const statusLine = document.getElementById('status-line');
const WECHAT_STATES = { unconfigured: '', starting: '微信：启动中', scan: '微信：等待扫码登录', 'logged-in': '微信：已登录', reconnecting: '微信：重连中' };
/** One line about what is not working as members expect: statute texts missing, WeChat not logged in. */
function showStatus(st) {
  const lines = [];
  if (st.statutes && st.statutes.installed === false) {
    lines.push('法条原文和引用核对未开启（未安装法条原文），回答仍附条文编号。管理员可运行 ' + st.statutes.installCommand + ' 添加。');
  }
  const w = st.wechat && WECHAT_STATES[st.wechat.state];
  if (w) lines.push(w + (st.wechat.state === 'logged-in' && st.wechat.user ? '（' + st.wechat.user + '）' : ''));
  statusLine.textContent = lines.join(' · ');
  statusLine.hidden = lines.length === 0;
}
const wechat = document.getElementById('wechat');
const wechatQr = document.getElementById('wechat-qr');
async function poll() {
  try {
    const res = await fetch('/api/web/messages?chatId=' + encodeURIComponent(userId), { headers: headers() });
    if (res.ok) {
      const fresh = (await res.json()).items.filter((item) => !shown.has(item.id));
      fresh.forEach((item) => { showReplies(item.replies, true); shown.add(item.id); });
      if (fresh.length) {
        await fetch('/api/web/messages/ack', { method: 'POST', headers: headers(), body: JSON.stringify({ chatId: userId, ids: fresh.map((item) => item.id) }) });
      }
    }
    const st = await (await fetch('/api/status', { headers: headers() })).json();
    showStatus(st);
    // The QR code as an image, not markup: nothing from the server is parsed as HTML.
    const qr = st.wechat && st.wechat.qrSvg ? 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(st.wechat.qrSvg) : '';
    if (qr && wechatQr.getAttribute('src') !== qr) wechatQr.src = qr;
    wechat.hidden = !qr;
  } catch (e) { /* offline: try again later */ }
}

render({ who: 'bot', text: GREETING });
// The last answer's choices stay usable: a phone may reload the page while the member picks a file.
const lastAsked = conversation.map((entry) => entry.who).lastIndexOf('me');
conversation.forEach((entry, i) => render(entry, { active: i > lastAsked }));
scrollToEnd();
poll();
setInterval(poll, 3000);
`;
