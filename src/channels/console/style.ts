/** The console's one stylesheet (served as a file: the CSP allows no inline styles). Usable from 390 px wide up. */
export const CONSOLE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 "WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",system-ui,sans-serif;color:#1d2733;background:#f3f5f8}
a{color:#0b5cad}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1rem;padding:.5rem 1rem;background:#17324d;color:#fff}
header.top a{color:#fff;text-decoration:none}
.brand{font-weight:bold;font-size:1.05rem}
nav.main{display:flex;flex-wrap:wrap;gap:.25rem;flex:1}
nav.main a{padding:.3rem .6rem;border-radius:4px;white-space:nowrap}
nav.main a[aria-current=page],nav.main a:hover{background:#2c5680}
.badge{display:inline-block;min-width:1.4em;padding:0 .35em;margin-left:.25em;border-radius:.7em;background:#e0483e;color:#fff;font-size:.8rem;text-align:center}
.me{display:flex;align-items:center;gap:.5rem;font-size:.9rem}
.me form{margin:0}
.me button{background:transparent;border:1px solid #9fb6cc;color:#fff;padding:.15rem .6rem}
main{max-width:1180px;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.25rem 0 1rem}
h2{font-size:1.1rem;margin:0 0 .6rem}
.card{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:1rem;margin-bottom:1rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:1rem}
.cards .count{font-size:2rem;font-weight:bold}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #e6eaef;vertical-align:top}
th{background:#f7f9fb;white-space:nowrap}
td a{white-space:nowrap}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}
.field{display:flex;flex-direction:column;gap:.2rem;margin-bottom:.7rem;min-width:0}
form.filters .field{margin-bottom:0}
.field small{color:#5b6b7c}
label{font-weight:600;font-size:.9rem}
label.check{font-weight:normal;display:inline-flex;gap:.35rem;align-items:center}
input,select,textarea,button{font:inherit}
input,select,textarea{padding:.4rem .5rem;border:1px solid #b8c4d0;border-radius:4px;background:#fff;max-width:100%}
textarea{width:100%}
button,.button{display:inline-block;padding:.45rem 1rem;border-radius:4px;border:1px solid #0b5cad;background:#0b5cad;color:#fff;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:#0b5cad}
button.danger{background:#b3261e;border-color:#b3261e}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0}
.notice{padding:.6rem .8rem;border-radius:4px;margin:.5rem 0;border:1px solid}
.notice.ok{background:#e8f6ec;border-color:#8ccf9e}
.notice.warn{background:#fff6e0;border-color:#e8c36a}
.notice.error{background:#fdecea;border-color:#e9a19b}
.notice.info{background:#eaf2fb;border-color:#9cc0e6}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}
dl.facts dt{color:#5b6b7c}
dl.facts dd{margin:0;word-break:break-all}
.pager{display:flex;gap:1rem;align-items:center;margin:.75rem 0}
.empty{color:#5b6b7c}
.docs{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:1rem}
.docs figure{margin:0;border:1px solid #dde3ea;border-radius:4px;padding:.5rem;background:#fafbfc}
.docs img{max-width:100%;height:auto;display:block}
.docs iframe{width:100%;height:360px;border:0}
.login{max-width:360px;margin:8vh auto}
.conversation{list-style:none;padding:0;margin:0}
.conversation li{padding:.4rem .6rem;margin:.3rem 0;border-radius:6px;background:#f1f4f8;white-space:pre-wrap}
.conversation li.member{background:#eef6ff}
.conversation li.staff{background:#eaf7ee}
.conversation .who{display:block;font-size:.8rem;color:#5b6b7c}
.two{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:1rem}
.two>div{min-width:0}
fieldset{border:1px solid #dde3ea;border-radius:4px;margin:0 0 .7rem}
@media (max-width:720px){nav.main{order:3;flex-basis:100%}.me{margin-left:auto}.two{grid-template-columns:minmax(0,1fr)}main{padding:.6rem}header.top{padding:.5rem}.docs iframe{height:260px}}
.muted{color:#5b6b7c}
.pre{white-space:pre-wrap}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.nowrap{white-space:nowrap}
form.inline{display:inline-block;margin:.15rem .25rem .15rem 0}
code.secret{font-size:1.1rem;padding:.2rem .4rem;background:#f1f4f8;border-radius:4px;word-break:break-all;user-select:all}
details summary{cursor:pointer;color:#0b5cad}
`;
