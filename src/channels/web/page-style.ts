/** Styles of the web chat page (/chat.css): one column that fits any width from 320 px up, the composer always on screen. */
export const CHAT_STYLE = `*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.notice { flex: none; margin: 0; padding: 6px 12px; font-size: 13px; background: #fef3c7; color: #92400e; overflow-wrap: anywhere; }
html, body { height: 100%; }
body {
  margin: 0; display: flex; flex-direction: column; height: 100vh; height: 100dvh; overflow: hidden;
  font-family: "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", sans-serif; font-size: 16px; background: #f3f4f6; color: #111827;
}
header {
  flex: none; display: flex; align-items: center; justify-content: space-between; gap: 8px;
  background: #c0392b; color: #fff; padding: 10px 16px; padding-top: max(10px, env(safe-area-inset-top));
}
header h1 { margin: 0; font-size: 18px; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#clear { flex: none; background: transparent; color: #fff; border: 1px solid #f5b7b1; border-radius: 14px; padding: 4px 10px; font: inherit; font-size: 14px; cursor: pointer; }
#wechat { flex: none; margin: 8px auto; background: #fff; padding: 8px; border-radius: 8px; text-align: center; }
#wechat p { margin: 0 0 4px; }
#wechat-qr { width: 200px; height: 200px; }
/* Only the conversation scrolls; the side padding centres a 760 px column on wide screens. */
#log {
  flex: 1 1 auto; min-height: 0; overflow-x: hidden; overflow-y: auto; overscroll-behavior: contain;
  padding: 12px max(12px, calc((100% - 760px) / 2));
}
.msg {
  width: fit-content; max-width: min(88%, 640px); margin: 8px 0; padding: 10px 12px; border-radius: 8px;
  line-height: 1.6; overflow-wrap: anywhere;
}
.msg .text { white-space: pre-wrap; }
.me { background: #d1fae5; margin-left: auto; }
.bot { background: #fff; }
.pending { color: #6b7280; }
.note { background: #fef3c7; }
.choices { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.choices button {
  max-width: 100%; min-height: 36px; padding: 6px 12px; border: 1px solid #c0392b; background: #fff; color: #c0392b;
  border-radius: 18px; font: inherit; font-size: 15px; text-align: left; cursor: pointer;
}
.choices button:disabled { border-color: #d1d5db; color: #9ca3af; cursor: default; }
.files { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 6px; }
.text + .files { margin-top: 8px; }
.thumb { display: block; width: 96px; height: 96px; object-fit: cover; border-radius: 6px; background: #fff; }
.chip {
  display: inline-block; max-width: 100%; padding: 4px 10px; border-radius: 14px; background: #f3f4f6;
  border: 1px solid #e5e7eb; color: inherit; font-size: 14px; overflow-wrap: anywhere;
}
a.chip { color: #1d4ed8; }
form {
  flex: none; display: flex; align-items: center; gap: 8px; background: #fff; border-top: 1px solid #e5e7eb;
  padding: 8px max(12px, calc((100% - 760px) / 2)); padding-bottom: max(8px, env(safe-area-inset-bottom));
}
/* 16 px text: phones do not zoom into the field. */
#text { flex: 1 1 auto; min-width: 0; padding: 10px; font: inherit; font-size: 16px; border: 1px solid #d1d5db; border-radius: 8px; }
.attach, #send { flex: none; white-space: nowrap; padding: 10px 12px; border-radius: 8px; font-size: 15px; cursor: pointer; line-height: 1.2; }
.attach { border: 1px solid #c0392b; color: #c0392b; background: #fff; }
#send { border: 1px solid #c0392b; background: #c0392b; color: #fff; font: inherit; font-size: 16px; padding: 10px 16px; }
/* The native file input stays focusable and clickable through its label, but is not drawn. */
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
#text:focus { outline: none; border-color: #c0392b; box-shadow: 0 0 0 2px #f5b7b1; }
#file:focus-visible + .attach { outline: 2px solid #1d4ed8; outline-offset: 2px; }
@media (max-width: 359px) {
  form { gap: 6px; padding-left: 8px; padding-right: 8px; }
  .attach, #send { padding-left: 8px; padding-right: 8px; }
}
`;
