// Proof of work for the public report form (工作量证明): find a nonce such that
// SHA-256(challenge ":" nonce) starts with the number of zero bits the server asks for.
// Plain SHA-256 in JavaScript, because crypto.subtle exists only on HTTPS and localhost.
(function () {
  "use strict";
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];
  var W = new Int32Array(64);

  // SHA-256 of an ASCII string; returns the first 32-bit word (enough to count leading zero bits
  // up to 32) and the second for more.
  function sha256Words(text) {
    var n = text.length, blocks = ((n + 9 + 63) >> 6) << 4, m = new Int32Array(blocks), i;
    for (i = 0; i < n; i++) m[i >> 2] |= text.charCodeAt(i) << (24 - (i % 4) * 8);
    m[n >> 2] |= 0x80 << (24 - (n % 4) * 8);
    m[blocks - 1] = n * 8;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a,
      h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var b = 0; b < blocks; b += 16) {
      var a = h0, bb = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7, t;
      for (t = 0; t < 64; t++) {
        if (t < 16) W[t] = m[b + t];
        else {
          var x = W[t - 15], y = W[t - 2];
          W[t] = (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) +
            (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)) + W[t - 7] + W[t - 16];
        }
        var t1 = h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
          ((e & f) ^ (~e & g)) + K[t] + W[t];
        var t2 = (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
          ((a & bb) ^ (a & c) ^ (bb & c));
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + bb) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    return [h0 >>> 0, h1 >>> 0];
  }

  function zeroBits(words) {
    if (words[0] !== 0) return Math.clz32(words[0]);
    return 32 + Math.clz32(words[1]);
  }

  function start(form) {
    var bits = parseInt(form.getAttribute("data-pow-bits") || "0", 10);
    var challenge = form.querySelector("[name=pow_challenge]").value;
    var nonceField = form.querySelector("[name=pow_nonce]");
    var status = form.querySelector(".pow-status");
    var button = form.querySelector("button[type=submit]");
    var wantSubmit = false, done = bits === 0, nonce = 0;
    if (status) status.textContent = done ? "" : status.getAttribute("data-working");
    form.addEventListener("submit", function (event) {
      if (!done) { event.preventDefault(); wantSubmit = true; button.disabled = true; }
    });
    function finish() {
      done = true;
      nonceField.value = String(nonce);
      form.setAttribute("data-pow-done", "1");
      if (status) status.textContent = status.getAttribute("data-done");
      button.disabled = false;
      if (wantSubmit) form.submit();
    }
    function work() {
      // Work in slices so the page stays responsive while the reporter types.
      for (var i = 0; i < 20000; i++, nonce++) {
        if (zeroBits(sha256Words(challenge + ":" + nonce)) >= bits) { finish(); return; }
      }
      setTimeout(work, 0);
    }
    if (done) finish(); else setTimeout(work, 0);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-pow-bits]");
    for (var i = 0; i < forms.length; i++) start(forms[i]);
  });
})();
