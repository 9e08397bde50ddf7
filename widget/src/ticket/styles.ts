import { ratingCss } from '../rating';

/** The ticket page's styles (a `<style>` the script adds: the page's CSP allows inline styles, never inline script). */
export const css = `${ratingCss}
*,*::before,*::after{box-sizing:border-box}
html,body{margin:0}
body{background:#f1f5f4;color:#1d2421;
  font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC",sans-serif}
[hidden]{display:none!important}
.top{background:#0b6b5d;color:#fff;font-weight:600;padding:14px 20px}
.page{max-width:720px;margin:24px auto 48px;padding:0 16px;display:flex;flex-direction:column;gap:16px}
.card{background:#fff;border-radius:12px;box-shadow:0 1px 2px #0000000f,0 4px 16px #0000000a;padding:20px}
h1{font-size:22px;line-height:1.3;margin:0}
h2,.h2{display:block;font-size:16px;font-weight:600;margin:0 0 10px}
.note{margin:0;font-size:13px;color:#55625e;overflow-wrap:anywhere}
.note.error{color:#b03a2e;font-weight:600}
.row{display:flex;gap:10px;align-items:center;flex-wrap:wrap}
.act{display:inline-block;border:0;border-radius:8px;padding:9px 16px;font:inherit;font-weight:600;line-height:1.3;cursor:pointer;background:#e7efec;color:#1d2421}
.act:disabled,.act[aria-disabled=true]{opacity:.5;cursor:default}
.act.primary{background:#0b6b5d;color:#fff}
button:focus-visible,textarea:focus-visible,a:focus-visible,.visually-hidden:focus-visible+label{outline:3px solid #7fd3c4;outline-offset:1px}
.visually-hidden{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}

.details{display:flex;flex-direction:column;gap:16px}
.state{display:flex;flex-direction:column;gap:10px}
.state.loading{flex-direction:row;align-items:center;gap:12px}
.spinner{width:18px;height:18px;border:3px solid #0b6b5d;border-right-color:transparent;border-radius:50%;animation:tk-spin 1s linear infinite}
@keyframes tk-spin{to{transform:rotate(360deg)}}
.state .act{align-self:flex-start}
.state.invalid h1{color:#8a2c22}

.kicker{margin:0 0 4px;font-size:13px;color:#55625e}
.title-row{display:flex;align-items:center;gap:12px;flex-wrap:wrap}
.badge{border-radius:999px;padding:3px 12px;font-size:13px;font-weight:600;background:#e3f3ef;color:#0b6b5d}
.badge[data-status=pending]{background:#fff4d6;color:#6b4b00}
.badge[data-status=resolved]{background:#e6eaf0;color:#34445a}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:14px 0 0;font-size:14px}
.facts dt{color:#55625e}
.facts dd{margin:0}
.resolution .text{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}

.entries{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:12px}
.entry .meta{display:flex;gap:8px;font-size:12px;color:#6a7773;margin-bottom:2px}
.entry .who{font-weight:600;color:#4a5551}
.entry .body{margin:0;padding:8px 12px;border-radius:10px;background:#eef5f3;white-space:pre-wrap;overflow-wrap:anywhere}
.entry.status{display:flex;gap:8px;justify-content:center;align-items:baseline;flex-wrap:wrap;font-size:13px;color:#55625e;text-align:center}
.entry.status time{font-size:12px;color:#8a9692}
.file-row{display:flex;align-items:center;justify-content:space-between;gap:12px;padding:8px 12px;border:1px solid #dbe4e1;border-radius:10px}
.file-row .label{display:flex;flex-direction:column;min-width:0}
.file-row .name{font-weight:600;overflow-wrap:anywhere}
.file-row .size{font-size:12px;color:#6a7773}
.history .empty{padding:4px 0}
.history .error{margin-top:8px}

.plain{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:14px}
.conversation{display:flex;flex-direction:column;gap:6px}
.conversation+.conversation{border-top:1px solid #e3eae8;padding-top:14px}
.conversation .when{margin:0;font-weight:600}
.given{display:flex;align-items:center;gap:8px;font-size:13px;color:#55625e}
.comment-text{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;color:#4a5551}
.conversation .thanks{margin:0;font-weight:600;color:#0b6b5d}
.rating .title{font-weight:400;color:#4a5551}
.rating .act{align-self:flex-start}

.compose{display:flex;flex-direction:column;gap:20px}
.compose form{display:flex;flex-direction:column;gap:8px}
.compose form .h2{margin:0}
.files h2{margin:0}
.compose textarea{font:inherit;color:#1d2421;padding:10px;border:1px solid #c5d1cd;border-radius:8px;resize:vertical;min-height:80px;width:100%}
.files{display:flex;flex-direction:column;gap:8px;border-top:1px solid #e3eae8;padding-top:16px}
.files .count{font-size:13px;color:#55625e}
`;
