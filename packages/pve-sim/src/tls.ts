import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

export interface SimCertificate {
  key: string;
  cert: string;
  /** The cluster CA, as in /etc/pve/pve-root-ca.pem: what PROXMOX_CA_FILE points at. */
  caCert: string;
  /** SHA-256 of the node certificate, colon hex: what PROXMOX_TLS_FINGERPRINT pins. */
  fingerprint: string;
}

/** A cluster CA and a node certificate it signs, like a fresh PVE install (pve-root-ca + pve-ssl). */
export async function createSimCertificate(hostnames: string[]): Promise<SimCertificate> {
  const notAfter = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'Proxmox Virtual Environment (simulated)' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const altNames = hostnames.map((name) =>
    /^[\d.]+$/.test(name) || name.includes(':')
      ? { type: 7 as const, ip: name }
      : { type: 2 as const, value: name },
  );
  const node = await generate([{ name: 'commonName', value: hostnames[0] ?? 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: notAfter,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return {
    key: node.private,
    cert: node.cert,
    caCert: ca.cert,
    fingerprint: new X509Certificate(node.cert).fingerprint256,
  };
}
