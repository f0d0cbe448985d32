import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorCore } from "../core";
import { parseJson, readBody, sendJson } from "../http";
import { envelopes } from "../wire";
import { hasValidApiKey } from "./auth";

/** What PayRam answers a call without its project's API-Key. */
export const UNAUTHORISED = envelopes.nested("UNAUTHORIZED", "Unauthorised access!");

/** The page nginx in front of PayRam answers an injected 502 with. */
export const BAD_GATEWAY_HTML =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/**
 * A POST to PayRam's API up to its JSON body: the API key checked, the body read and parsed.
 * Undefined once the call is answered: 401 without the key, 413 for a body over the limit, 400
 * with `invalidJson` (each endpoint words it its own way), and nothing for an aborted body.
 */
export async function readApiJson(core: EmulatorCore, req: IncomingMessage, res: ServerResponse, invalidJson: unknown): Promise<{ value: unknown } | undefined> {
  if (!hasValidApiKey(req, core.settings.apiKey)) return void sendJson(res, 401, UNAUTHORISED);
  const read = await readBody(req, core.settings.maxBodyBytes);
  if (!read.ok) return read.reason === "too-large" ? void sendJson(res, 413, envelopes.text("request body too large")) : undefined;
  const json = parseJson(read.body);
  if (!json.ok) return void sendJson(res, 400, invalidJson);
  return { value: json.value };
}
