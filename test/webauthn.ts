import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import type { RelyingParty } from "@/lib/config";

/** The shop as the unit tests' passkeys know it (what config.passkeys is for APP_BASE_URL=http://localhost:3000). */
export const TEST_RELYING_PARTY: RelyingParty = { id: "localhost", origin: "http://localhost:3000", name: "Test shop" };

const b64url = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();

/**
 * A software authenticator (ES256, as a security key or a phone makes them) that answers real
 * WebAuthn ceremonies in Node: what a browser sends after navigator.credentials.create() / get().
 * Nothing is mocked on the server side: these answers go through @simplewebauthn/server whole.
 *
 * `counter`: the signature counter it reports (0 forever: an authenticator that keeps none;
 * otherwise it counts up by one per signature). `origin` / `rpId` override what a browser would
 * put, to play a phishing site.
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(private counter = 0) {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  /** Sets the counter the next signature reports (after this one's increment). */
  setCounter(value: number) {
    this.counter = value;
  }

  private authenticatorData(rpId: string, attested: Uint8Array | null): Buffer {
    const counter = Buffer.alloc(4);
    if (this.counter > 0) this.counter += 1;
    counter.writeUInt32BE(this.counter);
    // Flags: user present (0x01), user verified (0x04), attested credential data (0x40).
    const flags = Buffer.from([0x01 | 0x04 | (attested ? 0x40 : 0)]);
    return Buffer.concat([sha256(rpId), flags, counter, attested ?? Buffer.alloc(0)]);
  }

  private clientData(type: "webauthn.create" | "webauthn.get", challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** The answer to registration options (`options.challenge`), as @simplewebauthn/browser's startRegistration gives it. */
  register(options: { challenge: string }, site: { origin: string; rpId: string } = { origin: TEST_RELYING_PARTY.origin, rpId: TEST_RELYING_PARTY.id }): string {
    const jwk = this.publicKey.export({ format: "jwk" });
    const cose = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, new Uint8Array(Buffer.from(jwk.x!, "base64url"))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, "base64url"))],
    ]);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, Buffer.from(isoCBOR.encode(cose))]);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([["fmt", "none"], ["attStmt", new Map()], ["authData", new Uint8Array(this.authenticatorData(site.rpId, attested))]]) as never);
    return JSON.stringify({
      id: this.id,
      rawId: this.id,
      type: "public-key",
      authenticatorAttachment: "cross-platform",
      clientExtensionResults: {},
      response: { clientDataJSON: b64url(this.clientData("webauthn.create", options.challenge, site.origin)), attestationObject: b64url(attestationObject), transports: ["usb", "nfc"] },
    });
  }

  /** The answer to authentication options, as startAuthentication gives it. */
  authenticate(options: { challenge: string }, site: { origin: string; rpId: string } = { origin: TEST_RELYING_PARTY.origin, rpId: TEST_RELYING_PARTY.id }): string {
    const authenticatorData = this.authenticatorData(site.rpId, null);
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, site.origin);
    const signature = sign("sha256", Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.privateKey);
    return JSON.stringify({
      id: this.id,
      rawId: this.id,
      type: "public-key",
      authenticatorAttachment: "cross-platform",
      clientExtensionResults: {},
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authenticatorData), signature: b64url(signature) },
    });
  }
}
