import type { SwaggerCustomOptions } from '@nestjs/swagger';
import type { SecuritySchemeObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/**
 * How /docs calls the API. OpenAPI has no HMAC scheme, so the signed-request scheme is declared
 * as HTTP basic: Swagger UI's "Authorize" dialog then asks for a username (the key id) and a
 * password (the secret) and keeps them in the page's memory only. Before each "Try it out"
 * request, the page's request interceptor removes that Authorization header and signs the
 * request instead (WebCrypto; a small SHA-256 in plain JavaScript where the page is not a
 * secure context, e.g. plain http on a LAN name). The secret never leaves the browser.
 */
export const signatureSecurityScheme: SecuritySchemeObject = {
  type: 'http',
  scheme: 'basic',
  description:
    'Requests are signed with HMAC-SHA256 (headers X-Mailover-Key, -Timestamp, -Nonce and -Signature; ' +
    'see docs/signing.md), never sent with a password. On this page, enter the key id as the username ' +
    'and the secret as the password: each request is signed in the browser and the secret stays there.',
};

/** Options for SwaggerModule.setup: the signing script and the interceptor that calls it. */
export function swaggerSigningOptions(): Pick<
  SwaggerCustomOptions,
  'customJsStr' | 'swaggerOptions'
> {
  return {
    customJsStr: SIGNING_SCRIPT,
    swaggerOptions: {
      // Built from source text so that the function Nest serialises into the page is exactly this.
      requestInterceptor: new Function('request', 'return window.mailoverSignRequest(request);'),
      persistAuthorization: false,
    },
  };
}

/** The page script: defines `window.mailoverSignRequest(request)`. Plain ES2017, no dependencies. */
export const SIGNING_SCRIPT = String.raw`
(function () {
  'use strict';
  var encoder = new TextEncoder();
  var subtle = window.crypto && window.isSecureContext ? window.crypto.subtle : undefined;

  function hex(bytes) {
    var out = '';
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
  }

  // FIPS 180-4 SHA-256, for pages that are not a secure context (no crypto.subtle).
  var K = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
    0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,
    0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,
    0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,
    0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,
    0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,
    0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,
    0xbef9a3f7,0xc67178f2];
  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
  function sha256(bytes) {
    var h = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19];
    var length = bytes.length;
    var padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
    padded.set(bytes);
    padded[length] = 0x80;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 4, (length * 8) >>> 0);
    view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
    var w = new Int32Array(64);
    for (var offset = 0; offset < padded.length; offset += 64) {
      for (var i = 0; i < 16; i++) w[i] = view.getInt32(offset + i * 4);
      for (i = 16; i < 64; i++) {
        var s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        var s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i++) {
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    var out = new Uint8Array(32);
    var outView = new DataView(out.buffer);
    for (i = 0; i < 8; i++) outView.setUint32(i * 4, h[i] >>> 0);
    return out;
  }
  function hmacSha256(key, message) {
    if (key.length > 64) key = sha256(key);
    var inner = new Uint8Array(64 + message.length);
    var outer = new Uint8Array(64 + 32);
    for (var i = 0; i < 64; i++) {
      var byte = i < key.length ? key[i] : 0;
      inner[i] = byte ^ 0x36;
      outer[i] = byte ^ 0x5c;
    }
    inner.set(message, 64);
    outer.set(sha256(inner), 64);
    return sha256(outer);
  }

  function sha256Hex(bytes) {
    if (!subtle) return Promise.resolve(hex(sha256(bytes)));
    return subtle.digest('SHA-256', bytes).then(function (d) { return hex(new Uint8Array(d)); });
  }
  function hmacHex(secret, text) {
    var key = encoder.encode(secret);
    var message = encoder.encode(text);
    if (!subtle) return Promise.resolve(hex(hmacSha256(key, message)));
    return subtle
      .importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      .then(function (k) { return subtle.sign('HMAC', k, message); })
      .then(function (mac) { return hex(new Uint8Array(mac)); });
  }
  function newNonce() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function utf8FromBinary(binary) {
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new TextDecoder().decode(bytes);
  }

  /** Swagger UI's requestInterceptor: turns "Authorize" credentials into a signed request. */
  window.mailoverSignRequest = function (request) {
    var headers = request.headers || {};
    var name = Object.keys(headers).filter(function (h) { return h.toLowerCase() === 'authorization'; })[0];
    var match = name && /^Basic\s+(.+)$/i.exec(String(headers[name]));
    if (!match) return request; // no credentials entered, or a request of Swagger UI's own
    var credentials = utf8FromBinary(atob(match[1]));
    var colon = credentials.indexOf(':');
    var keyId = credentials.slice(0, colon);
    var secret = credentials.slice(colon + 1);
    delete headers[name];

    var body = request.body;
    if (body === undefined || body === null) body = '';
    else if (body instanceof URLSearchParams) body = body.toString();
    else if (typeof body === 'object' && !(body instanceof FormData) && !(body instanceof Blob)) {
      body = JSON.stringify(body);
    }
    if (typeof body !== 'string') return request; // multipart: not accepted by the API anyway
    if (body !== '') request.body = body; // send exactly the bytes that are signed

    var url = new URL(request.url, window.location.href);
    var timestamp = String(Math.floor(Date.now() / 1000));
    var nonce = newNonce();
    return sha256Hex(encoder.encode(body)).then(function (bodyHash) {
      var lines = ['v1', timestamp, nonce, String(request.method || 'GET').toUpperCase(), url.pathname + url.search, bodyHash];
      return hmacHex(secret, lines.join('\n'));
    }).then(function (mac) {
      headers['X-Mailover-Key'] = keyId;
      headers['X-Mailover-Timestamp'] = timestamp;
      headers['X-Mailover-Nonce'] = nonce;
      headers['X-Mailover-Signature'] = 'v1=' + mac;
      request.headers = headers;
      return request;
    });
  };
})();
`;
