/// The page and its style. Every visible text carries `data-t` (a key of the strings table) and is
/// filled in by the script in the chosen language.
enum WebAssets {
    static let html = #"""
<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{title}}</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <div class="brand"><span id="station-name"></span></div>
  <div id="printer-status" class="pill" aria-live="polite"></div>
  <button id="lang-switch" type="button" class="small"></button>
  <button id="logout" type="button" class="small" data-t="logout"></button>
</header>

<section id="login" class="page" hidden>
  <h1 data-t="loginTitle"></h1>
  <input id="pin" type="password" inputmode="numeric" autocomplete="off" maxlength="12" aria-label="PIN">
  <div class="keypad">
    <button type="button" data-key="1">1</button><button type="button" data-key="2">2</button><button type="button" data-key="3">3</button>
    <button type="button" data-key="4">4</button><button type="button" data-key="5">5</button><button type="button" data-key="6">6</button>
    <button type="button" data-key="7">7</button><button type="button" data-key="8">8</button><button type="button" data-key="9">9</button>
    <button type="button" data-key="back">⌫</button><button type="button" data-key="0">0</button>
    <button type="button" id="login-btn" class="go" data-t="login"></button>
  </div>
  <p id="login-error" class="error" role="alert"></p>
</section>

<nav id="tabs" hidden>
  <button type="button" id="tab-print" data-page="print" data-t="tabPrint"></button>
  <button type="button" id="tab-scans" data-page="scans" data-t="tabScans"></button>
  <button type="button" id="tab-stamps" data-page="stamps" data-t="tabStamps"></button>
  <button type="button" id="tab-preview" data-page="preview" data-t="tabPreview"></button>
  <button type="button" id="tab-inspect" data-page="inspect" data-t="tabInspect"></button>
  <button type="button" id="tab-sync" data-page="sync" data-t="tabSync"></button>
</nav>

<main>
<section id="page-print" class="page" hidden>
  <div class="row">
    <label><span data-t="product"></span><select id="product-select"></select></label>
    <label><span data-t="batch"></span><select id="batch-select"></select></label>
  </div>
  <details id="new-batch">
    <summary data-t="newBatch"></summary>
    <div class="row">
      <label><span data-t="lot"></span><input id="new-lot" type="text" maxlength="20" autocomplete="off"></label>
      <label><span data-t="produced"></span><input id="new-produced" type="date"></label>
      <label><span data-t="quantity"></span><input id="new-quantity" type="number" min="1" value="1000"></label>
    </div>
    <button type="button" id="create-batch" data-t="createBatch"></button>
  </details>
  <div class="row count">
    <span data-t="count"></span>
    <button type="button" class="step" data-step="-10">−10</button>
    <input id="job-count" type="number" min="1" value="20" aria-label="count">
    <button type="button" class="step" data-step="10">+10</button>
    <button type="button" id="start-job" class="go" data-t="start"></button>
  </div>
  <p id="print-message" class="message" role="status"></p>
  <div id="job" class="card" hidden>
    <h2><span data-t="job"></span> <span id="job-id"></span> · <span id="job-lot"></span> · <span id="job-printer"></span></h2>
    <div class="bar"><div id="job-progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"></div></div>
    <p class="big"><span id="job-progress-text"></span> · <span id="job-state"></span></p>
    <p id="job-reason" class="error"></p>
    <div class="row">
      <button type="button" id="pause-job" data-t="pause"></button>
      <button type="button" id="resume-job" class="go" data-t="resume"></button>
      <button type="button" id="cancel-job" class="danger" data-t="cancel"></button>
    </div>
    <div id="uncertain" hidden>
      <p data-t="uncertainHelp"></p>
      <ul id="uncertain-list"></ul>
      <div class="row">
        <button type="button" id="resolve-printed" data-t="allPrinted"></button>
        <button type="button" id="resolve-void" class="danger" data-t="allVoid"></button>
      </div>
    </div>
  </div>
</section>

<section id="page-scans" class="page" hidden>
  <h1 data-t="scanLog"></h1>
  <ul id="scanner-status" class="scanner-status"></ul>
  <ol id="scan-list" class="scans" reversed></ol>
  <p id="scan-empty" data-t="noScans"></p>
</section>

<section id="page-stamps" class="page" hidden>
  <h1 data-t="stampsTitle"></h1>
  <div class="row">
    <label><span data-t="product"></span><select id="stamp-product"></select></label>
    <label><span data-t="serial"></span><input id="stamp-serial" type="text" maxlength="20" autocomplete="off" autocapitalize="characters"></label>
  </div>
  <label><span data-t="reason"></span>
    <select id="stamp-reason">
      <option value="tem bị nhòe / smudged" data-t="reasonSmudged"></option>
      <option value="tem bị rách / torn" data-t="reasonTorn"></option>
      <option value="dán sai sản phẩm / applied to the wrong item" data-t="reasonWrongItem"></option>
      <option value="mẫu kiểm nghiệm / lab sample" data-t="reasonSample"></option>
    </select>
  </label>
  <div class="row">
    <button type="button" id="reprint" class="go" data-t="reprint"></button>
    <button type="button" id="void" class="danger" data-t="void"></button>
  </div>
  <p id="stamp-message" class="message" role="status"></p>
</section>

<section id="page-preview" class="page" hidden>
  <h1 data-t="previewTitle"></h1>
  <div class="row">
    <label><span data-t="batch"></span><select id="preview-batch"></select></label>
    <label><span data-t="serial"></span><input id="preview-serial" type="text" maxlength="20" autocomplete="off"></label>
    <button type="button" id="preview-show" class="go" data-t="show"></button>
  </div>
  <p id="preview-message" class="message" role="status"></p>
  <img id="preview-image" alt="" hidden>
</section>

<section id="page-inspect" class="page" hidden>
  <h1 data-t="inspectTitle"></h1>
  <label class="file"><span data-t="choosePhoto"></span><input id="photo-file" type="file" accept="image/jpeg,image/png" capture="environment"></label>
  <p id="photo-message" class="message" role="status"></p>
  <div id="photo-result"></div>
</section>

<section id="page-sync" class="page" hidden>
  <h1 data-t="syncTitle"></h1>
  <dl class="facts">
    <dt data-t="server"></dt><dd id="sync-server"></dd>
    <dt data-t="backlog"></dt><dd id="sync-backlog" class="big"></dd>
    <dt data-t="lastSuccess"></dt><dd id="sync-success"></dd>
    <dt data-t="lastError"></dt><dd id="sync-error"></dd>
  </dl>
</section>
</main>
</body>
</html>
"""#

    static let css = #"""
:root { --ok: #0b6b2a; --bad: #b0151b; --warn: #8a5a00; --ink: #111; --paper: #fff; --line: #444; }
* { box-sizing: border-box; }
body { margin: 0; font: 22px/1.35 system-ui, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--paper); }
header { display: flex; gap: 12px; align-items: center; padding: 10px 14px; background: #111; color: #fff; }
header .brand { flex: 1; font-weight: 700; font-size: 24px; }
button, select, input { font: inherit; }
button { min-height: 64px; min-width: 64px; padding: 8px 22px; border: 3px solid var(--ink); border-radius: 10px; background: #eee; color: var(--ink); font-weight: 700; cursor: pointer; }
button:active { transform: scale(0.97); }
button.go { background: var(--ok); border-color: var(--ok); color: #fff; }
button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
button.small { min-height: 52px; font-size: 20px; background: #fff; }
button:disabled { opacity: 0.45; }
select, input[type=text], input[type=number], input[type=date], input[type=password] { min-height: 64px; padding: 6px 12px; border: 3px solid var(--line); border-radius: 10px; background: #fff; min-width: 12ch; }
label { display: flex; flex-direction: column; gap: 4px; font-weight: 700; }
nav { display: flex; flex-wrap: wrap; gap: 8px; padding: 10px 14px; border-bottom: 3px solid #111; }
nav button[aria-current=page] { background: #111; color: #fff; }
main { padding: 14px; }
.page { padding: 6px 14px 30px; }
.row { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-end; margin: 12px 0; }
.count input { width: 8ch; text-align: center; font-size: 30px; }
.pill { padding: 10px 18px; border-radius: 30px; font-weight: 800; font-size: 22px; background: #666; }
.pill.ok { background: var(--ok); } .pill.bad { background: var(--bad); }
.scanner-status { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 10px; }
.scanner-status li { padding: 10px 16px; border-radius: 12px; font-weight: 700; font-size: 20px; background: #666; color: #fff; }
.scanner-status li.ok { background: var(--ok); } .scanner-status li.bad { background: var(--bad); }
.card { border: 3px solid var(--ink); border-radius: 14px; padding: 12px 18px; margin-top: 16px; }
.bar { height: 56px; border: 3px solid var(--ink); border-radius: 12px; overflow: hidden; background: #ddd; }
.bar > div { height: 100%; width: 0%; background: var(--ok); transition: width 0.3s; }
.big { font-size: 30px; font-weight: 800; }
.error { color: var(--bad); font-weight: 700; }
.message { font-weight: 700; min-height: 1.4em; }
.message.bad { color: var(--bad); } .message.ok { color: var(--ok); }
.keypad { display: grid; grid-template-columns: repeat(3, 110px); gap: 12px; margin: 14px 0; }
.keypad button { min-height: 90px; font-size: 36px; }
#pin { font-size: 36px; letter-spacing: 0.3em; width: 354px; }
.scans { list-style: none; padding: 0; margin: 0; }
.scan { display: grid; grid-template-columns: 12ch 1fr; gap: 4px 16px; padding: 14px 18px; margin: 10px 0; border-radius: 12px; color: #fff; }
.scan.ok { background: var(--ok); } .scan.bad { background: var(--bad); } .scan.dup { background: #555; }
.scan .verdict { grid-row: span 3; font-size: 34px; font-weight: 900; align-self: center; }
.scan .code { font-family: "DejaVu Sans Mono", monospace; font-size: 17px; word-break: break-all; }
.verdict-card { padding: 16px 20px; margin: 12px 0; border-radius: 14px; color: #fff; }
.verdict-card.ok { background: var(--ok); } .verdict-card.bad { background: var(--bad); }
.verdict-card .verdict { font-size: 40px; font-weight: 900; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 10px 24px; }
.facts dt { font-weight: 700; }
#preview-image { max-width: 100%; border: 3px solid var(--ink); image-rendering: pixelated; margin-top: 12px; }
.file input { font-size: 22px; min-height: 64px; }
.file input::file-selector-button { min-height: 80px; padding: 8px 28px; margin-right: 16px; border: 3px solid var(--ink); border-radius: 10px; background: var(--ok); color: #fff; font: inherit; font-weight: 700; }
details summary { font-weight: 700; min-height: 56px; padding: 12px 0; cursor: pointer; }
"""#
}
