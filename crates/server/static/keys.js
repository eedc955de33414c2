// The app pages' key-pair generator. "Create key" makes an RSA-2048 key pair in
// this browser with WebCrypto, downloads the private key as private_key.pem
// (PKCS#8) and posts only the public key (SPKI PEM) with the page's form. The
// private key never leaves the browser. Without WebCrypto the button stays
// hidden and the PEM upload form remains.
"use strict";
(() => {
  const button = document.getElementById("create-key");
  const form = document.getElementById("key-form");
  const status = document.getElementById("key-status");
  if (!button || !form || !window.crypto || !window.crypto.subtle) return;
  button.hidden = false;

  const pem = (label, buffer) => {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    const lines = btoa(binary).match(/.{1,64}/g).join("\n");
    return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
  };

  const download = (name, text) => {
    const url = URL.createObjectURL(new Blob([text], { type: "application/x-pem-file" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  };

  button.addEventListener("click", async () => {
    button.disabled = true;
    if (status) status.textContent = button.dataset.working || "";
    try {
      const pair = await window.crypto.subtle.generateKey(
        {
          name: "RSASSA-PKCS1-v1_5",
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: "SHA-256",
        },
        true,
        ["sign", "verify"],
      );
      const spki = await window.crypto.subtle.exportKey("spki", pair.publicKey);
      const pkcs8 = await window.crypto.subtle.exportKey("pkcs8", pair.privateKey);
      download("private_key.pem", pem("PRIVATE KEY", pkcs8));
      form.elements.public_key.value = pem("PUBLIC KEY", spki);
      // Give the download a moment to start before the page moves on.
      setTimeout(() => form.submit(), 400);
    } catch (error) {
      button.disabled = false;
      if (status) status.textContent = button.dataset.failed || String(error);
    }
  });
})();
