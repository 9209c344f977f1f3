/* The offline checker: verifies a certificate's token (compact JWS, ES256) in the browser with WebCrypto,
   against the universities' published keys (/verify/offline/keys.json), and looks the certificate up in its
   university's signed revocation list. Every sentence it shows comes from the page (#offline-config),
   translated on the server. The token never leaves the browser.
   Checks, in order: malformed → unknown_key → bad_signature → (a key of another university) unknown_key →
   the key's dates at the token's signing time (judgeKey: key_compromised, signed_after_retirement,
   expired_key) → valid — the same as diploma/signing/token.py, with the same strict reading: low-s
   signatures only (a high-s one is another spelling of the same signature), and every number of the claims
   (the index, the signing time) a plain decimal integer, 0 ≤ n < 2^31 ("3.0", "1e0", "-1", "3", true are
   refused). A valid token of a key disowned later (signed before its compromise date) is shown with a
   warning: only the register, online, can tell it from a forgery dated back.
   keys.json is trusted only when its signature checks with the programme root's key written in the page
   (verifiedKeyList): a list changed on the way or in the cache is refused.
   A valid signature whose revocation could not be checked (no list of its university, or no index) is
   "signature genuine — revocation unknown", never plain "Genuine". */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("offline-config").textContent);
  var text = config.messages;
  var form = document.getElementById("offline-form");
  var input = document.getElementById("offline-token");
  var readiness = document.getElementById("offline-readiness");
  var result = document.getElementById("offline-result");
  var verdictTitle = document.getElementById("offline-verdict");
  var reason = document.getElementById("offline-reason");
  var content = document.getElementById("offline-content");
  var scanButton = document.getElementById("offline-scan");
  var video = document.getElementById("offline-camera");
  var published = null;       // keys.json
  var statusLists = {};       // university code → {bits: Uint8Array, date: Date, until: Date|null} (verified)
  var universityNames = {};   // university code → {ar, en}
  var B64 = /^[A-Za-z0-9_-]*$/;
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // Half the order of P-256: a signature's s above it is refused (token.py's HALF_ORDER).
  var HALF_ORDER = BigInt("0x7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8");
  var MAX_INDEX = 2147483648;  // 2^31
  var STRING = /"(?:[^"\\]|\\.)*"/g;
  var NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

  function fill(message, date) {
    return message.replace("{date}", date);
  }

  function formatDate(date) {
    try {
      return new Intl.DateTimeFormat(config.locale, {year: "numeric", month: "long", day: "numeric",
                                                     timeZone: "UTC"}).format(date);
    } catch (error) {
      return date.toISOString().slice(0, 10);
    }
  }

  // --- base64url, strict: a character changed in the unused low bits is another token -------------------

  function encode(bytes) {
    var out = "", i;
    for (i = 0; i + 2 < bytes.length; i += 3) {
      var n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      out += ALPHABET[n >> 18 & 63] + ALPHABET[n >> 12 & 63] + ALPHABET[n >> 6 & 63] + ALPHABET[n & 63];
    }
    if (bytes.length - i === 1) {
      out += ALPHABET[bytes[i] >> 2] + ALPHABET[(bytes[i] & 3) << 4];
    } else if (bytes.length - i === 2) {
      var m = (bytes[i] << 8) | bytes[i + 1];
      out += ALPHABET[m >> 10 & 63] + ALPHABET[m >> 4 & 63] + ALPHABET[(m & 15) << 2];
    }
    return out;
  }

  function decode(part) {
    if (!B64.test(part) || part.length % 4 === 1) { throw new Error("base64url"); }
    var binary = atob(part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    if (encode(bytes) !== part) { throw new Error("not canonical"); }
    return bytes;
  }

  function utf8(bytes) {
    return new TextDecoder("utf-8", {fatal: true}).decode(bytes);
  }

  function json(bytes) {
    return JSON.parse(utf8(bytes));
  }

  /* The claims, where every number is written as a plain decimal integer (no sign, fraction or exponent,
     no leading zero): JSON.parse alone reads "3.0" and "1e0" as 3. */
  function strictClaims(bytes) {
    var source = utf8(bytes);
    var numbers = source.replace(STRING, '""').match(NUMBER) || [];
    numbers.forEach(function (number) {
      if (!/^(0|[1-9]\d*)$/.test(number)) { throw new Error("number " + number); }
    });
    return JSON.parse(source);
  }

  function lowS(signature) {
    var hex = "";
    for (var i = 32; i < 64; i++) { hex += (signature[i] < 16 ? "0" : "") + signature[i].toString(16); }
    return BigInt("0x" + hex) <= HALF_ORDER;
  }

  function ascii(string) {
    return new TextEncoder().encode(string);
  }

  // --- the token -----------------------------------------------------------------------------------------

  /* What the user gave: a token, or an address whose fragment is the token. */
  function tokenOf(value) {
    value = (value || "").trim();
    var hash = value.lastIndexOf("#");
    return hash >= 0 ? value.slice(hash + 1).trim() : value;
  }

  function isText(value) { return typeof value === "string" && value.length > 0; }

  function checkClaims(claims) {
    if (!claims || typeof claims !== "object" || Array.isArray(claims)) { throw new Error("claims"); }
    ["s", "a", "e", "u", "p", "d"].forEach(function (name) {
      if (!isText(claims[name])) { throw new Error("claim " + name); }
    });
    if (!/^\d{8}$/.test(claims.d)) { throw new Error("date"); }
    var band = claims.b;
    var coded = typeof band === "string" && Object.prototype.hasOwnProperty.call(config.bands, band);
    var named = band && typeof band === "object" && typeof band.ar === "string" && typeof band.en === "string";
    if (!coded && !named) { throw new Error("band"); }
    if ("i" in claims && !isSmallInteger(claims.i)) { throw new Error("index"); }
    if ("t" in claims && !isSmallInteger(claims.t)) { throw new Error("signing time"); }
  }

  function isSmallInteger(value) {
    return typeof value === "number" && Number.isInteger(value) && value >= 0 && value < MAX_INDEX;
  }

  function parse(token) {
    if (!token || token.length > 4096) { throw new Error("length"); }
    var parts = token.split(".");
    if (parts.length !== 3) { throw new Error("parts"); }
    var header = json(decode(parts[0]));
    var claims = strictClaims(decode(parts[1]));
    var signature = decode(parts[2]);
    if (!header || header.alg !== "ES256") { throw new Error("alg"); }
    if (typeof header.kid !== "string" || !B64.test(header.kid) || header.kid.length < config.kidLength ||
        header.kid.length > 64) { throw new Error("kid"); }
    if (signature.length !== 64 || !lowS(signature)) { throw new Error("signature"); }
    checkClaims(claims);
    return {header: header, claims: claims, signature: signature, input: ascii(parts[0] + "." + parts[1])};
  }

  function importKey(key) {
    return crypto.subtle.importKey("jwk", {kty: key.kty, crv: key.crv, x: key.x, y: key.y, ext: true},
                                   {name: "ECDSA", namedCurve: "P-256"}, false, ["verify"]);
  }

  function signatureChecks(key, signature, data) {
    return importKey(key).then(function (publicKey) {
      return crypto.subtle.verify({name: "ECDSA", hash: "SHA-256"}, publicKey, signature, data);
    }).catch(function () { return false; });
  }

  function firstSigner(candidates, signature, data) {
    var index = 0;
    function next() {
      if (index >= candidates.length) { return Promise.resolve(null); }
      var key = candidates[index++];
      return signatureChecks(key, signature, data).then(function (ok) { return ok ? key : next(); });
    }
    return next();
  }

  /* The verdict of a token: {outcome, claims, key}. */
  function verify(token) {
    var parsed;
    try {
      parsed = parse(token);
    } catch (error) {
      return Promise.resolve({outcome: "malformed"});
    }
    var candidates = published.keys.filter(function (key) { return key.kid.indexOf(parsed.header.kid) === 0; });
    if (!candidates.length) { return Promise.resolve({outcome: "unknown_key"}); }
    return firstSigner(candidates, parsed.signature, parsed.input).then(function (key) {
      if (!key) { return {outcome: "bad_signature"}; }
      if (key.university !== parsed.claims.u) { return {outcome: "unknown_key"}; }
      return {outcome: judgeKey(key, parsed.claims.t), claims: parsed.claims, key: key};
    });
  }

  // --- the key judged at the token's signing time (token.py's key_judgement) -----------------------------

  function minuteOf(iso) { return Math.floor(Date.parse(iso) / 60000); }

  /* The outcome of a genuine signature by a published key on a token signed at minute t (its "t", minutes
     since 1970; undefined for a token printed before "t": then today's date decides, and a disowned key
     refuses it). */
  function judgeKey(key, t) {
    if (typeof t !== "number") {
      if (key.compromised) { return "key_compromised"; }
      var now = Date.now();
      return now < Date.parse(key.nbf) || now > Date.parse(key.exp) ? "expired_key" : "valid";
    }
    if (key.compromised && t >= minuteOf(key.compromised)) { return "key_compromised"; }
    if (key.retired && t > Math.min(minuteOf(key.retired), minuteOf(key.exp))) { return "signed_after_retirement"; }
    if (t < minuteOf(key.nbf) || t > minuteOf(key.exp)) { return "expired_key"; }
    return "valid";
  }

  /* A valid token of a key disowned since (signed before the date): the warning, else null. */
  function disownedWarning(verdict) {
    if (verdict.outcome !== "valid" || !verdict.key.compromised) { return null; }
    return fill(text.key_disowned, formatDate(new Date(verdict.key.compromised)));
  }

  // --- revocation lists (signed VC-JWTs with a gzip bitstring) ---------------------------------------

  function gunzip(bytes) {
    if (typeof DecompressionStream === "undefined") { return Promise.reject(new Error("no gzip")); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer().then(function (buffer) { return new Uint8Array(buffer); });
  }

  function keyOfList(kid) {
    var thumbprint = String(kid || "").split("/").pop();
    return published.keys.filter(function (key) { return key.kid === thumbprint; })[0];
  }

  function loadStatusList(code, url) {
    return fetch(url).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.text();
    }).then(function (jwt) {
      var parts = jwt.trim().split(".");
      var header = json(decode(parts[0]));
      var claims = json(decode(parts[1]));
      var key = keyOfList(header.kid);
      if (!key || key.university !== code) { throw new Error("unknown key"); }
      var signature = decode(parts[2]);
      return signatureChecks(key, signature, ascii(parts[0] + "." + parts[1])).then(function (ok) {
        if (!ok) { throw new Error("bad signature"); }
        var encoded = claims.credentialSubject.encodedList.slice(1);
        var padded = encoded.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((encoded.length + 3) % 4);
        var binary = atob(padded), bytes = new Uint8Array(binary.length);
        for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
        return gunzip(bytes).then(function (bits) {
          var dates = listDates(claims);
          statusLists[code] = {bits: bits, date: dates.from, until: dates.until};
        });
      });
    }).catch(function () { /* no list of this university yet: said so next to the verdict */ });
  }

  /* A list's dates: when it was signed (validFrom; nbf for a list that names none) and until when it
     holds (validUntil; null for a list that names none). */
  function listDates(claims) {
    var from = Date.parse(claims.validFrom);
    var until = Date.parse(claims.validUntil);
    return {from: isNaN(from) ? new Date(claims.nbf * 1000) : new Date(from),
            until: isNaN(until) ? null : new Date(until)};
  }

  /* The warning for a list kept past its validUntil (a later revocation may be missing), or "". */
  function listExpiryNotice(list) {
    if (!list.until || Date.now() <= list.until.getTime()) { return ""; }
    return " " + fill(text.list_expired, formatDate(list.until));
  }

  function revocationText(claims) {
    var list = statusLists[claims.u];
    if (!list || typeof claims.i !== "number") { return text.revocation_unknown; }
    var byte = list.bits[Math.floor(claims.i / 8)] || 0;
    var revoked = (byte & (0x80 >> (claims.i % 8))) !== 0;
    return fill(revoked ? text.revoked : text.not_revoked, formatDate(list.date)) + listExpiryNotice(list);
  }

  /* "revoked", "not_revoked", or "unknown" (no verified list of the university, or no index). */
  function revocationState(claims) {
    var list = statusLists[claims.u];
    if (!list || typeof claims.i !== "number") { return "unknown"; }
    return ((list.bits[Math.floor(claims.i / 8)] || 0) & (0x80 >> (claims.i % 8))) !== 0 ? "revoked"
      : "not_revoked";
  }

  // --- showing -----------------------------------------------------------------------------------------

  function field(name) { return content.querySelector('[data-field="' + name + '"]'); }

  /* A university's names, from its Open Badges issuer profile ("الاسم — Name"). */
  function loadProfile(code, url) {
    return fetch(url).then(function (response) {
      if (!response.ok) { throw new Error("profile " + response.status); }
      return response.json();
    }).then(function (profile) {
      var parts = String(profile.name || "").split(" — ");
      universityNames[code] = parts.length === 2 ? {ar: parts[0], en: parts[1]} : {ar: profile.name, en: profile.name};
    }).catch(function () { /* the code is shown instead */ });
  }

  function nameOf(table, code) {
    var names = (table === "universities" ? universityNames : published[table] || {})[code];
    return names ? names[config.language] || names.en : code;
  }

  function showContent(verdict) {
    var claims = verdict.claims;
    field("a").textContent = claims.a;
    field("e").textContent = claims.e;
    field("s").textContent = claims.s;
    field("u").textContent = nameOf("universities", claims.u);
    field("p").textContent = nameOf("programmes", claims.p);
    field("d").textContent = formatDate(new Date(Date.UTC(+claims.d.slice(0, 4), +claims.d.slice(4, 6) - 1,
                                                          +claims.d.slice(6, 8))));
    field("b").textContent = typeof claims.b === "string" ? config.bands[claims.b] : claims.b[config.language];
    field("revocation").textContent = revocationText(claims);
    field("fingerprint").textContent = verdict.key.fingerprint;
    content.hidden = false;
  }

  function show(verdict) {
    var revocation = verdict.outcome === "valid" ? revocationState(verdict.claims) : "";
    var warning = disownedWarning(verdict);
    var genuine = revocation === "not_revoked" && !warning;
    var unknown = revocation === "unknown" || (warning && revocation !== "revoked");
    result.hidden = false;
    result.dataset.outcome = verdict.outcome;
    result.dataset.revocation = revocation;
    result.dataset.keyDisowned = warning ? "yes" : "";
    result.className = "card " + (genuine ? "flash-success" : unknown ? "flash-warning" : "flash-error");
    verdictTitle.textContent = genuine ? text.valid : warning && unknown ? text.valid_key_disowned
      : unknown ? text.valid_revocation_unknown : text.refused;
    reason.textContent = warning || text.outcomes[verdict.outcome];
    if (verdict.outcome === "valid") {
      showContent(verdict);
    } else {
      content.hidden = true;
    }
  }

  function showMessage(message) {
    result.hidden = false;
    result.dataset.outcome = "";
    result.dataset.revocation = "";
    result.className = "card";
    verdictTitle.textContent = "";
    reason.textContent = message;
    content.hidden = true;
  }

  function check(value) {
    var token = tokenOf(value);
    if (!token) { showMessage(text.empty); return Promise.resolve(); }
    if (!published) { showMessage(keysRefused ? text.keys_not_signed : text.no_keys); return Promise.resolve(); }
    if (!window.crypto || !crypto.subtle) { showMessage(text.no_crypto); return Promise.resolve(); }
    showMessage(text.checking);
    return verify(token).then(show);
  }

  // --- the keys, the lists and the service worker ---------------------------------------------------

  /* The keys (and the revocation lists); resolves to the date they were published as (the answer's Date
     header: when offline, the date of the copy the service worker kept). */
  function loadKeys() {
    var received = null;
    return fetch(config.keys).then(function (response) {
      if (!response.ok) { throw new Error("keys " + response.status); }
      received = Date.parse(response.headers.get("Date") || "") || Date.now();
      return response.json();
    }).then(verifiedKeyList).then(function (data) {
      published = data;
      var codes = Object.keys(data.universities || {});
      return Promise.all(codes.map(function (code) {
        return Promise.all([loadStatusList(code, data.universities[code].status),
                            loadProfile(code, data.universities[code].profile)]);
      }));
    }).then(function () { return new Date(received); });
  }

  /* keys.json's payload, once its signature (a flattened JWS, ES256) checks with the root's key written in
     the page; rejected otherwise (keysRefused is set, and the page says why). */
  var keysRefused = false;

  function verifiedKeyList(signed) {
    var refuse = function () { keysRefused = true; throw new Error("key list not signed by the root"); };
    if (!config.root || !signed || typeof signed.protected !== "string" || typeof signed.payload !== "string" ||
        typeof signed.signature !== "string") { refuse(); }
    var header, signature;
    try {
      header = json(decode(signed.protected));
      signature = decode(signed.signature);
    } catch (error) { refuse(); }
    if (!header || header.alg !== "ES256" || header.kid !== config.root.kid || signature.length !== 64) { refuse(); }
    return signatureChecks(config.root, signature, ascii(signed.protected + "." + signed.payload))
      .then(function (ok) {
        if (!ok) { refuse(); }
        return json(decode(signed.payload));
      });
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator)) { return Promise.resolve(false); }
    return navigator.serviceWorker.register(config.worker, {scope: config.scope})
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () { return true; })
      .catch(function () { return false; });
  }

  function start() {
    var keys = loadKeys().catch(function () { return null; });
    Promise.all([keys, registerWorker()]).then(function (results) {
      var date = results[0], kept = results[1];
      if (!date) {
        readiness.textContent = keysRefused ? text.keys_not_signed : text.no_keys;
        readiness.dataset.keys = keysRefused ? "refused" : "missing";
      } else {
        readiness.textContent = fill(kept ? text.ready : text.online_only, formatDate(date));
      }
      readiness.dataset.ready = kept && date ? "yes" : "no";
      var fromAddress = tokenOf(location.hash.slice(1) ? location.hash : "");
      if (fromAddress) {
        input.value = fromAddress;
        check(fromAddress);
      }
    });
  }

  // --- the camera (where the browser has BarcodeDetector) ----------------------------------------------

  function startCamera() {
    var detector = new window.BarcodeDetector({formats: ["qr_code"]});
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      showMessage(text.camera_hint);
      return video.play().then(function () {
        function look() {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              stream.getTracks().forEach(function (track) { track.stop(); });
              video.hidden = true;
              input.value = codes[0].rawValue;
              check(codes[0].rawValue);
            } else {
              requestAnimationFrame(look);
            }
          }).catch(function () { requestAnimationFrame(look); });
        }
        look();
      });
    }).catch(function () { showMessage(text.camera_error); });
  }

  // Only where the browser can read QR codes (Chrome on Android, for one): elsewhere, paste.
  if ("BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") >= 0) {
        scanButton.hidden = false;
        scanButton.addEventListener("click", startCamera);
      }
    }).catch(function () { /* no camera reader: paste */ });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    check(input.value);
  });
  input.addEventListener("paste", function () {
    setTimeout(function () { check(input.value); }, 0);
  });
  window.addEventListener("hashchange", function () {
    var token = tokenOf(location.hash);
    if (token) { input.value = token; check(token); }
  });

  start();
}());
